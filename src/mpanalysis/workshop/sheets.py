"""Spreadsheets people fill in and hand back: one writer and one reader for the workshop's
worksheet and the authority's review sheet.

A :class:`SheetSpec` says each column's header (in the sheet's language), width, whether people
may edit it and which drop-down list it offers. The writer (openpyxl) locks everything but the
decision cells and protects every sheet and the workbook's structure, puts the drop-down lists
in a hidden sheet, and records the country, the language and the kind of sheet in a hidden
``_meta`` sheet so the reader knows how to read it. Text cells are always stored as text: an
answer that starts with ``=`` never becomes a formula.

The reader finds the sheets and columns by their headers (in the sheet's language or as codes),
so a sheet whose columns were moved still reads, and returns rows with the row number a
spreadsheet shows, for messages that name file, sheet, row and column.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpanalysis.decisions import Problem

META_SHEET = "_meta"
LISTS_SHEET = "_lists"

#: Reading stops after this many rows of a sheet (a stray cell far below must not blow memory).
MAX_ROWS = 5000

_HEADER_FILL = "17365D"
_LOCKED_FILL = "F3F6F9"
_EDIT_FILL = "FFF4C2"


@dataclass(frozen=True)
class Column:
    """One column: ``code`` (stable), ``header`` (in the sheet's language), width in characters,
    whether it is filled in (``is_editable``), the drop-down list it offers (``choices``: the
    labels shown) and whether other values are refused (``is_strict``)."""

    code: str
    header: str
    width: float = 14
    is_editable: bool = False
    choices: tuple[str, ...] = ()
    is_strict: bool = True
    is_hidden: bool = False
    is_wrapped: bool = False


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: its ``code`` (stable), ``title`` (tab name, in the sheet's language), columns and rows.

    A row may carry ``_<code>_locked`` (that cell is given, not filled in) and, for the printed
    version, ``_<code>_choices`` (the tick boxes that row offers, when not all the list's choices
    apply to it)."""

    code: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...] = ()
    caption: str = ""
    #: On paper, one card per row rather than a table row (a sheet with many cells to fill in).
    is_printed_as_cards: bool = False

    def get_column(self, code: str) -> Column:
        return next(c for c in self.columns if c.code == code)


@dataclass(frozen=True)
class Workbook:
    """A whole workbook: the instructions sheet's lines, the sheets, and what ``_meta`` records."""

    title: str
    instructions: tuple[str, ...]
    sheets: tuple[SheetSpec, ...]
    meta: dict[str, str] = field(default_factory=dict)
    instructions_title: str = "Instructions"


def _set_text(cell, value: Any) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # data, never a formula


def write_workbook(book: Workbook, path: str | Path) -> Path:
    """Write the workbook atomically: instructions first, locked structure, drop-down lists.

    >>> import tempfile, openpyxl
    >>> spec = SheetSpec("findings", "Constats", (Column("id", "Identifiant"),
    ...        Column("decision", "Décision", is_editable=True, choices=("confirmé", "écarté"))),
    ...        rows=({"id": "a"}, {"id": "=1+1"}))
    >>> path = write_workbook(Workbook("Fiche", ("Remplir les cellules jaunes.",), (spec,), {"kind": "t"}),
    ...                       Path(tempfile.mkdtemp()) / "w.xlsx")
    >>> wb = openpyxl.load_workbook(path)
    >>> wb.sheetnames, wb["Constats"]["A3"].value, wb["Constats"]["A3"].data_type, wb["Constats"].protection.sheet
    (['Instructions', 'Constats', '_lists', '_meta'], '=1+1', 's', True)
    >>> wb["Constats"]["B2"].protection.locked, wb["Constats"]["A2"].protection.locked
    (False, True)
    """
    from openpyxl import Workbook as OpenWorkbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    from mpanalysis.fileio import open_atomic_path
    from mpanalysis.wording.typography import typeset

    wb = OpenWorkbook()
    intro = wb.active
    intro.title = book.instructions_title[:31]
    intro.column_dimensions["A"].width = 120
    _set_text(intro.cell(row=1, column=1), book.title)
    intro.cell(row=1, column=1).font = Font(bold=True, size=14, color=_HEADER_FILL)
    for index, line in enumerate(book.instructions, start=3):
        cell = intro.cell(row=index, column=1)
        _set_text(cell, line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    intro.protection.sheet = True

    lists = wb.create_sheet(LISTS_SHEET)
    list_ranges: dict[tuple[str, ...], str] = {}
    sheets = []
    for spec in book.sheets:
        ws = wb.create_sheet(spec.title[:31])
        sheets.append(ws)
        for index, column in enumerate(spec.columns, start=1):
            letter = get_column_letter(index)
            cell = ws.cell(row=1, column=index)
            _set_text(cell, column.header)
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True, vertical="bottom")
            ws.column_dimensions[letter].width = column.width
            ws.column_dimensions[letter].hidden = column.is_hidden
        ws.freeze_panes = "B2"
        n_rows = len(spec.rows)
        for r, row in enumerate(spec.rows, start=2):
            for index, column in enumerate(spec.columns, start=1):
                cell = ws.cell(row=r, column=index)
                value = row.get(column.code)
                if isinstance(value, str) and column.is_wrapped and not column.is_editable and book.meta.get("lang"):
                    value = typeset(value, book.meta["lang"])  # the texts people read, as the guide prints them
                _set_text(cell, value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if column.is_editable and not row.get(f"_{column.code}_locked"):
                    cell.protection = Protection(locked=False)
                    cell.fill = PatternFill("solid", fgColor=_EDIT_FILL)
                else:
                    cell.fill = PatternFill("solid", fgColor=_LOCKED_FILL)
        for index, column in enumerate(spec.columns, start=1):
            if not column.choices or not n_rows:
                continue
            if column.choices not in list_ranges:
                list_column = get_column_letter(len(list_ranges) + 1)
                for i, label in enumerate(column.choices, start=1):
                    _set_text(lists.cell(row=i, column=len(list_ranges) + 1), label)
                list_ranges[column.choices] = f"{LISTS_SHEET}!${list_column}$1:${list_column}${len(column.choices)}"
            validation = DataValidation(type="list", formula1=f"={list_ranges[column.choices]}",
                                        allow_blank=True, showErrorMessage=column.is_strict,
                                        errorStyle="stop" if column.is_strict else "information")
            letter = get_column_letter(index)
            validation.add(f"{letter}2:{letter}{n_rows + 1}")
            ws.add_data_validation(validation)
        ws.protection.sheet = True
        ws.protection.formatRows = False  # people may make rows taller to read long texts
        ws.protection.formatColumns = False
    # the hidden sheets come after the ones people fill in, whatever order they were made in
    wb.move_sheet(lists, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(LISTS_SHEET))
    lists.sheet_state = "hidden"
    lists.protection.sheet = True
    meta = wb.create_sheet(META_SHEET)
    for r, (key, value) in enumerate(sorted(book.meta.items()), start=1):
        _set_text(meta.cell(row=r, column=1), key)
        _set_text(meta.cell(row=r, column=2), value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    with open_atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


@dataclass
class ReadSheet:
    """A sheet as read: ``rows`` of ``{column code: text or None}`` with ``_row`` the row number."""

    title: str
    rows: list[dict[str, Any]]
    columns: set[str]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.isoformat()[:10]
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


def _read_meta(wb) -> dict[str, str]:
    meta: dict[str, str] = {}
    if META_SHEET in wb.sheetnames:
        for row in wb[META_SHEET].iter_rows(min_row=1, max_row=50, max_col=2, values_only=True):
            if row and row[0] is not None:
                meta[str(row[0])] = _text(row[1]) or ""
    return meta


def read_workbook_meta(path: str | Path) -> dict[str, str]:
    """Return what a workbook's hidden ``_meta`` sheet records (kind, country, language…), or an
    empty mapping for a file that is not a workbook written by this module (the reader then says
    what is wrong with it, located).

    >>> import tempfile
    >>> path = write_workbook(Workbook("T", (), (), {"kind": "review", "lang": "en"}), Path(tempfile.mkdtemp()) / "r.xlsx")
    >>> read_workbook_meta(path), read_workbook_meta(path.with_name("absent.xlsx"))
    ({'kind': 'review', 'lang': 'en'}, {})
    """
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # not a workbook, damaged, password-protected, absent
        return {}
    try:
        return _read_meta(wb)
    finally:
        wb.close()


def find_choice(value: str, labels: dict[str, str]) -> str | None:
    """Return the code of a drop-down value: its label (in the sheet's language) or the code
    itself, in any case; None when it is neither.

    >>> labels = {"adopt": "adopter", "drop": "retirer"}
    >>> find_choice("Retirer", labels), find_choice("adopt", labels), find_choice("peut-être", labels)
    ('drop', 'adopt', None)
    """
    folded = value.casefold()
    by_label = {label.casefold(): code for code, label in labels.items()} | {c.casefold(): c for c in labels}
    return by_label.get(folded)


def read_workbook(path: str | Path, specs: dict[str, SheetSpec], problems: list[Problem]
                  ) -> tuple[dict[str, str], dict[str, ReadSheet]]:
    """Return ``(meta, {sheet code: ReadSheet})`` of a filled workbook; what cannot be read is
    added to ``problems`` (located) rather than raised, so one message lists every mistake.

    ``specs`` gives, per sheet code, the sheet as written (its title and column headers in the
    language the ``_meta`` sheet names); a sheet or column may also be found by its code.
    """
    from openpyxl import load_workbook

    name = Path(path).name
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # not a workbook, damaged, password-protected
        problems.append(Problem(file=name, message=f"cannot be read as an XLSX workbook ({type(exc).__name__})"))
        return {}, {}
    try:
        meta = _read_meta(wb)
        sheets: dict[str, ReadSheet] = {}
        for code, spec in specs.items():
            title = next((t for t in wb.sheetnames if t in (spec.title[:31], code)), None)
            if title is None:
                continue
            ws = wb[title]
            width = len(spec.columns) + 5
            rows_iter = ws.iter_rows(min_row=1, max_row=MAX_ROWS + 1, max_col=width, values_only=True)
            header = next(rows_iter, None) or ()
            by_header = {c.header: c.code for c in spec.columns} | {c.code: c.code for c in spec.columns}
            positions = {i: by_header[_text(h)] for i, h in enumerate(header) if _text(h) in by_header}
            missing = [c.header for c in spec.columns if c.code not in positions.values()]
            if missing:
                problems.append(Problem(file=name, sheet=title, row=1,
                                        message=f"missing column(s) {missing}: use the worksheet as it was given"))
                continue
            rows = []
            for number, values in enumerate(rows_iter, start=2):
                row = {code: _text(values[i]) if i < len(values) else None for i, code in positions.items()}
                if any(v is not None for v in row.values()):
                    row["_row"] = number
                    rows.append(row)
            sheets[code] = ReadSheet(title=title, rows=rows, columns=set(positions.values()))
        return meta, sheets
    finally:
        wb.close()


def build_printable_html(book: Workbook, lang: str, *, note: str = "", hidden: tuple[str, ...] = ()) -> str:
    """Return the workbook as a printable page (A4 landscape): the instructions, then each sheet
    for groups working on paper: a table with empty boxes where people write and tick boxes for
    short drop-down lists, or, for a sheet printed as cards (:attr:`SheetSpec.is_printed_as_cards`),
    one card per row, two side by side. ``hidden`` columns (the other languages' texts) are left out.

    >>> spec = SheetSpec("r", "Recommandations", (Column("id", "Id"), Column("text", "Texte", is_wrapped=True),
    ...     Column("decision", "Décision", is_editable=True, choices=("adopter", "retirer"))),
    ...     rows=({"id": "r1", "text": "Former."},), is_printed_as_cards=True)
    >>> page = build_printable_html(Workbook("Fiche", (), (spec,)), "fr")
    >>> page.count('class="card"'), "&#9744;&#160;retirer" in page
    (1, True)
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from mpanalysis.render.common import typeset

    env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")), autoescape=True,
                      undefined=StrictUndefined)
    env.filters["typeset"] = lambda text: typeset(str(text), lang) if text is not None else ""
    sheets, shares = [], {}
    for spec in book.sheets:
        columns = [c for c in spec.columns if not c.is_hidden and c.code not in hidden]
        total = sum(c.width for c in columns) or 1
        shares[spec.code] = [round(100 * c.width / total, 2) for c in columns]
        sheets.append((spec, columns, spec.is_printed_as_cards))
    colon = "\u00a0: " if lang == "fr" else ": "
    return env.get_template("worksheet.html.j2").render(book=book, sheets=sheets, shares=shares, lang=lang,
                                                        note=note, colon=colon)
