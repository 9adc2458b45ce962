"""The regional synthesis: its numbers are the countries' own, its texts are in both languages, its
marks say the truth, and one broken country never stops the others."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pandas as pd
import pytest
import yaml

from mpanalysis.analysis.network import build_actor_network, summarize_network
from mpanalysis.analysis.profile import build_problem_matrix
from mpanalysis.analysis.sources import build_sources_analysis, summarize_response
from mpanalysis.errors import MpanalysisError, ParamsError
from mpanalysis.guide.document import Figure, Paragraph, Table, iter_blocks, iter_texts
from mpanalysis.guide.figures.timeline import build_milestone_table
from mpanalysis.ingest.cache import load_country_dataset_cached
from mpanalysis.params import load_params
from mpanalysis.paths import list_configured_countries, reference_dir
from mpanalysis.publish.regional import data as regional_data
from mpanalysis.publish.regional import slides as regional_slides
from mpanalysis.publish.regional import synthesis as regional_synthesis
from mpanalysis.publish.regional import texts as regional_texts

TODAY = dt.date(2025, 11, 1)
#: Three demo countries: endorsed (SEN), draft with a coverage gap (GMB), draft and small (NER).
COUNTRIES = ["SEN", "GMB", "NER"]


def _chapter(guide, key):
    return next(c for c in guide.chapters if c.key == key)


@pytest.fixture(scope="module")
def region() -> regional_data.RegionData:
    return regional_data.collect_region(COUNTRIES, TODAY)


@pytest.fixture(scope="module")
def guides(region) -> dict[str, object]:
    return {lang: regional_synthesis.build_regional_synthesis(None, lang, region=region) for lang in ("fr", "en")}


@pytest.fixture(scope="module")
def senegal():
    params = load_params("SEN")
    dataset = load_country_dataset_cached(params, "fr")
    return params, dataset


def _block(guide, block_id):
    for chapter in [*guide.chapters, *guide.annexes]:
        for block in iter_blocks(chapter):
            if getattr(block, "id", None) == block_id:
                return block
    raise AssertionError(f"no block {block_id}")


def _with_params(region, country, **update):
    """The region with one country's parameters changed (no data reloaded)."""
    snapshots = tuple(dataclasses.replace(s, params=type(s.params).model_validate(
                          {**s.params.model_dump(), **update})) if s.country == country
                      else s for s in region.snapshots)
    return dataclasses.replace(region, snapshots=snapshots)


# ------------------------------------------------------------------------------ the numbers


def test_every_country_is_compared(region):
    assert region.countries == COUNTRIES
    assert region.skipped == {}


def test_network_indicators_are_those_of_the_country_guide(region, senegal):
    params, dataset = senegal
    summary = summarize_network(build_actor_network(dataset), sources=dataset.sources)
    response = summarize_response(dataset, params)
    table = regional_data.build_network_comparison(region)
    row = table.loc["SEN"]
    assert row["density"] == pytest.approx(summary.density)
    assert row["formal_share"] == pytest.approx(summary.formal_share)
    assert row["confirmation_rate"] == pytest.approx(summary.confirmation_rate)
    assert row["coordinator_reach"] == pytest.approx(summary.coordinator_reach)
    assert row["n_cut_vertices"] == len(summary.cut_vertices)
    assert row["n_respondents"] == summary.n_respondents
    assert response.has_invitation_list  # the demo's parameters list the institutions invited
    assert row["response_rate"] == pytest.approx(response.response_rate)
    assert row["n_institutions"] == response.n_respondents + response.n_named
    assert list(table.index) == COUNTRIES


def test_network_table_shows_each_country_in_its_column(guides, region):
    guide = guides["en"]
    table = _block(guide, "regional_network")
    assert table.columns == ["Indicator", "Niger", "Senegal", "The Gambia"]
    values = regional_data.build_network_comparison(region)
    density = next(row for row in table.rows if row[0] == "Density")
    assert density[table.columns.index("Senegal")] == f"{values.at['SEN', 'density']:.3f}"
    french = _block(guides["fr"], "regional_network")
    densite = next(row for row in french.rows if row[0] == "Densité")
    assert densite[french.columns.index("Gambie")] == f"{values.at['GMB', 'density']:.3f}".replace(".", ",")


def test_coverage_counts_existing_sources_per_domain(region, senegal):
    params, dataset = senegal
    gaps = build_sources_analysis(dataset, params).gaps
    coverage = regional_data.build_coverage_comparison(region)
    sen = coverage[coverage["country"] == "SEN"].set_index("domain")
    for domain, row in gaps.iterrows():
        assert sen.at[domain, "n_existing"] == row["n_existing"]
    # The Gambia reports no existing source on migration in crisis situations: a gap
    gmb = coverage[coverage["country"] == "GMB"].set_index("domain")
    assert bool(gmb.at["crisis", "has_gap"]) and gmb.at["crisis", "n_potential"] > 0
    assert not coverage.loc[coverage["country"] == "SEN", "has_gap"].any()


def test_coverage_table_and_sentence_name_the_gap(guides):
    table = _block(guides["en"], "regional_coverage")
    crisis = next(row for row in table.rows if row[0] == "Migration in crisis situations")
    assert crisis[-1] == "The Gambia"
    texts = [b.text for b in _chapter(guides["en"], "regional_coverage").blocks if isinstance(b, Paragraph)]
    assert any("1 of 3 countries have at least one coverage gap" in t and "The Gambia" in t for t in texts)


def test_coverage_figure_outlines_every_gap(guides, region):
    figure = _block(guides["fr"], "regional_coverage_map").figure_dict()
    n_gaps = int(regional_data.build_coverage_comparison(region)["has_gap"].sum())
    dashed = [s for s in figure["layout"].get("shapes", []) if s.get("line", {}).get("dash") == "dash"]
    assert len(dashed) == n_gaps >= 1
    assert figure["data"][0]["x"] == ["Gambie", "Niger", "Sénégal"]


def test_gantt_has_one_row_per_country_and_milestone(region, guides):
    milestones = regional_data.build_region_milestones(region)
    expected = sum(len(build_milestone_table(load_params(c), TODAY)) for c in COUNTRIES)
    assert len(milestones) == expected
    figure = _block(guides["en"], "regional_timeline").figure_dict()
    bars = [label for trace in figure["data"] if trace["type"] == "bar" for label in trace["y"]]
    assert len(bars) == expected and len(set(bars)) == expected
    assert "Senegal — Questionnaire" in bars and "The Gambia — National workshop" in bars
    # bars are coloured by state: as many done bars as done milestones
    done = next(t for t in figure["data"] if t["type"] == "bar" and t["name"] == "done")
    assert len(done["y"]) == int((milestones["state"] == "done").sum())


def test_status_table_says_where_each_country_stands(guides):
    table = _block(guides["en"], "regional_status")
    rows = {row[0]: row for row in table.rows}
    assert rows["Senegal"][1] == "Endorsed" and rows["Senegal"][2] == "Endorsement"
    assert rows["Senegal"][4] == "Publication"  # the stage that comes next
    assert rows["Niger"][2] == "Questionnaire" and rows["Niger"][4] == "National workshop"


def test_challenges_are_the_problem_matrices_of_the_countries(region, senegal):
    params, dataset = senegal
    matrix = build_problem_matrix(dataset, params, "fr").set_index("challenge")
    comparison = regional_data.build_challenge_comparison(region)
    sen = comparison[comparison["country"] == "SEN"].set_index("challenge")
    for code in ("understanding", "dissemination", "ownership", "update", "use"):
        assert sen.at[code, "mean_severity"] == pytest.approx(matrix.at[code, "mean_severity"])
        assert sen.at[code, "prevalence"] == pytest.approx(matrix.at[code, "prevalence"])
    ranking = regional_data.build_challenge_ranking(comparison)
    for code, row in ranking.iterrows():
        scores = comparison.loc[comparison["challenge"] == code, "score"].astype(float)
        assert row["score"] == pytest.approx(scores.mean())
    assert list(ranking["rank"]) == sorted(ranking["rank"])
    assert ranking["score"].is_monotonic_decreasing


def test_recommendation_counts_are_the_guides_recommendations(region):
    counts = regional_data.build_recommendation_counts(region)
    for snapshot in region.snapshots:
        assert counts[snapshot.country].sum() == len(snapshot.recommendations)
        assert counts.at["cooperation", snapshot.country] == sum(
            r.category == "cooperation" for r in snapshot.recommendations)


def test_common_recommendations_count_the_countries_where_a_rule_applies(region):
    common = regional_data.build_common_recommendations(region)
    assert common["n_countries"].is_monotonic_decreasing
    for row in common.itertuples():
        where = [s.country for s in region.snapshots if row.rule_id in s.rule_ids]
        assert list(row.countries) == where and row.n_countries == len(where)


def test_a_rule_merged_into_a_workshop_recommendation_still_counts(region):
    snapshot = next(s for s in region.snapshots if any(r.merged_ids for r in s.recommendations))
    merged = next(i for r in snapshot.recommendations for i in r.merged_ids)
    assert merged in snapshot.rule_ids
    common = regional_data.build_common_recommendations(region).set_index("rule_id")
    assert snapshot.country in common.at[merged, "countries"]


# ------------------------------------------------------------------------------ the document


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_text_is_filled_in_its_language(guides, lang):
    guide = guides[lang]
    assert [c.number for c in guide.chapters] == ["KM", "I", "II", "III", "IV", "V"]
    for chapter in [*guide.chapters, *guide.annexes]:
        for text in iter_texts(chapter):
            leftover = re.sub(r"\{(ref|num):[A-Za-z0-9_-]+\}", "", text)
            assert "{" not in leftover and "}" not in leftover, text
    gambia = "Gambie" if lang == "fr" else "The Gambia"
    assert gambia in guide.country_name
    title = yaml.safe_load((reference_dir() / "chapters" / "regional.yaml").read_text(encoding="utf-8"))
    assert _chapter(guide, "regional_network").title == title["network"]["title"][lang]


def test_draft_mark_until_every_guide_is_endorsed(region):
    guide = regional_synthesis.build_regional_synthesis(None, "en", region=region)
    assert guide.is_draft  # The Gambia and Niger are drafts
    callout = _chapter(guide, "regional_exercise").blocks[0]
    assert callout.kind == "warning" and "Niger and The Gambia" in callout.text
    endorsed = _with_params(_with_params(region, "GMB", endorsement={"status": "published"}),
                            "NER", endorsement={"status": "endorsed"})
    final = regional_synthesis.build_regional_synthesis(None, "en", region=endorsed)
    assert not final.is_draft
    assert not any(b.type == "callout" and "DRAFT" in b.text for b in _chapter(final, "regional_exercise").blocks)


def test_synthetic_mark_when_any_country_is_demo(region):
    mixed = _with_params(_with_params(region, "SEN", is_demo=False), "NER", is_demo=False)
    guide = regional_synthesis.build_regional_synthesis(None, "en", region=mixed)
    assert guide.is_synthetic
    notes = [b.text for b in _chapter(guide, "regional_exercise").blocks if b.type == "callout" and b.kind == "info"]
    assert notes == ["The Gambia: synthetic demonstration data, describing no real country."]
    real = _with_params(mixed, "GMB", is_demo=False)
    assert not regional_synthesis.build_regional_synthesis(None, "en", region=real).is_synthetic


def test_a_failing_country_is_named_and_the_others_go_on(region, monkeypatch):
    kept = {s.country: s for s in region.snapshots}

    def fake_snapshot(code, today=None):
        if code == "CIV":
            raise ParamsError("status 'approved' is not one of ['draft', …]", file="params/CIV.yaml",
                              key="endorsement.status")
        return kept[code]

    monkeypatch.setattr(regional_data, "build_country_snapshot", fake_snapshot)
    partial = regional_data.collect_region("SEN CIV", TODAY)
    assert partial.countries == ["SEN"] and "params/CIV.yaml" in partial.skipped["CIV"]
    guide = regional_synthesis.build_regional_synthesis(None, "en", region=partial)
    left_out = [b for b in _chapter(guide, "regional_exercise").blocks if b.type == "callout" and b.title == "Countries left out"]
    assert left_out and "Côte d’Ivoire" in left_out[0].text and "params/CIV.yaml" in left_out[0].text
    monkeypatch.setattr(regional_data, "build_country_snapshot", lambda code, today=None: fake_snapshot("CIV"))
    with pytest.raises(MpanalysisError, match="no country could be compared"):
        regional_data.collect_region("CIV", TODAY)


def test_names_from_parameters_are_text_not_markup(region):
    hostile = _with_params(region, "SEN", country_name={"fr": "<b>Sén</b></script>", "en": "<b>Sen</b></script>"})
    guide = regional_synthesis.build_regional_synthesis(None, "en", region=hostile)
    figure = _block(guide, "regional_coverage_map").figure_dict()
    assert "&lt;b&gt;Sen&lt;/b&gt;&lt;/script&gt;" in figure["data"][0]["x"]
    page = regional_slides.build_slides_html(guide)
    assert "<b>Sen</b>" not in page and "&lt;b&gt;Sen&lt;/b&gt;" in page
    # each figure's JSON ends where its own </script> is: the name cannot close it early
    blocks = re.findall(r'data-figure="[^"]+">(.*?)</script>', page, re.S)
    assert any("&lt;/script&gt;" in json.dumps(json.loads(b)) for b in blocks)


def test_every_rule_has_a_short_name_in_both_languages():
    from mpanalysis.analysis.recommendations import load_rules

    texts = yaml.safe_load((reference_dir() / "chapters" / "regional.yaml").read_text(encoding="utf-8"))
    for rule in load_rules():
        assert rule.id in texts["rule_labels"], f"regional.yaml: no short name for rule {rule.id}"
        assert {"fr", "en"} <= set(texts["rule_labels"][rule.id])


def test_a_rule_without_short_name_shows_its_generic_text(monkeypatch):
    monkeypatch.setitem(regional_texts._read_texts(str(regional_texts._texts_path())), "rule_labels", {})
    label = regional_data.get_rule_label("coop_reach_users", "en")
    assert label.startswith("Regularly deliver migration data to the institutions that take part")


# ------------------------------------------------------------------------------ slides and files


def test_slides_show_each_key_figure_and_table(guides):
    guide = guides["fr"]
    slides = regional_slides.build_slides(guide)
    key_blocks = [b for c in guide.chapters for b in iter_blocks(c)
                  if isinstance(b, (Figure, Table)) and b.in_brief]
    assert [s.kind for s in slides[:2]] == ["title", "messages"]
    # one slide per key block, in order; a table too long for one slide goes over several, every row once
    assert list(dict.fromkeys(s.block.id for s in slides[2:])) == [b.id for b in key_blocks]
    for block in key_blocks:
        parts = [s for s in slides if s.block is not None and s.block.id == block.id]
        if isinstance(block, Table):
            assert [row for s in parts for row in s.block.rows] == block.rows
        else:
            assert len(parts) == 1
        numbered = [(n, len(parts)) for n in range(1, len(parts) + 1)] if len(parts) > 1 else [None]
        assert [s.part for s in parts] == numbered
    assert slides[2].label == "Tableau I.1"
    page = regional_slides.build_slides_html(guide)
    assert page.count('<section class="slide ') == len(slides)
    figures = re.findall(r'<script type="application/json" data-figure="[^"]+">(.*?)</script>', page, re.S)
    assert len(figures) == sum(isinstance(b, Figure) for b in key_blocks)
    assert all("height" not in json.loads(f)["layout"] for f in figures)  # slides size their figures
    assert page.count("PROJET") >= len(slides)  # the draft mark on every slide
    assert "<script src=" not in page and '<link rel="stylesheet"' not in page


def test_write_outputs_per_language(region, tmp_path):
    written = regional_synthesis.write_regional_outputs(langs=("fr", "en"), output_dir=tmp_path, region=region,
                                              formats=("html",))
    names = sorted(p.name for p in written)
    assert names == ["regional_slides_en.html", "regional_slides_fr.html",
                     "regional_synthesis_en.html", "regional_synthesis_fr.html"]
    assert 'lang="en"' in (tmp_path / "regional_slides_en.html").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temporary file


def test_parse_countries_defaults_to_every_country_with_parameters():
    assert regional_data.parse_countries("") == list_configured_countries()
    assert set(COUNTRIES) <= set(regional_data.parse_countries(None))


def test_network_comparison_keeps_undefined_indicators_empty():
    example = regional_data.make_example_region()
    table = regional_data.build_network_comparison(example)
    assert pd.isna(table.at["GMB", "coordinator_reach"])
    guide = regional_synthesis.build_regional_synthesis(None, "en", region=example)
    reach = next(r for r in _block(guide, "regional_network").rows if r[0] == "Coordinator’s reach")
    assert reach[1:] == ["80%", None]  # Senegal, The Gambia (no coordinator: shown as "–")


def test_a_rule_that_applies_in_every_country_becomes_a_regional_recommendation(region, guides):
    common = regional_data.build_common_recommendations(region)
    everywhere = set(common.loc[common["n_countries"] == len(region.countries), "rule_id"])
    assert everywhere, "the demo region has recommendations common to every country"
    blocks = {b.id: b for chapter in guides["en"].chapters for b in iter_blocks(chapter) if isinstance(b, Table)}
    table = blocks["regional_recommendations"]
    assert table.in_brief and len(table.rows) == len(everywhere)
    from mpanalysis.analysis.recommendations import load_rules
    texts = {r.text["en"] for r in load_rules() if r.id in everywhere}
    assert {row[0] for row in table.rows} == texts


# ------------------------------------------------------------------------------ key messages, overdue stages


def test_key_messages_open_the_synthesis_and_cite_its_figures_and_tables(guides):
    from mpanalysis.guide.document import KeyMessage, find_unknown_refs

    for guide in guides.values():
        first = guide.chapters[0]
        assert first.key == "regional_key_messages" and not first.is_numbered
        messages = [b for b in first.blocks if isinstance(b, KeyMessage)]
        assert 4 <= len(messages) <= 7
        assert all(re.search(r"\(\{ref:regional_[a-z_]+\}\)\.$", m.text) for m in messages)
        assert find_unknown_refs(guide) == []
    assert guides["fr"].chapters[0].blocks[0].headline == "1 sur 3"  # only Senegal's guide is endorsed


def test_a_stage_past_its_date_and_not_done_is_flagged_overdue(region, guides):
    overdue = regional_data.list_overdue_milestones(region)
    # The Gambia's drafting was due on 1 October 2025 and is not done on 1 November 2025
    assert overdue[["country", "stage"]].values.tolist() == [["GMB", "drafting"]]
    late = _with_params(region, "SEN", milestones=[{"stage": "publication", "start": "2025-10-15", "done": False},
                                                   {"stage": "workshop", "start": "2025-12-01", "done": False}])
    late = dataclasses.replace(late, snapshots=tuple(
        dataclasses.replace(s, milestones=build_milestone_table(s.params, TODAY)) for s in late.snapshots))
    assert regional_data.list_overdue_milestones(late)["country"].tolist() == ["GMB", "SEN"]  # not the future one
    guide = guides["fr"]
    callout = next(b for b in _chapter(guide, "regional_exercise").blocks if b.type == "callout"
                   and b.title == "Étapes en retard")
    assert callout.text == ("Une étape de l’exercice est en retard au 1ᵉʳ novembre 2025 : Gambie, rédaction "
                            "(échéance : 1ᵉʳ octobre 2025).")
    status = _block(guide, "regional_status")
    assert next(r for r in status.rows if r[0] == "Gambie")[-1] == "Rédaction (date prévue : 1ᵉʳ oct. 2025 ; en retard)"
    assert any(m.headline == "1" and "Gambie" in m.text for m in guide.chapters[0].blocks)
    gantt = _block(guide, "regional_timeline").figure_dict()
    late_bars = [t for t in gantt["data"] if t.get("name") == "en retard"]
    assert len(late_bars) == 1 and late_bars[0]["y"] == ["Gambie — Rédaction"]


def test_the_synthesis_carries_no_country_level_endorsement_notice(guides):
    from mpanalysis.render.html import build_html

    texts = yaml.safe_load((reference_dir() / "guide_texts.yaml").read_text(encoding="utf-8"))
    for lang, guide in guides.items():
        page = build_html(guide, "screen")
        assert texts["draft_notice"][lang] not in page
        assert "autorité nationale de coordination" not in page.split("<main")[0]
        assert guide.draft_notice in page.replace("\u00a0", " ")
        deck = regional_slides.build_slides_html(guide)
        assert texts["draft_notice"][lang] not in deck
