"""Assembling a country's guide from its saved chapters: one guide per language, edition and
length, with its opening, the annexes, the cover facts and the provenance block.

Every guide opens with the key messages, the foreword and "how to use this guide"
(:func:`mpanalysis.guide.chapters.front.build_front_matter`), built from the findings, measures
and recommendations that chapters I–IV saved. Then:

- the **full** guide has chapters I–IV (and V, what changed), then the annexes;
- the **brief** guide is a summary of a few pages, not the full guide cut: after its opening come
  the figures and tables that say the most (with their numbers in the full guide), the five
  priority recommendations in full, and where to find the rest
  (:func:`mpanalysis.guide.chapters.front.build_brief_chapters`); it has no annexes.

Per edition, the **public** guide drops ``restricted`` blocks (every contact) and keeps
``public`` ones (contacts of respondents who consented); the **restricted** edition does the
opposite. A citation of a block the guide leaves out reads "Table I.3 of the full version".
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from mpanalysis.errors import MpanalysisError
from mpanalysis.guide.chapters.annexes import build_annexes
from mpanalysis.guide.chapters.base import ChapterContext, load_chapter_results, load_findings, load_measures
from mpanalysis.guide.chapters.front import (
    build_brief_chapters,
    build_front_matter,
    list_guide_recommendations,
)
from mpanalysis.guide.chapters.recommendations import EARLIER_CHAPTERS
from mpanalysis.guide.document import Chapter, Guide, Numbering, Section, iter_blocks, label_blocks, replace_refs
from mpanalysis.guide.review import apply_review_decisions, describe_decisions
from mpanalysis.guide.texts import get_chapter_text

#: The chapters of a guide, by the key their notebook saves them under, in order.
CHAPTER_KEYS = ("sources", "policy_cycle", "mp_process", "recommendations")
EDITIONS = ("public", "restricted")
LENGTHS = ("full", "brief")


def is_block_shown(block: Any, edition: str, length: str) -> bool:
    """Return True when a block belongs in a guide of this edition and length.

    >>> from mpanalysis.guide.document import Paragraph
    >>> is_block_shown(Paragraph(text="x", audience="restricted"), "public", "full")
    False
    >>> is_block_shown(Paragraph(text="x", in_brief=True), "public", "brief")
    True
    """
    if block.audience not in ("all", edition):
        return False
    return length == "full" or block.in_brief


def _filter_section(section: Section, edition: str, length: str) -> Section | None:
    blocks = [b for b in section.blocks if is_block_shown(b, edition, length)]
    sections = [s for s in (_filter_section(s, edition, length) for s in section.sections) if s]
    if not blocks and not sections:
        return None
    return section.model_copy(update={"blocks": blocks, "sections": sections})


def select_chapter_content(chapter: Chapter, edition: str, length: str) -> Chapter | None:
    """Return the chapter as the given edition and length show it (None when nothing is left)."""
    blocks = [b for b in chapter.blocks if is_block_shown(b, edition, length)]
    sections = [s for s in (_filter_section(s, edition, length) for s in chapter.sections) if s]
    if not blocks and not sections and length == "brief" and not chapter.intro:
        return None
    return chapter.model_copy(update={"blocks": blocks, "sections": sections})


def _block_ids(chapters: list[Chapter]) -> set[str]:
    return {b.id for c in chapters for b in iter_blocks(c) if getattr(b, "id", None)}


def _replace_dangling_refs(chapters: list[Chapter], full: Numbering, lang: str) -> list[Chapter]:
    """Turn citations of blocks a shorter guide left out into plain text ("Table I.3 of the full
    version"; "Table {num:…}" gives "Table I.3 of the full version" too, not "Table Table I.3"), so
    the brief guide still says where the evidence is."""
    kept = _block_ids(chapters)

    def replace(kind: str, block_id: str) -> str | None:
        if block_id in kept or block_id not in full.labels:
            return None  # kept blocks resolve normally; unknown ids print as typed
        label = full.numbers[block_id] if kind == "num" else full.labels[block_id]
        return get_chapter_text("annexes.guide.see_full_guide", lang, label=label)

    return [replace_refs(c, replace) for c in chapters]


def assemble_guide(ctx: ChapterContext, work_dir, *, edition: str, length: str,
                   provenance: dict | None = None, version: str = "1",
                   today: dt.date | None = None, chapters: list[Chapter] | None = None,
                   annexes: list[Chapter] | None = None, findings: list | None = None,
                   measures: dict[str, float] | None = None) -> Guide:
    """Return the guide of one country, language, edition and length.

    ``work_dir`` is the language folder where the chapter notebooks saved their chapters,
    findings and measures (``<work_dir>/chapters/<key>.json``…). ``chapters``/``annexes`` may be
    passed when already loaded (the batch builds every edition and length from one load), and
    ``findings``/``measures`` of chapters I–III when built in this process.
    """
    if edition not in EDITIONS or length not in LENGTHS:
        raise MpanalysisError(f"edition must be one of {EDITIONS} and length one of {LENGTHS}")
    lang = ctx.lang
    today = today or dt.date.today()
    if chapters is None:
        chapters = load_chapter_results(work_dir, list(CHAPTER_KEYS))
    if annexes is None:
        annexes = build_annexes(ctx, today)
    # the authority's review (params/<ISO3>.workshop.yaml) before choosing edition and length
    review = ctx.decisions.get_review(lang) if ctx.decisions else None
    parts, review_report = apply_review_decisions([*chapters, *annexes], review)
    chapters, annexes = parts[:len(chapters)], parts[len(chapters):]
    provenance = {**(provenance or {}), **describe_decisions(ctx.decisions, review_report, lang)}
    params = ctx.params
    is_draft = not params.endorsement.is_final
    full_numbering = label_blocks([*chapters, *annexes], lang)
    # without a work folder nor findings given (a preview), the opening has no finding to report
    if findings is None:
        findings = load_findings(work_dir, list(EARLIER_CHAPTERS)) if work_dir is not None else []
    if measures is None:
        measures = load_measures(work_dir) if work_dir is not None else {}
    recommendations = list_guide_recommendations(ctx, findings, measures)
    # the opening cites the chapters as every edition shows them
    cited = [c for c in (select_chapter_content(ch, edition, "full") for ch in chapters) if c]
    front = build_front_matter(ctx, cited, findings, measures, recommendations, length=length, is_draft=is_draft)
    if length == "full":
        shown = [*front, *cited]
        shown_annexes = [a for a in (select_chapter_content(an, edition, length) for an in annexes)
                         if a and (a.blocks or a.sections)]
    else:
        full_file = make_guide_stem(params.country, lang, edition, "full") + ".pdf"
        shown = [*front, *build_brief_chapters(ctx, cited, findings, recommendations, full_numbering,
                                               full_file=full_file, edition=edition, is_draft=is_draft)]
        shown_annexes = []
    shown, shown_annexes = (_replace_dangling_refs(shown, full_numbering, lang),
                            _replace_dangling_refs(shown_annexes, full_numbering, lang))
    country_name = params.get_country_name(lang)
    return Guide(
        country=params.country, country_name=country_name, lang=lang, edition=edition, length=length,
        title=get_chapter_text("annexes.guide.title", lang),
        kind_label=get_chapter_text("annexes.guide.kind", lang),
        date=today, version=version, is_draft=is_draft,
        is_synthetic=params.is_demo, chapters=shown, annexes=shown_annexes,
        provenance=json.loads(json.dumps(provenance or {}, default=str)),
    )


def load_guide_chapters(work_dir, lang: str, changes=None) -> list[Chapter]:
    """Return the chapters of a guide: those the notebooks saved in ``work_dir``, then chapter V
    "What changed since the previous edition" when ``changes``
    (:class:`~mpanalysis.publish.editions.EditionChanges`) are given."""
    from mpanalysis.publish.editions import build_changes_chapter

    chapters = load_chapter_results(work_dir, list(CHAPTER_KEYS))
    changes_chapter = build_changes_chapter(changes, lang) if changes is not None else None
    return [*chapters, changes_chapter] if changes_chapter is not None else chapters


def make_guide_stem(country: str, lang: str, edition: str, length: str) -> str:
    """Return the file name (without extension) of a guide.

    >>> make_guide_stem("SEN", "fr", "public", "full")
    'SEN_guide_fr_public_full'
    """
    return f"{country}_guide_{lang}_{edition}_{length}"
