"""Outputs are atomic and spreadsheets formula-proof."""

import openpyxl
import pandas as pd
import pytest

from mpanalysis.fileio import open_atomic_path, write_csv_safe, write_text_atomic, write_xlsx_safe

PLANTED = ['=HYPERLINK("http://evil.example","click")', "@SUM(A1:A2)", "+1+2", "-2+3", "normal"]


def test_failed_write_leaves_previous_file(tmp_path):
    target = tmp_path / "guide.html"
    write_text_atomic(target, "complete")
    with pytest.raises(RuntimeError):
        with open_atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "complete"
    assert [p.name for p in tmp_path.iterdir()] == ["guide.html"]


def test_csv_cells_cannot_be_formulas(tmp_path):
    path = write_csv_safe(pd.DataFrame({"text": PLANTED}), tmp_path / "t.csv")
    cells = pd.read_csv(path, encoding="utf-8-sig")["text"].tolist()
    assert cells[:4] == ["'" + v for v in PLANTED[:4]]
    assert cells[4] == "normal"


def test_xlsx_cells_are_text_not_formulas(tmp_path):
    path = write_xlsx_safe({"sources": pd.DataFrame({"text": PLANTED})}, tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path)["sources"]
    for row in sheet.iter_rows(min_row=2):
        assert row[0].data_type == "s"
        assert not str(row[0].value).startswith(("=", "@", "+", "-"))


def test_atomic_output_is_readable_by_others(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "report.html", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
