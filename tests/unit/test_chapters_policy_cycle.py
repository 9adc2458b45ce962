"""Chapter II builder: what a reader of the guide sees, on a tiny hand-made actor network."""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pytest

import mpanalysis.guide.chapters.policy_cycle as policy_cycle
from mpanalysis.analysis.findings import load_finding_catalogue
from mpanalysis.analysis.network import build_actor_network, read_network_graphml, summarize_network
from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.chapters.policy_cycle import build_policy_cycle_chapter
from mpanalysis.guide.chapters.recommendations import map_evidence_to_blocks
from mpanalysis.guide.chapters.sources import build_sources_chapter
from mpanalysis.guide.document import Callout, Guide, Paragraph, Table, find_unknown_refs, iter_blocks
from mpanalysis.guide.texts import get_chapter_text
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table
from mpanalysis.params import CountryParams

PARAMS = CountryParams(country="SEN", reference_year=2024)


def make_table(name: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=make_empty_table(name).columns).astype(object)


def make_dataset(flows=None) -> CountryDataset:
    """A chain COORD → AGENCY → UNIV → NGO (AGENCY and UNIV are cut vertices); NGO holds a source
    but sends nothing; LONE takes part in reformulation and receives nothing."""
    entities = [("SEN-COORD", "Direction des migrations", "DM", "agency", True),
                ("SEN-AG", "Agence des frontières", "AF", "police_border", False),
                ("SEN-UNIV", "Université Beta", "UB", "academia", False),
                ("SEN-ONG", "Association d'aide", "AA", "civil_society", False),
                ("SEN-LONE", "Office isolé", "OI", "agency", False)]
    tables = {name: make_empty_table(name) for name in TABLE_COLUMNS}
    tables["entities"] = make_table("entities", [
        {"entity_id": e, "name": n, "acronym": a, "institution_type": t,
         "sector": "other" if t in {"academia", "civil_society"} else "governmental",
         "is_respondent": True, "is_coordinator": c, "is_wg_member": c} for e, n, a, t, c in entities])
    if flows is None:
        flows = [("SEN-COORD", "SEN-AG", "provides", "formal_agreement", "elaboration"),
                 ("SEN-AG", "SEN-COORD", "receives", "formal_agreement", "elaboration"),
                 ("SEN-AG", "SEN-UNIV", "provides", "informal", "implementation"),
                 ("SEN-UNIV", "SEN-ONG", "provides", "informal", "implementation")]
    tables["flows"] = make_table("flows", [
        {"flow_id": f"f{i}", "entity_id": u, "partner_name": v, "partner_entity_id": v, "direction": d,
         "domains": "trends", "frequency": "annual", "channel": ch, "stages": st}
        for i, (u, v, d, ch, st) in enumerate(flows)])
    tables["stages"] = make_table("stages", [
        {"entity_id": "SEN-COORD", "stage": "needs_identification"},
        {"entity_id": "SEN-AG", "stage": "implementation"},
        {"entity_id": "SEN-LONE", "stage": "reformulation"}])
    tables["sources"] = make_table("sources", [
        {"source_id": "S1", "entity_id": "SEN-ONG", "source_name": "Registre des personnes aidées",
         "domain": "crisis", "status": "existing", "access": "internal", "last_update": 2023}])
    return CountryDataset(country="SEN", **tables)


@pytest.fixture(scope="module")
def results():
    dataset = make_dataset()
    return {lang: build_policy_cycle_chapter(ChapterContext(dataset, PARAMS, lang)) for lang in ("fr", "en")}


def texts_of(chapter) -> str:
    parts = [chapter.title, chapter.intro or ""]
    for block in iter_blocks(chapter):
        if isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Callout):
            parts += [block.title or "", block.text]
        elif isinstance(block, Table):
            parts += [block.caption, *block.columns, *(str(c) for r in block.rows for c in r if c is not None)]
        elif hasattr(block, "items"):
            parts += block.items
        else:
            parts += [block.caption, block.alt]
    return "\n".join(parts)


def table(chapter, block_id: str) -> Table:
    return next(b for b in iter_blocks(chapter) if getattr(b, "id", None) == block_id)


def test_titles_are_in_the_chosen_language(results):
    fr, en = results["fr"].chapter, results["en"].chapter
    assert (fr.number, fr.key) == ("II", "policy_cycle")
    assert fr.title == "Le cycle des politiques migratoires et ses acteurs"
    assert en.title == "The migration policy cycle and its actors"
    assert [s.title for s in en.sections] == ["The actor network", "What the network shows",
                                              "Information across the policy cycle"]


def test_single_points_of_failure_and_silent_producers_are_named(results):
    en = results["en"].chapter
    rows = {row[0]: row for row in table(en, "policy_indicators").rows}
    cut = rows["Single points of failure (institutions without which others would be cut off)"]
    assert cut[1] == 2 and cut[2] == "Agence des frontières (AF) and Université Beta (UB)"
    assert rows["Producers that share with nobody"][2] == "Association d'aide (AA)"
    assert rows["Users that receive no information"][2] == "Direction des migrations (DM) and Office isolé (OI)"
    assert rows["Share of flows resting on a formal agreement (1 of 3)"][1] == "33%"
    assert rows["Share of flows between respondents confirmed by both sides (1 of 3)"][1] == "33%"
    assert rows["Institutions in the network (5 of them respondents)"][1] == 5


def test_stages_receiving_no_data_are_flagged(results):
    for lang, result in results.items():
        stages = table(result.chapter, "policy_stages")
        alert = get_chapter_text("policy_cycle.cycle.alert_no_inflow", lang)
        flagged = [row[0] for row in stages.rows if row[-1] == alert]
        assert len(flagged) == 3  # needs identification, evaluation, reformulation
        assert result.measures["network.n_stages_without_inflow"] == 3
    assert "No information flow feeds the stages: Identification of needs, Monitoring and evaluation, and " \
           "Reformulation." in texts_of(results["en"].chapter)


def test_key_actors_are_ranked_by_betweenness(results):
    key_actors = table(results["fr"].chapter, "policy_key_actors")
    assert [row[0] for row in key_actors.rows[:2]] == ["Agence des frontières (AF)", "Université Beta (UB)"]
    coordinator = next(row for row in key_actors.rows if row[0].startswith("Direction des migrations"))
    assert coordinator[-1].endswith("coordination")
    # an institution without any exchange is no key actor
    assert all("Office isolé" not in row[0] for row in key_actors.rows)


def test_says_betweenness_was_exact(results):
    assert "It was computed exactly over the 5 institutions" in texts_of(results["en"].chapter)


def test_says_betweenness_was_sampled_on_a_large_network(monkeypatch):
    monkeypatch.setattr(policy_cycle, "summarize_network",
                        functools.partial(summarize_network, max_exact_nodes=3, k=2))
    result = build_policy_cycle_chapter(ChapterContext(make_dataset(), PARAMS, "en"))
    text = texts_of(result.chapter)
    assert "it was estimated from a sample of 2 randomly drawn starting institutions" in text
    assert result.measures["network.is_betweenness_sampled"] == 1


def test_high_severity_findings_are_in_the_brief_guide(results):
    callouts = [b for b in iter_blocks(results["fr"].chapter) if isinstance(b, Callout) and b.kind == "finding"]
    by_title = {c.title: c.in_brief for c in callouts}
    assert by_title == {"Point critique": True, "Point d’attention": False}
    brief_ids = {b.id for b in iter_blocks(results["fr"].chapter) if b.in_brief and getattr(b, "id", None)}
    assert brief_ids == {"policy_network", "policy_cycle_figure"}


def test_findings_name_entities_of_the_network(results):
    G = build_actor_network(make_dataset())
    for lang, result in results.items():
        assert result.findings and all(set(f.entities) <= set(G) for f in result.findings)
        text = texts_of(result.chapter)
        assert all(f.get_text(lang) in text for f in result.findings)


def test_measures_for_the_recommendation_rules(results):
    m = results["en"].measures
    assert m["network.n_edges"] == 3 and m["network.n_cut_vertices"] == 2
    assert m["network.formal_share"] == pytest.approx(1 / 3)
    assert m["network.has_coordinator"] == 1 and 0 < m["network.coordinator_reach"] <= 1
    assert m["network.n_silent_producers"] == 1 and m["network.n_unreached_users"] == 2


def test_ids_unique_across_chapters_one_and_two(results):
    sources = build_sources_chapter(ChapterContext(make_dataset(), PARAMS, "en")).chapter
    # the guide refuses duplicated ids; every citation cites a block of the two chapters
    guide = Guide(country="SEN", country_name="Senegal", lang="en", title="Guide", date=dt.date(2025, 1, 1),
                  chapters=[sources, results["en"].chapter])
    assert find_unknown_refs(guide) == []
    figures = [b.id for b in iter_blocks(results["en"].chapter) if b.type == "figure"]
    tables = [b.id for b in iter_blocks(results["en"].chapter) if b.type == "table"]
    assert figures == ["policy_network", "policy_flows", "policy_cycle_figure"]
    assert tables == ["policy_key_actors", "policy_indicators", "policy_stages"]
    # the evidence keys of findings.yaml land on the block that shows the finding
    kinds = load_finding_catalogue().kinds
    blocks_of = map_evidence_to_blocks([results["en"].chapter])
    shown = {kind: blocks_of.get(spec.evidence) for kind, spec in kinds.items() if spec.chapter == "II"}
    assert shown["central_broker"] == "policy_key_actors"
    assert shown["formal_share"] == shown["confirmation_rate"] == "policy_indicators"
    assert shown["stage_without_data"] == shown["unreached_users"] == "policy_cycle_figure"
    assert {k for k, v in shown.items() if v == "policy_network"} == {
        "network_overview", "silent_producers", "cut_vertex", "minor_cut_vertices", "bridge", "silo",
        "coordinator_reach", "no_coordinator"}


def test_bridges_are_counted_as_the_findings_count_them(results):
    G = build_actor_network(make_dataset())
    rows = {row[0]: row for row in table(results["en"].chapter, "policy_indicators").rows}
    bridges = [f for f in results["en"].findings if f.kind == "bridge"]
    # the chain COORD – AG – UNIV – ONG: AG – UNIV splits two pairs (a bridge); the two end ties
    # are each the only link of one institution (pendant links)
    assert [f.entities for f in bridges] == [("SEN-AG", "SEN-UNIV")]
    bridge_row = next(r for label, r in rows.items() if "(bridges)" in label)
    assert bridge_row[1] == len(bridges) == results["en"].measures["network.n_bridges"] == 1
    pendant_row = next(r for label, r in rows.items() if label.startswith("Pendant links"))
    assert pendant_row[1] == results["en"].measures["network.n_pendant_links"] == 2
    assert len(G.edges) == 3
    note = table(results["en"].chapter, "policy_indicators").notes[0]
    assert "counted once however many answers report it" in note and "two groups of at least two" in note


def test_routes_through_institutions_of_unknown_type_get_no_role():
    data = make_dataset()
    entities = data.entities.copy()
    entities.loc[entities["entity_id"] == "SEN-ONG", "institution_type"] = None
    data = CountryDataset(**{**{n: getattr(data, n) for n in TABLE_COLUMNS}, "entities": entities,
                             "country": "SEN"})
    result = build_policy_cycle_chapter(ChapterContext(data, PARAMS, "en"))
    nodes = result.tables["nodes"].set_index("entity_id")
    # UNIV relays AG → ONG; ONG's type is unknown: the route counts but gets no role
    assert nodes.loc["SEN-UNIV", "brokerage"] == 1 and nodes.loc["SEN-UNIV", "brokerage_unclassified"] == 1
    assert "1 institution whose type is not known is put in no group" in texts_of(result.chapter)
    assert "whose type is not known" not in texts_of(build_policy_cycle_chapter(
        ChapterContext(make_dataset(), PARAMS, "en")).chapter)


def test_network_export_reloads_into_the_same_graph(tmp_path):
    dataset = make_dataset()
    build_policy_cycle_chapter(ChapterContext(dataset, PARAMS, "fr"), output_dir=tmp_path)
    assert sorted(p.name for p in (tmp_path / "network").iterdir()) == [
        "edges.csv", "network.gexf", "network.graphml", "nodes.csv"]
    reloaded, built = read_network_graphml(tmp_path / "network" / "network.graphml"), build_actor_network(dataset)
    assert set(reloaded.nodes) == set(built.nodes) and set(reloaded.edges) == set(built.edges)


def test_a_network_without_exchange_still_gets_a_chapter():
    result = build_policy_cycle_chapter(ChapterContext(make_dataset(flows=[]), PARAMS, "en"))
    text = texts_of(result.chapter)
    assert "No information exchange was reported: the network has no link." in text
    assert "policy_key_actors" not in {getattr(b, "id", None) for b in iter_blocks(result.chapter)}
    assert "network.formal_share" not in result.measures
