"""The spreadsheets people fill in (mpanalysis.workshop.sheets): drop-down lists, protection,
text kept as text, columns found by their headers, problems located, re-reading gives the same."""

from __future__ import annotations

import openpyxl
import pytest
from workshop_examples import make_kit_state, write_example_worksheet

from mpanalysis.decisions import Problem
from mpanalysis.workshop.kit import build_worksheet, get_choice_labels
from mpanalysis.workshop.sheets import (
    LISTS_SHEET,
    META_SHEET,
    Column,
    SheetSpec,
    Workbook,
    read_workbook,
    write_workbook,
)


def _validations(ws) -> dict[str, object]:
    """``{column letter: data validation}`` of a sheet."""
    return {str(ref).split(":")[0].rstrip("0123456789"): v
            for v in ws.data_validations.dataValidation for ref in str(v.sqref).split()}


def _list_values(wb, formula: str) -> list[str]:
    # formula like "=_lists!$A$1:$A$3"
    sheet, cells = formula.lstrip("=").split("!")
    first, last = cells.replace("$", "").split(":")
    return [c.value for row in wb[sheet][first:last] for c in row]


def _column_letter(ws, header: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter([c.value for c in ws[1]].index(header) + 1)


@pytest.fixture
def worksheet(tmp_path):
    return write_example_worksheet(tmp_path / "group1.xlsx")


def test_every_decision_column_offers_its_drop_down_list_on_every_row(worksheet):
    wb = openpyxl.load_workbook(worksheet)
    findings = wb["Findings"]
    decision = _column_letter(findings, "Decision")
    validation = _validations(findings)[decision]
    assert str(validation.sqref) == f"{decision}2:{decision}{findings.max_row}"
    assert _list_values(wb, validation.formula1) == list(get_choice_labels("finding", "en").values())
    assert validation.showErrorMessage and validation.errorStyle == "stop"  # nothing else can be typed

    recommendations = wb["Recommendations"]
    checks = _validations(recommendations)
    assert _list_values(wb, checks[_column_letter(recommendations, "Decision")].formula1) == [
        "adopt", "amend", "drop", "new"]
    assert _list_values(wb, checks[_column_letter(recommendations, "Time frame")].formula1)[0].startswith("Short")
    # the lead institution is offered from the institutions, but another name may be written
    lead = checks[_column_letter(recommendations, "Lead institution")]
    assert "Ministère de l’Intérieur (MINT)" in _list_values(wb, lead.formula1)
    assert lead.errorStyle == "information"
    names = wb["Names"]
    merge = _list_values(wb, _validations(names)[_column_letter(names, "Merge into")].formula1)
    assert "SEN-ANSD · Agence nationale de la statistique" in merge
    problems = wb["Problems"]
    assert _list_values(wb, _validations(problems)[_column_letter(problems, "Severity agreed (0–3)")].formula1) == [
        "0", "1", "2", "3"]


def test_only_the_cells_to_fill_in_can_be_edited(worksheet):
    wb = openpyxl.load_workbook(worksheet)
    assert wb.security.lockStructure  # sheets cannot be added, removed, renamed
    assert wb.sheetnames[0] == "Instructions" and wb.sheetnames[-2:] == [LISTS_SHEET, META_SHEET]
    assert wb[LISTS_SHEET].sheet_state == wb[META_SHEET].sheet_state == "hidden"
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
    findings = wb["Findings"]
    header = [c.value for c in findings[1]]
    row = findings[2]
    locked = {h: row[i].protection.locked for i, h in enumerate(header)}
    assert locked == {"Identifier": True, "No.": True, "Chapter": True, "Severity": True, "Finding": True,
                      "Decision": False, "Correction": False, "Correction (fr)": False, "Comment or reason": False}
    # an existing recommendation's category is given; a new one's is chosen
    recommendations = wb["Recommendations"]
    category = [c.value for c in recommendations[1]].index("Category")
    by_id = {r[0].value: r[category].protection.locked for r in recommendations.iter_rows(min_row=2)}
    assert by_id["coop.protocols"] and not by_id["new.1"]


def test_text_that_looks_like_a_formula_is_written_and_read_as_text(tmp_path):
    spec = SheetSpec("notes", "Notes", (Column("id", "Id"), Column("note", "Note", is_editable=True)),
                     rows=({"id": "a", "note": '=HYPERLINK("http://x","y")'}, {"id": "=1+1"}))
    path = write_workbook(Workbook("T", (), (spec,), {"kind": "t"}), tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(path)["Notes"]
    assert (ws["B2"].data_type, ws["A3"].data_type) == ("s", "s")
    problems: list[Problem] = []
    meta, sheets = read_workbook(path, {"notes": spec}, problems)
    assert problems == [] and meta == {"kind": "t"}
    assert [(r["id"], r["note"], r["_row"]) for r in sheets["notes"].rows] == [
        ("a", '=HYPERLINK("http://x","y")', 2), ("=1+1", None, 3)]


def test_columns_are_found_by_their_headers_wherever_they_are(tmp_path):
    spec = SheetSpec("s", "Sheet", (Column("id", "Id"), Column("decision", "Decision", is_editable=True)))
    moved = SheetSpec("s", "Sheet", (Column("decision", "Decision", is_editable=True), Column("extra", "Extra"),
                                     Column("id", "Id")),
                      rows=({"decision": "confirmed", "id": "x"}, {}, {"id": "y"}))
    path = write_workbook(Workbook("T", (), (moved,)), tmp_path / "moved.xlsx")
    problems: list[Problem] = []
    _, sheets = read_workbook(path, {"s": spec}, problems)
    assert problems == []
    # the empty row is skipped, the others keep the row number a spreadsheet shows
    assert [(r["id"], r["decision"], r["_row"]) for r in sheets["s"].rows] == [("x", "confirmed", 2), ("y", None, 4)]


def test_a_missing_column_or_an_unreadable_file_is_a_located_problem(tmp_path):
    spec = SheetSpec("s", "Sheet", (Column("id", "Id"), Column("decision", "Decision")))
    cut = SheetSpec("s", "Sheet", (Column("id", "Id"),), rows=({"id": "x"},))
    path = write_workbook(Workbook("T", (), (cut,)), tmp_path / "cut.xlsx")
    problems: list[Problem] = []
    _, sheets = read_workbook(path, {"s": spec}, problems)
    assert sheets == {}
    assert [str(p) for p in problems] == [
        "cut.xlsx, sheet 'Sheet', row 1: missing column(s) ['Decision']: use the worksheet as it was given"]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    problems = []
    assert read_workbook(broken, {"s": spec}, problems) == ({}, {})
    assert [(p.file, p.sheet, p.row) for p in problems] == [("broken.xlsx", None, None)]
    assert "cannot be read as an XLSX workbook" in problems[0].message


def test_reading_a_filled_worksheet_twice_gives_the_same_rows(worksheet):
    state = make_kit_state("en")
    specs = {s.code: s for s in build_worksheet(state).sheets}
    wb = openpyxl.load_workbook(worksheet)
    wb["Findings"]["F2"].value = "confirmed"
    wb.save(worksheet)
    first, second = read_workbook(worksheet, specs, []), read_workbook(worksheet, specs, [])
    assert first[0] == second[0] and first[0]["kind"] == "workshop"
    assert {k: v.rows for k, v in first[1].items()} == {k: v.rows for k, v in second[1].items()}
    assert first[1]["findings"].rows[0]["decision"] == "confirmed"


def test_the_printable_worksheet_has_every_sheet_with_boxes_to_tick_and_to_write_in():
    from mpanalysis.workshop.sheets import build_printable_html

    book = build_worksheet(make_kit_state("fr"))
    page = build_printable_html(book, "fr", hidden=("correction_en",))
    for spec in book.sheets:
        assert f"<h2>{spec.title}</h2>" in page
    assert page.count("&#9744;&#160;confirmé") == 3  # one tick box per finding
    assert "Correction (en)" not in page and 'class="write' in page
    # the recommendations, many cells each, are cards: a candidate offers adopt / amend / drop,
    # an empty card (a new recommendation) only "new"
    assert page.count('<div class="card">') == 2 + 5
    cards = page.split('<div class="card">')[1:]
    assert "&#9744;&#160;retirer" in cards[0] and "&#9744;&#160;nouvelle" not in cards[0]
    assert "&#9744;&#160;nouvelle" in cards[2] and "&#9744;&#160;retirer" not in cards[2]
    assert "Sign data-sharing protocols." in cards[0]


def test_the_texts_people_read_follow_the_language_typography_the_cells_they_fill_are_kept(tmp_path):
    import dataclasses

    from mpanalysis.analysis.findings import Finding

    finding = Finding(id="sources.gap", kind="gap", severity="high", chapter="I", evidence="table I.1",
                      text={"fr": "Domaine « Crises » : aucune source de l'Etat.", "en": "Domain “Crises”: no source."})
    state = dataclasses.replace(make_kit_state("fr"), findings=[finding])
    path = write_example_worksheet(tmp_path / "w.xlsx", "fr", state)
    ws = openpyxl.load_workbook(path)["Constats"]
    header = [c.value for c in ws[1]]
    row = [c.value for c in ws[2]]
    assert row[header.index("Constat")] == "Domaine «\u00a0Crises\u00a0»\u00a0: aucune source de l’Etat."
    assert row[0] == "sources.gap"  # identifiers untouched
