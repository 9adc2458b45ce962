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

Headers may be the questions' names or their labels in any language of the form, with or
without group names or labels in front (any separator: ``group/question``, ``group__question``,
``group-question``, nested groups; see :mod:`mpanalysis.ingest.headers`); values may be codes or
labels (validation maps labels back to codes). Select-multiple answers may be one space-separated
column (codes or labels), ``question/option`` 0/1 columns (option as code or label), or both
(folded into the one column; if they disagree the option columns win, with a warning). A first
data row of HXL tags is skipped. Every cell is kept as text: nothing is inferred.

Sheets are told apart by their columns, not only their names (a localised Excel "save as" turns
them into ``Feuil1``, ``Feuil2``…): the main sheet has the main questions, a repeat sheet has a
``_parent_index`` / ``PARENT_KEY`` link and the questions of ``sources`` or ``flows``. A sheet
with data that none of them is stops the country, naming the sheet: no row is ever dropped
unseen. A CSV holds the main table only: without its repeat files beside it (KoboToolbox's CSV
export never has them) the country stops with a message saying which download to make.

Reading is bounded: a sheet is read within its header's width (a value beyond it stops the
country, naming the cell), with caps on the header's width, on the cells of a sheet and on a
cell's length (Excel's 32,767 characters), so no file can exhaust the memory.

CSV may be UTF-8 (with or without BOM), UTF-16 or cp1252, separated by commas, semicolons or
tabs. A UTF-8 file with a few lines in another encoding is decoded line by line: those rows are
read as cp1252 and reported as warnings, the rest is untouched.

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
from mpanalysis.ingest.headers import count_fields, resolve_header
from mpanalysis.ingest.issues import ERROR, KEPT, SET_ASIDE, TABLE_NAMES, WARNING, Issue, format_message
from mpanalysis.ingest.values import parse_multi

#: File name suffixes read as exports; anything else in an input folder is an error.
XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")

#: Meta columns that carry the submission links, by role, in order of preference.
META_HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    form.MAIN: {
        "_key": ("_index", "KEY"),
        "_uuid": ("_uuid", "meta-instanceID", "meta/instanceID", "instanceID", "KEY"),
        "_submission_time": ("_submission_time", "SubmissionDate"),
        # the id a submission keeps when it is edited on the server (KoboToolbox)
        "_root_uuid": ("meta/rootUuid", "meta-rootUuid", "rootUuid"),
    },
    form.SOURCES: {"_parent_key": ("_parent_index", "PARENT_KEY"), "_parent_uuid": ("_submission__uuid",)},
    form.FLOWS: {"_parent_key": ("_parent_index", "PARENT_KEY"), "_parent_uuid": ("_submission__uuid",)},
}

#: Caps that keep any input file within a few hundred megabytes of memory.
MAX_HEADER_COLUMNS = 2_000
MAX_CELLS_PER_SHEET = 5_000_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_SHARED_STRINGS_BYTES = 100_000_000  # uncompressed: openpyxl loads the shared strings at once

#: The link columns of a repeat sheet, whatever it is called.
PARENT_LINKS = ("_parent_index", "PARENT_KEY")

_IGNORED_SHEETS = {"instructions", "lists", "choices", "settings", "survey"}
_SEPARATORS = re.compile(r"__|[/\-:.]")
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
    """A sheet or CSV as text: its header and its non-empty rows with spreadsheet row numbers.

    ``undecoded_rows`` are the rows of a CSV that were not valid UTF-8 (read as cp1252).
    """

    file: str
    sheet: str | None
    header: list[str | None]
    rows: list[tuple[int, list[str | None]]]
    has_header: bool = True
    source: str = ""  # the path as given, for layout errors (``file`` is the name shown in issues)
    undecoded_rows: tuple[int, ...] = ()

    @property
    def where(self) -> str:
        return self.source or self.file

    def has_column(self, names: Iterable[str]) -> bool:
        wanted = set(names)
        return any(h in wanted for h in self.header if h)


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


def _column_letter(number: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(number)


def _check_workbook_parts(path: Path, lang: str) -> None:
    """Refuse a workbook whose shared strings (loaded whole by openpyxl) would fill the memory."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.filename.lower().startswith("xl/sharedstrings") and info.file_size > MAX_SHARED_STRINGS_BYTES:
                    raise InputLayoutError(_message("oversized_part", lang, part=info.filename,
                                                    size=info.file_size // 1_000_000,
                                                    max=MAX_SHARED_STRINGS_BYTES // 1_000_000), file=path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputLayoutError(_message("unreadable_xlsx", lang, reason=_short_reason(exc)), file=path) from None


def _read_workbook(path: Path, lang: str) -> list[_Sheet]:
    import openpyxl

    _check_workbook_parts(path, lang)
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
            if worksheet.title.strip().lower() in _IGNORED_SHEETS:
                continue  # the template's instructions and lists, an XLSForm's own sheets: never data
            try:
                sheet = _read_worksheet(worksheet, path, lang)
            except InputLayoutError:
                raise
            except Exception as exc:
                raise InputLayoutError(_message("unreadable_xlsx", lang, reason=_short_reason(exc)),
                                       file=path, sheet=worksheet.title) from None
            sheets.append(sheet)
    finally:
        workbook.close()
    return sheets


def _iter_sparse_rows(worksheet) -> Iterable[tuple[int, dict[int, object]]]:
    """Yield ``(row number, {column number: value})`` for the cells a sheet really holds.

    openpyxl's own ``iter_rows`` pads every row to the sheet's widest column: one stray cell in
    column XFD makes each row 16,384 cells. Its sheet parser gives the cells as stored.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    workbook = worksheet.parent
    with worksheet._get_source() as source:
        parser = WorkSheetParser(source, worksheet._shared_strings, data_only=workbook.data_only,
                                 epoch=workbook.epoch, date_formats=workbook._date_formats,
                                 timedelta_formats=workbook._timedelta_formats)
        for number, cells in parser.parse():
            yield number, {c["column"]: c["value"] for c in cells if c["value"] is not None}


def _read_worksheet(worksheet, path: Path, lang: str) -> _Sheet:
    """Read one sheet within its header's width; a value beyond it or a cap exceeded stops here."""
    title = worksheet.title
    header: list[str | None] | None = None
    width = 0
    rows: list[tuple[int, list[str | None]]] = []
    budget = MAX_CELLS_PER_SHEET
    for number, values in _iter_sparse_rows(worksheet):
        texts = {column: to_text(value) for column, value in values.items()}
        filled = {column: text for column, text in texts.items() if text is not None and text.strip()}
        if not filled:
            continue
        for column, text in filled.items():
            if len(text) > MAX_CELL_CHARS:
                raise InputLayoutError(_message("cell_too_long", lang, n=len(text), max=MAX_CELL_CHARS),
                                       file=path, sheet=title, row=number, column=_column_letter(column))
        if header is None:
            width = max(filled)
            if width > MAX_HEADER_COLUMNS:
                raise InputLayoutError(_message("too_wide_header", lang, column=_column_letter(width),
                                                max=MAX_HEADER_COLUMNS),
                                       file=path, sheet=title, row=number)
            header = [None if (t := texts.get(i)) is None or not t.strip() else t.strip() for i in range(1, width + 1)]
            continue
        beyond = [column for column in filled if column > width]
        if beyond:
            raise InputLayoutError(_message("beyond_header", lang, column=_column_letter(min(beyond)),
                                            last=_column_letter(width)),
                                   file=path, sheet=title, row=number, column=_column_letter(min(beyond)))
        budget -= width
        if budget < 0:
            raise InputLayoutError(_message("too_many_cells", lang, max=MAX_CELLS_PER_SHEET),
                                   file=path, sheet=title, row=number)
        rows.append((number, [texts.get(i) for i in range(1, width + 1)]))
    if header is None:
        return _Sheet(path.name, title, [], [], has_header=False, source=str(path))
    return _Sheet(path.name, title, header, rows, source=str(path))


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


def _decode_csv(data: bytes, file: str, lang: str) -> tuple[str, set[int]]:
    """Return the text of a CSV and the numbers of the physical lines that were not UTF-8.

    A file that is UTF-8 throughout decodes as such; a file with no UTF-8 line at all (accents
    written by an old spreadsheet program) as cp1252; a UTF-8 file with a few foreign lines line
    by line, those lines as cp1252, so one stray byte never garbles the rest.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), set()
        except UnicodeDecodeError:
            raise InputLayoutError(_message("binary_csv", lang), file=file) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputLayoutError(_message("nul_byte", lang), file=file, row=data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8-sig"), set()
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    texts: list[str] = []
    undecoded: set[int] = set()
    has_utf8_line = False
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
            has_utf8_line = has_utf8_line or not line.isascii()
        except UnicodeDecodeError:
            text = _decode_cp1252(line)
            undecoded.add(number)
        texts.append(text)
    if not has_utf8_line:
        return _decode_cp1252(data), set()
    return "\n".join(texts), undecoded


def _decode_cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
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
    text, undecoded_lines = _decode_csv(data, source, lang)
    if text.startswith("\ufeff"):
        text = text[1:]
    delimiter = _sniff_delimiter(text)
    records: list[list[str]] = []
    undecoded_rows: set[int] = set()
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        first_line = 1
        for record in reader:
            # a record may span several lines (a quoted line break): any of them may be foreign
            if undecoded_lines and any(n in undecoded_lines for n in range(first_line, reader.line_num + 1)):
                undecoded_rows.add(len(records) + 1)
            first_line = reader.line_num + 1
            for cell in record:
                if len(cell) > MAX_CELL_CHARS:
                    raise InputLayoutError(_message("cell_too_long", lang, n=len(cell), max=MAX_CELL_CHARS),
                                           file=source, row=len(records) + 1)
            records.append(record)
    except csv.Error as exc:
        raise InputLayoutError(_message("unreadable_csv", lang, reason=_short_reason(exc)), file=source) from None
    rows = [[cell if cell != "" else None for cell in record] for record in records]
    sheet = _make_sheet(file, None, rows)
    sheet.source = source
    sheet.undecoded_rows = tuple(sorted(undecoded_rows))
    width = len(sheet.header)
    if width > MAX_HEADER_COLUMNS:
        raise InputLayoutError(_message("too_wide_header", lang, column=width, max=MAX_HEADER_COLUMNS),
                               file=source, row=1)
    if width * len(sheet.rows) > MAX_CELLS_PER_SHEET:
        raise InputLayoutError(_message("too_many_cells", lang, max=MAX_CELLS_PER_SHEET), file=source)
    for number, cells in sheet.rows:
        if len(cells) > width and not _is_empty(cells[width:]):
            raise InputLayoutError(_message("too_many_cells_in_row", lang, n_cells=len(cells), n_columns=width),
                                   file=source, row=number)
    return sheet


# --------------------------------------------------------------------------------------------
# from a raw sheet to a table of canonical fields


def _tokens(header: str) -> list[str]:
    return [t for t in _SEPARATORS.split(header) if t]


def _classify_columns(sheet: _Sheet, table: str, lang: str) -> tuple[dict[str, int], dict[str, dict[str, int]], dict[str, int]]:
    """Map headers to fields: ({field: column}, {multi field: {option: column}}, {link role: column})."""
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
        resolved = resolve_header(header, table)
        if resolved is None:
            continue
        name, option = resolved
        if option is None:
            if name in fields:
                raise InputLayoutError(
                    _message("duplicate_column", lang, field=name,
                             columns=f"{sheet.header[fields[name]]}, {header}"),
                    file=sheet.where, sheet=sheet.sheet, column=header)
            fields[name] = index
        else:
            if option in options.setdefault(name, {}):
                raise InputLayoutError(
                    _message("duplicate_column", lang, field=f"{name}/{option}",
                             columns=f"{sheet.header[options[name][option]]}, {header}"),
                    file=sheet.where, sheet=sheet.sheet, column=header)
            options[name][option] = index
    return fields, options, meta


def _option_prefix(header: str) -> str:
    return re.sub(r"(__|[/\-:.])[^/\-:.]*$", "", header)


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
    undecoded = set(sheet.undecoded_rows)
    for number, cells in rows:
        def cell(index: int) -> str | None:
            return cells[index] if index < len(cells) else None

        record: dict[str, object] = {f.name: cell(fields[f.name]) if f.name in fields else None for f in specs}
        for role, index in meta.items():
            record[role] = cell(index)
        for name, by_option in options.items():
            record[name] = _fold_options(sheet, table, name, by_option, record[name], cell, number,
                                         headers.get(name, name), issues, lang)
        if number in undecoded:
            issues.append(Issue(WARNING, TABLE_NAMES[table], sheet.file, sheet.sheet, number, None, None,
                                format_message("issues.not_utf8", lang), KEPT))
        record.update({"_file": sheet.file, "_sheet": sheet.sheet, "_row": number})
        records.append(record)
    columns = [f.name for f in specs] + list(META_HEADERS[table]) + ["_file", "_sheet", "_row"]
    frame = pd.DataFrame(records, columns=columns, dtype="object")
    frame["_row"] = frame["_row"].astype("int64")
    return frame, headers, issues


def _fold_options(sheet: _Sheet, table: str, name: str, by_option: dict[str, int], text: str | None,
                  cell, number: int, header: str, issues: list[Issue], lang: str) -> str | None:
    """Fold ``name/option`` 0/1 cells into the space-separated answer (option columns win).

    The text column may hold codes or labels: it disagrees only when it names other choices.
    """
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
    if text is not None:
        codes, unknown = parse_multi(text, form.get_field(name).choices)
        if set(codes) | set(unknown) != set(chosen):
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
    if main_sheet.rows and all(repeat_sheets.get(t) is None for t in form.REPEATS):
        # Without any repeat the guide would have no source and no exchange: never silently.
        raise InputLayoutError(_message("no_repeats", lang), file=main_sheet.where, sheet=main_sheet.sheet)
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


def _sheet_role(sheet: _Sheet) -> str | None:
    """``main``, ``sources``, ``flows`` or None, from the sheet's columns first, then its name.

    A sheet with a parent link is the repeat whose questions it holds; a sheet without one is
    the main sheet when it holds main questions. Names only break ties (or a repeat sheet that
    lost its link column, which the table builder then reports).
    """
    if not sheet.has_header:
        return None
    by_name = _repeat_name(sheet.sheet)
    if sheet.has_column(PARENT_LINKS):
        scores = {table: count_fields(sheet.header, table) for table in form.REPEATS}
        best = max(scores.values())
        if best == 0:
            return by_name
        leaders = [t for t, score in scores.items() if score == best]
        return by_name if by_name in leaders else leaders[0]
    if by_name is not None:
        return by_name
    return form.MAIN if count_fields(sheet.header, form.MAIN) else None


def _read_xlsx(path: Path, lang: str) -> RawExport:
    sheets = _read_workbook(path, lang)
    by_name = {s.sheet.strip().lower(): s for s in sheets if s.sheet}
    kind = "template" if "main" in by_name and by_name["main"].has_header else "kobo"
    roles: dict[str, _Sheet] = {}
    unread: list[_Sheet] = []
    for sheet in sheets:
        name = (sheet.sheet or "").strip().lower()
        if name in _IGNORED_SHEETS or not sheet.has_header:
            continue
        role = form.MAIN if kind == "template" and name == "main" else _sheet_role(sheet)
        if kind == "template" and role == form.MAIN and name != "main":
            role = None
        if role is None or (role in roles and role == form.MAIN):
            unread.append(sheet)
        elif role in roles:
            raise InputLayoutError(_message("two_sheets_same_table", lang, first=roles[role].sheet,
                                            second=sheet.sheet, table=role), file=path, sheet=sheet.sheet)
        else:
            roles[role] = sheet
    if form.MAIN not in roles:
        raise InputLayoutError(_message("no_main_sheet", lang, sheets=", ".join(s.sheet for s in sheets) or "—"),
                               file=path)
    for sheet in unread:
        if sheet.rows:
            raise InputLayoutError(_message("unread_sheet", lang, n=len(sheet.rows)), file=path, sheet=sheet.sheet)
    repeats: dict[str, _Sheet | None] = {t: roles.get(t) for t in form.REPEATS}
    return _assemble(path, kind, roles[form.MAIN], repeats, (path,), lang)


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


def _check_repeat_files(main_sheet: _Sheet, repeats: Mapping[str, _Sheet | None], stem: str, lang: str) -> None:
    """A CSV holds the main table only: its repeat files must be beside it (exact message per server)."""
    missing = [t for t in form.REPEATS if repeats.get(t) is None]
    if not missing:
        return
    is_kobo = main_sheet.has_column(("_submission_time", "_uuid", "_index"))
    names = ", ".join(f"{stem}-{t}.csv" for t in missing)
    raise InputLayoutError(_message("csv_without_repeats_kobo" if is_kobo else "csv_without_repeats", lang,
                                    files=names), file=main_sheet.where)


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
    if main_sheet.has_header:
        _check_repeat_files(main_sheet, repeats, path.stem, lang)
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
            main_sheet = _read_csv_bytes(_read_zip_member(archive, members[main_name], path, lang),
                                         f"{path.name}/{main_name}", lang, f"{path}/{main_name}")
            repeats: dict[str, _Sheet | None] = {t: None for t in form.REPEATS}
            stem = main_name.rsplit(".", 1)[0]
            for name, member in members.items():
                found = _repeat_csv_table(name)
                if found and found[0] == stem and repeats[found[1]] is None:
                    repeats[found[1]] = _read_csv_bytes(_read_zip_member(archive, member, path, lang),
                                                        f"{path.name}/{name}", lang, f"{path}/{name}")
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise InputLayoutError(_message("unreadable_zip", lang, reason=_short_reason(exc)), file=path) from None
    if main_sheet.has_header:
        _check_repeat_files(main_sheet, repeats, stem, lang)
    return _assemble(path, "odk", main_sheet, repeats, (path,), lang)


def _read_zip_member(archive: zipfile.ZipFile, member: str, path: Path, lang: str) -> bytes:
    """A member's bytes, refusing one that would unpack to more than the cells a sheet may hold."""
    size = archive.getinfo(member).file_size
    if size > MAX_CELLS_PER_SHEET * 20:
        raise InputLayoutError(_message("oversized_part", lang, part=member, size=size // 1_000_000,
                                        max=MAX_CELLS_PER_SHEET * 20 // 1_000_000), file=path)
    return archive.read(member)



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


def _refuse_links_out(folder: Path, files: list[Path], lang: str) -> None:
    """A symbolic link in ``data/raw/`` that leads out of it is refused: inputs are the files the
    coordinator put there, nothing else on the machine."""
    from mpanalysis.paths import raw_dir

    raw = raw_dir()
    is_under_raw = folder.absolute().is_relative_to(raw.absolute())
    allowed = [raw.resolve()] if is_under_raw else [folder.resolve()]
    for path in [folder, *files]:
        if path.is_symlink() or (path == folder and is_under_raw):
            target = path.resolve()
            if not any(target == root or target.is_relative_to(root) for root in allowed):
                raise InputLayoutError(_message("link_outside", lang, target=target), file=path)


def find_export_files(folder: str | Path, *, lang: str = "en") -> list[Path]:
    """Return the export files of a folder, in name order: repeat CSVs are read with their main CSV.

    Files starting with ``~$`` (Excel lock files) or ``.`` and README files are ignored. A
    symbolic link leading out of ``data/raw/`` (or out of the folder given) is refused.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputLayoutError(_message("not_found", lang), file=folder)
    files = sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", "."))
                    and not p.name.lower().startswith("readme")), key=lambda p: p.name)
    _refuse_links_out(folder, files, lang)
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
