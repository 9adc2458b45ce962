"""Chapter IV of the guide: the recommendations, numbered and grouped in five categories.

The recommendations are :func:`mpanalysis.analysis.recommendations.build_recommendations`: declarative
rules evaluated on the findings and measures saved by chapters I–III, merged with those adopted at
the national workshop, numbered R1…Rn continuously in the fixed category order. Each one is shown
with its priority, its origin and the evidence that triggered it: the finding's sentence and a
citation of the figure or table that shows it.

Citations are written ``{ref:<block id>}`` so the HTML, PDF and DOCX guides print the same label.
A finding's evidence key ("table III.3") is mapped to the block of the saved chapters that carries
that number (:func:`map_evidence_to_blocks`); a key with no such block is printed as plain text
("Tableau III.3").

The chapter has no findings of its own; its measures count the recommendations
(``recommendations.n_total``, ``recommendations.n_<category>``…).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from babel.lists import format_list

from mpanalysis.analysis.recommendations import (
    CATEGORY_LIST,
    Recommendation,
    build_actor_table,
    build_open_recommendations,
    build_recommendations,
    get_category_codes,
    get_rule_labels,
    select_top_recommendations,
)
from mpanalysis.errors import MpanalysisError
from mpanalysis.guide.chapters.base import (
    ChapterContext,
    ChapterResult,
    load_chapter_results,
    load_findings,
    load_measures,
)
from mpanalysis.guide.chapters.mp_process import EVIDENCE_BLOCK_IDS as MP_PROCESS_BLOCK_IDS
from mpanalysis.guide.document import (
    BulletList,
    Chapter,
    Figure,
    Paragraph,
    Section,
    Table,
    iter_blocks,
    label_blocks,
    load_guide_texts,
    protect_text,
    replace_refs,
)
from mpanalysis.guide.texts import fill_chapter_text
from mpanalysis.reference import get_labels
from mpanalysis.wording import name_entities
from mpanalysis.wording.names import load_name_overrides
from mpanalysis.wording.rules import babel_locale

CHAPTER_KEY = "recommendations"
CHAPTER_NUMBER = "IV"

#: The chapters whose saved results chapter IV reads, and the notebook that saves each.
EARLIER_CHAPTERS = {"sources": "01_sources.ipynb", "policy_cycle": "02_policy_cycle.ipynb",
                    "mp_process": "03_mp_process.ipynb"}

#: The table saved for the open data's ``recommendations.csv`` (codes, lead, time frame, indicator).
OPEN_DATA_TABLE = "open_data"

#: Beyond this many partners, the guide says how many and where they are listed.
MAX_NAMED_PARTNERS = 6

#: How many recommendations the brief guide keeps.
N_PRIORITY = 5

_EVIDENCE_KEY = re.compile(r"^(figure|table)\s+([A-Z0-9]+)\.(\d+)$", re.IGNORECASE)


def _t(key: str, lang: str, **values) -> str:
    return fill_chapter_text(f"{CHAPTER_KEY}.{key}", lang, **values)


# --------------------------------------------------------------------------------------------
# The results of chapters I–III


@dataclass(frozen=True)
class EarlierChapters:
    """What chapter IV reads from chapters I–III: their findings, measures and saved chapters."""

    findings: list
    measures: dict[str, float]
    chapters: list[Chapter]


def find_missing_chapter_outputs(output_dir: str | Path) -> list[str]:
    """Return the keys of chapters I–III whose saved chapter, findings or measures are missing.

    >>> import tempfile
    >>> find_missing_chapter_outputs(tempfile.mkdtemp())
    ['sources', 'policy_cycle', 'mp_process']
    """
    folder = Path(output_dir)
    return [key for key in EARLIER_CHAPTERS
            if not all((folder / part / f"{key}.json").is_file() for part in ("chapters", "findings", "measures"))]


def load_earlier_chapters(output_dir: str | Path, lang: str = "fr") -> EarlierChapters:
    """Return the findings, measures and chapters saved by chapters I–III in ``output_dir``.

    Raises :class:`~mpanalysis.errors.MpanalysisError` naming the notebooks to run first when any
    is missing (in ``lang``), rather than failing on a missing file.

    >>> import tempfile
    >>> load_earlier_chapters(tempfile.mkdtemp(), "en")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.MpanalysisError: Chapter IV builds on the results of chapters I to III, which are missing from ... Run the notebooks 01_sources.ipynb, 02_policy_cycle.ipynb, 03_mp_process.ipynb first ...
    """
    missing = find_missing_chapter_outputs(output_dir)
    if missing:
        raise MpanalysisError(_t("missing_chapters", lang, folder=str(output_dir), missing=", ".join(missing),
                                 notebooks=", ".join(EARLIER_CHAPTERS[k] for k in missing)))
    keys = list(EARLIER_CHAPTERS)
    measures = {k: v for k, v in load_measures(output_dir).items() if not k.startswith(f"{CHAPTER_KEY}.")}
    return EarlierChapters(findings=load_findings(output_dir, keys), measures=measures,
                           chapters=load_chapter_results(output_dir, keys))


# --------------------------------------------------------------------------------------------
# Evidence: from "table III.3" to the block that carries that number


def map_evidence_to_blocks(chapters: Sequence[Chapter]) -> dict[str, str]:
    """Return evidence key ("table III.3", "figure II.1") → id of the block carrying that number.

    Figures and tables are counted per chapter in reading order, as the guide numbers them
    (:func:`mpanalysis.guide.document.number_guide`). Chapter III's keys come from its own
    :data:`~mpanalysis.guide.chapters.mp_process.EVIDENCE_BLOCK_IDS`, so a figure left out for lack of
    data never shifts them. Only blocks every edition shows are cited. Block ids map to themselves,
    so an evidence key may also be an id.

    >>> from mpanalysis.guide.document import Chapter, Table
    >>> t = lambda i: Table(id=i, caption="c", columns=["a"], rows=[])
    >>> map_evidence_to_blocks([Chapter(number="II", key="b", title="B", blocks=[t("x"), t("y")])])
    {'table II.1': 'x', 'x': 'x', 'table II.2': 'y', 'y': 'y'}
    """
    mapping: dict[str, str] = {}
    for chapter in chapters:
        counters = {"figure": 0, "table": 0}
        ids = set()
        for block in iter_blocks(chapter):
            if isinstance(block, (Figure, Table)):
                counters[block.type] += 1
                ids.add(block.id)
                if block.audience == "all":
                    mapping[f"{block.type} {chapter.number}.{counters[block.type]}"] = block.id
                    mapping[block.id] = block.id
        if chapter.key == "mp_process":
            for key, block_id in MP_PROCESS_BLOCK_IDS.items():
                mapping.pop(key, None)
                if block_id in ids:
                    mapping[key] = block_id
    return mapping


def format_evidence_key(key: str, blocks: Mapping[str, str], lang: str) -> str:
    """Return how the guide cites an evidence key: ``{ref:<id>}`` when a block carries it, else
    the label as plain text in ``lang``.

    >>> format_evidence_key("table III.3", {"table III.3": "mp_problem_matrix"}, "fr")
    '{ref:mp_problem_matrix}'
    >>> format_evidence_key("table II.2", {}, "fr"), format_evidence_key("figure I.1", {}, "en")
    ('Tableau II.2', 'Figure I.1')
    """
    if key in blocks:
        return "{ref:" + blocks[key] + "}"
    match = _EVIDENCE_KEY.match(key.strip())
    if match:
        kind, chapter, number = match.groups()
        return f"{load_guide_texts(lang)[kind.lower()]} {chapter}.{number}"
    return protect_text(key)


def _evidence_lines(recommendation: Recommendation, findings_by_id: Mapping[str, object],
                    blocks: Mapping[str, str], lang: str) -> list[str]:
    """The finding sentences with their citations, then the other figures and tables cited."""
    cited: list[tuple[str, str]] = []
    used_keys: set[str] = set()
    for finding_id in recommendation.finding_ids:
        finding = findings_by_id.get(finding_id)
        if finding is None:
            continue
        citation = format_evidence_key(finding.evidence, blocks, lang)
        used_keys.add(finding.evidence)
        # the citation closes the sentence: "… (68 %) (Tableau III.3)."
        # names in a finding's sentence were protected when it was filled in; it may cite a table
        cited.append((finding.get_text(lang).rstrip().removesuffix("."), citation))
    others = [format_evidence_key(k, blocks, lang) for k in recommendation.evidence if k not in used_keys]
    lines: list[str] = []
    if len(cited) == 1:
        sentence = _t("recommendation.evidence_sentence", lang, sentence=cited[0][0], citation=cited[0][1])
        lines.append(_t("recommendation.evidence_one", lang, evidence=sentence))
    elif cited:
        lines.append(_t("recommendation.evidence_many", lang))
        lines += [_t("recommendation.evidence_item", lang, sentence=s, citation=c) for s, c in cited]
    separator = _t("recommendation.citation_separator", lang)
    if others and cited:
        lines.append(_t("recommendation.see_also", lang, citations=separator.join(others)))
    elif others:
        lines.append(_t("recommendation.evidence_see", lang, citation=separator.join(others)))
    return lines


def _citations(recommendation: Recommendation, findings_by_id: Mapping[str, object],
               blocks: Mapping[str, str], lang: str) -> list[str]:
    keys = [findings_by_id[f].evidence for f in recommendation.finding_ids if f in findings_by_id]
    keys += list(recommendation.evidence)
    return list(dict.fromkeys(format_evidence_key(k, blocks, lang) for k in keys))


def label_citations(chapter: Chapter, cited_chapters: Sequence[Chapter], lang: str) -> Chapter:
    """Return a copy of ``chapter`` whose citations of other chapters' blocks read as their labels.

    For showing chapter IV on its own (a notebook preview): the guide resolves ``{ref:id}`` itself,
    but a one-chapter preview does not know the figures and tables of chapters I–III.

    >>> from mpanalysis.guide.document import Table
    >>> cited = Chapter(number="III", key="mp_process", title="T",
    ...                 blocks=[Table(id="mp_needs", caption="c", columns=["a"], rows=[])])
    >>> ch = Chapter(number="IV", key="recommendations", title="R", blocks=[Paragraph(text="(voir {ref:mp_needs})")])
    >>> label_citations(ch, [cited], "fr").blocks[0].text
    '(voir Tableau III.1)'
    """
    numbering = label_blocks(cited_chapters, lang)

    def resolve(kind: str, block_id: str) -> str | None:
        labels = numbering.labels if kind == "ref" else numbering.numbers
        return labels.get(block_id)

    return replace_refs(chapter, resolve)


# --------------------------------------------------------------------------------------------
# The chapter


def _labels(lang: str) -> dict[str, dict[str, str]]:
    return {"category": get_labels(CATEGORY_LIST, lang), "priority": get_rule_labels("priority", lang),
            "origin": get_rule_labels("origin", lang), "timeframe": get_rule_labels("timeframe", lang)}


def build_recommendation_blocks(recommendation: Recommendation, findings_by_id, blocks, lang: str) -> list:
    """Return a recommendation as the guide prints it (chapter IV, and the brief's priority
    recommendations): a paragraph with its number and text, then a list of who leads it, with
    whom, by when, how to know it was done, its priority and origin, and the evidence."""
    labels = _labels(lang)
    head = Paragraph(text=_t("recommendation.head", lang, number=recommendation.number,
                             text=protect_text(recommendation.text)))
    items = [_t("recommendation.lead", lang, lead=protect_text(recommendation.lead))]
    if len(recommendation.partners) > MAX_NAMED_PARTNERS:
        # a long list belongs in a table: the finding cited below names them, the open data lists them
        items.append(_t("recommendation.partners_many", lang, n=len(recommendation.partners)))
    elif recommendation.partners:
        items.append(_t("recommendation.partners", lang,
                        partners=protect_text(_t("recommendation.partner_separator", lang).join(recommendation.partners))))
    items += [_t("recommendation.timeframe", lang, timeframe=labels["timeframe"][recommendation.timeframe]),
              _t("recommendation.indicator", lang, indicator=protect_text(recommendation.indicator)),
              _t("recommendation.meta", lang, priority=labels["priority"][recommendation.priority].lower(),
                 origin=labels["origin"][recommendation.origin].lower())]
    evidence = _evidence_lines(recommendation, findings_by_id, blocks, lang)
    items += evidence or [_t("recommendation.workshop_only", lang)]
    return [head, BulletList(items=items)]


def _priority_table(top: Sequence[Recommendation], lang: str) -> Table:
    """The highest-priority recommendations in full: text, lead, time frame, indicator."""
    labels = _labels(lang)
    rows = [[r.number, protect_text(r.text), protect_text(r.lead), labels["timeframe"][r.timeframe],
             protect_text(r.indicator)] for r in top]
    columns = [_t(f"priority.col_{key}", lang) for key in ("number", "text", "lead", "timeframe", "indicator")]
    return Table(id="rec_priority", caption=_t("priority.caption", lang, n=len(top)), columns=columns, rows=rows,
                 in_brief=True)


def _priority_evidence(top: Sequence[Recommendation], findings_by_id, blocks, lang: str) -> Paragraph:
    """What motivates each priority recommendation, cited so that the guide links it (table cells
    cannot): "R1, Table II.2; R6 and R8, adopted at the national workshop"."""
    separator = _t("recommendation.citation_separator", lang)
    parts, from_workshop = [], []
    for r in top:
        citations = _citations(r, findings_by_id, blocks, lang)
        if citations:
            parts.append(_t("priority.evidence_item", lang, number=r.number, citations=separator.join(citations)))
        else:
            from_workshop.append(r.number)
    if from_workshop:
        numbers = format_list(from_workshop, locale=babel_locale(lang))
        parts.append(_t("priority.evidence_workshop", lang, numbers=numbers, n=len(from_workshop)))
    return Paragraph(text=_t("priority.evidence", lang, items=separator.join(parts)), in_brief=True)


def build_recommendation_table(recommendations: Sequence[Recommendation], lang: str) -> pd.DataFrame:
    """Return the recommendations for export: number, category, priority, origin, text, lead,
    partners, time frame, indicator, evidence (labels as plain text, e.g. "Tableau III.3"), the
    findings and rules behind each.

    >>> from mpanalysis.analysis.recommendations import number_recommendations
    >>> recs = number_recommendations([Recommendation("a", "cooperation", "high", "Relier.", "fr",
    ...     evidence=("table II.2",), lead="Ministère de l’Intérieur", timeframe="short", indicator="Un accord.")])
    >>> build_recommendation_table(recs, "fr").iloc[0].tolist()[:7]
    ['R1', 'Coopération', 'Élevée', 'Analyse des réponses au questionnaire', 'Relier.', 'Ministère de l’Intérieur', '']
    """
    labels = _labels(lang)
    rows = [{"number": r.number, "category": labels["category"].get(r.category, r.category),
             "priority": labels["priority"].get(r.priority, r.priority),
             "origin": labels["origin"].get(r.origin, r.origin), "text": r.text, "lead": r.lead,
             "partners": " | ".join(r.partners), "timeframe": labels["timeframe"].get(r.timeframe, r.timeframe),
             "indicator": r.indicator,
             "evidence": ", ".join(format_evidence_key(k, {}, lang) for k in r.evidence),
             "finding_ids": " ".join(r.finding_ids), "rule_id": r.id, "merged_rule_ids": " ".join(r.merged_ids),
             "addresses": " ".join(r.addresses)}
            for r in recommendations]
    return pd.DataFrame(rows, columns=["number", "category", "priority", "origin", "text", "lead", "partners",
                                       "timeframe", "indicator", "evidence", "finding_ids", "rule_id",
                                       "merged_rule_ids", "addresses"])


def count_recommendations(recommendations: Sequence[Recommendation]) -> dict[str, float]:
    """Return the chapter's measures: how many recommendations, per category, origin, priority.

    >>> measures = count_recommendations([Recommendation("a", "cooperation", "high", "…", "fr")])
    >>> measures["recommendations.n_cooperation"], measures["recommendations.n_total"]
    (1.0, 1.0)
    """
    measures = {"recommendations.n_total": float(len(recommendations))}
    for category in get_category_codes():
        measures[f"recommendations.n_{category}"] = float(sum(r.category == category for r in recommendations))
    for origin in ("workshop", "rule"):
        measures[f"recommendations.n_{origin}"] = float(sum(r.origin == origin for r in recommendations))
    measures["recommendations.n_high_priority"] = float(sum(r.priority == "high" for r in recommendations))
    return measures


def build_guide_recommendations(ctx: ChapterContext, findings: Sequence, measures: Mapping[str, float]) -> list:
    """Return the country's recommendations as chapter IV (and the guide's opening and brief) show
    them: rules evaluated, workshop's merged, numbered, institutions named as the guide names them
    in its language (the parameters' corrections and translations)."""
    names = name_entities(ctx.dataset.entities, load_name_overrides(ctx.country, ctx.params), ctx.lang)
    return build_recommendations(findings, measures, ctx.params, ctx.lang, names=names,
                                 actors=build_actor_table(ctx.dataset), decisions=ctx.decisions)


def build_recommendations_chapter(ctx: ChapterContext, findings: Sequence, measures: Mapping[str, float], *,
                                  chapters: Sequence[Chapter] | None = None) -> ChapterResult:
    """Return chapter IV: the recommendations, numbered, grouped, each with its evidence.

    Parameters
    ----------
    ctx
        The country's dataset, parameters (workshop recommendations) and the guide's language.
    findings, measures
        What chapters I–III saved (:func:`load_earlier_chapters`).
    chapters
        The saved chapters I–III, to cite the figures and tables behind each recommendation by
        their block ids; without them citations are plain labels ("Tableau III.3").

    Examples
    --------
    >>> from mpanalysis.guide.chapters.base import ChapterContext
    >>> from mpanalysis.params import CountryParams
    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> ctx = ChapterContext(make_example_dataset(), CountryParams(country="SEN"), "en")
    >>> result = build_recommendations_chapter(ctx, [], {"profile.share_aware": 0.2})
    >>> result.chapter.title, [s.title for s in result.chapter.sections][2:]
    ('Recommendations', ['Cooperation', 'Training and human resources', 'Improving information collection', 'Information on border management', 'Information on migration in crisis situations'])
    >>> result.measures["recommendations.n_training_hr"]
    1.0
    """
    lang = ctx.lang
    recommendations = build_guide_recommendations(ctx, findings, measures)
    blocks = map_evidence_to_blocks(chapters or [])
    findings_by_id = {f.id: f for f in findings}
    labels = _labels(lang)

    chapter_blocks: list = []
    sections: list[Section] = []
    if recommendations:
        n_workshop = sum(r.origin == "workshop" for r in recommendations)
        chapter_blocks.append(Paragraph(text=_t("count", lang, n_total=len(recommendations), n_workshop=n_workshop,
                                                n_rule=len(recommendations) - n_workshop), in_brief=True))
        top = select_top_recommendations(recommendations, N_PRIORITY)
        sections.append(Section(title=_t("priority.title", lang), blocks=[
            Paragraph(text=_t("priority.intro", lang, n=len(top)), in_brief=True),
            _priority_table(top, lang), _priority_evidence(top, findings_by_id, blocks, lang)]))
        summary = pd.DataFrame({
            _t("summary.col_number", lang): [r.number for r in recommendations],
            _t("summary.col_category", lang): [labels["category"][r.category] for r in recommendations],
            _t("summary.col_lead", lang): [protect_text(r.lead) for r in recommendations],
            _t("summary.col_timeframe", lang): [labels["timeframe"][r.timeframe] for r in recommendations],
            _t("summary.col_priority", lang): [labels["priority"][r.priority] for r in recommendations],
            _t("summary.col_origin", lang): [labels["origin"][r.origin] for r in recommendations],
        })
        sections.append(Section(title=_t("summary.title", lang), blocks=[
            Table.from_frame(summary, id="rec_summary", caption=_t("summary.caption", lang))]))
    else:
        chapter_blocks.append(Paragraph(text=_t("no_recommendation", lang), in_brief=True))
    for category in get_category_codes():
        in_category = [r for r in recommendations if r.category == category]
        section_blocks = ([b for r in in_category for b in build_recommendation_blocks(r, findings_by_id, blocks, lang)]
                          or [Paragraph(text=_t("category.none", lang))])
        sections.append(Section(title=labels["category"][category], blocks=section_blocks))
    chapter = Chapter(number=CHAPTER_NUMBER, key=CHAPTER_KEY, title=_t("title", lang), intro=_t("intro", lang),
                      blocks=chapter_blocks, sections=sections)
    return ChapterResult(chapter=chapter, findings=[], measures=count_recommendations(recommendations),
                         tables={"recommendations": build_recommendation_table(recommendations, lang),
                                 OPEN_DATA_TABLE: build_open_recommendations(recommendations, lang)})
