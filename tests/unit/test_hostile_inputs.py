"""Inputs that used to take the machine down, lose rows, garble text or hide duplicates (issue 12),
in real export layouts: each now gives a located message or a counted, reported outcome."""

from __future__ import annotations

import importlib.util
import io
import os
import random
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
from rapidfuzz import fuzz

from mpanalysis.errors import InputLayoutError
from mpanalysis.ingest import readers
from mpanalysis.ingest.dataset import load_country_dataset
from mpanalysis.ingest.readers import read_country_inputs, read_export
from mpanalysis.ingest.reconcile.names import _normalize, load_name_rules
from mpanalysis.ingest.report import format_validation_summary
from mpanalysis.params import CountryParams

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
KOBO = FIXTURES / "kobo-exports"
ROOT = Path(__file__).resolve().parents[2]


def _load_writers():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "exports" / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mf = _load_writers()


def _kobo_export() -> Path:
    return next((KOBO / "a_xml_both").glob("*.xlsx"))


# --------------------------------------------------------------------------------------------
# memory: a sheet with cells in column XFD


def _workbook_with_xfd_cells(path: Path, target_bytes: int = 2_900_000) -> Path:
    """The KoboToolbox export whose sources sheet has many more rows, each with a cell in XFD."""
    buffer = io.BytesIO(_kobo_export().read_bytes())
    rng = random.Random(12)
    with zipfile.ZipFile(buffer) as source:
        names = source.namelist()
        sheet_name = next(n for n in names if n.startswith("xl/worksheets/sheet2"))
        sheet = source.read(sheet_name).decode("utf-8")
        rows = []
        number = 21
        while len(rows) < 400_000:
            number += 1
            rows.append(f'<row r="{number}"><c r="A{number}" t="inlineStr"><is><t>source {rng.random():.9f}'
                        f'</t></is></c><c r="XFD{number}"><v>{rng.randrange(10**11)}</v></c></row>')
            if len(rows) % 20_000 == 0:
                trial = io.BytesIO()
                with zipfile.ZipFile(trial, "w", zipfile.ZIP_DEFLATED) as z:
                    z.writestr("x", "".join(rows))
                if trial.tell() >= target_bytes:
                    break
        sheet = sheet.replace("</sheetData>", "".join(rows) + "</sheetData>")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
            for name in names:
                target.writestr(name, sheet if name == sheet_name else source.read(name))
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch project (reference data shared read-only), so commands write only there."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    for name in ("reference", "questionnaire", "templates"):
        (root / "data" / name).symlink_to(ROOT / "data" / name)
    (root / "params").mkdir()
    (root / "outputs").mkdir()
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
    return root


def test_a_29_mb_sheet_with_cells_in_column_xfd_stops_in_seconds_under_500_mb(tmp_path, project):
    path = _workbook_with_xfd_cells(tmp_path / "answers.xlsx")
    assert path.stat().st_size > 2_800_000
    script = textwrap.dedent(f"""
        import resource, subprocess, sys, time
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "mpanalysis.cli", "validate", {str(path)!r}, "--lang", "en"],
                              capture_output=True, text=True)
        rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(done.returncode, round(time.perf_counter() - start, 1), round(rss_mb), sep="\\n")
        print(done.stderr)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPANALYSIS_ROOT": str(project)})
    code, seconds, rss_mb, message = done.stdout.split("\n", 3)
    assert code == "2", done.stdout + done.stderr
    assert float(seconds) < 30 and int(rss_mb) < 500, (seconds, rss_mb)
    assert "sheet 'sources', row 22, column 'XFD'" in message and "beyond the last header column" in message


def test_a_cell_longer_than_excel_allows_names_its_cell(tmp_path):
    sheets = mf.kobo_tables(prefix=False)
    sheets["sources"][2][0] = "LONG-CELL-MARKER"
    path = mf.write_xlsx(tmp_path / "k.xlsx", sheets)
    data = io.BytesIO(path.read_bytes())
    with zipfile.ZipFile(data) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():  # spreadsheet programs cut at 32,767; a crafted file need not
            target.writestr(name, source.read(name).replace(b"LONG-CELL-MARKER", b"x" * 40_000))
    with pytest.raises(InputLayoutError) as info:
        read_export(path)
    assert (info.value.sheet, info.value.row, info.value.column) == ("sources", 3, "A")
    assert "32767" in str(info.value)


def test_a_sheet_over_the_cell_cap_stops_with_a_located_message(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_CELLS_PER_SHEET", 50)
    with pytest.raises(InputLayoutError, match="more than 50 cells") as info:
        read_export(mf.write_xlsx(tmp_path / "k.xlsx", mf.kobo_tables(prefix=False)))
    assert info.value.row is not None


# --------------------------------------------------------------------------------------------
# encodings


def test_one_cp1252_line_in_a_utf8_csv_is_a_warning_and_the_rest_is_not_garbled(tmp_path):
    files = mf.odk_tables()
    paths = mf.write_odk(tmp_path, files)
    main = paths[0]
    lines = main.read_bytes().split(b"\r\n")
    lines[2] = lines[2].decode("utf-8").encode("cp1252")  # one row saved by an old program
    main.write_bytes(b"\r\n".join(lines))
    (raw,) = read_country_inputs(tmp_path)
    (warning,) = [i for i in raw.issues if "UTF-8" in i.message]
    assert (warning.file, warning.row, warning.level) == (main.name, 3, "warning")
    names = raw.main["institution_name"].tolist()
    assert names == [s["institution_name"] for s in mf.SUBMISSIONS]  # accents intact everywhere
    assert not any("Ã" in str(v) for v in raw.main.to_numpy().ravel())


def test_a_nul_byte_names_its_row(tmp_path):
    paths = mf.write_odk(tmp_path, mf.odk_tables())
    data = paths[0].read_bytes().split(b"\r\n")
    data[3] = data[3].replace(b",", b",\x00", 1)
    paths[0].write_bytes(b"\r\n".join(data))
    with pytest.raises(InputLayoutError) as info:
        read_export(paths[0])
    assert info.value.row == 4 and "NUL byte" in str(info.value)


# --------------------------------------------------------------------------------------------
# near misses of the reconciliation


def _near_miss_folder(tmp_path: Path, partners: list[str], names: list[str]) -> Path:
    submissions = [dict(mf.SUBMISSIONS[i % 3], _index=i + 1, _uuid=f"0f3c1a52-dddd-4c1e-9a1b-{i:012d}",
                        institution_name=name, institution_acronym=None) for i, name in enumerate(names)]
    flows = [dict(mf.FLOWS[0], _parent_index=1, flow_partner=p) for p in partners]
    folder = tmp_path / "SEN"
    mf.write_xlsx(folder / "SEN_kobo.xlsx", mf.kobo_tables(submissions, [mf.SOURCES[0]], flows, prefix=False))
    return folder


def test_paf_and_the_police_of_air_and_borders_is_a_warning_with_an_alias_line(tmp_path):
    folder = _near_miss_folder(tmp_path, ["Direction de la PAF"],
                               ["Agence nationale de la statistique et de la démographie",
                                "Direction de la police de l'air et des frontières"])
    dataset = load_country_dataset(folder, CountryParams(country="SEN"), lang="en", max_year=2025)
    warnings = dataset.issues[dataset.issues["message"].str.contains("separate institution")]
    (message,) = warnings["message"]
    assert "once the acronym PAF is spelt out" in message
    assert '"Direction de la PAF": "Direction de la police de l\'air et des frontières"' in message
    summary = format_validation_summary(dataset, "en", "report.html")
    assert "aliases:\n  \"Direction de la PAF\": \"Direction de la police de l'air et des frontières\"" in summary
    assert "1 warning(s)" in summary


def test_a_partner_just_under_the_threshold_is_a_warning_and_its_alias_merges_it(tmp_path):
    rules = load_name_rules()
    name, variant = "Office national de la protection sociale", "Ofice nat. de protection socialle"
    score = fuzz.token_sort_ratio(_normalize(name, rules), _normalize(variant, rules))
    threshold = round(score + 0.1, 1)  # the score is just under the threshold
    folder = _near_miss_folder(tmp_path, [variant], ["Agence nationale de la statistique", name])
    params = CountryParams(country="SEN", match_threshold=threshold)
    dataset = load_country_dataset(folder, params, lang="en", max_year=2025)
    assert len(dataset.entities) == 3  # kept apart…
    (message,) = dataset.issues.loc[dataset.issues["message"].str.contains("separate institution"), "message"]
    assert f"score {score:.1f}, threshold {threshold:g}" in message  # …and said so
    merged = load_country_dataset(folder, params.model_copy(update={"aliases": {variant: name}}), lang="en",
                                  max_year=2025)
    assert len(merged.entities) == 2 and not merged.issues["message"].str.contains("separate").any()


# --------------------------------------------------------------------------------------------
# a bad choice sets aside the answer, not the institution


def test_a_mistyped_institution_type_keeps_the_institution_its_sources_and_exchanges(tmp_path):
    submissions = [dict(mf.SUBMISSIONS[1], institution_type="Minsitère")]
    sources = [dict(s, _parent_index=2) for s in mf.SOURCES[:2]]
    flows = [dict(f, _parent_index=2) for f in mf.FLOWS[:2]]
    folder = tmp_path / "SEN"
    mf.write_xlsx(folder / "SEN_kobo.xlsx", mf.kobo_tables(submissions, sources, flows, prefix=False))
    dataset = load_country_dataset(folder, CountryParams(country="SEN", languages=["fr", "en"]), max_year=2025)
    assert len(dataset.respondents) == 1 and len(dataset.sources) == 2 and len(dataset.flows) == 2
    assert dataset.respondents["institution_type"].isna().all()
    counts = dataset.counts.set_index("table")
    assert counts.loc["respondents", "fields_set_aside"] == 1 and counts["rows_set_aside"].sum() == 0
    (issue,) = dataset.issues.to_dict("records")
    assert issue["action"] == "field set aside" and issue["column"] == "institution_type"
    assert "Ministère, Agence" in issue["message"]  # the choices as the user sees them, in French
    assert "Vouliez-vous dire « Ministère » ?" in issue["message"]


# --------------------------------------------------------------------------------------------
# a corrected copy of an export


def test_a_corrected_copy_replaces_the_original_and_is_reported_as_corrected(tmp_path):
    folder = tmp_path / "CPV"
    folder.mkdir()
    original = Path(shutil.copy(_kobo_export(), folder / "export.xlsx"))
    workbook = openpyxl.load_workbook(original)
    sources = workbook["sources"]
    for row in sources.iter_rows(min_row=2):
        if row[1].value == "health":
            row[1].value = "development"  # the bad choice corrected
    corrected = folder / "export_corrige.xlsx"
    workbook.save(corrected)
    os.utime(original, (1_700_000_000, 1_700_000_000))
    os.utime(corrected, (1_700_000_600, 1_700_000_600))
    dataset = load_country_dataset(folder)
    counts = dataset.counts.set_index("table")
    assert counts["rows_read"].tolist() == [15, 20, 19]
    assert counts["rows_corrected"].tolist() == [15, 20, 19]
    assert counts["rows_accepted"].tolist() == [14, 18, 18]  # the corrected source counts now
    assert counts["rows_set_aside"].tolist() == [1, 2, 1]  # only the genuine duplicate
    assert dataset.is_balanced
    replaced = dataset.issues[dataset.issues["action"] == "corrected"]
    assert len(replaced) == 15 + 20 + 19 and set(replaced["file"]) == {"export.xlsx"}
    assert (dataset.issues["level"] == "error").sum() == 0
    # the latest file wins, whatever the names
    os.utime(original, (1_700_001_200, 1_700_001_200))
    assert load_country_dataset(folder).counts.set_index("table").loc["sources", "rows_set_aside"] == 3


# --------------------------------------------------------------------------------------------
# files outside the project


def test_a_symbolic_link_out_of_data_raw_is_refused(tmp_path, project):
    outside = Path(shutil.copy(_kobo_export(), tmp_path / "elsewhere.xlsx"))
    folder = project / "data" / "raw" / "CPV"
    folder.mkdir(parents=True)
    (folder / "answers.xlsx").symlink_to(outside)
    with pytest.raises(InputLayoutError, match="symbolic link") as info:
        read_country_inputs(folder)
    assert info.value.file.endswith("answers.xlsx")
    (folder / "answers.xlsx").unlink()
    shutil.copy(outside, folder / "answers.xlsx")
    assert len(read_country_inputs(folder)) == 1
