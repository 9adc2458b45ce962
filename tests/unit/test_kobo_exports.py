"""Exports written by KoboToolbox's own export code (formpack, tests/fixtures/kobo-exports/) are read
exactly, in every layout a KoboToolbox user can download: headers and values as XML names or as
labels in any language of the form, group names in the headers with any separator, renamed
sheets. A CSV export, which cannot hold the repeat groups, stops with the download to make.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from mpanalysis.errors import InputLayoutError
from mpanalysis.ingest import form
from mpanalysis.ingest.dataset import load_country_dataset
from mpanalysis.ingest.readers import read_export
from mpanalysis.reference import get_labels, read_reference_yaml

KOBO = Path(__file__).resolve().parents[1] / "fixtures" / "kobo-exports"
EXPECTED = json.loads((KOBO / "expected.json").read_text(encoding="utf-8"))
XLSX_LAYOUTS = ["a_xml_both", "c_labels_fr_both", "d_xml_hierarchy"]
CSV_NAME = next((KOBO / "e_csv_xml").glob("*.csv")).name


def _export(layout: str) -> Path:
    return next((KOBO / layout).glob("*.xlsx"))


def _copy(layout: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(_export(layout), folder))


def _check_expected_counts(dataset) -> None:
    """expected.json, and nothing else: no false warning, no other row set aside."""
    counts = dataset.counts.set_index("table")
    assert counts.loc["respondents", "rows_read"] == EXPECTED["submissions"]
    assert len(dataset.respondents) == EXPECTED["institutions_after_dedup"]
    assert counts.loc["sources", "rows_read"] == EXPECTED["sources_rows"]
    assert counts.loc["flows", "rows_read"] == EXPECTED["flows_rows"]
    assert counts.loc["sources", "rows_accepted"] == EXPECTED["sources_accepted"]
    assert counts.loc["flows", "rows_accepted"] == EXPECTED["flows_accepted"]
    assert dataset.is_balanced
    issues = dataset.issues
    superseded = issues[issues["action"] == "superseded duplicate"]
    assert (superseded["table"] == "sources").sum() == EXPECTED["sources_superseded"]
    assert (superseded["table"] == "flows").sum() == EXPECTED["flows_superseded"]
    assert (superseded["table"] == "respondents").sum() == 1
    errors = issues[issues["level"] == "error"]
    assert len(errors) == EXPECTED["sources_bad_choice"]
    (bad,) = errors.to_dict("records")
    assert (bad["table"], bad["value"]) == (EXPECTED["bad_choice"]["table"], EXPECTED["bad_choice"]["value"])
    # the rest are the duplicate's warnings: no "disagree", no encoding, no near-miss warning
    assert len(issues) == len(superseded) + len(errors)
    assert int(dataset.counts["fields_set_aside"].sum()) == 0


@pytest.fixture(scope="module")
def datasets():
    return {layout: load_country_dataset(KOBO / layout) for layout in XLSX_LAYOUTS}


@pytest.mark.parametrize("layout", XLSX_LAYOUTS)
def test_every_kobo_xlsx_layout_gives_exactly_the_expected_counts(datasets, layout):
    dataset = datasets[layout]
    assert dataset.country == "CPV"  # "Cap-Vert" or "CPV": the country comes from the answers
    _check_expected_counts(dataset)


def test_the_bad_choice_is_the_one_of_the_expected_institution(datasets):
    for dataset in datasets.values():
        (bad,) = dataset.issues[dataset.issues["level"] == "error"].to_dict("records")
        raw = read_export(KOBO / next(n for n in XLSX_LAYOUTS if datasets[n] is dataset))
        row = raw.sources.set_index("_row").loc[int(bad["row"])]
        parent = raw.main.set_index("_key").loc[row["_parent_key"]]
        assert parent["institution_acronym"] == EXPECTED["bad_choice"]["institution"]


def test_labels_and_xml_names_give_the_same_tables(datasets):
    reference = datasets["a_xml_both"]
    for layout in ("c_labels_fr_both", "d_xml_hierarchy"):
        other = datasets[layout]
        for table in ("respondents", "entities", "sources", "flows", "stages", "needs", "challenges", "mp_use"):
            left = reference.get_table(table).drop(columns=["source_file", "source_sheet"], errors="ignore")
            right = other.get_table(table).drop(columns=["source_file", "source_sheet"], errors="ignore")
            assert left.equals(right), (layout, table)


def test_names_with_apostrophes_dashes_and_quotes_come_through_unchanged(datasets):
    workbook = openpyxl.load_workbook(_export("c_labels_fr_both"), read_only=True)
    main = list(workbook.worksheets[0].iter_rows(values_only=True))
    flows = list(workbook["flows"].iter_rows(values_only=True))
    dataset = datasets["c_labels_fr_both"]
    seen = []
    for row in dataset.respondents.to_dict("records"):
        cells = main[int(row["source_row"]) - 1]
        for column in ("institution_name", "respondent_name", "mp_use_example", "needs_comment", "good_practice"):
            value = cells[main[0].index(_label_of(column))]
            assert row[column] == value or (not isinstance(row[column], str) and value is None)
            seen.append(value or "")
    for row in dataset.flows.to_dict("records"):
        assert row["partner_name"] == flows[int(row["source_row"]) - 1][0]
        seen.append(row["partner_name"])
    text = " ".join(seen)
    assert all(ch in text for ch in ("'", "’", "«", "»", "-")), text


def _label_of(column: str) -> str:
    wording = read_reference_yaml(Path(form.__file__).resolve().parents[3] / "data" / "questionnaire"
                                  / "questions.yaml", "questions")["fields"]
    return wording[column]["label"]["fr"]


def test_one_institution_has_no_source_one_has_five_exchanges_multi_selects_up_to_three(datasets):
    dataset = datasets["c_labels_fr_both"]
    without = set(dataset.respondents["entity_id"]) - set(dataset.sources["entity_id"])
    assert len(without) >= 1
    assert dataset.flows["entity_id"].value_counts().max() == 5
    assert max(len(v.split()) for v in dataset.respondents["mp_functions"]) == 3


# --------------------------------------------------------------------------------------------
# layouts a KoboToolbox user can also get: English labels, "__" separators, renamed sheets


def _english_label_workbook(target: Path) -> Path:
    """a_xml_both with headers and values as English labels, as KoboToolbox writes them."""
    wording = read_reference_yaml(Path(form.__file__).resolve().parents[3] / "data" / "questionnaire"
                                  / "questions.yaml", "questions")["fields"]
    workbook = openpyxl.load_workbook(_export("a_xml_both"))
    for sheet in workbook.worksheets:
        header = [c.value for c in sheet[1]]
        fields = {}
        for index, name in enumerate(header):
            base, _, option = (name or "").partition("/")
            if base in wording:
                spec = form.get_field(base)
                fields[index] = spec
                label = wording[base]["label"]["en"]
                option_label = get_labels(spec.choices, "en")[option] if option else None
                sheet.cell(row=1, column=index + 1, value=f"{label}/{option_label}" if option else label)
                if option:
                    fields.pop(index)
        for row in sheet.iter_rows(min_row=2):
            for index, spec in fields.items():
                cell = row[index]
                if cell.value is None or not spec.choices or spec.choices == "countries":
                    continue
                labels = get_labels(spec.choices, "en")
                codes = str(cell.value).split() if spec.kind == "select_multiple" else [str(cell.value)]
                cell.value = " ".join(labels.get(code, code) for code in codes)
    workbook.save(target)
    return target


def test_english_labels_give_the_expected_counts(tmp_path):
    (tmp_path / "en").mkdir()
    path = _english_label_workbook(tmp_path / "en" / "export - English (en).xlsx")
    _check_expected_counts(load_country_dataset(path.parent))


def test_group_separator_double_underscore_and_renamed_sheets_give_the_expected_counts(tmp_path):
    workbook = openpyxl.load_workbook(_export("d_xml_hierarchy"))
    for sheet in workbook.worksheets:
        for cell in sheet[1]:
            if isinstance(cell.value, str) and not cell.value.startswith("_"):
                cell.value = cell.value.replace("/", "__")
    # a localised Excel "save as" renames the sheets
    for number, sheet in enumerate(workbook.worksheets, start=1):
        sheet.title = f"Feuil{number}"
    path = tmp_path / "renamed" / "export.xlsx"
    path.parent.mkdir()
    workbook.save(path)
    raw = read_export(path)
    assert (len(raw.main), len(raw.sources), len(raw.flows)) == (15, 20, 19)
    _check_expected_counts(load_country_dataset(path.parent))


def test_a_sheet_with_data_that_nothing_reads_stops_the_country_naming_it(tmp_path):
    workbook = openpyxl.load_workbook(_export("a_xml_both"))
    notes = workbook.create_sheet("Notes")
    notes.append(["remarque", "institution"])
    notes.append(["à rappeler", "MNEC"])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    with pytest.raises(InputLayoutError) as info:
        read_export(path)
    assert info.value.sheet == "Notes" and "1 row(s) that nothing reads" in str(info.value)


def test_a_repeat_sheet_without_its_questions_or_link_is_not_silently_skipped(tmp_path):
    workbook = openpyxl.load_workbook(_export("a_xml_both"))
    workbook["flows"].title = "Feuil3"
    workbook["Feuil3"]["R1"] = "parent"  # the _parent_index header lost
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    with pytest.raises(InputLayoutError) as info:
        read_export(path)
    assert info.value.sheet == "Feuil3"


# --------------------------------------------------------------------------------------------
# the CSV export


def test_the_kobo_csv_export_stops_with_the_download_to_make():
    with pytest.raises(InputLayoutError) as info:
        load_country_dataset(KOBO / "e_csv_xml")
    message = str(info.value)
    assert "KoboToolbox" in message and "XLS" in message and "repeat groups" in message
    assert CSV_NAME.removesuffix(".csv") + "-sources.csv" in message


def test_the_cli_exits_2_on_the_kobo_csv_export(capsys):
    from mpanalysis.cli import main

    assert main(["validate", str(KOBO / "e_csv_xml"), "--lang", "en"]) == 2
    assert "Download the XLS export instead" in capsys.readouterr().err


def test_the_kobo_csv_with_its_repeat_groups_supplied_gives_the_expected_counts(tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    shutil.copy(KOBO / "e_csv_xml" / CSV_NAME, folder / CSV_NAME)
    workbook = openpyxl.load_workbook(_export("a_xml_both"), read_only=True)
    for table in form.REPEATS:
        with open(folder / CSV_NAME.replace(".csv", f"-{table}.csv"), "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, delimiter=";")
            for row in workbook[table].iter_rows(values_only=True):
                writer.writerow(["" if v is None else v for v in row])
    _check_expected_counts(load_country_dataset(folder))
