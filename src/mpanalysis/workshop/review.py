"""The authority's review and the endorsement.

``mpanalysis review ISO3`` writes to ``outputs/<ISO3>/review/`` the review copy of the guide (DOCX,
every paragraph, finding, box, list and recommendation numbered ¶ 1…¶ N) and the review sheet
(XLSX, one row per number: accept / edit with the new text / delete, comment), keyed by each
passage's stable identity and the hash of its generated text (:mod:`mpanalysis.guide.review`).
``mpanalysis review ISO3 --read FILE`` checks the filled sheet like any input and records the
decisions in ``params/<ISO3>.workshop.yaml``; ``mpanalysis endorse`` records who endorsed the
guide and when, which removes the DRAFT mark at the next build.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from mpanalysis.decisions import (
    EndorsementRecord,
    Problem,
    ReviewDecision,
    ReviewRecord,
    SourceFile,
    WorksheetError,
    decisions_path,
    load_decisions,
    write_decisions,
)
from mpanalysis.errors import MpanalysisError
from mpanalysis.guide.document import BulletList, Guide, number_guide, resolve_refs
from mpanalysis.guide.review import ReviewUnit, iter_review_units, replace_blocks
from mpanalysis.paths import outputs_dir
from mpanalysis.provenance import hash_file
from mpanalysis.workshop.kit import check_built, get_choice_labels
from mpanalysis.workshop.sheets import (
    Column,
    SheetSpec,
    Workbook,
    find_choice,
    read_workbook,
    read_workbook_meta,
    write_workbook,
)
from mpanalysis.workshop.texts import get_list, t

REVIEW_DIR = "review"


def assemble_review_guide(country: str, lang: str, today: dt.date | None = None) -> Guide:
    """Return the guide the authority reviews: the full guide (chapters I–IV, chapter V "What
    changed" from the second numbered edition on, the annexes) of the audience the parameters
    name (``edition``: public unless set to restricted), as the last build saved its chapters, with
    the decisions recorded so far applied. Its brief version is a selection of the same passages,
    so the decisions apply to both."""
    from mpanalysis.guide.chapters.base import load_chapter_context
    from mpanalysis.publish.assemble import CHAPTER_KEYS, assemble_guide, load_guide_chapters
    from mpanalysis.publish.editions import load_latest_update

    work = check_built(country, lang, [Path("chapters") / f"{k}.json" for k in CHAPTER_KEYS], "to review")
    ctx = load_chapter_context(country, lang)
    update = load_latest_update(country)
    chapters = load_guide_chapters(work, lang, update.changes if update else None)
    return assemble_guide(ctx, work, edition=ctx.params.edition, length="full", today=today, chapters=chapters,
                          version=str(update.current.number) if update else "1")


def number_review_units(guide: Guide) -> tuple[Guide, list[ReviewUnit]]:
    """Return the guide with every review unit of chapters I–V and the annexes prefixed by its
    number (``[¶ 12]``) and the units in that order (the review sheet's rows).

    The opening (key messages, foreword, how to use this guide) is in the copy, unnumbered: it is
    written anew from the chapters at every build (the key messages from their findings and
    recommendations, the foreword from the parameters), so the authority corrects it there."""
    units = list(iter_review_units([*(c for c in guide.chapters if c.is_numbered), *guide.annexes]))
    changes = {}
    for number, unit in enumerate(units, start=1):
        mark = f"[¶\u00a0{number}] "
        block = unit.block
        if isinstance(block, BulletList):
            changes[id(block)] = block.model_copy(update={"items": [mark + block.items[0], *block.items[1:]]})
        else:
            changes[id(block)] = block.model_copy(update={"text": mark + block.text})
    parts = replace_blocks([*guide.chapters, *guide.annexes], changes)
    n = len(guide.chapters)
    return guide.model_copy(update={"chapters": parts[:n], "annexes": parts[n:],
                                    "subtitle": t("review.copy_notice", guide.lang)}), units


def _location(unit: ReviewUnit) -> str:
    return " › ".join([f"{unit.chapter.number}. {unit.chapter.title}", *unit.section_titles])


def build_review_sheet(guide: Guide, units: list[ReviewUnit]) -> Workbook:
    """Return the review sheet: one row per numbered passage, the decision cells editable."""
    lang = guide.lang
    numbering = number_guide(guide)
    kinds = {k: t(f"review.kinds.{k}", lang) for k in ("paragraph", "bullets", "callout", "finding", "recommendation")}
    spec = SheetSpec("review", t("review.sheet", lang), (
        Column("number", t("review.columns.number", lang), 6),
        Column("key", t("review.columns.key", lang), 16, is_hidden=True),
        Column("hash", "hash", 10, is_hidden=True),
        Column("location", t("review.columns.location", lang), 26, is_wrapped=True),
        Column("kind", t("review.columns.kind", lang), 12),
        Column("text", t("review.columns.text", lang), 70, is_wrapped=True),
        Column("decision", t("review.columns.decision", lang), 12, is_editable=True,
               choices=tuple(get_choice_labels("review", lang).values())),
        Column("new_text", t("review.columns.new_text", lang), 60, is_editable=True, is_wrapped=True),
        Column("comment", t("review.columns.comment", lang), 30, is_editable=True, is_wrapped=True),
    ), rows=tuple({"number": n, "key": u.key, "hash": u.text_hash, "location": _location(u),
                   "kind": kinds[u.kind], "text": resolve_refs(u.text, numbering)}
                  for n, u in enumerate(units, start=1)))
    return Workbook(title=t("review.title", lang, country=guide.country_name), instructions=tuple(get_list(
        "review.instructions", lang)), instructions_title=t("worksheet.sheets.instructions", lang), sheets=(spec,),
        meta={"kind": "review", "country": guide.country, "lang": lang, "written_at": dt.date.today().isoformat()})


def write_review_kit(country: str, lang: str, today: dt.date | None = None) -> list[Path]:
    """Write the review copy (DOCX) and the review sheet (XLSX) to ``outputs/<ISO3>/review/``."""
    from mpanalysis.render.docx import render_docx

    guide, units = number_review_units(assemble_review_guide(country, lang, today))
    folder = outputs_dir(country) / REVIEW_DIR
    stem = f"{country}_review_{lang}"
    return [render_docx(guide, folder / f"{stem}_copy.docx"),
            write_workbook(build_review_sheet(guide, units), folder / f"{stem}_sheet.xlsx")]


@dataclass(frozen=True)
class ReviewReadResult:
    record: ReviewRecord
    path: Path
    changes: list[str]


def read_review_sheet(country: str, file: str | Path, *, today: dt.date | None = None) -> ReviewReadResult:
    """Check the filled review sheet and record its decisions (one record per language).

    Raises :class:`~mpanalysis.decisions.WorksheetError` listing every mistake (unknown number or
    identity, a choice not in the list, an edit without its new text), with nothing written.
    """
    path = Path(file)
    name = path.name
    if not path.is_file():
        raise WorksheetError([Problem(file=str(path), message="file not found")])
    problems: list[Problem] = []
    lang = read_workbook_meta(path).get("lang")
    if not lang:
        raise WorksheetError([Problem(file=name, message="not a review sheet written by `mpanalysis review`")])
    guide, units = number_review_units(assemble_review_guide(country, lang, today))
    book = build_review_sheet(guide, units)
    spec = book.sheets[0]
    meta, sheets = read_workbook(path, {"review": spec}, problems)
    if meta.get("kind") != "review" or meta.get("country") != country:
        problems.append(Problem(file=name, message=f"not a review sheet of {country}"))
    labels = get_choice_labels("review", lang)
    by_key = {u.key: (n, u) for n, u in enumerate(units, start=1)}
    header = {c.code: c.header for c in spec.columns}
    decisions: list[ReviewDecision] = []
    changes: list[str] = []
    sheet = sheets.get("review")
    for row in sheet.rows if sheet else []:
        if row.get("decision") is None:
            if row.get("new_text"):
                problems.append(Problem(file=name, sheet=sheet.title, row=row["_row"], column=header["decision"],
                                        message="choose a decision for the new text written"))
            continue
        decision = find_choice(row["decision"], labels)
        if decision is None:
            problems.append(Problem(file=name, sheet=sheet.title, row=row["_row"], column=header["decision"],
                                    message=f"'{row['decision']}' is not one of the choices: {', '.join(labels.values())}"))
            continue
        key = row.get("key")
        if key not in by_key or not row.get("hash"):
            problems.append(Problem(file=name, sheet=sheet.title, row=row["_row"], column=header["number"],
                                    message=f"passage ¶ {row.get('number')} is not in the guide as it stands "
                                            f"(identity '{key}'): write the review copy again"))
            continue
        if decision == "edit" and not row.get("new_text"):
            problems.append(Problem(file=name, sheet=sheet.title, row=row["_row"], column=header["new_text"],
                                    message="an edit needs its new text"))
            continue
        number, unit = by_key[key]
        decisions.append(ReviewDecision(key=key, number=int(row.get("number") or number), text_hash=row["hash"],
                                        decision=decision, text=row.get("new_text") if decision == "edit" else None,
                                        comment=row.get("comment")))
        if decision != "accept":
            stale = "" if unit.text_hash == row["hash"] else " (the text changed since the copy was written: it will not apply)"
            changes.append(f"¶ {number} ({unit.kind}, {_location(unit)}): {decision}{stale}")
    if problems:
        raise WorksheetError(problems)
    record = ReviewRecord(lang=lang, read_at=today or dt.date.today(),
                          files=[SourceFile(file=name, sha256=hash_file(path))], decisions=decisions)
    previous = load_decisions(country)
    reviews = [r for r in previous.reviews if r.lang != lang] + [record]
    target = write_decisions(previous.model_copy(update={"reviews": reviews}), decisions_path(country))
    return ReviewReadResult(record=record, path=target, changes=changes)


def record_endorsement(country: str, authority: str, date: dt.date) -> Path:
    """Record who endorsed the guide and when; the next build has no DRAFT mark.

    >>> record_endorsement("SEN", " ", dt.date(2025, 1, 1))
    Traceback (most recent call last):
    ...
    mpanalysis.errors.MpanalysisError: --by: name the endorsing authority
    """
    if not authority.strip():
        raise MpanalysisError("--by: name the endorsing authority")
    previous = load_decisions(country)
    record = EndorsementRecord(authority=authority.strip(), date=date)
    return write_decisions(previous.model_copy(update={"endorsement": record}), decisions_path(country))
