"""Read questionnaire exports into a :class:`RawExport`: KoboToolbox XLSX, ODK Central CSV, offline template.

Formats recognised (DESIGN.md §4):

- **KoboToolbox XLSX**: the first sheet (named after the form title) holds one row per
  submission, then one sheet per repeat group (``sources``, ``flows``) linked by
  ``_parent_index`` → ``_index`` (and ``_submission__uuid`` → ``_uuid``). A Kobo CSV export
  (main table only) is read like an ODK CSV.
- **ODK Central CSV**: ``<formid>.csv`` plus ``<formid>-sources.csv`` and ``<formid>-flows.csv``
  linked by ``PARENT_KEY`` → ``KEY``, loose in a folder or in the ZIP that Central downloads.
- **Offline template**: sheets ``main`` (``_index`` then the fields), ``sources`` and ``flows``
  (``_parent_index`` then the fields); ``instructions`` and ``lists`` are ignored.

Headers may carry group prefixes (``group/question``, ``group-question``, nested groups);
select-multiple answers may be one space-separated column, ``question/option`` 0/1 columns, or
both (folded into the one column; if they disagree the option columns win, with a warning). A
first data row of HXL tags is skipped. CSV may be UTF-8 (with or without BOM), UTF-16 or cp1252,
separated by commas, semicolons or tabs. Every cell is kept as text: nothing is inferred.

A file that does not have the layout of an export raises :class:`~mpanalysis.errors.InputLayoutError`
naming the file and sheet; problems in single rows are left to :mod:`mpanalysis.ingest.validation`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mpanalysis.errors import InputLayoutError
from mpanalysis.ingest import form
from mpanalysis.ingest.issues import ERROR, KEPT, SET_ASIDE, TABLE_NAMES, WARNING, Issue, format_message
from mpanalysis.ingest.values import normalize_choice

#: File name suffixes read as exports; anything else in an input folder is an error.
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")

#: Meta columns that carry the submission links, by role, in order of preference.
META_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    form.MAIN: {
        "_key": ("_index", "KEY"),
        "_uuid": ("_uuid", "meta-instanceID", "meta/instanceID", "instanceID", "KEY"),
        "_submission_time": ("_submission_time", "SubmissionDate"),
    },
    form.SOURCES: {"_parent_key": ("_parent_index", "PARENT_KEY"), "_parent_uuid": ("_submission__uuid",)},
    form.FLOWS: {"_parent_key": ("_parent_index", "PARENT_KEY"), "_parent_uuid": ("_submission__uuid",)},
}

_IGNORED_SHEETS = {"instructions", "lists", "choices", "settings", "survey"}
_SEPARATORS = re.compile(r"[/\-:.]")
_TRUE = {"1", "true", "yes", "oui", "vrai"}
_FALSE = {"0", "false", "no", "non", "faux"}
_INTEGER_TEXT = re.compile(r"[+-]?\d+(?:\.0*)?")
_MAGIC_ZIP = b"PK\x03\x04"
_MAGIC_OLE2 = b"\xd0\xcf\x11\xe0"


@dataclass(frozen=True)
class RawExport:
    """One questionnaire export as raw text tables (see docs/architecture.md, "RawExport").

    ``main``, ``sources`` and ``flows`` have one column per field of :mod:`mpanalysis.ingest.form`
    (missing fields are empty columns) plus the links ``_key``/``_uuid``/``_submission_time``
    (main) or ``_parent_key``/``_parent_uuid`` (repeats) and the provenance ``_file``,
    ``_sheet``, ``_row``. ``headers`` gives, per table, the header each field has in the file;
    ``issues`` are what the reader noticed (option columns that are not 0/1, a missing repeat
    sheet…); ``files`` every file read.
    """

    path: Path
    kind: str
    main: pd.DataFrame
    sources: pd.DataFrame
    flows: pd.DataFrame
    headers: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    files: tuple[Path, ...] = ()

    @property
    def name(self) -> str:
        return self.path.name

    def get_table(self, table: str) -> pd.DataFrame:
        """Return ``main``, ``sources`` or ``flows``."""
        return getattr(self, table)

    def get_header(self, table: str, name: str) -> str:
        """Return the header a field (or link column) has in the file, else its canonical name."""
        return self.headers.get(table, {}).get(name, name)


@dataclass
class _Sheet:
    """A sheet or CSV as text: its header and its non-empty rows with spreadsheet row numbers."""

    file: str
    sheet: str | None
    header: list[str | None]
    rows: list[tuple[int, list[str | None]]]
    has_header: bool = True
    source: str = ""  # the path as given, for layout errors (``file`` is the name shown in issues)

    @property
    def where(self) -> str:
        return self.source or self.file


# --------------------------------------------------------------------------------------------
# cells and raw sheets


def to_text(value: object) -> str | None:
    """Return a cell as the text a user sees (no type inference); None for an empty cell.

    >>> to_text(2019.0), to_text(0.5), to_text("007"), to_text(""), to_text(True)
    ('2019', '0.5', '007', None, 'TRUE')
    >>> to_text(dt.datetime(2025, 3, 14, 10, 22, 31))
    '2025-03-14T10:22:31'
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    text = str(value)
    return text if text != "" else None


def _is_empty(cells: Iterable[str | None]) -> bool:
    return all(c is None or not c.strip() for c in cells)


def _message(key: str, lang: str, /, **values: object) -> str:
    return format_message(f"layout.{key}", lang, **values)


def _read_workbook(path: Path, lang: str) -> list[_Sheet]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, KeyError…): all mean unreadable
        raise InputLayoutError(_message("unreadable_xlsx", lang, reason=_short_reason(exc)),
                               file=path) from None
    sheets = []
    try:
        for worksheet in workbook.worksheets:
            try:
                worksheet.reset_dimensions()
                rows = list(worksheet.iter_rows(values_only=True))
            except Exception as exc:
                raise InputLayoutError(_message("unreadable_xlsx", lang, reason=_short_reason(exc)),
                                       file=path, sheet=worksheet.title) from None
            sheet = _make_sheet(path.name, worksheet.title, [[to_text(v) for v in r] for r in rows])
            sheet.source = str(path)
            sheets.append(sheet)
    finally:
        workbook.close()
    return sheets


def _short_reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _make_sheet(file: str, sheet: str | None, rows: list[list[str | None]]) -> _Sheet:
    header_index = next((i for i, r in enumerate(rows) if not _is_empty(r)), None)
    if header_index is None:
        return _Sheet(file, sheet, [], [], has_header=False)
    header = [None if h is None or not h.strip() else h.strip() for h in rows[header_index]]
    data = [(i + 1, r) for i, r in enumerate(rows) if i > header_index and not _is_empty(r)]
    return _Sheet(file, sheet, header, data)


def _decode_csv(data: bytes, file: str, lang: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputLayoutError(_message("binary_csv", lang), file=file) from None
    if b"\x00" in data:
        raise InputLayoutError(_message("binary_csv", lang), file=file)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    # cp1252 leaves five bytes undefined; latin-1 maps every byte, so reading never fails here.
    return data.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {d: 0 for d in (",", ";", "\t")}
    is_quoted = False
    for ch in first_line:
        if ch == '"':
            is_quoted = not is_quoted
        elif not is_quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv_bytes(data: bytes, file: str, lang: str, source: str = "") -> _Sheet:
    source = source or file
    text = _decode_csv(data, source, lang)
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = _sniff_delimiter(text)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputLayoutError(_message("unreadable_csv", lang, reason=_short_reason(exc)), file=source) from None
    rows = [[cell if cell != "" else None for cell in record] for record in records]
    sheet = _make_sheet(file, None, rows)
    sheet.source = source
    width = len(sheet.header)
    for number, cells in sheet.rows:
        if len(cells) > width and not _is_empty(cells[width:]):
            raise InputLayoutError(_message("too_many_cells", lang, n_cells=len(cells), n_columns=width),
                                   file=source, row=number)
    return sheet


# --------------------------------------------------------------------------------------------
# from a raw sheet to a table of canonical fields


def _tokens(header: str) -> list[str]:
    return [t for t in _SEPARATORS.split(header) if t]


def _classify_columns(sheet: _Sheet, table: str, lang: str) -> tuple[dict[str, int], dict[str, dict[str, int]], dict[str, int]]:
    """Map headers to fields: ({field: column}, {multi field: {option: column}}, {link role: column})."""
    specs = {f.name: f for f in form.get_fields(table)}
    multi = {n for n, f in specs.items() if f.kind == "select_multiple"}
    meta_names = {h for candidates in META_HEADERS[table].values() for h in candidates}
    fields: dict[str, int] = {}
    options: dict[str, dict[str, int]] = {}
    meta: dict[str, int] = {}
    for index, header in enumerate(sheet.header):
        if header is None:
            continue
        if header in meta_names:
            for role, candidates in META_HEADERS[table].items():
                if header in candidates and (role not in meta or
                                             candidates.index(header) < candidates.index(sheet.header[meta[role]])):
                    meta[role] = index
            continue
        if header.startswith("_"):
            continue
        tokens = [t.lower() for t in _tokens(header)]
        if not tokens:
            continue
        if tokens[-1] in specs:
            name = tokens[-1]
            if name in fields:
                raise InputLayoutError(
                    _message("duplicate_column", lang, field=name,
                             columns=f"{sheet.header[fields[name]]}, {header}"),
                    file=sheet.where, sheet=sheet.sheet, column=header)
            fields[name] = index
        elif len(tokens) >= 2 and tokens[-2] in multi:
            name = tokens[-2]
            option_text = _tokens(header)[-1]
            option = normalize_choice(option_text, specs[name].choices) or option_text
            if option in options.setdefault(name, {}):
                raise InputLayoutError(
                    _message("duplicate_column", lang, field=f"{name}/{option}",
                             columns=f"{sheet.header[options[name][option]]}, {header}"),
                    file=sheet.where, sheet=sheet.sheet, column=header)
            options[name][option] = index
    return fields, options, meta


def _option_prefix(header: str) -> str:
    return re.sub(r"[/\-:.][^/\-:.]*$", "", header)


def _is_hxl_row(cells: list[str | None]) -> bool:
    filled = [c.strip() for c in cells if c is not None and c.strip()]
    return bool(filled) and all(c.startswith("#") for c in filled)


def _normalize_key(value: object) -> str | None:
    """Submission keys compare as text, with "3", "3.0" and " 3 " the same key."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return str(int(text.split(".")[0])) if _INTEGER_TEXT.fullmatch(text) else text


def _build_table(sheet: _Sheet, table: str, lang: str) -> tuple[pd.DataFrame, dict[str, str], list[Issue]]:
    """Turn a raw sheet into a table of canonical fields, its header map and reader issues."""
    specs = form.get_fields(table)
    fields, options, meta = _classify_columns(sheet, table, lang)
    missing = [f.name for f in specs if f.is_required and f.name not in fields and f.name not in options]
    if missing:
        raise InputLayoutError(_message("missing_columns", lang, columns=", ".join(missing)),
                               file=sheet.where, sheet=sheet.sheet)
    if table != form.MAIN and "_parent_key" not in meta:
        raise InputLayoutError(_message("no_link_column", lang, table=table, link="_parent_index / PARENT_KEY"),
                               file=sheet.where, sheet=sheet.sheet)
    headers = {name: sheet.header[i] for name, i in fields.items()}
    for name, by_option in options.items():
        if name not in headers:
            headers[name] = _option_prefix(sheet.header[min(by_option.values())])
    headers.update({role: sheet.header[i] for role, i in meta.items()})

    rows = sheet.rows
    if rows and _is_hxl_row(rows[0][1]):
        rows = rows[1:]
    records: list[dict[str, object]] = []
    issues: list[Issue] = []
    for number, cells in rows:
        def cell(index: int) -> str | None:
            return cells[index] if index < len(cells) else None

        record: dict[str, object] = {f.name: cell(fields[f.name]) if f.name in fields else None for f in specs}
        for role, index in meta.items():
            record[role] = cell(index)
        for name, by_option in options.items():
            record[name] = _fold_options(sheet, table, name, by_option, record[name], cell, number,
                                         headers.get(name, name), issues, lang)
        record.update({"_file": sheet.file, "_sheet": sheet.sheet, "_row": number})
        records.append(record)
    columns = [f.name for f in specs] + list(META_HEADERS[table]) + ["_file", "_sheet", "_row"]
    frame = pd.DataFrame(records, columns=columns, dtype="object")
    frame["_row"] = frame["_row"].astype("int64")
    return frame, headers, issues


def _fold_options(sheet: _Sheet, table: str, name: str, by_option: dict[str, int], text: str | None,
                  cell, number: int, header: str, issues: list[Issue], lang: str) -> str | None:
    """Fold ``name/option`` 0/1 cells into the space-separated answer (option columns win)."""
    chosen: list[str] = []
    has_answer = False
    for option, index in by_option.items():
        value = cell(index)
        if value is None or not value.strip():
            continue
        flag = value.strip().lower()
        if flag.endswith(".0"):
            flag = flag[:-2]
        if flag in _TRUE:
            chosen.append(option)
            has_answer = True
        elif flag in _FALSE:
            has_answer = True
        else:
            issues.append(Issue(ERROR, TABLE_NAMES[table], sheet.file, sheet.sheet, number, sheet.header[index],
                                value, format_message("issues.not_zero_one", lang, value=value, option=option,
                                                      field=name), SET_ASIDE))
    if not has_answer:
        return text
    folded = " ".join(chosen)
    if text is not None and set(text.split()) != set(chosen):
        issues.append(Issue(WARNING, TABLE_NAMES[table], sheet.file, sheet.sheet, number, header, text,
                            format_message("issues.multi_disagree", lang, field=name, text=text,
                                           expanded=folded or "∅"), KEPT))
    return folded


def _empty_table(table: str) -> pd.DataFrame:
    columns = [f.name for f in form.get_fields(table)] + list(META_HEADERS[table]) + ["_file", "_sheet", "_row"]
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame["_row"] = frame["_row"].astype("int64")
    return frame


def _assemble(path: Path, kind: str, main_sheet: _Sheet, repeat_sheets: Mapping[str, _Sheet | None],
              files: tuple[Path, ...], lang: str) -> RawExport:
    if not main_sheet.has_header:
        raise InputLayoutError(_message("empty_sheet", lang), file=main_sheet.where, sheet=main_sheet.sheet)
    main, main_headers, issues = _build_table(main_sheet, form.MAIN, lang)
    tables = {form.MAIN: main}
    headers = {form.MAIN: main_headers}
    for table in form.REPEATS:
        sheet = repeat_sheets.get(table)
        if sheet is None or not sheet.has_header:
            tables[table] = _empty_table(table)
            headers[table] = {}
            if sheet is None:
                issues.append(Issue(WARNING, TABLE_NAMES[table], main_sheet.file, None, None, None, None,
                                    format_message("issues.missing_sheet", lang, table=table), KEPT))
            continue
        tables[table], headers[table], more = _build_table(sheet, table, lang)
        issues.extend(more)
    _link_keys(tables, headers, main_sheet, kind, lang)
    return RawExport(path=path, kind=kind, main=tables[form.MAIN], sources=tables[form.SOURCES],
                     flows=tables[form.FLOWS], headers=headers, issues=tuple(issues), files=files)


def _link_keys(tables: dict[str, pd.DataFrame], headers: dict[str, dict[str, str]], main_sheet: _Sheet,
               kind: str, lang: str) -> None:
    """Normalise submission keys, make main keys unique and link the template's lone submission."""
    main = tables[form.MAIN]
    has_repeat_rows = any(len(tables[t]) for t in form.REPEATS)
    if "_key" not in headers[form.MAIN] and has_repeat_rows:
        raise InputLayoutError(_message("no_key_column", lang, key="_index / KEY",
                                        table=" / ".join(t for t in form.REPEATS if len(tables[t]))),
                               file=main_sheet.where, sheet=main_sheet.sheet)
    keys: list[str] = []
    seen: dict[str, int] = {}
    for key, number in zip(main["_key"], main["_row"]):
        key = _normalize_key(key)
        if key is None:
            key = f"row {number}"
        elif key in seen:
            raise InputLayoutError(
                _message("duplicate_key", lang, key=key, first=seen[key], second=number),
                file=main_sheet.where, sheet=main_sheet.sheet, row=int(number),
                column=headers[form.MAIN].get("_key"))
        seen[key] = int(number)
        keys.append(key)
    main["_key"] = pd.Series(keys, index=main.index, dtype="object")
    for table in form.REPEATS:
        frame = tables[table]
        parent = [_normalize_key(v) for v in frame["_parent_key"]]
        if kind == "template" and len(keys) == 1:
            # An institution answering offline fills one submission and often leaves the link blank.
            parent = [p if p is not None else keys[0] for p in parent]
        frame["_parent_key"] = pd.Series(parent, index=frame.index, dtype="object")


# --------------------------------------------------------------------------------------------
# formats


def _read_xlsx(path: Path, lang: str) -> RawExport:
    sheets = _read_workbook(path, lang)
    by_name = {s.sheet.strip().lower(): s for s in sheets if s.sheet}
    if "main" in by_name:
        kind, main_sheet = "template", by_name["main"]
    else:
        candidates = [s for s in sheets if s.sheet and s.sheet.strip().lower() not in _IGNORED_SHEETS
                      and _repeat_name(s.sheet) is None]
        if not candidates:
            raise InputLayoutError(_message("no_main_sheet", lang, sheets=", ".join(s.sheet for s in sheets)),
                                   file=path)
        kind, main_sheet = "kobo", candidates[0]
    repeats: dict[str, _Sheet | None] = {t: None for t in form.REPEATS}
    for sheet in sheets:
        table = _repeat_name(sheet.sheet)
        if table is not None and repeats[table] is None and sheet is not main_sheet:
            repeats[table] = sheet
    return _assemble(path, kind, main_sheet, repeats, (path,), lang)


def _repeat_name(sheet_name: str | None) -> str | None:
    if not sheet_name:
        return None
    tokens = _tokens(sheet_name.strip().lower())
    return tokens[-1] if tokens and tokens[-1] in form.REPEATS else None


def _repeat_csv_table(name: str) -> tuple[str, str] | None:
    """Return (main file stem, table) when ``name`` is an ODK repeat CSV (``form-sources.csv``)."""
    stem = name.rsplit(".", 1)[0]
    for table in form.REPEATS:
        for separator in ("-", "_"):
            suffix = f"{separator}{table}"
            if stem.lower().endswith(suffix) and len(stem) > len(suffix):
                return stem[: -len(suffix)], table
    return None


def _read_csv_export(path: Path, lang: str) -> RawExport:
    repeat = _repeat_csv_table(path.name)
    if repeat is not None:
        siblings = {p.name.lower(): p for p in path.parent.iterdir() if p.is_file()}
        main_name = f"{repeat[0]}{path.suffix}"
        key = "is_repeat_file" if main_name.lower() in siblings else "repeat_without_main"
        raise InputLayoutError(_message(key, lang, main=main_name), file=path)
    main_sheet = _read_csv_bytes(_read_bytes(path, lang), path.name, lang, str(path))
    files = [path]
    repeats: dict[str, _Sheet | None] = {t: None for t in form.REPEATS}
    siblings = {p.name.lower(): p for p in path.parent.iterdir() if p.is_file()}
    for table in form.REPEATS:
        for separator in ("-", "_"):
            candidate = siblings.get(f"{path.stem}{separator}{table}{path.suffix}".lower())
            if candidate is not None:
                repeats[table] = _read_csv_bytes(_read_bytes(candidate, lang), candidate.name, lang, str(candidate))
                files.append(candidate)
                break
    return _assemble(path, "odk", main_sheet, repeats, tuple(files), lang)


def _read_bytes(path: Path, lang: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputLayoutError(_message("unreadable_csv", lang, reason=_short_reason(exc)), file=path) from None


def _read_zip_export(path: Path, lang: str) -> RawExport:
    try:
        with zipfile.ZipFile(path) as archive:
            members = {Path(n).name: n for n in archive.namelist()
                       if n.lower().endswith(".csv") and not Path(n).name.startswith((".", "~$"))}
            mains = sorted(n for n in members if _repeat_csv_table(n) is None)
            if not mains:
                raise InputLayoutError(_message("zip_without_csv", lang), file=path)
            main_name = mains[0]
            main_sheet = _read_csv_bytes(archive.read(members[main_name]), f"{path.name}/{main_name}", lang,
                                         f"{path}/{main_name}")
            repeats: dict[str, _Sheet | None] = {t: None for t in form.REPEATS}
            stem = main_name.rsplit(".", 1)[0]
            for name, member in members.items():
                found = _repeat_csv_table(name)
                if found and found[0] == stem and repeats[found[1]] is None:
                    repeats[found[1]] = _read_csv_bytes(archive.read(member), f"{path.name}/{name}", lang,
                                                        f"{path}/{name}")
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise InputLayoutError(_message("unreadable_zip", lang, reason=_short_reason(exc)), file=path) from None
    return _assemble(path, "odk", main_sheet, repeats, (path,), lang)


def _sniff_format(path: Path, lang: str) -> str:
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise InputLayoutError(_message("unreadable_csv", lang, reason=_short_reason(exc)), file=path) from None
    suffix = path.suffix.lower()
    if head.startswith(_MAGIC_ZIP):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputLayoutError(_message("unreadable_xlsx", lang, reason=_short_reason(exc)), file=path) from None
        return "xlsx" if "xl/workbook.xml" in names else "zip"
    if head.startswith(_MAGIC_OLE2) or suffix == ".xls":
        raise InputLayoutError(_message("old_xls", lang), file=path)
    if suffix in XLSX_SUFFIXES or suffix == ".zip":
        raise InputLayoutError(_message("unreadable_xlsx", lang, reason="not a ZIP container"), file=path)
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise InputLayoutError(_message("unsupported", lang, suffix=path.suffix or "—"), file=path)


def read_export(path: str | Path, *, lang: str = "en") -> RawExport:
    """Read one export (XLSX workbook, main CSV with its repeat CSVs, or ODK Central ZIP).

    A folder holding exactly one export is accepted too. ``lang`` is the language of the error
    messages.

    >>> read_export("no/such/file.xlsx")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.InputLayoutError: no/such/file.xlsx: file or folder not found
    """
    path = Path(path)
    if not path.exists():
        raise InputLayoutError(_message("not_found", lang), file=path)
    if path.is_dir():
        exports = read_country_inputs(path, lang=lang)
        if len(exports) != 1:
            raise InputLayoutError(_message("several_exports", lang, n=len(exports)), file=path)
        return exports[0]
    kind = _sniff_format(path, lang)
    if kind == "xlsx":
        return _read_xlsx(path, lang)
    if kind == "zip":
        return _read_zip_export(path, lang)
    return _read_csv_export(path, lang)


def find_export_files(folder: str | Path, *, lang: str = "en") -> list[Path]:
    """Return the export files of a folder, in name order: repeat CSVs are read with their main CSV.

    Files starting with ``~$`` (Excel lock files) or ``.`` and README files are ignored.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputLayoutError(_message("not_found", lang), file=folder)
    files = sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", "."))
                    and not p.name.lower().startswith("readme")), key=lambda p: p.name)
    names = {p.name.lower() for p in files}
    exports = []
    for path in files:
        repeat = _repeat_csv_table(path.name)
        if repeat is not None and path.suffix.lower() in CSV_SUFFIXES:
            main_name = f"{repeat[0]}{path.suffix}"
            if main_name.lower() not in names:
                raise InputLayoutError(_message("repeat_without_main", lang, main=main_name), file=path)
            continue
        exports.append(path)
    return exports


def read_country_inputs(folder: str | Path, *, lang: str = "en") -> list[RawExport]:
    """Read every export in a country's input folder (see :func:`find_export_files`).

    An empty folder is an error: a country without answers cannot have a guide.
    """
    paths = find_export_files(folder, lang=lang)
    if not paths:
        raise InputLayoutError(_message("no_exports", lang), file=folder)
    return [read_export(p, lang=lang) for p in paths]
