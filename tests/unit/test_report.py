"""The validation report: self-contained HTML, formula-proof CSV, atomic writes, both languages."""

from __future__ import annotations

import csv
import importlib.util
import re
from pathlib import Path

import pytest

from mpanalysis.ingest import report
from mpanalysis.ingest.dataset import load_country_dataset
from mpanalysis.ingest.report import format_counts_table, write_validation_report
from mpanalysis.params import CountryParams

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def _load_writers():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mf = _load_writers()

SCRIPT_NAME = '<script>alert("x")</script> Agence'
FORMULA_PARTNER = '=HYPERLINK("http://evil.example","clic")'


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A country whose answers try to inject markup and spreadsheet formulas."""
    folder = tmp_path_factory.mktemp("SEN")
    submissions = [dict(mf.SUBMISSIONS[0], institution_name=SCRIPT_NAME), mf.SUBMISSIONS[1],
                   dict(mf.SUBMISSIONS[2], institution_type="=1+1")]
    sources = [dict(mf.SOURCES[0], source_domain="<img src=x onerror=alert(1)>")]
    flows = [dict(mf.FLOWS[0], flow_partner=FORMULA_PARTNER), mf.FLOWS[2]]
    mf.write_xlsx(folder / "SEN_kobo.xlsx", mf.kobo_tables(submissions, sources, flows))
    return load_country_dataset(folder, CountryParams(country="SEN"), lang="en", max_year=2025)


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_report_files_are_written(tmp_path, hostile):
    written = write_validation_report(hostile, tmp_path, lang="en")
    assert set(written) == {"html", "issues", "counts", "reconciliation"}
    assert [p.name for p in written.values()] == ["validation_report.html", "issues.csv", "counts.csv",
                                                  "reconciliation.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written.values())


def test_html_escapes_respondents_text_and_loads_nothing_from_outside(tmp_path, hostile):
    page = write_validation_report(hostile, tmp_path, lang="en")["html"].read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert not re.search(r"<script|<img|<iframe|<link|@import|url\(|<[^>]*\b(src|href)\s*=", page, re.I)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Agence" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_csv_cells_cannot_run_as_formulas(tmp_path, hostile):
    written = write_validation_report(hostile, tmp_path, lang="en")
    issues = _read_csv(written["issues"])
    assert {"'=1+1"} == {r["value"] for r in issues if r["column"] == "identification/institution_type"}
    names = [r["name"] for r in _read_csv(written["reconciliation"])]
    assert "'" + FORMULA_PARTNER in names and FORMULA_PARTNER not in names
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in issues for cell in row.values())


def test_counts_csv_balances(tmp_path, hostile):
    rows = _read_csv(write_validation_report(hostile, tmp_path)["counts"])
    assert [r["table"] for r in rows] == ["respondents", "sources", "flows"]
    for row in rows:
        assert int(row["rows_read"]) == int(row["rows_accepted"]) + int(row["rows_set_aside"])


def test_report_shows_counts_issues_and_reconciliation_in_the_requested_language(tmp_path):
    dataset = load_country_dataset(FIXTURES / "bad_rows", CountryParams(country="SEN"), lang="fr", max_year=2025)
    page = write_validation_report(dataset, tmp_path / "fr", lang="fr")["html"].read_text(encoding="utf-8")
    assert '<html lang="fr">' in page and "Lignes lues, acceptées et écartées" in page and "Sénégal" in page
    assert "année 2099 hors de la plage 1950–2025" in page
    assert re.search(r"<td>Répondants</td><td class=\"num\">12</td><td class=\"num\">5</td><td class=\"num\">7</td>",
                     page)
    assert "Min. de l&#39;Intérieur" in page  # a merge listed with its entity
    page_en = write_validation_report(dataset, tmp_path / "en", lang="en")["html"].read_text(encoding="utf-8")
    assert "Rows read, accepted and set aside" in page_en and "Senegal" in page_en


def test_a_failed_write_leaves_the_previous_report_intact(tmp_path, hostile, monkeypatch):
    written = write_validation_report(hostile, tmp_path, lang="en")
    before = written["html"].read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "build_validation_report_html", broken)
    with pytest.raises(RuntimeError):
        write_validation_report(hostile, tmp_path, lang="fr")
    assert written["html"].read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_counts_table_for_the_terminal_is_aligned(hostile):
    lines = format_counts_table(hostile).splitlines()
    assert lines[0].split() == ["Table", "Read", "Accepted", "Set", "aside"]
    # "=1+1" is not an institution type: the answer is set aside, not the institution
    assert lines[1].split() == ["Respondents", "3", "3", "0"]
    assert len({len(line) for line in lines}) == 1
    assert format_counts_table(hostile, "fr").splitlines()[0].startswith("Tableau")
