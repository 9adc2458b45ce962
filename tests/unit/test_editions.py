"""Editions: snapshots, numbering, archiving, comparison and the "what changed" chapter."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import pytest

from mpanalysis.guide.document import Guide, Table, iter_blocks, iter_texts
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table
from mpanalysis.publish.assemble import select_chapter_content
from mpanalysis.publish.editions import (
    EditionError,
    EditionSnapshot,
    archive_edition_outputs,
    build_changes_chapter,
    compare_editions,
    list_editions,
    load_edition,
    load_latest_edition,
    make_edition_snapshot,
    register_edition,
    save_edition,
)


def make_table(name: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=make_empty_table(name).columns).astype(object)


def make_dataset(entities, flows=(), sources=(), inputs="round-1") -> CountryDataset:
    """entities: (id, name, is_respondent, is_coordinator); flows: (reporter, partner, direction,
    channel); sources: (entity, name, domain, status, last_update, access)."""
    tables = {name: make_empty_table(name) for name in TABLE_COLUMNS}
    tables["entities"] = make_table("entities", [
        {"entity_id": e, "name": name, "acronym": None, "institution_type": "ministry",
         "sector": "governmental", "is_respondent": r, "is_coordinator": c, "is_wg_member": c,
         "n_mentions": 1} for e, name, r, c in entities])
    tables["flows"] = make_table("flows", [
        {"flow_id": f"f{i}", "entity_id": u, "partner_name": v, "partner_entity_id": v,
         "direction": d, "domains": "trends", "frequency": "annual", "channel": ch, "stages": ""}
        for i, (u, v, d, ch) in enumerate(flows)])
    tables["sources"] = make_table("sources", [
        {"source_id": f"s{i}", "entity_id": e, "source_name": n, "domain": dom, "status": st,
         "last_update": year, "access": acc}
        for i, (e, n, dom, st, year, acc) in enumerate(sources)])
    return CountryDataset(country="SEN", **tables, input_hashes={"export.xlsx": inputs})


ROUND_1 = dict(
    entities=[("SEN-A", "Agence A", True, True), ("SEN-B", "Bureau B", True, False),
              ("SEN-C", "Cellule C", True, False)],
    flows=[("SEN-A", "SEN-B", "provides", "formal_agreement"), ("SEN-B", "SEN-C", "provides", "informal")],
    sources=[("SEN-A", "Recensement général", "trends", "existing", 2013, "public"),
             ("SEN-B", "Registre des passages", "border_management", "existing", 2022, "restricted"),
             ("SEN-C", "Enquête ménages", "development", "potential", None, None)],
)
# One institution added (D, which reports an exchange to A), one source gone (B's register).
ROUND_2 = dict(
    entities=[*ROUND_1["entities"], ("SEN-D", "Direction D", True, False)],
    flows=[*ROUND_1["flows"], ("SEN-D", "SEN-A", "provides", "informal")],
    sources=[s for s in ROUND_1["sources"] if s[1] != "Registre des passages"],
)


def snapshot(round_: dict, inputs: str, day: str = "2025-01-15") -> EditionSnapshot:
    return make_edition_snapshot(make_dataset(**round_, inputs=inputs), today=dt.date.fromisoformat(day))


@pytest.fixture(scope="module")
def changes():
    previous = snapshot(ROUND_1, "round-1", "2024-06-01").model_copy(update={"number": 1})
    current = snapshot(ROUND_2, "round-2", "2025-01-15").model_copy(update={"number": 2})
    return compare_editions(previous, current)


# ----------------------------------------------------------------------------- comparison


def test_compare_finds_exactly_the_institution_source_and_exchange_that_changed(changes):
    assert [e.entity_id for e in changes.institutions_added] == ["SEN-D"]
    assert changes.institutions_gone == []
    assert [s.name for s in changes.sources_gone] == ["Registre des passages"]
    assert changes.sources_added == [] and changes.sources_updated == []
    assert [(x.u, x.v) for x in changes.exchanges_added] == [("SEN-D", "SEN-A")]
    assert changes.exchanges_gone == []
    assert [e.entity_id for e in changes.respondents_new] == ["SEN-D"]
    assert changes.respondents_stopped == []


def test_measures_that_moved_carry_old_new_and_delta(changes):
    moved = {m.key: m for m in changes.measures_moved}
    assert (moved["n_institutions"].old, moved["n_institutions"].new, moved["n_institutions"].delta) == (3, 4, 1)
    assert moved["n_existing_sources.border_management"].delta == -1
    assert moved["density"].old == pytest.approx(2 / 6) and moved["density"].new == pytest.approx(3 / 12)
    assert moved["n_cut_vertices"].new == 2  # the chain D–A–B–C has two single points of failure
    # every institution answered in both rounds; the coordinator reaches everyone in both
    assert "respondent_share" not in moved and "coordinator_reach" not in moved
    assert "n_potential_sources.development" not in moved


def test_small_moves_in_a_rate_are_not_listed_but_half_a_point_is():
    base = EditionSnapshot(country="SEN", number=1, date="2024-01-01", created_at="", fingerprint="a",
                           package_version="0", measures={"formal_share": 0.400, "density": 0.1000})
    tiny = base.model_copy(update={"measures": {"formal_share": 0.403, "density": 0.1005}})
    real = base.model_copy(update={"measures": {"formal_share": 0.41, "density": 0.102}})
    undefined = base.model_copy(update={"measures": {"formal_share": None, "density": 0.1}})
    assert compare_editions(base, tiny).measures_moved == []
    assert [m.key for m in compare_editions(base, real).measures_moved] == ["density", "formal_share"]
    moved = compare_editions(base, undefined).measures_moved
    assert [(m.key, m.new, m.delta) for m in moved] == [("formal_share", None, None)]


def test_a_source_renamed_only_in_case_and_accents_is_the_same_source_with_its_changes():
    renamed = dict(ROUND_1, sources=[("SEN-A", "RECENSEMENT GENERAL ", "trends", "existing", 2023, "public"),
                                     *ROUND_1["sources"][1:]])
    found = compare_editions(snapshot(ROUND_1, "1"), snapshot(renamed, "2"))
    assert found.sources_added == [] and found.sources_gone == []
    assert [(u.current.entity_id, u.changed_fields) for u in found.sources_updated] == [("SEN-A", ["last_update"])]


def test_a_respondent_that_did_not_answer_again_is_reported_but_stays_an_institution():
    silent = dict(ROUND_1, entities=[("SEN-A", "Agence A", True, True), ("SEN-B", "Bureau B", True, False),
                                     ("SEN-C", "Cellule C", False, False)])
    found = compare_editions(snapshot(ROUND_1, "1"), snapshot(silent, "2"))
    assert [e.entity_id for e in found.respondents_stopped] == ["SEN-C"]
    assert found.institutions_gone == []
    assert {m.key for m in found.measures_moved} >= {"n_respondents", "respondent_share"}


# ----------------------------------------------------------------------------- storage


def test_same_inputs_make_no_new_edition_and_new_inputs_are_numbered_1_2_3(tmp_path):
    first = register_edition(snapshot(ROUND_1, "round-1"), base=tmp_path)
    forced = register_edition(snapshot(ROUND_1, "round-1", "2025-02-01"), base=tmp_path)
    assert (first.current.number, first.is_new, first.previous) == (1, True, None)
    assert (forced.current.number, forced.is_new, forced.previous) == (1, False, None)
    assert forced.current.date == dt.date(2025, 1, 15)  # an edition keeps the date it began
    second = register_edition(snapshot(ROUND_2, "round-2"), base=tmp_path)
    third = register_edition(snapshot(ROUND_1, "round-3"), base=tmp_path)
    assert [second.current.number, third.current.number] == [2, 3]
    assert second.previous.number == 1 and third.previous.number == 2
    assert [e.number for e in list_editions("SEN", base=tmp_path)] == [1, 2, 3]
    index = json.loads((tmp_path / "editions" / "index.json").read_text(encoding="utf-8"))
    assert [(e["number"], e["snapshot"], e["n_institutions"]) for e in index["editions"]] == [
        (1, "1/snapshot.json", 3), (2, "2/snapshot.json", 4), (3, "3/snapshot.json", 3)]
    assert load_latest_edition("SEN", base=tmp_path).fingerprint == third.current.fingerprint


def test_a_forced_rebuild_of_a_later_edition_still_compares_with_the_one_before(tmp_path):
    register_edition(snapshot(ROUND_1, "round-1"), base=tmp_path)
    register_edition(snapshot(ROUND_2, "round-2"), base=tmp_path)
    again = register_edition(snapshot(ROUND_2, "round-2"), base=tmp_path)
    assert (again.current.number, again.is_new, again.previous.number) == (2, False, 1)
    assert [e.entity_id for e in again.changes.institutions_added] == ["SEN-D"]


def test_snapshot_round_trips_through_its_json_file(tmp_path):
    saved = save_edition(snapshot(ROUND_2, "round-2"), tmp_path / "editions")
    assert load_edition("SEN", 1, base=tmp_path) == saved
    assert load_edition("SEN", 2, base=tmp_path) is None


def test_a_damaged_snapshot_is_an_error_naming_the_file(tmp_path):
    save_edition(snapshot(ROUND_1, "round-1"), tmp_path / "editions")
    bad = tmp_path / "editions" / "1" / "snapshot.json"
    bad.write_text('{"country": "SEN"}', encoding="utf-8")
    with pytest.raises(EditionError, match=r"editions/1/snapshot.json: not a valid edition snapshot"):
        load_latest_edition("SEN", base=tmp_path)


def test_a_new_edition_archives_the_previous_guides_before_they_are_overwritten(tmp_path):
    guides = tmp_path / "guides"
    guides.mkdir()
    (guides / "SEN_guide_fr_public_full.html").write_text("edition one", encoding="utf-8")
    (guides / "SEN_guide_fr_public_full.pdf").write_bytes(b"%PDF one")
    first = register_edition(snapshot(ROUND_1, "round-1"), base=tmp_path)
    last_build = {"edition": first.current.number, "outputs": [
        "guides/SEN_guide_fr_public_full.html", "guides/SEN_guide_fr_public_full.pdf", "data/entities.csv"]}

    update = register_edition(snapshot(ROUND_2, "round-2"), base=tmp_path, last_build=last_build)
    (guides / "SEN_guide_fr_public_full.html").write_text("edition two", encoding="utf-8")

    archive = tmp_path / "editions" / "1" / "guides"
    assert sorted(p.name for p in update.archived) == ["SEN_guide_fr_public_full.html", "SEN_guide_fr_public_full.pdf"]
    assert (archive / "SEN_guide_fr_public_full.html").read_text(encoding="utf-8") == "edition one"
    assert (archive / "SEN_guide_fr_public_full.pdf").read_bytes() == b"%PDF one"
    assert [p.name for p in list_editions("SEN", base=tmp_path)[0].guides] == [
        "SEN_guide_fr_public_full.html", "SEN_guide_fr_public_full.pdf"]
    index = json.loads((tmp_path / "editions" / "index.json").read_text(encoding="utf-8"))
    assert index["editions"][0]["guides"] == ["1/guides/SEN_guide_fr_public_full.html",
                                              "1/guides/SEN_guide_fr_public_full.pdf"]


def test_guides_of_an_unfinished_build_are_not_archived_as_the_previous_edition(tmp_path):
    (tmp_path / "guides").mkdir()
    (tmp_path / "guides" / "g.html").write_text("half of edition two", encoding="utf-8")
    register_edition(snapshot(ROUND_1, "round-1"), base=tmp_path)
    register_edition(snapshot(ROUND_2, "round-2"), base=tmp_path)  # its build then failed
    last_build = {"edition": 1, "outputs": ["guides/g.html"]}  # the last *successful* build
    update = register_edition(snapshot(ROUND_1, "round-3"), base=tmp_path, last_build=last_build)
    assert update.archived == [] and update.current.number == 3
    assert not (tmp_path / "editions" / "2" / "guides").exists()


def test_archive_skips_missing_files_and_accepts_absolute_paths(tmp_path):
    (tmp_path / "guides").mkdir()
    kept = tmp_path / "guides" / "a.docx"
    kept.write_bytes(b"docx")
    copied = archive_edition_outputs("SEN", 4, [kept, "guides/gone.pdf"], base=tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in copied] == ["editions/4/guides/a.docx"]


# ----------------------------------------------------------------------------- the chapter


@pytest.mark.parametrize("lang, title, summary", [
    ("fr", "Ce qui a changé depuis l’édition précédente",
     "Depuis l’édition n° 1 (1ᵉʳ juin 2024) : 1 nouvelle institution ; 1 institution a répondu pour la "
     "première fois ; 1 source retirée ; 1 nouvel échange ;"),
    ("en", "What changed since the previous edition",
     "Since edition no. 1 (1 June 2024): 1 new institution; 1 institution answered for the first time; "
     "1 source gone; 1 new exchange;"),
])
def test_changes_chapter_speaks_the_guide_language_and_names_institutions(changes, lang, title, summary):
    chapter = build_changes_chapter(changes, lang, 1, dt.date(2024, 6, 1))
    assert (chapter.number, chapter.key, chapter.title) == ("V", "changes", title)
    assert chapter.blocks[0].in_brief and chapter.blocks[0].text.startswith(summary)
    tables = {b.id: b for b in iter_blocks(chapter) if isinstance(b, Table)}
    assert set(tables) == {"changes_institutions_added", "changes_sources_gone",
                           "changes_exchanges_added", "changes_measures"}
    assert tables["changes_institutions_added"].rows[0][0] == "Direction D"
    assert tables["changes_exchanges_added"].rows[0][:2] == ["Direction D", "Agence A"]
    assert tables["changes_sources_gone"].rows[0][:2] == ["Registre des passages", "Bureau B"]
    assert not any("SEN-" in text for text in iter_texts(chapter))  # names, never ids
    # it fits in a guide next to the other chapters (unique ids) and the brief guide keeps the summary
    Guide(country="SEN", country_name="Sénégal", lang=lang, title="Guide", date="2025-01-15", chapters=[chapter])
    brief = select_chapter_content(chapter, "public", "brief")
    assert [b.text for b in brief.blocks] == [chapter.blocks[0].text] and brief.sections == []


def test_measures_table_formats_rates_as_percent_and_moves_in_points():
    base = EditionSnapshot(country="SEN", number=1, date="2024-01-01", created_at="", fingerprint="a",
                           package_version="0", measures={"formal_share": 0.25, "n_cut_vertices": 3.0})
    later = base.model_copy(update={"number": 2, "measures": {"formal_share": 0.5, "n_cut_vertices": 1.0}})
    table = next(b for b in iter_blocks(build_changes_chapter(compare_editions(base, later), "fr"))
                 if isinstance(b, Table))
    assert table.rows == [["Part des échanges formels (accord)", "25\xa0%", "50\xa0%", "+25 pts"],
                          ["Points de rupture (institutions dont le retrait coupe le réseau)", 3, 1, "-2"]]


def test_summary_items_agree_in_number_with_the_count():
    from mpanalysis.guide.texts import fill_chapter_text

    def item(kind, lang, n):
        return fill_chapter_text(f"changes.count.{kind}", lang, n=n)

    assert (item("institutions_added", "fr", 1), item("institutions_added", "fr", 3)) == \
        ("1 nouvelle institution", "3 nouvelles institutions")
    assert (item("exchanges_gone", "en", 1), item("exchanges_gone", "en", 12345)) == \
        ("1 exchange is no longer reported", "12,345 exchanges are no longer reported")


def test_nothing_changed_says_so_and_a_first_edition_has_no_chapter():
    same = snapshot(ROUND_1, "round-1").model_copy(update={"number": 1})
    again = same.model_copy(update={"number": 2, "fingerprint": "re-exported"})
    chapter = build_changes_chapter(compare_editions(same, again), "en")
    assert [b.text for b in chapter.blocks] == [
        "Nothing changed since edition no. 1 (15 January 2025): same institutions, same respondents, "
        "same sources, same exchanges and same measures."]
    assert chapter.sections == []
    assert build_changes_chapter(None, "fr") is None


# ----------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo():
    from mpanalysis.ingest.cache import load_country_dataset_cached
    from mpanalysis.params import load_params

    return load_country_dataset_cached(load_params("SEN"), "fr")


def test_demo_rounds_a_later_round_shows_what_the_earlier_one_lacked(demo):
    from mpanalysis.analysis.network import build_actor_network

    graph = build_actor_network(demo)
    entities = demo.entities
    # an earlier round: one named partner not yet cited, one respondent that had not answered yet,
    # one source not yet reported and one exchange reported once, not yet reported
    partner = entities.loc[~entities["is_respondent"].astype(bool), "entity_id"].iloc[0]
    late = entities.loc[entities["is_respondent"].astype(bool) & (entities["entity_id"] != partner), "entity_id"].iloc[-1]
    flows = demo.flows[demo.flows["partner_entity_id"] != partner]
    untouched = {partner, late}
    u, v = next((u, v) for u, v, n in graph.edges(data="n_reports") if n == 1 and not {u, v} & untouched)
    single = flows[((flows["entity_id"] == u) & (flows["partner_entity_id"] == v))
                   | ((flows["entity_id"] == v) & (flows["partner_entity_id"] == u))]
    assert len(single) == 1
    flows = flows.drop(single.index)
    keys = demo.sources[["entity_id", "domain"]].astype(str).agg("|".join, axis=1) + "|" + \
        demo.sources["source_name"].astype(str).str.casefold()
    dropped_source = demo.sources[~keys.duplicated(keep=False) & (demo.sources["entity_id"] != late)].iloc[0]
    earlier_entities = entities[entities["entity_id"] != partner].copy()
    earlier_entities.loc[earlier_entities["entity_id"] == late, "is_respondent"] = False
    earlier = dataclasses.replace(demo, entities=earlier_entities, flows=flows,
                                  sources=demo.sources.drop(dropped_source.name),
                                  input_hashes={"earlier.xlsx": "0"})

    before = make_edition_snapshot(earlier, today=dt.date(2024, 5, 1)).model_copy(update={"number": 1})
    after = make_edition_snapshot(demo, today=dt.date(2025, 3, 1), graph=graph).model_copy(update={"number": 2})
    found = compare_editions(before, after)

    assert [e.entity_id for e in found.institutions_added] == [partner]
    assert [e.entity_id for e in found.respondents_new] == [late]
    assert [(s.entity_id, s.name) for s in found.sources_added] == [(dropped_source["entity_id"],
                                                                      dropped_source["source_name"])]
    added = {(x.u, x.v) for x in found.exchanges_added}
    assert (u, v) in added or (v, u) in added
    assert all(partner in pair or {u, v} == set(pair) for pair in added)
    assert found.institutions_gone == found.sources_gone == found.exchanges_gone == []
    assert found.respondents_stopped == [] and found.sources_updated == []
    moved = {m.key: m for m in found.measures_moved}
    assert moved["n_institutions"].delta == 1 and moved["n_respondents"].delta == 1
    for lang in ("fr", "en"):
        chapter = build_changes_chapter(found, lang)
        assert chapter.blocks[0].in_brief and len(chapter.sections) == 5


def test_a_snapshot_holds_no_personal_contact(demo):
    text = make_edition_snapshot(demo).model_dump_json()
    emails = [e for e in demo.respondents["respondent_email"].dropna() if e]
    assert emails and not any(email in text for email in emails)
    assert not any(name in text for name in demo.respondents["respondent_name"].dropna() if name)


def test_every_changes_text_exists_in_every_language_with_the_same_placeholders():
    import re

    import yaml

    from mpanalysis.paths import reference_dir

    def leaves(node, path=""):
        if isinstance(node, dict) and "fr" in node:
            yield path, node
        elif isinstance(node, dict):
            for key, value in node.items():
                yield from leaves(value, f"{path}.{key}".strip("."))

    texts = yaml.safe_load((reference_dir() / "chapters" / "changes.yaml").read_text(encoding="utf-8"))
    found = list(leaves(texts))
    assert len(found) > 50
    for path, node in found:
        assert set(node) == {"fr", "en", "pt"}, path
        for lang in ("en", "pt"):
            assert set(re.findall(r"\{(\w+)\}", node["fr"])) == set(re.findall(r"\{(\w+)\}", node[lang])), path
