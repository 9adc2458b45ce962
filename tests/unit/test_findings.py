"""Findings: what the guide says about sources and the network, in French and English."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mpanalysis.analysis.findings import (
    find_network_findings,
    find_source_findings,
    findings_from_json,
    findings_to_frame,
    findings_to_json,
    format_entity_name,
    format_number,
    load_finding_catalogue,
    make_finding,
    render_sentence,
)
from mpanalysis.analysis.network import build_actor_network, summarize_network
from mpanalysis.errors import MpanalysisError, ReferenceDataError
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table
from mpanalysis.params import CountryParams
from mpanalysis.paths import reference_dir
from mpanalysis.wording.quotes import Marked, split_marked, strip_marks

NBSP = "\u00a0"


def make_dataset(entities, flows=(), sources=(), stages=()) -> CountryDataset:
    """entities: (id, name, acronym, type, is_coordinator); flows: (reporter, partner, direction,
    channel); sources: (entity, domain, status, access, last_update); stages: (entity, stage)."""
    tables = {name: make_empty_table(name) for name in TABLE_COLUMNS}
    tables["entities"] = pd.DataFrame(
        [{"entity_id": e, "name": n, "acronym": a, "institution_type": t, "sector": "governmental",
          "is_respondent": True, "is_coordinator": c, "is_wg_member": c}
         for e, n, a, t, c in entities], columns=TABLE_COLUMNS["entities"])
    tables["flows"] = pd.DataFrame(
        [{"flow_id": f"f{i}", "entity_id": u, "partner_entity_id": v, "partner_name": v,
          "direction": d, "channel": ch, "domains": "trends", "stages": "elaboration"}
         for i, (u, v, d, ch) in enumerate(flows)], columns=TABLE_COLUMNS["flows"])
    tables["sources"] = pd.DataFrame(
        [{"source_id": f"s{i}", "entity_id": e, "source_name": f"Source {i}", "domain": d,
          "status": st, "access": ac, "last_update": y}
         for i, (e, d, st, ac, y) in enumerate(sources)], columns=TABLE_COLUMNS["sources"])
    tables["stages"] = pd.DataFrame([{"entity_id": e, "stage": s} for e, s in stages],
                                    columns=TABLE_COLUMNS["stages"])
    return CountryDataset(country="SEN", **tables)


ENTITIES = [
    ("SEN-ANSD", "Agence nationale de la statistique", "ANSD", "statistics_office", False),
    ("SEN-DPAF", "Police de l'air et des frontières", "DPAF", "police_border", False),
    ("SEN-DGASE", "Direction générale d'appui aux Sénégalais de l'extérieur", "DGASE", "agency", True),
    ("SEN-UCAD", "Université Cheikh Anta Diop", "UCAD", "academia", False),
]
PARAMS = CountryParams(country="SEN", staleness_years=3, reference_year=2024)


@pytest.fixture
def country() -> CountryDataset:
    return make_dataset(
        ENTITIES,
        flows=[("SEN-ANSD", "SEN-DGASE", "provides", "formal_agreement"),
               ("SEN-DGASE", "SEN-ANSD", "receives", "informal"),
               ("SEN-DGASE", "SEN-UCAD", "provides", "informal")],
        sources=[("SEN-ANSD", "trends", "existing", "public", 2023),
                 ("SEN-DPAF", "border_management", "existing", "internal", 2016),
                 ("SEN-UCAD", "development", "potential", None, None),
                 ("SEN-UCAD", "development", "existing", "public", None)],
        stages=[("SEN-DPAF", "implementation"), ("SEN-DGASE", "elaboration")])


def by_id(findings):
    return {f.id: f for f in findings}


# ------------------------------------------------------------------------- chapter I


def test_source_findings_name_gaps_restrictions_staleness_and_missing_exchange(country):
    findings = by_id(find_source_findings(country, PARAMS))
    assert findings["sources.coverage_gap.crisis"].severity == "high"
    assert findings["sources.coverage_gap.crisis"].numbers["n_potential"] == 0
    assert "sources.coverage_gap.development" not in findings  # UCAD has an existing source
    restricted = findings["sources.restricted_only.border_management"]
    assert restricted.entities == ("SEN-DPAF",)
    assert findings["sources.no_exchange.development"].entities == ("SEN-UCAD",)
    assert "sources.no_exchange.border_management" in findings
    stale = findings["sources.stale_sources.border_management"]
    assert stale.numbers["oldest_year"] == 2016 and stale.severity == "high"
    unknown = findings["sources.unknown_update_year"]
    assert unknown.entities == ("SEN-UCAD",) and unknown.numbers["n_unknown"] == 1
    assert "sources.no_exchange.trends" not in findings  # trends flows from ANSD to DGASE


def test_source_sentences_use_names_labels_and_each_language(country):
    findings = by_id(find_source_findings(country, PARAMS))
    restricted = findings["sources.restricted_only.border_management"]
    assert restricted.text["fr"].startswith("La seule source existante du domaine « Gestion des frontières »")
    assert restricted.text["fr"].endswith("Cette source est détenue par la Police de l'air et des frontières (DPAF).")
    assert restricted.text["en"].startswith("The only existing source for the domain “Border management” is")
    # a French name in an English sentence: "the", and marked as quoted in French
    assert strip_marks(restricted.text["en"], "en").endswith("It is held by the Police de l'air et des frontières (DPAF).")
    assert split_marked(restricted.text["en"])[-2] == Marked("as_given", "fr", "Police de l'air et des frontières (DPAF)")
    assert all("SEN-" not in text for f in findings.values() for text in f.text.values())


def test_findings_only_name_entities_that_exist(country):
    known = set(country.entities["entity_id"])
    G = build_actor_network(country)
    findings = find_source_findings(country, PARAMS) + find_network_findings(
        G, summarize_network(G, sources=country.sources), country)
    assert all(set(f.entities) <= known for f in findings)
    assert len({f.id for f in findings}) == len(findings)  # ids are unique


# ------------------------------------------------------------------------- chapter II


def test_network_findings_on_a_small_country(country):
    G = build_actor_network(country)
    findings = by_id(find_network_findings(G, summarize_network(G), country))
    # DPAF and UCAD hold existing sources and send nothing
    assert findings["network.silent_producers"].entities == ("SEN-DPAF", "SEN-UCAD")
    # DPAF takes part in implementation and receives nothing; DGASE receives from ANSD
    assert findings["network.unreached_users"].entities == ("SEN-DPAF",)
    # DGASE is the only link of ANSD and of UCAD, one each: a minor cut vertex
    assert findings["network.minor_cut_vertices"].entities == ("SEN-DGASE",)
    assert findings["network.minor_cut_vertices"].severity == "low"
    reach = findings["network.coordinator_reach"]
    assert reach.entities == ("SEN-DGASE",) and reach.numbers["reach_share"] == pytest.approx(2 / 3)
    formal = findings["network.formal_share"]
    assert formal.numbers == {"formal_share": 0.5, "n_formal": 1, "n_edges": 2}
    assert formal.text["fr"].startswith(f"50{NBSP}% des 2 flux") and formal.text["en"].startswith("50% of the 2")
    confirmation = findings["network.confirmation_rate"]
    assert confirmation.numbers["confirmation_rate"] == 0.5  # ANSD → DGASE reported by both
    stage = findings["network.stage_without_data.implementation"]
    assert stage.entities == ("SEN-DPAF",) and stage.severity == "high"
    assert "« Mise en œuvre »" in stage.text["fr"]
    assert "network.stage_without_data.elaboration" not in findings


def test_silos_bridges_and_brokers_become_findings():
    ids = [f"SEN-{x}" for x in "ABCXYZ"]
    entities = [(i, f"Institution {i[-1]}", "", "ministry", False) for i in ids]
    pairs = [("A", "B"), ("B", "C"), ("C", "A"), ("X", "Y"), ("Y", "Z"), ("Z", "X")]
    flows = [(f"SEN-{u}", f"SEN-{v}", "exchanges", "informal") for u, v in pairs]
    flows.append(("SEN-C", "SEN-X", "exchanges", "informal"))
    data = make_dataset(entities, flows=flows)
    G = build_actor_network(data)
    findings = by_id(find_network_findings(G, summarize_network(G), data))
    assert "network.bridge.SEN-C.SEN-X" in findings
    assert findings["network.bridge.SEN-C.SEN-X"].numbers == {"small_side": 3, "large_side": 3}
    silos = [f for f in findings.values() if f.kind == "silo"]
    assert sorted(f.id for f in silos) == ["network.silo.SEN-C", "network.silo.SEN-X"]
    assert {f.numbers["n_external"] for f in silos} == {2}  # the C ⇄ X exchange, both ways
    brokers = [f for f in findings.values() if f.kind == "central_broker"]
    assert {f.entities[0] for f in brokers} == {"SEN-C", "SEN-X"}
    assert "network.no_coordinator" in findings


def test_cut_vertices_are_named_one_by_one_only_when_they_cut_off_several_entities():
    # A - B - C - D - E: without C, two entities are cut off; B and D only cut off one each
    entities = [(f"SEN-{x}", f"Institution {x}", "", "ministry", False) for x in "ABCDE"]
    data = make_dataset(entities, flows=[(f"SEN-{u}", f"SEN-{v}", "provides", "informal")
                                         for u, v in ["AB", "BC", "CD", "DE"]])
    G = build_actor_network(data)
    findings = find_network_findings(G, summarize_network(G), data)
    chosen = [f for f in findings if f.kind in {"cut_vertex", "minor_cut_vertices", "bridge"}]
    assert [f.id for f in chosen] == ["network.cut_vertex.SEN-C", "network.minor_cut_vertices",
                                      "network.bridge.SEN-B.SEN-C", "network.bridge.SEN-C.SEN-D"]
    by = by_id(findings)
    assert by["network.cut_vertex.SEN-C"].text["en"].startswith(
        "The Institution C is a single point of failure, a link the network cannot do without: without it, "
        "2 institutions would be cut off")
    assert by["network.minor_cut_vertices"].entities == ("SEN-B", "SEN-D")
    assert "network.bridge.SEN-A.SEN-B" not in by  # a link to a lone entity is not a bridge finding


def test_a_community_with_many_outside_flows_is_not_a_silo():
    # two triangles tied by three links: each triangle sends 3 of its 9 flows outside
    ids = [f"SEN-{x}" for x in "ABCXYZ"]
    entities = [(i, f"Institution {i[-1]}", "", "ministry", False) for i in ids]
    pairs = [("A", "B"), ("B", "C"), ("C", "A"), ("X", "Y"), ("Y", "Z"), ("Z", "X")]
    flows = [(f"SEN-{u}", f"SEN-{v}", "exchanges", "informal") for u, v in pairs]
    flows += [(f"SEN-{u}", f"SEN-{v}", "provides", "informal") for u, v in [("A", "X"), ("B", "Y"), ("C", "Z")]]
    data = make_dataset(entities, flows=flows)
    G = build_actor_network(data)
    summary = summarize_network(G)
    assert len(summary.silos) == 2
    assert summary.community_table["external_share"].tolist() == [pytest.approx(1 / 3)] * 2
    assert not [f for f in find_network_findings(G, summary, data) if f.kind == "silo"]


# ------------------------------------------------------------------------- wording


def test_numbers_follow_each_language():
    assert format_number("reach_share", 0.42, "fr") == f"42{NBSP}%"
    assert format_number("reach_share", 0.42, "en") == "42%"
    assert format_number("n_edges", 12345, "en") == "12,345"
    assert format_number("oldest_year", 2016, "fr") == "2016"  # no digit grouping in years


def test_plural_forms_follow_each_language():
    template = "{n} {n|source|sources}"
    assert render_sentence(template, "fr", numbers={"n": 0}) == "0 source"
    assert render_sentence(template, "en", numbers={"n": 0}) == "0 sources"
    assert render_sentence(template, "en", numbers={"n": 1}) == "1 source"


def test_a_long_list_of_names_is_counted_and_cites_the_table_listing_them():
    f = make_finding("silent_producers", entities=[f"E{i}" for i in range(7)],
                     names={f"E{i}": f"Direction {i}" for i in range(7)}, numbers={"n_entities": 7})
    assert f.text["en"].startswith("The 7 institutions (listed in {ref:network_named_institutions}) hold")
    assert f.text["fr"].startswith("Les 7 institutions (voir {ref:network_named_institutions}) détiennent")
    for text in f.text.values():
        assert "Direction" not in text and not re.search(r"\b(others?|autres?)\b\.?$", text)
    assert f.label["fr"] and f.severity == "high"


def test_a_short_list_names_each_institution_with_its_article():
    f = make_finding("silent_producers", entities=["A", "B"], numbers={"n_entities": 2},
                     names={"A": "Direction générale des douanes (DGD)", "B": "Institut national (INS)"})
    assert f.text["fr"].startswith("La Direction générale des douanes (DGD) et l’Institut national (INS) détiennent")
    assert f.text["en"].startswith("The Direction générale des douanes (DGD) and the Institut national (INS) hold")


def test_an_acronym_is_added_unless_the_name_already_holds_it_as_a_word():
    assert format_entity_name("Institut national de la statistique", "INS") == \
        "Institut national de la statistique (INS)"
    assert format_entity_name("Ministère de l'Intérieur", "MI") == "Ministère de l'Intérieur (MI)"
    assert format_entity_name("Police nationale (DGPN)", "DGPN") == "Police nationale (DGPN)"
    assert format_entity_name("Agence ANSD", "ansd") == "Agence ANSD"
    assert format_entity_name(None, "OIM") == "OIM"


def test_a_missing_placeholder_names_the_kind_and_language():
    with pytest.raises(ReferenceDataError, match=r"kinds\.cut_vertex\.text\.(fr|en)'.*\{n_cut_off\}"):
        make_finding("cut_vertex", "SEN-B", entities=["SEN-B"], names={"SEN-B": "Bureau"})


def test_severity_follows_the_rules_of_the_catalogue():
    low = make_finding("formal_share", numbers={"formal_share": 0.1, "n_formal": 1, "n_edges": 10})
    fine = make_finding("formal_share", numbers={"formal_share": 0.8, "n_formal": 8, "n_edges": 10})
    assert (low.severity, fine.severity) == ("high", "info")


def test_every_kind_uses_the_same_placeholders_in_every_language():
    catalogue = load_finding_catalogue()
    for kind, spec in catalogue.kinds.items():
        found = {lang: set(re.findall(r"\{(\w+)[}|:]", text)) for lang, text in spec.text.items()}
        assert len({frozenset(v) for v in found.values()}) == 1, (kind, found)
        placeholders = found["fr"]
        numbers = {p: 2 for p in placeholders if p not in {"name", "names", "domain", "stage"}}
        codes = {k: v for k, v in (("domain", "crisis"), ("stage", "evaluation")) if k in placeholders}
        f = make_finding(kind, entities=["X"], names={"X": "Nom"}, numbers=numbers, codes=codes)
        assert all("{" not in text for text in f.text.values()), (kind, f.text)


def test_adding_portuguese_is_adding_pt_strings(tmp_path):
    data = yaml.safe_load((reference_dir() / "findings.yaml").read_text(encoding="utf-8"))
    data["languages"].append("pt")
    for labels in data["severity_labels"].values():
        labels["pt"] = "Alta"
    for spec in data["kinds"].values():
        spec["text"]["pt"] = "{formal_share} dos fluxos" if "formal_share" in spec["text"]["en"] else "Texto"
    path = tmp_path / "findings.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    catalogue = load_finding_catalogue(path)
    f = make_finding("formal_share", numbers={"formal_share": 0.5, "n_formal": 1, "n_edges": 2},
                     catalogue=catalogue)
    assert f.text["pt"] == "50% dos fluxos"
    assert set(f.text) == {"en", "fr", "pt"}


def test_a_catalogue_missing_a_language_is_refused_with_its_key(tmp_path):
    data = yaml.safe_load((reference_dir() / "findings.yaml").read_text(encoding="utf-8"))
    del data["kinds"]["bridge"]["text"]["en"]
    path = tmp_path / "findings.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"findings.yaml.*kind 'bridge'"):
        load_finding_catalogue(path)


# ------------------------------------------------------------------------- display and storage


def test_frame_shows_the_most_severe_first_in_the_chosen_language(country):
    findings = find_source_findings(country, PARAMS)
    frame = findings_to_frame(findings, "en")
    ranks = frame["severity"].map({"info": 0, "low": 1, "medium": 2, "high": 3}).tolist()
    assert ranks == sorted(ranks, reverse=True)
    assert frame.loc[0, "severity_label"] == "High"
    assert findings_to_frame(findings, "fr").loc[0, "severity_label"] == "Élevée"


def test_json_round_trip_gives_the_same_findings(country):
    findings = find_source_findings(country, PARAMS)
    text = findings_to_json(findings)
    assert "Gestion des frontières" in text  # accents kept, not \\u escapes
    assert findings_from_json(text) == findings


def test_a_damaged_findings_file_names_the_problem():
    with pytest.raises(MpanalysisError, match=r"findings.json: not valid JSON"):
        findings_from_json("[{", source=Path("findings.json"))
    with pytest.raises(MpanalysisError, match=r"finding 1, key 'severity'"):
        findings_from_json('[{"id": "x", "kind": "k", "severity": "huge", "chapter": "I", '
                           '"text": {}, "evidence": "e"}]')
