"""Row-level checks of questionnaire exports: accepted rows, and an :class:`Issue` for the rest.

A row with an error (empty required field, wrong type, year out of range, wrong country, a repeat
row without a valid parent, an unknown choice in a required field of a source or an exchange) is
**set aside**: it is counted and reported, never silently dropped. An unknown choice anywhere else
sets aside that **answer only** (``field set aside``): the institution, its sources and its
exchanges stay, with the answer unknown, and the message suggests the nearest valid choice.
Warnings (malformed e-mail or phone, contradictory answers) keep the row.
Every issue names the file, the sheet, the row as a spreadsheet shows it (header = row 1), the
column as its header appears in the file, and the value.

Accepted rows come back with normalised values: choice codes (labels in any language are
accepted), select-multiple answers as space-separated codes in reference-list order, ``True`` /
``False`` for yes/no, ``int`` for severities and years.
"""


from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from mpanalysis.ingest import form
from mpanalysis.ingest.issues import (
    ERROR,
    FIELD_SET_ASIDE,
    KEPT,
    SET_ASIDE,
    SUPERSEDED,
    TABLE_NAMES,
    WARNING,
    Issue,
    _clip,
    format_message,
)
from mpanalysis.ingest.readers import RawExport
from mpanalysis.ingest.values import (
    _is_name,
    describe_choices,
    get_choice_label,
    is_email,
    is_phone,
    normalize_choice,
    normalize_country,
    parse_integer,
    parse_multi,
    parse_submission_time,
    parse_yes_no,
    suggest_choice,
)

_NAME_FIELDS = ("institution_name", "flow_partner")


# --------------------------------------------------------------------------------------------
# row checks


@dataclass(frozen=True)
class CheckedTable:
    """The outcome of checking one table of one export.

    ``accepted`` holds the accepted rows with normalised values, plus the ``_key``/
    ``_parent_key`` links and the ``_file``/``_sheet``/``_row`` provenance; ``set_aside`` maps
    each set-aside row's key (main) or ``_row`` (repeats) to its action.
    """

    table: str
    accepted: pd.DataFrame
    issues: tuple[Issue, ...]
    rows_read: int
    set_aside: dict[str, str] = field(default_factory=dict)

    @property
    def rows_accepted(self) -> int:
        return len(self.accepted)

    @property
    def rows_set_aside(self) -> int:
        return len(self.set_aside)


@dataclass(frozen=True)
class ValidatedExport:
    """One export after row checks (no duplicate resolution, which needs every export)."""

    raw: RawExport
    main: CheckedTable
    sources: CheckedTable
    flows: CheckedTable

    @property
    def issues(self) -> list[Issue]:
        sheet_level = [i for i in self.raw.issues if i.row is None]
        return [*sheet_level, *self.main.issues, *self.sources.issues, *self.flows.issues]


def _cell(row: Mapping[str, object], name: str) -> str | None:
    value = row.get(name)
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


class _RowChecker:
    """Checks the fields of one row and collects its issues (kept as a class: many small helpers)."""

    def __init__(self, raw: RawExport, table: str, row: Mapping[str, object], lang: str) -> None:
        self.raw, self.table, self.row, self.lang = raw, table, row, lang
        self.issues: list[Issue] = []
        self.values: dict[str, object] = {}

    @property
    def has_error(self) -> bool:
        return any(i.level == ERROR for i in self.issues)

    def add(self, level: str, column: str | None, cell: object, message_key: str, *,
            action: str | None = None, **values: object) -> None:
        header = self.raw.get_header(self.table, column) if column else None
        self.issues.append(Issue(
            level=level, table=TABLE_NAMES[self.table], file=str(self.row.get("_file")),
            sheet=_cell(self.row, "_sheet"), row=int(self.row["_row"]), column=header,
            value=_clip(cell), message=format_message(f"issues.{message_key}", self.lang, **values),
            action=action or (SET_ASIDE if level == ERROR else KEPT),
        ))

    def add_bad_choice(self, spec: form.FormField, cell: str, unknown: str) -> None:
        """An answer that is not a choice of its list: the row goes only if the field is required
        in a source or an exchange (the row means nothing without it); otherwise the answer is
        left unknown and the rest of the row kept."""
        values = _bad_choice_message(spec, unknown, self.lang)
        if self.table != form.MAIN and spec.is_required:
            self.add(ERROR, spec.name, cell, "unknown_choice", **values)
        else:
            self.add(WARNING, spec.name, cell, "unknown_choice_field", action=FIELD_SET_ASIDE, **values)

    def check_field(self, spec: form.FormField, *, country: str | None, max_year: int) -> None:
        text = _cell(self.row, spec.name)
        if text is None:
            if spec.is_required:
                self.add(ERROR, spec.name, None, "required_empty")
            self.values[spec.name] = "" if spec.kind == "select_multiple" else None
            return
        if spec.name == "country":
            code = normalize_country(text)
            if code is None:
                self.add(ERROR, spec.name, text, "not_iso3", value=text)
            elif country is not None and code != country:
                self.add(ERROR, spec.name, text, "wrong_country", value=code, country=country)
            self.values[spec.name] = code
        elif spec.kind == "yes_no":
            answer = parse_yes_no(text)
            if answer is None:
                self.add_bad_choice(spec, text, text)
            self.values[spec.name] = answer
        elif spec.kind in ("select_one", "severity"):
            code = normalize_choice(text, spec.choices)
            if code is None and spec.kind == "severity" and parse_integer(text) is not None:
                code = normalize_choice(str(parse_integer(text)), spec.choices)
            if code is None:
                self.add_bad_choice(spec, text, text)
            self.values[spec.name] = int(code) if spec.kind == "severity" and code is not None else code
        elif spec.kind == "select_multiple":
            codes, unknown = parse_multi(text, spec.choices)
            if unknown:
                self.add_bad_choice(spec, text, " ".join(unknown))
            self.values[spec.name] = " ".join(codes)
        elif spec.kind == "integer":
            number = parse_integer(text)
            if number is None:
                self.add(ERROR, spec.name, text, "not_integer", value=text)
            elif spec.name == "source_last_update" and not form.MIN_YEAR <= number <= max_year:
                self.add(ERROR, spec.name, text, "year_out_of_range", value=number,
                         min_year=form.MIN_YEAR, max_year=max_year)
            self.values[spec.name] = number
        else:
            if spec.name in _NAME_FIELDS and not _is_name(text):
                self.add(ERROR, spec.name, text, "not_a_name", value=text)
            elif spec.kind == "email" and not is_email(text):
                self.add(WARNING, spec.name, text, "bad_email")
            elif spec.kind == "phone" and not is_phone(text):
                self.add(WARNING, spec.name, text, "bad_phone")
            self.values[spec.name] = text


def _bad_choice_message(spec: form.FormField, unknown: str, lang: str) -> dict[str, str]:
    suggestion = suggest_choice(unknown, spec.choices)
    hint = "" if suggestion is None else format_message(
        "issues.did_you_mean", lang, label=get_choice_label(spec.choices, suggestion, lang))
    return {"value": unknown, "allowed": describe_choices(spec.choices, lang), "suggestion": hint}


def _reader_issues_by_row(raw: RawExport, table: str) -> dict[int, list[Issue]]:
    by_row: dict[int, list[Issue]] = {}
    for issue in raw.issues:
        if issue.table == TABLE_NAMES[table] and issue.row is not None:
            by_row.setdefault(int(issue.row), []).append(issue)
    return by_row


_PROVENANCE = ("_key", "_uuid", "_submission_time", "_parent_key", "_file", "_sheet", "_row")


def _check_table(raw: RawExport, table: str, *, country: str | None, lang: str,
                 max_year: int, parent_status: Mapping[str, str] | None) -> CheckedTable:
    frame = raw.get_table(table)
    specs = form.get_fields(table)
    reader_issues = _reader_issues_by_row(raw, table)
    parent_uuids = {} if table == form.MAIN else {
        str(k): _cell({"u": u}, "u") for k, u in zip(raw.main["_key"], raw.main["_uuid"])}
    accepted: list[dict[str, object]] = []
    issues: list[Issue] = []
    set_aside: dict[str, str] = {}
    for row in frame.to_dict("records"):
        checker = _RowChecker(raw, table, row, lang)
        checker.issues.extend(reader_issues.get(int(row["_row"]), []))
        is_superseded = False
        if table != form.MAIN:
            is_superseded = _check_parent(checker, row, parent_status or {}, parent_uuids)
        for spec in specs:
            checker.check_field(spec, country=country, max_year=max_year)
        if table == form.MAIN:
            _check_main_consistency(checker, row)
        issues.extend(checker.issues)
        ident = str(row["_key"]) if table == form.MAIN else str(row["_row"])
        if checker.has_error:
            set_aside[ident] = SET_ASIDE
        elif is_superseded:
            set_aside[ident] = SUPERSEDED
        else:
            values = dict(checker.values)
            values.update({c: row[c] for c in _PROVENANCE if c in row})
            accepted.append(values)
    columns = [s.name for s in specs] + [c for c in _PROVENANCE if c in frame.columns]
    # Object dtype keeps None, True/False and ints as they are (no NaN, no float years).
    accepted_frame = pd.DataFrame(accepted, columns=columns, dtype="object")
    accepted_frame["_row"] = accepted_frame["_row"].astype("int64")
    checked = CheckedTable(TABLE_NAMES[table], accepted_frame, tuple(issues), len(frame), set_aside)
    _assert_balanced(checked)
    return checked


def _check_parent(checker: _RowChecker, row: Mapping[str, object], parent_status: Mapping[str, str],
                  parent_uuids: Mapping[str, str | None]) -> bool:
    """Check a repeat row's link to its submission (issues go to ``checker``); True if superseded."""
    key = _cell(row, "_parent_key")
    if key is None:
        checker.add(ERROR, "_parent_key", None, "no_parent")
        return False
    status = parent_status.get(key)
    if status is None:
        checker.add(ERROR, "_parent_key", key, "parent_missing", value=key)
        return False
    parent_uuid, own_uuid = _cell(row, "_parent_uuid"), parent_uuids.get(key)
    if parent_uuid and own_uuid and parent_uuid != own_uuid:
        checker.add(ERROR, "_parent_uuid", parent_uuid, "parent_mismatch", value=parent_uuid, key=key)
        return False
    if status == SUPERSEDED:
        checker.add(WARNING, "_parent_key", key, "parent_superseded", action=SUPERSEDED, value=key)
        return True
    if status != "accepted":
        checker.add(ERROR, "_parent_key", key, "parent_set_aside", value=key)
    return False


def _check_main_consistency(checker: _RowChecker, row: Mapping[str, object]) -> None:
    if checker.values.get("wg_coordinator") is True and checker.values.get("wg_member") is not True:
        checker.add(WARNING, "wg_coordinator", _cell(row, "wg_coordinator"), "coordinator_not_member")
    time_text = _cell(row, "_submission_time")
    if time_text is not None and parse_submission_time(time_text) is None:
        checker.add(WARNING, "_submission_time", time_text, "bad_submission_time", value=time_text)


def _assert_balanced(checked: CheckedTable) -> None:
    # Not an `assert`: the balance must hold even under `python -O`; a failure is a bug.
    if checked.rows_read != checked.rows_accepted + checked.rows_set_aside:
        raise RuntimeError(f"{checked.table}: {checked.rows_read} rows read but "
                           f"{checked.rows_accepted} accepted + {checked.rows_set_aside} set aside")


def check_main_rows(raw: RawExport, *, country: str | None = None, lang: str = "en",
                    max_year: int | None = None) -> CheckedTable:
    """Check every main-sheet row of an export; errors set the submission aside.

    ``country`` (ISO3) is the country being loaded: a submission for another country is set
    aside. ``max_year`` defaults to the current year.
    """
    return _check_table(raw, form.MAIN, country=country, lang=lang,
                        max_year=max_year or dt.date.today().year, parent_status=None)


def check_repeat_rows(raw: RawExport, table: str, *, parent_status: Mapping[str, str],
                      lang: str = "en", max_year: int | None = None) -> CheckedTable:
    """Check every row of a repeat table (``sources`` or ``flows``) of an export.

    ``parent_status`` maps each main ``_key`` to ``"accepted"``, ``"set aside"`` or
    ``"superseded duplicate"``; rows whose parent is missing or not accepted are set aside.
    """
    return _check_table(raw, table, country=None, lang=lang,
                        max_year=max_year or dt.date.today().year, parent_status=parent_status)


def get_parent_status(main: CheckedTable, superseded: Iterable[str] = ()) -> dict[str, str]:
    """Return ``{main _key: status}`` from a main check and the keys superseded by duplicates."""
    status = {str(k): "accepted" for k in main.accepted["_key"]}
    status.update({str(k): action for k, action in main.set_aside.items()})
    for key in superseded:
        status[str(key)] = SUPERSEDED
    return status


def validate_export(raw: RawExport, *, country: str | None = None, lang: str = "en",
                    max_year: int | None = None) -> ValidatedExport:
    """Check every row of one export (main sheet, then its repeats against the accepted main rows).

    Duplicate submissions are not resolved here (that needs every export of the country and the
    name reconciliation): see :func:`mpanalysis.ingest.dataset.load_country_dataset`.
    """
    main = check_main_rows(raw, country=country, lang=lang, max_year=max_year)
    status = get_parent_status(main)
    sources = check_repeat_rows(raw, form.SOURCES, parent_status=status, lang=lang, max_year=max_year)
    flows = check_repeat_rows(raw, form.FLOWS, parent_status=status, lang=lang, max_year=max_year)
    return ValidatedExport(raw, main, sources, flows)


def move_to_set_aside(checked: CheckedTable, is_moved: pd.Series, issues: Iterable[Issue], action: str,
                      *, id_column: str = "_row") -> CheckedTable:
    """Move accepted rows (``is_moved``, aligned on ``checked.accepted``) to set aside with ``action``.

    ``issues`` explain the move; ``id_column`` identifies rows in ``set_aside`` (``_key`` for
    the main table, ``_row`` for repeats). The balance read = accepted + set aside still holds.
    """
    set_aside = dict(checked.set_aside)
    for ident in checked.accepted.loc[is_moved, id_column]:
        set_aside[str(ident)] = action
    moved = replace(checked, accepted=checked.accepted[~is_moved].reset_index(drop=True),
                    issues=(*checked.issues, *issues), set_aside=set_aside)
    _assert_balanced(moved)
    return moved


def set_aside_superseded(checked: CheckedTable, parent_keys: Iterable[str], raw: RawExport,
                         lang: str = "en") -> CheckedTable:
    """Set aside the accepted repeat rows whose parent submission was superseded by a later duplicate.

    Each moved row gets a warning with the action ``superseded duplicate``.
    """
    keys = {str(k) for k in parent_keys}
    if not keys or checked.accepted.empty:
        return checked
    is_moved = checked.accepted["_parent_key"].astype("str").isin(keys)
    table = next(t for t, n in TABLE_NAMES.items() if n == checked.table)
    issues = [Issue(
        level=WARNING, table=checked.table, file=str(row["_file"]), sheet=_cell(row, "_sheet"),
        row=int(row["_row"]), column=raw.get_header(table, "_parent_key"), value=str(row["_parent_key"]),
        message=format_message("issues.parent_superseded", lang, value=row["_parent_key"]), action=SUPERSEDED)
        for row in checked.accepted[is_moved].to_dict("records")]
    return move_to_set_aside(checked, is_moved, issues, SUPERSEDED)


def make_counts_table(tables: Iterable[CheckedTable], corrected: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Sum rows read / accepted / set aside per canonical table, checking the balance.

    ``fields_set_aside`` counts the answers left unknown in accepted rows; ``corrected`` gives,
    per table, the rows of earlier files replaced by a corrected copy (``rows_corrected``).

    >>> make_counts_table([]).to_dict("records")[0]
    {'table': 'respondents', 'rows_read': 0, 'rows_accepted': 0, 'rows_set_aside': 0, 'fields_set_aside': 0, 'rows_corrected': 0}
    """
    totals = {name: [0, 0, 0, 0, (corrected or {}).get(name, 0)] for name in TABLE_NAMES.values()}
    for checked in tables:
        _assert_balanced(checked)
        totals[checked.table][0] += checked.rows_read
        totals[checked.table][1] += checked.rows_accepted
        totals[checked.table][2] += checked.rows_set_aside
        totals[checked.table][3] += sum(1 for i in checked.issues if i.action == FIELD_SET_ASIDE)
    columns = ["rows_read", "rows_accepted", "rows_set_aside", "fields_set_aside", "rows_corrected"]
    frame = pd.DataFrame([[name, *values] for name, values in totals.items()], columns=["table", *columns])
    frame["table"] = frame["table"].astype("str")
    for column in columns:
        frame[column] = frame[column].astype("int64")
    return frame
