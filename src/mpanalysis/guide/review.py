"""The authority's review of a guide: which passages it judged, and its decisions applied.

Every paragraph, box (finding) and list of a guide is a *review unit* with a stable identity:
the chapter's key, the titles of the sections it sits in, its kind and its rank among the
blocks of that kind and audience in the same place (``policy_cycle/ce-que-montre-le-reseau/callout.3``).
The rank ignores the other editions' blocks, so the public and the restricted guides give a unit
the same key; a review decision is applied to the chapters before the edition and the length
are chosen, so the brief guide shows the same edits.

A decision holds the hash of the generated text the authority saw. When a rebuild (new answers,
new rules) changes that text, the decision is not applied to other words: it is reported as
no longer applying (:class:`ReviewReport`), in the build's log and the guide's provenance.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from mpanalysis.decisions import ReviewDecision, ReviewRecord, hash_text
from mpanalysis.guide.document import BulletList, Callout, Chapter, Paragraph, Section, protect_text

#: A recommendation's heading paragraph in chapter IV ("R3. Former les points focaux…").
_RECOMMENDATION_HEAD = re.compile(r"^R\d+\.\s")


@dataclass(frozen=True)
class ReviewUnit:
    """One passage of the guide the authority can accept, edit or delete."""

    key: str
    kind: str  # paragraph | bullets | callout | finding | recommendation
    text: str  # the generated text (citations as {ref:id}; a list's items one per line)
    chapter: Chapter
    section_titles: tuple[str, ...]
    block: object

    @property
    def text_hash(self) -> str:
        return hash_text(self.text)


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:40] or "x"


def get_unit_text(block: object) -> str | None:
    """Return the text of a block the review judges, or None for a block it does not (figure, table).

    >>> get_unit_text(BulletList(items=["a", "b"]))
    'a\\nb'
    """
    if isinstance(block, (Paragraph, Callout)):
        return block.text
    if isinstance(block, BulletList):
        return "\n".join(block.items)
    return None


def _unit_kind(block: object, chapter: Chapter) -> str:
    if isinstance(block, Callout):
        return "finding" if block.kind == "finding" else "callout"
    if isinstance(block, BulletList):
        return "bullets"
    if chapter.key == "recommendations" and _RECOMMENDATION_HEAD.match(block.text):
        return "recommendation"
    return "paragraph"


def _iter_container(chapter: Chapter, blocks: Sequence, sections: Sequence[Section], path: tuple[str, ...],
                    titles: tuple[str, ...]) -> Iterator[ReviewUnit]:
    ranks: dict[tuple[str, str], int] = {}
    for block in blocks:
        text = get_unit_text(block)
        if text is None:
            continue
        rank = ranks[(block.type, block.audience)] = ranks.get((block.type, block.audience), 0) + 1
        audience = "" if block.audience == "all" else f".{block.audience}"
        key = "/".join([chapter.key, *path, f"{block.type}{audience}.{rank}"])
        yield ReviewUnit(key=key, kind=_unit_kind(block, chapter), text=text, chapter=chapter,
                         section_titles=titles, block=block)
    seen: dict[str, int] = {}
    for section in sections:
        slug = _slug(section.title)
        seen[slug] = seen.get(slug, 0) + 1
        part = slug if seen[slug] == 1 else f"{slug}-{seen[slug]}"
        yield from _iter_container(chapter, section.blocks, section.sections, (*path, part), (*titles, section.title))


def iter_review_units(parts: Sequence[Chapter]) -> Iterator[ReviewUnit]:
    """Yield the review units of chapters (and annexes) in reading order.

    >>> ch = Chapter(number="I", key="sources", title="T", blocks=[Paragraph(text="Un."), Paragraph(text="Deux.")],
    ...              sections=[Section(title="Lacunes de couverture", blocks=[Callout(kind="finding", text="Trois.")])])
    >>> [(u.key, u.kind) for u in iter_review_units([ch])]
    [('sources/paragraph.1', 'paragraph'), ('sources/paragraph.2', 'paragraph'), ('sources/lacunes-de-couverture/callout.1', 'finding')]
    """
    for chapter in parts:
        yield from _iter_container(chapter, chapter.blocks, chapter.sections, (), ())


@dataclass
class ReviewReport:
    """What a review record did to a guide: decisions applied, and those that no longer apply."""

    applied: list[ReviewDecision] = field(default_factory=list)
    not_applied: list[ReviewDecision] = field(default_factory=list)

    def count(self, decision: str) -> int:
        return sum(d.decision == decision for d in self.applied)


def _edited(block: object, text: str) -> object | None:
    # the authority's words are data: they never cite a figure nor become markup
    if isinstance(block, BulletList):
        items = [protect_text(line.strip()) for line in text.splitlines() if line.strip()]
        return block.model_copy(update={"items": items}) if items else None
    return block.model_copy(update={"text": protect_text(text.strip())})


def apply_review_decisions(parts: Sequence[Chapter], review: ReviewRecord | None
                           ) -> tuple[list[Chapter], ReviewReport]:
    """Return the chapters with the authority's edits and deletions, and what was (not) applied.

    A decision applies to the unit with its key when that unit's text still has the hash the
    authority saw, or else to the one unit of the same chapter with that hash (the passage moved);
    otherwise it no longer applies and is reported.

    >>> ch = Chapter(number="I", key="sources", title="T", blocks=[Paragraph(text="Un."), Paragraph(text="Deux.")])
    >>> review = ReviewRecord(lang="fr", decisions=[
    ...     ReviewDecision(key="sources/paragraph.1", number=1, text_hash=hash_text("Un."), decision="edit", text="Un !"),
    ...     ReviewDecision(key="sources/paragraph.2", number=2, text_hash=hash_text("Autre."), decision="delete")])
    >>> out, report = apply_review_decisions([ch], review)
    >>> [b.text for b in out[0].blocks], [d.key for d in report.not_applied]
    (['Un !', 'Deux.'], ['sources/paragraph.2'])
    """
    report = ReviewReport()
    decisions = [d for d in (review.decisions if review else []) if d.decision != "accept"]
    if not decisions:
        return list(parts), report
    units = list(iter_review_units(parts))
    by_key = {u.key: u for u in units}
    changes: dict[int, object | None] = {}
    for decision in decisions:
        unit = by_key.get(decision.key)
        if unit is None or unit.text_hash != decision.text_hash:
            chapter_key = decision.key.split("/", 1)[0]
            same = [u for u in units if u.chapter.key == chapter_key and u.text_hash == decision.text_hash]
            unit = same[0] if len(same) == 1 else None
        if unit is None or id(unit.block) in changes:
            report.not_applied.append(decision)
            continue
        changes[id(unit.block)] = None if decision.decision == "delete" else _edited(unit.block, decision.text or "")
        report.applied.append(decision)
    return replace_blocks(parts, changes), report


def replace_blocks(parts: Sequence[Chapter], changes: dict[int, object | None]) -> list[Chapter]:
    """Return copies of the chapters where each block whose ``id()`` is in ``changes`` is replaced
    by its new version (``None`` deletes it); the other blocks are kept as they are."""
    if not changes:
        return list(parts)

    def rebuild_blocks(blocks: Sequence) -> list:
        out = []
        for block in blocks:
            new = changes.get(id(block), block)  # None: the block was deleted
            if new is not None:
                out.append(new)
        return out

    def rebuild_section(section: Section) -> Section:
        return section.model_copy(update={"blocks": rebuild_blocks(section.blocks),
                                          "sections": [rebuild_section(s) for s in section.sections]})

    return [c.model_copy(update={"blocks": rebuild_blocks(c.blocks),
                                 "sections": [rebuild_section(s) for s in c.sections]}) for c in parts]


def describe_decisions(decisions, report: ReviewReport | None, lang: str) -> dict:
    """Return the provenance entries of the decisions a guide applies: the workshop's (date,
    counts, worksheets' SHA-256), the review's (date, counts, sheets' SHA-256, decisions that no
    longer apply) and the endorsement. Labels are in ``lang``; empty when nothing was decided.

    >>> from mpanalysis.decisions import Decisions
    >>> d = Decisions(country="SEN", workshop={"read_at": "2025-05-16", "files": [{"file": "g1.xlsx", "sha256": "ab"}],
    ...     "findings": [{"id": "x", "decision": "rejected"}]}, endorsement={"authority": "CNP", "date": "2025-10-01"})
    >>> describe_decisions(d, None, "en")
    {'National workshop': {'date': '', 'worksheets read on': '2025-05-16', 'decisions applied': '1 finding rejected', 'file g1.xlsx': 'ab'}, 'Endorsement': 'CNP, 2025-10-01'}
    """
    from mpanalysis.guide.chapters.decided import CHANGE_KEYS
    from mpanalysis.guide.texts import fill_chapter_text, get_chapter_text

    def t(key: str, **values) -> str:
        return fill_chapter_text(f"workshop.{key}", lang, **values) if values else get_chapter_text(f"workshop.{key}", lang)

    entries: dict = {}
    if decisions is None:
        return entries
    separator = get_chapter_text("workshop.provenance.separator", lang)
    record = decisions.workshop
    if record is not None:
        counts = record.count_changes()
        changes = [t(f"annex.changes.{k}", n=counts[k]) for k in CHANGE_KEYS if counts[k]]
        entry = {t("provenance.date"): str(record.date or ""), t("provenance.read"): str(record.read_at or ""),
                 t("provenance.decisions"): separator.join(changes) or "0"}
        entry |= {t("provenance.file", file=f.file): f.sha256 for f in record.files}
        entries[t("provenance.workshop")] = entry
    review = decisions.get_review(lang)
    if review is not None:
        applied = report.applied if report is not None else []
        labels = {d: get_chapter_text(f"workshop.worksheet.choices.review.{d}", lang) for d in ("edit", "delete")}
        entry = {t("provenance.date"): str(review.read_at or ""),
                 t("provenance.decisions"): separator.join(t("provenance.count", label=labels[d],
                                                             n=str(sum(a.decision == d for a in applied)))
                                                           for d in ("edit", "delete"))}
        if report is not None and report.not_applied:
            entry[t("provenance.not_applied")] = ", ".join(f"¶{d.number} ({d.key})" for d in report.not_applied)
        entry |= {t("provenance.file", file=f.file): f.sha256 for f in review.files}
        entries[t("provenance.review")] = entry
    if decisions.endorsement is not None:
        entries[t("provenance.endorsement")] = f"{decisions.endorsement.authority}, {decisions.endorsement.date}"
    return entries
