"""Chapter IV as the guide shows it: recommendations numbered R1…Rn across the five categories in
their fixed order, each with its evidence cited, the top five in the brief guide."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from test_chapters_mp_process import make_dataset

from mpanalysis.analysis.findings import Finding
from mpanalysis.analysis.recommendations import build_recommendations, select_top_recommendations
from mpanalysis.errors import MpanalysisError
from mpanalysis.guide.chapters.base import ChapterContext, save_chapter_result
from mpanalysis.guide.chapters.mp_process import build_mp_process_chapter
from mpanalysis.guide.chapters.recommendations import (
    EARLIER_CHAPTERS,
    build_recommendations_chapter,
    format_evidence_key,
    label_citations,
    load_earlier_chapters,
    map_evidence_to_blocks,
)
from mpanalysis.guide.document import (
    BulletList,
    Chapter,
    Figure,
    Guide,
    Paragraph,
    Table,
    find_unknown_refs,
    iter_blocks,
    number_guide,
    resolve_refs,
)
from mpanalysis.params import CountryParams

CATEGORIES_EN = ["Cooperation", "Training and human resources", "Improving information collection",
                 "Information on border management", "Information on migration in crisis situations"]

SILENT = Finding(id="network.silent_producers", kind="silent_producers", severity="high", chapter="II",
                 entities=("SEN-MAE",), numbers={"n_entities": 1},
                 text={"fr": "MAE ne transmet rien.", "en": "MAE shares with nobody."}, evidence="figure II.1")
CRISIS_GAP = Finding(id="sources.coverage_gap.crisis", kind="coverage_gap", severity="high", chapter="I",
                     codes={"domain": "crisis"}, numbers={"n_potential": 0},
                     text={"fr": "Aucune source de crise.", "en": "No crisis source."}, evidence="table I.2")
WORKSHOP = {"recommendations": [
    {"category": "border_information", "priority": "high",
     "text": {"fr": "Informatiser les postes frontières.", "en": "Computerise border posts."}}]}


def chapter_two() -> Chapter:
    """A stand-in for chapter II as notebook 02 saves it: its first figure is the network."""
    import plotly.graph_objects as go

    network = Figure.from_plotly(go.Figure(), id="policy_network", caption="Network", alt="The network.")
    return Chapter(number="II", key="policy_cycle", title="Cycle", blocks=[network])


@pytest.fixture(scope="module")
def earlier():
    """Chapter III built from the tiny dataset (its findings and measures) and a chapter II."""
    ctx = ChapterContext(make_dataset(), CountryParams(country="SEN", reference_year=2025, workshop=WORKSHOP), "en")
    chapter_three = build_mp_process_chapter(ctx)
    return ctx, chapter_three, [chapter_two(), chapter_three.chapter]


def build(earlier, lang="en", with_chapters=True):
    ctx, three, chapters = earlier
    ctx = ChapterContext(ctx.dataset, ctx.params, lang)
    findings = [SILENT, CRISIS_GAP, *three.findings]
    return build_recommendations_chapter(ctx, findings, three.measures, chapters=chapters if with_chapters else None)


@pytest.fixture(scope="module")
def result_en(earlier):
    return build(earlier, "en")


def recommendation_paragraphs(chapter: Chapter) -> list[Paragraph]:
    return [b for s in chapter.sections[2:] for b in s.blocks if re.match(r"R\d+\. ", getattr(b, "text", ""))]


def recommendation_entries(chapter: Chapter) -> dict[str, tuple[str, list[str]]]:
    """{number: (the recommendation's sentence, the list under it: lead, partners, time frame…)}"""
    entries = {}
    for section in chapter.sections[2:]:
        for head, details in zip(section.blocks, section.blocks[1:]):
            if re.match(r"R\d+\. ", getattr(head, "text", "")) and isinstance(details, BulletList):
                entries[head.text.split(".")[0]] = (head.text, details.items)
    return entries


def test_french_and_english_titles(earlier, result_en):
    fr = build(earlier, "fr").chapter
    assert (fr.number, fr.key, fr.title) == ("IV", "recommendations", "Recommandations")
    assert result_en.chapter.title == "Recommendations"
    assert fr.sections[2].title == "Coopération"


def test_five_categories_in_the_fixed_order_after_priority_and_overview(result_en):
    titles = [s.title for s in result_en.chapter.sections]
    assert titles == ["Priority recommendations", "Overview", *CATEGORIES_EN]


def test_numbered_continuously_across_categories(result_en):
    numbers = [p.text.split(".")[0] for p in recommendation_paragraphs(result_en.chapter)]
    assert numbers == [f"R{i}" for i in range(1, len(numbers) + 1)]
    assert len(numbers) == result_en.measures["recommendations.n_total"] >= 5
    summary = next(b for b in iter_blocks(result_en.chapter) if isinstance(b, Table) and b.id == "rec_summary")
    assert [row[0] for row in summary.rows] == numbers


def test_each_recommendation_says_who_leads_by_when_how_to_know_and_why(result_en):
    entries = recommendation_entries(result_en.chapter)
    assert entries
    silent = next(" ".join(items) for _, items in entries.values() if "MAE shares with nobody" in " ".join(items))
    assert "Evidence: MAE shares with nobody (Figure" not in silent  # cited by id, not by a typed label
    assert "MAE shares with nobody ({ref:policy_network})." in silent
    awareness = [items for _, items in entries.values() if "{ref:mp_problem_matrix}" in " ".join(items)]
    assert awareness, "the challenge recommendations cite the problem/solution matrix"
    for number, (_, items) in entries.items():
        assert items[0].startswith("Lead: ") and len(items[0]) > len("Lead: ."), number
        assert any(i.startswith("Time frame: ") for i in items), number
        assert any(i.startswith("Indicator of success: ") and len(i) > 30 for i in items), number
        text = " ".join(items)
        assert "{ref:" in text or "Table I.2" in text or "national workshop" in text, number


def test_evidence_without_a_block_falls_back_to_the_label_in_the_language(earlier):
    chapter = build(earlier, "fr").chapter
    crisis = next(" ".join(items) for _, items in recommendation_entries(chapter).values()
                  if "Aucune source de crise" in " ".join(items))
    assert "Aucune source de crise (Tableau I.2)." in crisis  # chapter I was not given: plain label
    bare = build(earlier, "en", with_chapters=False).chapter
    assert not any("{ref:" in " ".join(items) for _, items in recommendation_entries(bare).values())


def test_citations_resolve_in_a_guide_to_the_labels_of_the_cited_blocks(earlier, result_en):
    _, three, chapters = earlier
    guide = Guide(country="SEN", country_name="Senegal", lang="en", title="G", date=dt.date(2025, 1, 1),
                  chapters=[*chapters, result_en.chapter])
    assert find_unknown_refs(guide) == []
    numbering = number_guide(guide)
    shown = [resolve_refs(" ".join(items), numbering) for _, items in recommendation_entries(result_en.chapter).values()]
    assert any("MAE shares with nobody (Figure II.1)." in t for t in shown)
    assert any("(Table III.3)." in t for t in shown)


def test_workshop_recommendation_first_in_its_category_and_says_so(result_en):
    border = result_en.chapter.sections[2 + CATEGORIES_EN.index("Information on border management")]
    assert border.blocks[0].text.endswith("Computerise border posts.")
    assert "adopted at the national workshop" in " ".join(border.blocks[1].items)


def test_a_category_with_no_recommendation_says_so(earlier):
    ctx = ChapterContext(earlier[0].dataset, CountryParams(country="SEN"), "en")
    chapter = build_recommendations_chapter(ctx, [], {}).chapter
    assert all(s.blocks[0].text.startswith("No recommendation in this category") for s in chapter.sections)
    assert chapter.blocks[0].text.startswith("No recommendation is made")


def test_top_five_are_kept_in_the_brief_guide_and_only_they(earlier, result_en):
    ctx, three, _ = earlier
    recommendations = build_recommendations([SILENT, CRISIS_GAP, *three.findings], three.measures, ctx.params, "en")
    top = [r.number for r in select_top_recommendations(recommendations, 5)]
    priority = result_en.chapter.sections[0]
    table = next(b for b in priority.blocks if isinstance(b, Table))
    assert table.in_brief and [row[0] for row in table.rows] == top
    assert table.columns == ["No.", "Recommendation", "Lead", "Time frame", "Indicator of success"]
    # in full: a lead, a time frame and an indicator, then the evidence of each, cited (by block
    # id, or by label when the block is not in the guide, or the workshop)
    assert all(row[2] and row[3] and row[4] for row in table.rows)
    evidence = priority.blocks[priority.blocks.index(table) + 1]
    assert evidence.in_brief and evidence.text.startswith("Evidence: ")
    assert all(number in evidence.text for number in top)
    assert "{ref:" in evidence.text and "national workshop" in evidence.text
    assert not any(b.in_brief for b in recommendation_paragraphs(result_en.chapter))


def test_measures_count_recommendations_per_category(result_en):
    measures = result_en.measures
    per_category = sum(measures[f"recommendations.n_{c}"] for c in
                       ("cooperation", "training_hr", "collection", "border_information", "crisis_information"))
    assert per_category == measures["recommendations.n_total"]
    assert measures["recommendations.n_crisis_information"] >= 1  # the crisis coverage gap
    assert result_en.findings == []


def test_evidence_map_counts_blocks_per_chapter_and_skips_restricted_ones():
    t = lambda i, audience="all": Table(id=i, caption="c", columns=["a"], rows=[], audience=audience)
    one = Chapter(number="I", key="sources", title="S", blocks=[t("a"), t("contacts", "restricted"), t("b")])
    mapping = map_evidence_to_blocks([one])
    assert mapping["table I.1"] == "a" and mapping["table I.3"] == "b"
    assert "table I.2" not in mapping
    assert format_evidence_key("table I.2", mapping, "en") == "Table I.2"


def test_chapter_three_keys_follow_its_own_ids_when_a_figure_is_missing():
    # no figure III.1 in this chapter: "figure III.2" must not slide onto another figure
    import plotly.graph_objects as go

    functions = Figure.from_plotly(go.Figure(), id="mp_functions", caption="c", alt="a")
    three = Chapter(number="III", key="mp_process", title="P", blocks=[functions])
    mapping = map_evidence_to_blocks([three])
    assert mapping["figure III.2"] == "mp_functions" and "figure III.1" not in mapping


def test_missing_earlier_chapters_name_the_notebooks_to_run(tmp_path, earlier):
    with pytest.raises(MpanalysisError) as error:
        load_earlier_chapters(tmp_path, "en")
    assert all(name in str(error.value) for name in EARLIER_CHAPTERS.values())
    _, three, _ = earlier
    save_chapter_result(three, tmp_path)
    with pytest.raises(MpanalysisError, match="carnets 01_sources.ipynb, 02_policy_cycle.ipynb pour") as error:
        load_earlier_chapters(tmp_path, "fr")
    assert "03_mp_process" not in str(error.value) and "Exécutez d’abord" in str(error.value)


def test_preview_prints_labels_of_other_chapters(earlier, result_en):
    _, _, chapters = earlier
    preview = label_citations(result_en.chapter, chapters, "en")
    text = "\n".join(" ".join(items) for _, items in recommendation_entries(preview).values())
    assert "{ref:" not in text and "(Figure II.1)" in text
