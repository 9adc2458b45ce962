"""What changed between two editions, and chapter V of the guide that tells it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from babel.numbers import format_decimal, format_percent

from mpanalysis.errors import MpanalysisError
from mpanalysis.guide.document import BulletList, Chapter, Paragraph, Section, Table, protect_text
from mpanalysis.guide.texts import fill_chapter_text
from mpanalysis.publish.editions.snapshot import (
    MEASURE_KINDS,
    EditionSnapshot,
    EntityRecord,
    ExchangeRecord,
    SourceRecord,
)
from mpanalysis.reference import get_label
from mpanalysis.wording.typography import format_date_text
from mpanalysis.wording.rules import babel_locale

#: Chapter number and key of "What changed": after chapter IV, so the brief guide keeps its summary
#: (the brief guide has no annexes).
CHANGES_CHAPTER_NUMBER = "V"
CHANGES_CHAPTER_KEY = "changes"


# --------------------------------------------------------------------------------------------
# Comparing editions


@dataclass(frozen=True)
class SourceUpdate:
    """A source found in both editions whose status, last update or access changed."""

    previous: SourceRecord
    current: SourceRecord

    @property
    def changed_fields(self) -> list[str]:
        return [f for f in ("status", "last_update", "access")
                if getattr(self.previous, f) != getattr(self.current, f)]


@dataclass(frozen=True)
class MeasureChange:
    """A measure that moved: ``delta`` is None when it is undefined in one of the editions."""

    key: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def kind(self) -> str:
        return MEASURE_KINDS.get(self.key.partition(".")[0], "ratio")


@dataclass(frozen=True)
class EditionChanges:
    """What changed between two editions (lists sorted by institution name).

    ``names`` maps every entity id of either edition to its display name (the current edition's
    when it has one).
    """

    previous_number: int | None
    previous_date: dt.date
    current_number: int | None
    current_date: dt.date
    institutions_added: list[EntityRecord] = field(default_factory=list)
    institutions_gone: list[EntityRecord] = field(default_factory=list)
    respondents_new: list[EntityRecord] = field(default_factory=list)
    respondents_stopped: list[EntityRecord] = field(default_factory=list)
    sources_added: list[SourceRecord] = field(default_factory=list)
    sources_gone: list[SourceRecord] = field(default_factory=list)
    sources_updated: list[SourceUpdate] = field(default_factory=list)
    exchanges_added: list[ExchangeRecord] = field(default_factory=list)
    exchanges_gone: list[ExchangeRecord] = field(default_factory=list)
    measures_moved: list[MeasureChange] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    #: The kinds of change, in the order the summary lists them.
    KINDS = ("institutions_added", "institutions_gone", "respondents_new", "respondents_stopped",
             "sources_added", "sources_gone", "sources_updated", "exchanges_added", "exchanges_gone",
             "measures_moved")

    def count(self) -> dict[str, int]:
        """Return the number of changes of each kind."""
        return {kind: len(getattr(self, kind)) for kind in self.KINDS}

    @property
    def has_changes(self) -> bool:
        return any(self.count().values())


def _is_moved(key: str, old: float | None, new: float | None, share_tolerance: float,
              ratio_tolerance: float) -> bool:
    if old is None or new is None:
        return old is not new
    kind = MEASURE_KINDS.get(key.partition(".")[0], "ratio")
    if kind == "count":
        return old != new
    if kind == "share":
        return abs(new - old) >= share_tolerance
    return abs(new - old) >= ratio_tolerance * max(abs(old), abs(new)) and abs(new - old) > 1e-12


def compare_editions(previous: EditionSnapshot, current: EditionSnapshot, *,
                     share_tolerance: float = 0.005, ratio_tolerance: float = 0.01) -> EditionChanges:
    """Return what changed from ``previous`` to ``current``.

    A rate (share) moved when it changed by at least ``share_tolerance`` (half a percentage
    point), the density by at least ``ratio_tolerance`` of its value, a count when it differs.

    >>> a = EditionSnapshot(country="SEN", number=1, date="2024-05-01", created_at="", fingerprint="a",
    ...     package_version="0", entities=[EntityRecord(entity_id="A", name="Alpha", is_respondent=True)],
    ...     measures={"n_institutions": 1.0, "formal_share": 0.5})
    >>> b = a.model_copy(update={"number": 2, "fingerprint": "b",
    ...     "entities": [*a.entities, EntityRecord(entity_id="B", name="Beta")],
    ...     "measures": {"n_institutions": 2.0, "formal_share": 0.502}})
    >>> c = compare_editions(a, b)
    >>> [e.name for e in c.institutions_added], [(m.key, m.delta) for m in c.measures_moved]
    (['Beta'], [('n_institutions', 1.0)])
    """
    before = {e.entity_id: e for e in previous.entities}
    after = {e.entity_id: e for e in current.entities}
    names = {**{k: e.display_name for k, e in before.items()}, **{k: e.display_name for k, e in after.items()}}

    def by_name(entity_id: str) -> tuple[str, str]:
        return (names.get(entity_id, entity_id).casefold(), entity_id)

    def entities(ids, table):
        return [table[i] for i in sorted(ids, key=by_name)]

    was_respondent = {k for k, e in before.items() if e.is_respondent}
    is_respondent = {k for k, e in after.items() if e.is_respondent}

    sources_before = {s.key: s for s in previous.sources}
    sources_after = {s.key: s for s in current.sources}

    def source_order(key: tuple[str, str, str]) -> tuple:
        return (*by_name(key[0]), key[2], key[1])

    updated = [SourceUpdate(previous=sources_before[k], current=sources_after[k])
               for k in sorted(sources_before.keys() & sources_after.keys(), key=source_order)]
    exchanges_before = {(x.u, x.v): x for x in previous.exchanges}
    exchanges_after = {(x.u, x.v): x for x in current.exchanges}

    def exchange_order(pair: tuple[str, str]) -> tuple:
        return (*by_name(pair[0]), *by_name(pair[1]))

    moved = [MeasureChange(key=key, old=previous.measures.get(key), new=current.measures.get(key))
             for key in _ordered_measure_keys(previous.measures, current.measures)
             if _is_moved(key, previous.measures.get(key), current.measures.get(key),
                          share_tolerance, ratio_tolerance)]
    return EditionChanges(
        previous_number=previous.number, previous_date=previous.date,
        current_number=current.number, current_date=current.date,
        institutions_added=entities(after.keys() - before.keys(), after),
        institutions_gone=entities(before.keys() - after.keys(), before),
        respondents_new=entities(is_respondent - was_respondent, after),
        respondents_stopped=entities(was_respondent - is_respondent, {**before, **after}),
        sources_added=[sources_after[k] for k in sorted(sources_after.keys() - sources_before.keys(), key=source_order)],
        sources_gone=[sources_before[k] for k in sorted(sources_before.keys() - sources_after.keys(), key=source_order)],
        sources_updated=[u for u in updated if u.changed_fields],
        exchanges_added=[exchanges_after[p] for p in sorted(exchanges_after.keys() - exchanges_before.keys(), key=exchange_order)],
        exchanges_gone=[exchanges_before[p] for p in sorted(exchanges_before.keys() - exchanges_after.keys(), key=exchange_order)],
        measures_moved=moved,
        names=names,
    )


def _ordered_measure_keys(*measures: dict[str, Any]) -> list[str]:
    """Measure keys in the order of :data:`MEASURE_KINDS`, per-domain keys in first-seen order."""
    seen: list[str] = []
    for table in measures:
        seen.extend(k for k in table if k not in seen)
    rank = {base: i for i, base in enumerate(MEASURE_KINDS)}
    return sorted(seen, key=lambda k: (rank.get(k.partition(".")[0], len(rank)), seen.index(k)))


# --------------------------------------------------------------------------------------------
# The chapter


def _t(key: str, lang: str, **values: Any) -> str:
    return fill_chapter_text(f"changes.{key}", lang, **values)


def _format_date(value: dt.date | str, lang: str) -> str:
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date_text(date, lang, "long")


def _format_measure(value: float | None, kind: str, lang: str) -> str | int | None:
    if value is None:
        return None
    if kind == "count":
        return int(round(value))
    if kind == "share":
        return format_percent(value, locale=babel_locale(lang))
    return format_decimal(value, format="0.000", locale=babel_locale(lang))


def _format_delta(change: MeasureChange, lang: str) -> str | None:
    delta = change.delta
    if delta is None:
        return None
    if change.kind == "count":
        return format_decimal(delta, format="+#,##0;-#,##0", locale=babel_locale(lang))
    if change.kind == "share":
        return _t("measures.share_delta", lang, value=format_decimal(delta * 100, format="+0;-0", locale=babel_locale(lang)))
    return format_decimal(delta, format="+0.000;-0.000", locale=babel_locale(lang))


def _measure_label(key: str, lang: str) -> str:
    base, _, domain = key.partition(".")
    try:
        return _t(f"measures.labels.{base}", lang, domain=get_label("domains", domain, lang) if domain else "")
    except MpanalysisError:
        return key  # a measure added by a later version of the package: show its key


def _count_item(kind: str, n: int, lang: str) -> str:
    return _t(f"count.{kind}", lang, n=n)


def _entity_table(records: list[EntityRecord], *, id: str, caption: str, lang: str,
                  notes: list[str] | None = None) -> Table:
    yes, no = get_label("yes_no", "yes", lang), get_label("yes_no", "no", lang)
    frame = pd.DataFrame({
        _t("institutions.col_name", lang): [r.display_name for r in records],
        _t("institutions.col_type", lang): [get_label("institution_types", r.institution_type, lang)
                                            if r.institution_type else _t("institutions.unknown_type", lang)
                                            for r in records],
        _t("institutions.col_respondent", lang): [yes if r.is_respondent else no for r in records],
    })
    return Table.from_frame(frame, id=id, caption=caption, notes=notes)


def _source_table(records: list[SourceRecord], names: dict[str, str], *, id: str, caption: str,
                  lang: str) -> Table:
    frame = pd.DataFrame({
        _t("sources.col_source", lang): [r.name or _t("sources.not_given", lang) for r in records],
        _t("sources.col_institution", lang): [names.get(r.entity_id, r.entity_id) for r in records],
        _t("sources.col_domain", lang): [get_label("domains", r.domain, lang) for r in records],
        _t("sources.col_status", lang): [get_label("source_statuses", r.status, lang) if r.status
                                         else _t("sources.not_given", lang) for r in records],
        _t("sources.col_last_update", lang): pd.array([r.last_update for r in records], dtype="Int64"),
    })
    return Table.from_frame(frame, id=id, caption=caption)


def _describe_update(update: SourceUpdate, lang: str) -> str:
    lists = {"status": "source_statuses", "access": "source_access"}
    parts = []
    for name in update.changed_fields:
        old, new = getattr(update.previous, name), getattr(update.current, name)
        shown = [_t("sources.not_given", lang) if v is None
                 else get_label(lists[name], v, lang) if name in lists else str(v) for v in (old, new)]
        parts.append(_t(f"sources.change_{name}", lang, old=shown[0], new=shown[1]))
    return _t("separator", lang).join(parts)


def _exchange_table(records: list[ExchangeRecord], names: dict[str, str], *, id: str, caption: str,
                    lang: str) -> Table:
    yes, no = get_label("yes_no", "yes", lang), get_label("yes_no", "no", lang)
    frame = pd.DataFrame({
        _t("exchanges.col_from", lang): [names.get(r.u, r.u) for r in records],
        _t("exchanges.col_to", lang): [names.get(r.v, r.v) for r in records],
        _t("exchanges.col_domains", lang): [", ".join(get_label("domains", d, lang) for d in r.domains.split())
                                            or None for r in records],
        _t("exchanges.col_channel", lang): [get_label("channels", r.channel, lang) if r.channel else None
                                            for r in records],
        _t("exchanges.col_confirmed", lang): [yes if r.confirmed else no for r in records],
    })
    return Table.from_frame(frame, id=id, caption=caption)


def build_changes_chapter(changes: EditionChanges | None, lang: str, previous_number: int | None = None,
                          previous_date: dt.date | str | None = None, *,
                          number: str = CHANGES_CHAPTER_NUMBER) -> Chapter | None:
    """Return the chapter "What changed since the previous edition", or None for a first edition.

    ``previous_number`` / ``previous_date`` default to those recorded in ``changes``. The summary
    paragraph (counts of each kind of change, or a sentence saying nothing changed) is kept in
    the brief guide; the tables name institutions, never ids.

    >>> a = EditionSnapshot(country="SEN", number=1, date="2024-05-01", created_at="", fingerprint="a",
    ...                     package_version="0")
    >>> b = a.model_copy(update={"number": 2, "date": dt.date(2025, 3, 1),
    ...     "entities": [EntityRecord(entity_id="SEN-B", name="Beta", is_respondent=True)]})
    >>> ch = build_changes_chapter(compare_editions(a, b), "en")
    >>> ch.number, ch.title
    ('V', 'What changed since the previous edition')
    >>> ch.blocks[0].text
    'Since edition no. 1 (1 May 2024): 1 new institution; 1 institution answered for the first time.'
    >>> build_changes_chapter(None, "en") is None
    True
    """
    if changes is None:
        return None
    previous_number = previous_number if previous_number is not None else changes.previous_number
    shown_previous = _format_date(previous_date if previous_date is not None else changes.previous_date, lang)
    counts = changes.count()
    intro = _t("intro", lang, current_number=changes.current_number, current_date=_format_date(changes.current_date, lang),
               previous_number=previous_number, previous_date=shown_previous)
    if not changes.has_changes:
        return Chapter(number=number, key=CHANGES_CHAPTER_KEY, title=_t("title", lang), intro=intro, blocks=[
            Paragraph(text=_t("nothing_changed", lang, previous_number=previous_number,
                              previous_date=shown_previous), in_brief=True)])
    items = _t("separator", lang).join(_count_item(kind, n, lang) for kind, n in counts.items() if n)
    summary = Paragraph(text=_t("summary", lang, previous_number=previous_number, previous_date=shown_previous,
                                items=items), in_brief=True)
    names = changes.names
    sections = []

    blocks: list = []
    if changes.institutions_added:
        blocks.append(_entity_table(changes.institutions_added, id="changes_institutions_added",
                                    caption=_t("institutions.added_caption", lang), lang=lang))
    if changes.institutions_gone:
        blocks.append(_entity_table(changes.institutions_gone, id="changes_institutions_gone",
                                    caption=_t("institutions.gone_caption", lang), lang=lang,
                                    notes=[_t("institutions.gone_note", lang)]))
    if blocks:
        sections.append(Section(title=_t("institutions.title", lang), blocks=blocks))

    blocks = []
    for kind in ("new", "stopped"):
        records = getattr(changes, f"respondents_{kind}")
        if records:
            blocks += [Paragraph(text=_t(f"respondents.{kind}", lang)),
                       BulletList(items=[protect_text(r.display_name) for r in records])]
    if blocks:
        sections.append(Section(title=_t("respondents.title", lang), blocks=blocks))

    blocks = []
    if changes.sources_added:
        blocks.append(_source_table(changes.sources_added, names, id="changes_sources_added",
                                    caption=_t("sources.added_caption", lang), lang=lang))
    if changes.sources_gone:
        blocks.append(_source_table(changes.sources_gone, names, id="changes_sources_gone",
                                    caption=_t("sources.gone_caption", lang), lang=lang))
    if changes.sources_updated:
        updates = changes.sources_updated
        frame = pd.DataFrame({
            _t("sources.col_source", lang): [u.current.name or _t("sources.not_given", lang) for u in updates],
            _t("sources.col_institution", lang): [names.get(u.current.entity_id, u.current.entity_id) for u in updates],
            _t("sources.col_domain", lang): [get_label("domains", u.current.domain, lang) for u in updates],
            _t("sources.col_change", lang): [_describe_update(u, lang) for u in updates],
        })
        blocks.append(Table.from_frame(frame, id="changes_sources_updated",
                                       caption=_t("sources.updated_caption", lang)))
    if blocks:
        sections.append(Section(title=_t("sources.title", lang), blocks=blocks))

    blocks = []
    if changes.exchanges_added:
        blocks.append(_exchange_table(changes.exchanges_added, names, id="changes_exchanges_added",
                                      caption=_t("exchanges.added_caption", lang), lang=lang))
    if changes.exchanges_gone:
        blocks.append(_exchange_table(changes.exchanges_gone, names, id="changes_exchanges_gone",
                                      caption=_t("exchanges.gone_caption", lang), lang=lang))
    if blocks:
        sections.append(Section(title=_t("exchanges.title", lang), blocks=blocks))

    if changes.measures_moved:
        moved = changes.measures_moved
        frame = pd.DataFrame({
            _t("measures.col_measure", lang): [_measure_label(m.key, lang) for m in moved],
            _t("measures.col_previous", lang): [_format_measure(m.old, m.kind, lang) for m in moved],
            _t("measures.col_current", lang): [_format_measure(m.new, m.kind, lang) for m in moved],
            _t("measures.col_delta", lang): [_format_delta(m, lang) for m in moved],
        }, dtype=object)
        sections.append(Section(title=_t("measures.title", lang), blocks=[
            Table.from_frame(frame, id="changes_measures", caption=_t("measures.caption", lang),
                             notes=[_t("measures.note", lang)])]))

    return Chapter(number=number, key=CHANGES_CHAPTER_KEY, title=_t("title", lang), intro=intro,
                   blocks=[summary], sections=sections)
