"""The reader: every export layout reads to the same answers; bad layouts stop with one clear error."""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpanalysis.errors import InputLayoutError, MpanalysisError
from mpanalysis.ingest.readers import find_export_files, read_country_inputs, read_export, to_text
from mpanalysis.ingest.validation import validate_export

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def _load_writers():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mf = _load_writers()

LAYOUTS = ["kobo_prefixed", "kobo_plain", "kobo_expanded", "kobo_hxl", "template",
           "odk_utf8", "odk_bom_semicolon", "odk_cp1252"]


def _accepted(folder: Path):
    (raw,) = read_country_inputs(folder)
    return raw, validate_export(raw, country="SEN", max_year=2025)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_reads_to_the_same_answers(layout):
    raw, checked = _accepted(FIXTURES / layout)
    assert checked.issues == []
    main = checked.main.accepted
    assert main["institution_name"].tolist() == [s["institution_name"] for s in mf.SUBMISSIONS]
    assert main["institution_type"].tolist() == [s["institution_type"] for s in mf.SUBMISSIONS]
    assert main["policy_stages"].tolist() == [s["policy_stages"] for s in mf.SUBMISSIONS]
    assert main["mp_functions"].tolist() == [s["mp_functions"] or "" for s in mf.SUBMISSIONS]
    assert main["challenge_ownership"].tolist()[:2] == [3, 1]
    assert main["consent_publish_contact"].tolist() == [True, False, False]
    assert main["good_practice"].tolist()[0] == "Mise en œuvre conjointe"
    sources = checked.sources.accepted
    assert sources["source_name"].tolist() == [s["source_name"] for s in mf.SOURCES]
    assert sources["source_last_update"].tolist()[0] == 2013
    flows = checked.flows.accepted
    assert flows["flow_partner"].tolist() == [f["flow_partner"] for f in mf.FLOWS]
    assert flows["flow_domains"].tolist()[1] == "trends crisis"
    # Every repeat row is linked to the submission it came from.
    parent_names = dict(zip(main["_key"], main["institution_name"]))
    assert parent_names[flows["_parent_key"].iloc[2]] == "Ministère de l'Intérieur"


def test_kobo_export_keeps_links_provenance_and_headers_as_in_the_file():
    raw = read_export(FIXTURES / "kobo_prefixed" / "SEN_kobo.xlsx")
    assert raw.kind == "kobo"
    assert raw.main["_key"].tolist() == ["1", "2", "3"]
    assert raw.main["_uuid"].iloc[0] == mf.SUBMISSIONS[0]["_uuid"]
    assert raw.main["_submission_time"].iloc[0] == "2025-03-10T09:00:00"
    assert raw.main["_sheet"].iloc[0] == mf.FORM_TITLE
    assert raw.main["_row"].tolist() == [2, 3, 4]
    assert raw.flows["_parent_key"].tolist() == ["1", "1", "2", "3"]
    assert raw.get_header("main", "institution_name") == "identification/institution_name"
    assert raw.get_header("flows", "_parent_key") == "_parent_index"


def test_hxl_row_is_skipped_and_rows_are_numbered_as_in_the_spreadsheet():
    raw = read_export(FIXTURES / "kobo_hxl" / "SEN_kobo.xlsx")
    assert raw.main["_row"].tolist() == [3, 4, 5]
    assert raw.sources["_row"].tolist() == [3, 4, 5]
    assert not raw.main["institution_name"].str.startswith("#").any()


def test_odk_csv_uses_key_links_and_submission_date():
    raw = read_export(FIXTURES / "odk_utf8" / "mp_questionnaire.csv")
    assert raw.kind == "odk"
    assert raw.main["_key"].iloc[0] == f"uuid:{mf.SUBMISSIONS[0]['_uuid']}"
    assert raw.flows["_parent_key"].iloc[2] == raw.main["_key"].iloc[1]
    assert raw.main["_submission_time"].iloc[0].startswith("2025-03-10T09:00:00")
    assert raw.get_header("main", "institution_name") == "identification-institution_name"
    assert {p.name for p in raw.files} == {"mp_questionnaire.csv", "mp_questionnaire-sources.csv",
                                           "mp_questionnaire-flows.csv"}


def test_odk_central_zip_is_read_like_the_loose_csvs(tmp_path):
    archive = tmp_path / "mp_questionnaire.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in (FIXTURES / "odk_utf8").glob("*.csv"):
            out.write(path, path.name)
    raw = read_export(archive)
    assert raw.main["institution_name"].tolist() == [s["institution_name"] for s in mf.SUBMISSIONS]
    assert len(raw.flows) == len(mf.FLOWS)


def test_cells_are_kept_as_text_without_type_inference(tmp_path):
    submissions = [dict(mf.SUBMISSIONS[0], institution_acronym="007", respondent_function="2025-03-10",
                        respondent_phone=221000000)]
    sheets = mf.kobo_tables(submissions, [], [], prefix=False, multi="space")
    raw = read_export(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    row = raw.main.iloc[0]
    assert (row["institution_acronym"], row["respondent_function"], row["respondent_phone"]) == \
        ("007", "2025-03-10", "221000000")
    csv_path = mf.write_odk(tmp_path / "odk", mf.odk_tables(submissions, [], []))[0]
    assert read_export(csv_path).main["institution_acronym"].iloc[0] == "007"


def test_to_text_shows_numbers_as_a_user_sees_them():
    assert [to_text(v) for v in (2013.0, 3, 1.5, None, "")] == ["2013", "3", "1.5", None, None]


def test_option_columns_win_over_a_disagreeing_space_column_with_a_warning(tmp_path):
    sheets = mf.kobo_tables(prefix=True, multi="both")
    header = sheets[mf.FORM_TITLE][0]
    sheets[mf.FORM_TITLE][1][header.index("coordination/policy_stages")] = "reformulation"
    raw = read_export(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    assert raw.main["policy_stages"].iloc[0] == "needs_identification evaluation"
    (warning,) = raw.issues
    assert (warning.level, warning.row, warning.column, warning.value) == \
        ("warning", 2, "coordination/policy_stages", "reformulation")
    checked = validate_export(raw, country="SEN", max_year=2025)
    assert checked.main.rows_accepted == 3


def test_option_cell_that_is_not_zero_or_one_sets_the_row_aside(tmp_path):
    sheets = mf.kobo_tables(prefix=True, multi="expanded")
    header = sheets[mf.FORM_TITLE][0]
    sheets[mf.FORM_TITLE][2][header.index("needs_group/needs/training")] = "beaucoup"
    raw = read_export(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    checked = validate_export(raw, country="SEN", max_year=2025)
    assert checked.main.rows_set_aside == 1
    (issue,) = [i for i in checked.issues if i.table == "respondents"]
    assert (issue.row, issue.column, issue.value) == (3, "needs_group/needs/training", "beaucoup")
    # Its sources and flows go with it.
    assert checked.sources.rows_set_aside == 1 and checked.flows.rows_set_aside == 1


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_template_with_labels_in_either_language_reads_to_codes(tmp_path, lang):
    path = mf.write_xlsx(tmp_path / "t.xlsx", mf.template_tables(lang=lang))
    raw, checked = _accepted(tmp_path)
    assert raw.kind == "template"
    assert checked.issues == []
    assert checked.main.accepted["institution_type"].tolist() == [s["institution_type"] for s in mf.SUBMISSIONS]
    assert checked.sources.accepted["source_periodicity"].tolist()[0] == "multi_year"
    assert path.exists()


def test_template_with_one_submission_links_repeat_rows_left_unlinked(tmp_path):
    sheets = mf.template_tables([dict(mf.SUBMISSIONS[0], _index=None)],
                                [dict(mf.SOURCES[0], _parent_index=None)], [])
    raw = read_export(mf.write_xlsx(tmp_path / "t.xlsx", sheets))
    assert validate_export(raw, country="SEN").sources.rows_accepted == 1


def test_missing_repeat_sheet_is_a_warning_not_an_error(tmp_path):
    sheets = mf.kobo_tables()
    del sheets["flows"]
    raw = read_export(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    assert len(raw.flows) == 0
    assert [(i.level, i.table, i.row) for i in raw.issues] == [("warning", "flows", None)]


def test_input_folder_ignores_lock_files_hidden_files_and_readme(tmp_path):
    shutil.copy(FIXTURES / "kobo_plain" / "SEN_kobo.xlsx", tmp_path / "SEN_kobo.xlsx")
    (tmp_path / "~$SEN_kobo.xlsx").write_bytes(b"lock")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01")
    (tmp_path / "README.md").write_text("exports of March")
    assert [p.name for p in find_export_files(tmp_path)] == ["SEN_kobo.xlsx"]
    assert len(read_country_inputs(tmp_path)) == 1


def _drop_column(sheets, sheet, header):
    index = sheets[sheet][0].index(header)
    for row in sheets[sheet]:
        del row[index]
    return sheets


def _layout_error(path: Path) -> InputLayoutError:
    with pytest.raises(InputLayoutError) as info:
        read_export(path)
    return info.value


def test_main_sheet_without_a_required_column_names_file_sheet_and_column(tmp_path):
    sheets = _drop_column(mf.kobo_tables(prefix=True), mf.FORM_TITLE, "identification/institution_type")
    error = _layout_error(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    assert (error.file, error.sheet) == (str(tmp_path / "k.xlsx"), mf.FORM_TITLE)
    assert "institution_type" in str(error) and "k.xlsx" in str(error)


def test_repeat_sheet_without_its_link_column_is_a_layout_error(tmp_path):
    sheets = _drop_column(mf.kobo_tables(prefix=False), "sources", "_parent_index")
    error = _layout_error(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    assert error.sheet == "sources" and "_parent_index" in str(error)


def test_repeat_csv_without_parent_key_is_a_layout_error(tmp_path):
    files = mf.odk_tables()
    index = files["form-flows"][0].index("PARENT_KEY")
    for row in files["form-flows"]:
        del row[index]
    mf.write_odk(tmp_path, files)
    error = _layout_error(tmp_path / "mp_questionnaire.csv")
    assert error.file.endswith("mp_questionnaire-flows.csv") and "PARENT_KEY" in str(error)


def test_same_question_in_two_columns_is_a_layout_error(tmp_path):
    sheets = mf.kobo_tables(prefix=False)
    for number, row in enumerate(sheets[mf.FORM_TITLE]):
        row.append("identification/institution_name" if number == 0 else "X")
    error = _layout_error(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    assert "institution_name" in str(error) and error.column == "identification/institution_name"


def test_duplicated_submission_key_is_a_layout_error_naming_the_row(tmp_path):
    sheets = mf.template_tables()
    sheets["main"][2][0] = 1
    error = _layout_error(mf.write_xlsx(tmp_path / "t.xlsx", sheets))
    assert (error.sheet, error.row, error.column) == ("main", 3, "_index")


def test_csv_row_with_more_cells_than_the_header_names_the_row(tmp_path):
    rows = mf.odk_tables()["form"]
    rows[2] = rows[2] + ["extra", "cells"]
    path = mf.write_csv(tmp_path / "form.csv", rows)
    error = _layout_error(path)
    assert error.row == 3 and "form.csv" in str(error)


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("broken.xlsx", b"this is not a workbook", "cannot open this Excel workbook"),
    ("truncated.xlsx", b"PK\x03\x04\x14\x00\x00\x00", "cannot open this Excel workbook"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Excel 97-2003"),
    ("answers.ods", b"PK-ish", "not an XLSX or CSV"),
    ("answers.pdf", b"%PDF-1.4", "not an XLSX or CSV"),
    ("empty.csv", b"", "the sheet is empty"),
    ("binary.csv", b"a,b\x00c\n", "not CSV text"),
])
def test_unreadable_files_stop_with_one_clear_sentence(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    error = _layout_error(path)
    assert expected in str(error) and name in str(error)
    # No library exception is chained onto ours, so the CLI shows one sentence.
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_empty_folder_and_orphan_repeat_csv_are_layout_errors(tmp_path):
    with pytest.raises(InputLayoutError, match="no questionnaire export"):
        read_country_inputs(tmp_path)
    mf.write_csv(tmp_path / "mp_questionnaire-flows.csv", mf.odk_tables()["form-flows"])
    with pytest.raises(InputLayoutError, match="mp_questionnaire.csv"):
        read_country_inputs(tmp_path)


def test_a_repeat_csv_given_alone_points_to_its_main_file():
    with pytest.raises(InputLayoutError, match="read its main file mp_questionnaire.csv"):
        read_export(FIXTURES / "odk_utf8" / "mp_questionnaire-sources.csv")


def test_layout_messages_follow_the_requested_language(tmp_path):
    path = tmp_path / "answers.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(InputLayoutError, match="pas un export XLSX ou CSV"):
        read_export(path, lang="fr")


# --------------------------------------------------------------------------------------------
# property: whatever the cells hold, reading and validating never crash

_SPECIALS = ["=1+1", "=HYPERLINK(\"http://x\",\"y\")", "@SUM(A1)", "+33", "-", "#tag", "yes", "Non", "Majeur",
             "2099", "1949", "SEN", "sen", "Sénégal", "MAR", "1", "0", "TRUE", "trends crisis", "<b>x</b>",
             "Ministère de l'Intérieur", "ANSD", "???", " ", "2025-03-10T09:00:00", "nan", "None"]
_XLSX_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=25)
_CELL = st.one_of(st.none(), st.sampled_from(_SPECIALS), st.integers(-10**6, 10**6),
                  st.floats(allow_nan=False, allow_infinity=False), st.booleans(), _XLSX_TEXT)
_CSV_CELL = st.one_of(_CELL, st.text(max_size=25), st.just(float("nan")))


_LINKS = {"_index", "_parent_index", "KEY", "PARENT_KEY"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), layout=st.sampled_from(["kobo", "template", "odk"]))
def test_any_cell_contents_read_and_validate_or_raise_only_our_error(data, layout):
    is_csv = layout == "odk"
    if layout == "kobo":
        tables = mf.kobo_tables(prefix=data.draw(st.booleans()),
                                multi=data.draw(st.sampled_from(["space", "expanded", "both"])))
    elif layout == "template":
        tables = mf.template_tables()
    else:
        tables = mf.odk_tables(multi=data.draw(st.sampled_from(["space", "both"])))
    cells = [(rows, r, c) for rows in tables.values() for r in range(1, len(rows)) for c in range(len(rows[r]))]
    # Links are overwritten less often, so that the checks behind them are reached too.
    editable = [cell for cell in cells if str(cell[0][0][cell[2]]) not in _LINKS]
    for position, value in data.draw(st.lists(st.tuples(st.integers(0, 10**6), _CSV_CELL if is_csv else _CELL),
                                              max_size=40)):
        rows, r, c = editable[position % len(editable)]
        rows[r][c] = value
    for position, value in data.draw(st.lists(st.tuples(st.integers(0, 10**6), _CELL), max_size=2)):
        rows, r, c = cells[position % len(cells)]
        rows[r][c] = value
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if is_csv:
            mf.write_odk(folder, tables, encoding=data.draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])),
                         delimiter=data.draw(st.sampled_from([",", ";"])))
        else:
            mf.write_xlsx(folder / "export.xlsx", tables)
        try:
            raw = read_country_inputs(folder)[0]
            checked = validate_export(raw, country="SEN")
        except MpanalysisError:
            return
    for table in (checked.main, checked.sources, checked.flows):
        assert table.rows_read == table.rows_accepted + table.rows_set_aside


def test_the_offline_template_filled_with_drop_down_labels_is_read(tmp_path):
    import openpyxl

    from mpanalysis.paths import data_dir

    template = data_dir() / "questionnaire" / "mp_questionnaire_template.xlsx"
    if not template.is_file():
        pytest.skip("the offline template has not been generated yet")
    book = openpyxl.load_workbook(template)
    answers = {
        "main": {"_index": 1, "country": "Sénégal", "institution_name": "Direction générale de la police nationale",
                 "institution_type": "Police et gardes-frontières", "consent_publish_contact": "Non",
                 "wg_member": "Oui", "mp_aware": "Oui", "challenge_update": "Majeur",
                 "policy_stages/implementation": 1, "policy_stages/evaluation": 0},
        "sources": {"_parent_index": 1, "source_name": "Fichier des entrées et sorties",
                    "source_domain": "Gestion des frontières", "source_status": "Existante",
                    "source_last_update": 2024},
        "flows": {"_parent_index": 1, "flow_partner": "ANSD", "flow_direction": "Fournit des informations",
                  "flow_domains/border_management": 1},
    }
    for sheet, values in answers.items():
        header = [c.value for c in book[sheet][1]]
        for name, value in values.items():
            book[sheet].cell(row=2, column=header.index(name) + 1, value=value)
    book.save(tmp_path / "answers.xlsx")
    raw = read_export(tmp_path / "answers.xlsx")
    checked = validate_export(raw, country="SEN")
    assert [i for i in checked.issues if i.level == "error"] == []
    main = checked.main.accepted.iloc[0]
    assert (main["country"], main["institution_type"], main["wg_member"], main["challenge_update"]) == \
        ("SEN", "police_border", True, 3)
    assert main["policy_stages"] == "implementation"
    assert checked.sources.accepted["source_domain"].tolist() == ["border_management"]
    assert checked.flows.accepted["flow_domains"].tolist() == ["border_management"]
