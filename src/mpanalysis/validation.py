"""Row-level checks of questionnaire exports: accepted rows, and an :class:`Issue` for the rest.

A row with an error (empty required field, unknown choice, wrong type, year out of range, wrong
country, a repeat row without a valid parent) is **set aside**: it is counted and reported, never
silently dropped. Warnings (malformed e-mail or phone, contradictory answers) keep the row.
Every issue names the file, the sheet, the row as a spreadsheet shows it (header = row 1), the
column as its header appears in the file, and the value.

Accepted rows come back with normalised values: choice codes (labels in any language are
accepted), select-multiple answers as space-separated codes in reference-list order, ``True`` /
``False`` for yes/no, ``int`` for severities and years.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import form
from .errors import ReferenceDataError
from .paths import reference_dir
from .reference import get_codes, load_reference

if TYPE_CHECKING:  # pragma: no cover
    from .readers import RawExport

#: Issue levels and actions (the ``issues`` table's vocabularies).
ERROR, WARNING = "error", "warning"
SET_ASIDE, KEPT, SUPERSEDED = "set aside", "kept", "superseded duplicate"

#: Canonical table names of the three questionnaire tables (``main`` is the respondents).
TABLE_NAMES = {form.MAIN: "respondents", form.SOURCES: "sources", form.FLOWS: "flows"}

#: Issue table columns (same as ``dataset.TABLE_COLUMNS["issues"]``).
ISSUE_COLUMNS = ["level", "table", "file", "sheet", "row", "column", "value", "message", "action"]

_MAX_VALUE_CHARS = 200
_MAX_PHRASE_TOKENS = 8
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")
_PHONE_CHARS = re.compile(r"[+0-9 ().\-/]+")
_INTEGER = re.compile(r"[+-]?\d+(?:\.0*)?")
_MULTI_SEPARATORS = re.compile(r"[;,|\n]+")
_NAME_FIELDS = ("institution_name", "flow_partner")
_YES_NO_EXTRA = {"true": "yes", "1": "yes", "false": "no", "0": "no"}


# --------------------------------------------------------------------------------------------
# messages


@lru_cache(maxsize=None)
def _reference_folder(root_variable: str | None, cwd: str) -> str:
    return str(reference_dir())


def _current_reference_folder() -> str:
    # Finding the project root walks the file system: do it once per root and working directory.
    return _reference_folder(os.environ.get("MPANALYSIS_ROOT"), os.getcwd())


@lru_cache(maxsize=None)
def _load_messages(folder: str) -> dict:
    from .reference import read_reference_yaml

    return read_reference_yaml(Path(folder) / "messages.yaml", "the message texts")


def format_message(key: str, lang: str = "en", /, **values: object) -> str:
    """Return the text ``key`` (``"section.name"``) of ``data/reference/messages.yaml`` in ``lang``.

    Falls back to English, then French, when a text is not translated yet.

    >>> format_message("issues.year_out_of_range", "en", value=2099, min_year=1950, max_year=2025)
    'year 2099 outside 1950–2025'
    >>> format_message("issues.required_empty", "fr")
    'champ obligatoire vide'
    """
    node: object = _load_messages(_current_reference_folder())
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ReferenceDataError(f"messages.yaml has no text '{key}'")
        node = node[part]
    if not isinstance(node, dict):
        raise ReferenceDataError(f"messages.yaml: '{key}' is not a translated text")
    template = node.get(lang) or node.get("en") or node.get("fr") or ""
    return str(template).format(**values) if values else str(template)


# --------------------------------------------------------------------------------------------
# issues


@dataclass(frozen=True)
class Issue:
    """One problem found in one row (or one sheet): a line of the validation report.

    >>> Issue("error", "sources", "a.xlsx", "sources", 4, "source_last_update", "2099",
    ...       "year 2099 outside 1950–2025", "set aside").location
    "a.xlsx, sheet 'sources', row 4, column 'source_last_update'"
    """

    level: str
    table: str
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str
    action: str

    @property
    def location(self) -> str:
        from .errors import format_location

        return format_location(self.file, self.sheet, self.row, self.column).removesuffix(": ")


def make_issues_table(issues: Iterable[Issue]) -> pd.DataFrame:
    """Return issues as the canonical ``issues`` table (``row`` as nullable ``Int64``).

    >>> make_issues_table([]).columns.tolist()
    ['level', 'table', 'file', 'sheet', 'row', 'column', 'value', 'message', 'action']
    """
    records = [[getattr(i, c) for c in ISSUE_COLUMNS] for i in issues]
    frame = pd.DataFrame(records, columns=ISSUE_COLUMNS)
    for column in ISSUE_COLUMNS:
        frame[column] = frame[column].astype("Int64" if column == "row" else "str")
    return frame


def _clip(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


# --------------------------------------------------------------------------------------------
# choices: codes or labels in any language


def fold_text(text: str) -> str:
    """Case-fold, strip accents and apostrophe variants and collapse spaces (for label matching).

    >>> fold_text("  Mise en  Œuvre ")
    'mise en oeuvre'
    >>> fold_text("Dossier d’information")
    "dossier d'information"
    """
    text = str(text).casefold().replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "'").replace("‘", "'").replace("`", "'")
    return " ".join(text.split())


@lru_cache(maxsize=None)
def _choice_lookup(list_name: str, folder: str) -> dict[str, str]:
    frame = load_reference(list_name, Path(folder))
    lookup: dict[str, str] = {}
    label_columns = [c for c in frame.columns if c.startswith("label_")]
    # Labels first, codes last: a code always wins over another entry's label.
    for column in label_columns:
        for code, label in zip(frame["code"], frame[column]):
            if isinstance(label, str) and label.strip():
                lookup.setdefault(fold_text(label), code)
    for code in frame["code"]:
        lookup[fold_text(code)] = code
    return lookup


def normalize_choice(value: object, list_name: str) -> str | None:
    """Return the code of a choice given as its code or its label in any language, else None.

    Case, accents and extra spaces are ignored.

    >>> normalize_choice("Majeur", "severities"), normalize_choice("major", "severities")
    ('3', '3')
    >>> normalize_choice("institut national de la STATISTIQUE", "institution_types")
    'statistics_office'
    >>> normalize_choice("MINISTÈRE", "institution_types"), normalize_choice("ministre", "institution_types")
    ('ministry', None)
    """
    if value is None:
        return None
    key = fold_text(str(value))
    if not key:
        return None
    return _choice_lookup(list_name, _current_reference_folder()).get(key)


def parse_multi(value: object, list_name: str) -> tuple[list[str], list[str]]:
    """Split a select-multiple answer into (known codes in list order, unknown parts).

    Codes are space-separated; labels (which contain spaces) may be separated by ``;``, ``,``
    or ``|``, or by spaces when each label is recognised.

    >>> parse_multi("implementation elaboration", "policy_stages")
    (['elaboration', 'implementation'], [])
    >>> parse_multi("Mise en œuvre; Reformulation", "policy_stages")
    (['implementation', 'reformulation'], [])
    >>> parse_multi("elaboration lobbying", "policy_stages")
    (['elaboration'], ['lobbying'])
    """
    if value is None:
        return [], []
    text = str(value).strip()
    if not text:
        return [], []
    whole = normalize_choice(text, list_name)
    if whole is not None:
        return [whole], []
    found: set[str] = set()
    unknown: list[str] = []
    for part in _MULTI_SEPARATORS.split(text):
        tokens = part.split()
        i = 0
        while i < len(tokens):
            # Greedy longest match, so multi-word labels ("Mise en œuvre") are recognised.
            for j in range(min(len(tokens), i + _MAX_PHRASE_TOKENS), i, -1):
                code = normalize_choice(" ".join(tokens[i:j]), list_name)
                if code is not None:
                    found.add(code)
                    i = j
                    break
            else:
                unknown.append(tokens[i])
                i += 1
    order = get_codes(list_name, Path(_current_reference_folder()))
    return [c for c in order if c in found], unknown


def parse_yes_no(value: object) -> bool | None:
    """Return True/False for yes/no given as code, label (Oui/Non/Yes/No), 1/0 or true/false.

    >>> parse_yes_no("Oui"), parse_yes_no("no"), parse_yes_no("TRUE"), parse_yes_no("maybe")
    (True, False, True, None)
    """
    if value is None:
        return None
    code = normalize_choice(value, "yes_no") or _YES_NO_EXTRA.get(fold_text(str(value)))
    return None if code is None else code == "yes"


def parse_integer(value: object) -> int | None:
    """Return the integer written in a cell ("2019", "2019.0", " 7 "), else None.

    >>> parse_integer("2019.0"), parse_integer("007"), parse_integer("20 19")
    (2019, 7, None)
    """
    if value is None:
        return None
    text = str(value).strip()
    if not _INTEGER.fullmatch(text):
        return None
    return int(text.split(".")[0])


def is_email(value: str) -> bool:
    """True for a plausible e-mail address.

    >>> is_email("a.diallo@example.org"), is_email("a.diallo@example")
    (True, False)
    """
    return bool(_EMAIL.fullmatch(value.strip()))


def is_phone(value: str) -> bool:
    """True for a plausible phone number (digits, spaces, + ( ) . - /; 6 to 30 digits).

    >>> is_phone("+221 00 000 00 01"), is_phone("call me")
    (True, False)
    """
    text = value.strip()
    digits = sum(ch.isdigit() for ch in text)
    return bool(_PHONE_CHARS.fullmatch(text)) and 6 <= digits <= 30


def _is_name(text: str) -> bool:
    """True when the reconciliation can match this text (it is not only punctuation or stop words)."""
    from .reconcile import normalize_name

    return bool(normalize_name(text))


@lru_cache(maxsize=None)
def _country_names() -> dict[str, str]:
    import pycountry
    from babel import Locale

    lookup: dict[str, str] = {}
    for country in pycountry.countries:
        for name in {country.name, getattr(country, "common_name", None),
                     getattr(country, "official_name", None)} - {None}:
            lookup[fold_text(name)] = country.alpha_3
    alpha2 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    for lang in ("fr", "en"):
        for code, name in Locale.parse(lang).territories.items():
            if code in alpha2:
                lookup.setdefault(fold_text(name), alpha2[code])
    return lookup


def normalize_country(value: object) -> str | None:
    """Return the ISO 3166-1 alpha-3 code of a country given as code or French/English name.

    >>> normalize_country("sen"), normalize_country("Côte d’Ivoire"), normalize_country("Gambia")
    ('SEN', 'CIV', 'GMB')
    >>> normalize_country("XXX") is None
    True
    """
    if value is None:
        return None
    text = str(value).strip()
    if re.fullmatch(r"[A-Za-z]{3}", text):
        import pycountry

        return text.upper() if pycountry.countries.get(alpha_3=text.upper()) else None
    return _country_names().get(fold_text(text))


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

    raw: "RawExport"
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

    def __init__(self, raw: "RawExport", table: str, row: Mapping[str, object], lang: str) -> None:
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
        elif spec.kind == "select_one":
            code = normalize_choice(text, spec.choices)
            if code is None:
                self.add(ERROR, spec.name, text, "unknown_choice", value=text,
                         allowed=", ".join(get_codes(spec.choices, Path(_current_reference_folder()))))
            self.values[spec.name] = code
        elif spec.kind == "select_multiple":
            codes, unknown = parse_multi(text, spec.choices)
            if unknown:
                self.add(ERROR, spec.name, text, "unknown_choice", value=" ".join(unknown),
                         allowed=", ".join(get_codes(spec.choices, Path(_current_reference_folder()))))
            self.values[spec.name] = " ".join(codes)
        elif spec.kind == "yes_no":
            answer = parse_yes_no(text)
            if answer is None:
                self.add(ERROR, spec.name, text, "not_yes_no", value=text)
            self.values[spec.name] = answer
        elif spec.kind == "severity":
            code = normalize_choice(text, "severities")
            if code is None and parse_integer(text) is not None:
                code = normalize_choice(str(parse_integer(text)), "severities")
            if code is None:
                self.add(ERROR, spec.name, text, "not_severity", value=text)
            self.values[spec.name] = None if code is None else int(code)
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


def _reader_issues_by_row(raw: "RawExport", table: str) -> dict[int, list[Issue]]:
    by_row: dict[int, list[Issue]] = {}
    for issue in raw.issues:
        if issue.table == TABLE_NAMES[table] and issue.row is not None:
            by_row.setdefault(int(issue.row), []).append(issue)
    return by_row


_PROVENANCE = ("_key", "_uuid", "_submission_time", "_parent_key", "_file", "_sheet", "_row")


def _check_table(raw: "RawExport", table: str, *, country: str | None, lang: str,
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


def parse_submission_time(value: object) -> pd.Timestamp | None:
    """Parse a submission time (Kobo ``_submission_time``, ODK ``SubmissionDate``) as UTC.

    Times without an offset are UTC, as the servers write them.

    >>> parse_submission_time("2025-03-14T10:22:31")
    Timestamp('2025-03-14 10:22:31+0000', tz='UTC')
    >>> parse_submission_time("2025-03-14T10:22:31.120+01:00").hour
    9
    >>> parse_submission_time("yesterday") is None
    True
    """
    if value is None:
        return None
    text = str(value).strip()
    if not re.match(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, OverflowError, TypeError):
        return None
    if stamp is pd.NaT:
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def check_main_rows(raw: "RawExport", *, country: str | None = None, lang: str = "en",
                    max_year: int | None = None) -> CheckedTable:
    """Check every main-sheet row of an export; errors set the submission aside.

    ``country`` (ISO3) is the country being loaded: a submission for another country is set
    aside. ``max_year`` defaults to the current year.
    """
    return _check_table(raw, form.MAIN, country=country, lang=lang,
                        max_year=max_year or dt.date.today().year, parent_status=None)


def check_repeat_rows(raw: "RawExport", table: str, *, parent_status: Mapping[str, str],
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


def validate_export(raw: "RawExport", *, country: str | None = None, lang: str = "en",
                    max_year: int | None = None) -> ValidatedExport:
    """Check every row of one export (main sheet, then its repeats against the accepted main rows).

    Duplicate submissions are not resolved here (that needs every export of the country and the
    name reconciliation): see :func:`mpanalysis.dataset.load_country_dataset`.
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


def set_aside_superseded(checked: CheckedTable, parent_keys: Iterable[str], raw: "RawExport",
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


def make_counts_table(tables: Iterable[CheckedTable]) -> pd.DataFrame:
    """Sum rows read / accepted / set aside per canonical table, checking the balance.

    >>> make_counts_table([]).to_dict("records")[0]
    {'table': 'respondents', 'rows_read': 0, 'rows_accepted': 0, 'rows_set_aside': 0}
    """
    totals = {name: [0, 0, 0] for name in TABLE_NAMES.values()}
    for checked in tables:
        _assert_balanced(checked)
        totals[checked.table][0] += checked.rows_read
        totals[checked.table][1] += checked.rows_accepted
        totals[checked.table][2] += checked.rows_set_aside
    frame = pd.DataFrame([[name, *values] for name, values in totals.items()],
                         columns=["table", "rows_read", "rows_accepted", "rows_set_aside"])
    frame["table"] = frame["table"].astype("str")
    for column in ("rows_read", "rows_accepted", "rows_set_aside"):
        frame[column] = frame[column].astype("int64")
    return frame
