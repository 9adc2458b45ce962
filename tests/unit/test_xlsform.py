"""The XLSForm converts cleanly with pyxform and the offline template offers the right drop-downs."""

from __future__ import annotations

import io
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pyxform.xls2xform import convert

from mpanalysis.errors import MpanalysisError, ReferenceDataError
from mpanalysis.ingest import xlsform
from mpanalysis.ingest.form import FIELDS, FLOWS, MAIN, SOURCES, get_fields
from mpanalysis.paths import find_project_root
from mpanalysis.reference import get_codes

XF = "{http://www.w3.org/2002/xforms}"
JR = "{http://openrosa.org/javarosa}"
LANGUAGE_NAMES = {"fr": "Français (fr)", "en": "English (en)", "pt": "Português (pt)"}
PYXFORM_TYPES = {"select_one": "select one", "yes_no": "select one", "severity": "select one",
                 "select_multiple": "select all that apply", "integer": "integer", "text": "text",
                 "email": "text", "phone": "text"}


@pytest.fixture(scope="module")
def xlsform_path(tmp_path_factory) -> Path:
    return xlsform.write_xlsform(tmp_path_factory.mktemp("form") / "form.xlsx")


@pytest.fixture(scope="module")
def converted(xlsform_path):
    warnings: list[str] = []
    result = convert(xlsform=str(xlsform_path), warnings=warnings)
    return result, warnings


@pytest.fixture(scope="module")
def xform(converted) -> ET.Element:
    return ET.fromstring(converted[0].xform)


@pytest.fixture(scope="module")
def template_books(tmp_path_factory) -> dict[str, openpyxl.Workbook]:
    folder = tmp_path_factory.mktemp("template")
    return {lang: openpyxl.load_workbook(xlsform.write_template(folder / f"t_{lang}.xlsx", lang=lang))
            for lang in ("fr", "en")}


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A throw-away project root holding the reference lists and the questionnaire folder."""
    source = find_project_root() / "data"
    for folder in ("reference", "questionnaire"):
        shutil.copytree(source / folder, tmp_path / "data" / folder)
    return tmp_path


def _walk_pyxform(node: dict, path: str = "") -> dict[str, tuple[str, str]]:
    """Return ``{name: (pyxform type, path)}`` for every element of the converted form."""
    found = {}
    for child in node.get("children", []):
        child_path = f"{path}/{child['name']}"
        found[child["name"]] = (child["type"], child_path)
        found.update(_walk_pyxform(child, child_path))
    return found


def _binds(xform: ET.Element) -> dict[str, dict[str, str]]:
    return {b.get("nodeset").rsplit("/", 1)[1]: b.attrib for b in xform.iter(f"{XF}bind")}


def _itext(xform: ET.Element) -> dict[str, dict[str, str]]:
    texts = {}
    for translation in xform.iter(f"{XF}translation"):
        texts[translation.get("lang")] = {
            text.get("id"): "".join(text.find(f"{XF}value").itertext()) for text in translation.iter(f"{XF}text")}
    return texts


# ---------------------------------------------------------------------------------------------
# XLSForm


def test_pyxform_converts_the_form_without_warnings(converted):
    result, warnings = converted
    assert warnings == []
    assert result.xform.startswith("<?xml")


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java")
def test_odk_validate_accepts_the_form(xlsform_path):
    warnings: list[str] = []
    convert(xlsform=str(xlsform_path), warnings=warnings, validate=True)
    assert warnings == []


def test_every_form_field_appears_once_with_its_type_and_group(converted, xlsform_path):
    elements = _walk_pyxform(converted[0]._pyxform)
    for field in FIELDS:
        pyxform_type, path = elements[field.name]
        assert pyxform_type == PYXFORM_TYPES[field.kind], field.name
        parent = field.table if field.table in (SOURCES, FLOWS) else field.group
        assert path == f"/{parent}/{field.name}"
    names = openpyxl.load_workbook(xlsform_path)["survey"]
    column = [cell.value for cell in names["B"][1:]]
    for field in FIELDS:
        assert column.count(field.name) == 1, field.name


def test_repeats_are_named_sources_and_flows_and_hold_their_fields(converted):
    repeats = {child["name"]: child for child in converted[0]._pyxform["children"] if child["type"] == "repeat"}
    assert set(repeats) == {SOURCES, FLOWS}
    for table in (SOURCES, FLOWS):
        assert [c["name"] for c in repeats[table]["children"]] == [f.name for f in get_fields(table)]


def test_select_fields_use_the_reference_lists(converted):
    choices = converted[0]._pyxform["choices"]
    for field in FIELDS:
        if field.choices and field.choices != "countries":
            assert [c["name"] for c in choices[field.choices]] == get_codes(field.choices), field.name
    countries = {c["name"]: c["label"] for c in choices["countries"]}
    assert len(countries) == 249
    assert countries["SEN"] == {"Français (fr)": "Sénégal", "English (en)": "Senegal", "Português (pt)": "Senegal"}
    assert countries["CPV"]["Português (pt)"] == "Cabo Verde"


def test_every_label_hint_and_choice_exists_in_every_language(xform):
    texts = _itext(xform)
    assert set(texts) == set(LANGUAGE_NAMES.values())
    default = [t.get("lang") for t in xform.iter(f"{XF}translation") if t.get("default")]
    assert default == ["Français (fr)"]
    french, english, portuguese = texts["Français (fr)"], texts["English (en)"], texts["Português (pt)"]
    assert set(french) == set(english) == set(portuguese)
    assert all(text.strip() for text in portuguese.values())
    for field in FIELDS:
        labels = [key for key in french if key.endswith(f"/{field.name}:label")]
        hints = [key for key in french if key.endswith(f"/{field.name}:hint")]
        assert len(labels) == 1 and len(hints) == 1, field.name
        for key in labels + hints:
            assert french[key].strip() and english[key].strip(), key
    for group in ("identification", "needs_group", SOURCES, FLOWS):
        assert french[f"/data/{group}:label"] and english[f"/data/{group}:label"]
    assert english["/data/sources/source_domain:label"] == "Domain"
    assert french["/data/sources/source_domain:label"] == "Domaine"
    assert portuguese["/data/sources/source_domain:label"] == "Domínio"


def test_constraints_relevance_and_required_fields(xform):
    binds, texts = _binds(xform), _itext(xform)
    year = binds["source_last_update"]
    assert year["type"] == "int"
    assert year["constraint"] == ". >= 1950 and . <= format-date(today(), '%Y')"
    assert "regex(., " in binds["respondent_email"]["constraint"]
    assert "mp_used" in binds["mp_functions"]["relevant"] and "'yes'" in binds["mp_functions"]["relevant"]
    assert "wg_member" in binds["wg_coordinator"]["relevant"]
    required = {name for name, bind in binds.items() if bind.get("required") == "true()"}
    assert required == {f.name for f in FIELDS if f.is_required}
    for name in ("source_last_update", "respondent_email", "respondent_phone"):
        message_id = binds[name][f"{JR}constraintMsg"].split("'")[1]
        assert texts["Français (fr)"][message_id] != texts["English (en)"][message_id]
    year_message = binds["source_last_update"][f"{JR}constraintMsg"].split("'")[1]
    assert "1950" in texts["Français (fr)"][year_message] and "1950" in texts["English (en)"][year_message]
    required_id = binds["country"][f"{JR}requiredMsg"].split("'")[1]
    assert texts["English (en)"][required_id] == "This question is required."


def test_settings_identify_the_form():
    settings = xlsform.build_xlsform()["settings"].iloc[0]
    assert settings["form_id"] == "mp_questionnaire"
    assert settings["default_language"] == "Français (fr)"
    assert settings["version"]


def test_a_missing_translation_is_reported_with_its_key(project_copy):
    path = project_copy / "data" / "questionnaire" / "questions.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("      en: Year of the last update\n", ""), encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"questions.yaml, key 'fields.source_last_update.label.en'"):
        xlsform.build_xlsform(project_copy)


def test_a_misspelt_field_in_the_wording_is_reported(project_copy):
    path = project_copy / "data" / "questionnaire" / "questions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  institution_acronym:\n", "  institution_acronym:\n"
                    "    label: {fr: x, en: x}\n    hint: {fr: x, en: x}\n  institution_acronyme:\n", 1),
                    encoding="utf-8")
    with pytest.raises(ReferenceDataError, match="fields.institution_acronyme'"):
        xlsform.load_questions(project_copy)


# ---------------------------------------------------------------------------------------------
# Offline template


def _validation_for(sheet, letter: str):
    found = [v for v in sheet.data_validations.dataValidation
             if any(str(r) == f"{letter}2:{letter}{xlsform.TEMPLATE_ROW_COUNT + 1}" for r in v.sqref.ranges)]
    assert len(found) == 1, f"{sheet.title}!{letter}: {len(found)} validations"
    return found[0]


def _list_values(book, formula: str) -> list:
    sheet_name, cells = formula.split("!")
    return [row[0].value for row in book[sheet_name][cells.replace("$", "")]]


def test_template_has_the_reader_layout(template_books):
    book = template_books["fr"]
    assert book.sheetnames == ["instructions", "main", "sources", "flows", "lists"]
    assert book["lists"].sheet_state == "hidden"
    for table in (MAIN, SOURCES, FLOWS):
        header = [cell.value for cell in book[table][1]]
        assert header == xlsform.get_template_columns(table)
        assert book[table].freeze_panes == "A2"
        assert book[table].max_row == 1
    main_header = [cell.value for cell in book[MAIN][1]]
    assert main_header[0] == "_index"
    assert [c for c in main_header if c.startswith("needs/")] == [f"needs/{code}" for code in get_codes("needs")]
    assert "needs" not in main_header
    assert [cell.value for cell in book[SOURCES][1]][0] == "_parent_index"
    folded = {c.partition("/")[0] for c in main_header[1:]}
    assert folded == {f.name for f in get_fields(MAIN)}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_select_column_has_a_drop_down_of_labels(template_books, lang):
    book = template_books[lang]
    for table in (MAIN, SOURCES, FLOWS):
        sheet = book[table]
        for cell in sheet[1]:
            name, _, option = cell.value.partition("/")
            field = next((f for f in FIELDS if f.name == name), None)
            if field is None or not field.choices:
                continue
            validation = _validation_for(sheet, cell.column_letter)
            assert validation.type == "list"
            values = _list_values(book, validation.formula1)
            if option:
                assert sorted(values) == [0, 1]
            else:
                assert values == list(xlsform.get_choice_labels(field.choices, lang).values())
    french = _list_values(template_books["fr"], _validation_for(template_books["fr"][SOURCES], "C").formula1)
    english = _list_values(template_books["en"], _validation_for(template_books["en"][SOURCES], "C").formula1)
    assert french[0] == "Tendances migratoires" and english[0] == "Migration trends"


def test_year_column_only_accepts_years_from_1950(template_books):
    sheet = template_books["fr"][SOURCES]
    letter = [c.column_letter for c in sheet[1] if c.value == "source_last_update"][0]
    validation = _validation_for(sheet, letter)
    assert (validation.type, validation.operator, validation.formula1, validation.formula2) == \
        ("whole", "between", "1950", "YEAR(TODAY())")


def test_headers_carry_the_question_as_a_comment(template_books):
    for lang, book in template_books.items():
        for table in (MAIN, SOURCES, FLOWS):
            for cell in book[table][1]:
                assert cell.comment is not None and cell.comment.text.strip(), f"{lang} {table} {cell.value}"
    main = template_books["en"][MAIN]
    comments = {cell.value: cell.comment.text for cell in main[1]}
    assert comments["institution_name"].startswith("Full name of the institution (required)")
    assert comments["policy_stages/elaboration"].splitlines()[1] == "→ Elaboration"
    assert template_books["fr"][MAIN]["B1"].comment.text.startswith("Pays (obligatoire)")


def test_instructions_are_in_the_chosen_language(template_books):
    assert template_books["fr"]["instructions"]["A1"].value.startswith("Questionnaire sur le profil migratoire")
    assert template_books["en"]["instructions"]["A1"].value.startswith("Migration profile questionnaire")
    listed = [row[1] for row in template_books["en"]["instructions"].iter_rows(values_only=True)]
    assert "flow_partner" in listed and "needs/…" in listed


def test_template_in_an_unknown_language_is_a_clear_error(tmp_path):
    with pytest.raises(MpanalysisError, match="language 'de'.*available: fr, en"):
        xlsform.write_template(tmp_path / "t.xlsx", lang="de")


def test_wording_that_looks_like_a_formula_stays_text(project_copy, tmp_path):
    path = project_copy / "data" / "questionnaire" / "questions.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "      fr: Nom complet de l'institution\n", "      fr: '=HYPERLINK(\"http://x\")'\n"), encoding="utf-8")
    book = openpyxl.load_workbook(xlsform.write_template(tmp_path / "t.xlsx", root=project_copy))
    cell = next(c for row in book["instructions"].iter_rows() for c in row if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"
    form = openpyxl.load_workbook(xlsform.write_xlsform(tmp_path / "f.xlsx", root=project_copy))
    cell = next(c for row in form["survey"].iter_rows() for c in row if c.value == '=HYPERLINK("http://x")')
    assert cell.data_type == "s"


# ---------------------------------------------------------------------------------------------
# Determinism and committed files


def test_rebuilding_gives_identical_bytes_without_clock_time(tmp_path):
    first = xlsform.write_template(tmp_path / "a.xlsx").read_bytes()
    second = xlsform.write_template(tmp_path / "b.xlsx").read_bytes()
    assert first == second
    form_a = xlsform.write_xlsform(tmp_path / "fa.xlsx").read_bytes()
    assert form_a == xlsform.write_xlsform(tmp_path / "fb.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2026-01-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_committed_questionnaire_files_are_up_to_date():
    assert xlsform.check_questionnaire_files() == [], "run: python -c 'from mpanalysis.ingest.xlsform import " \
        "write_questionnaire_files as w; w()'"


def test_check_flags_changed_wording_but_not_a_different_zip(project_copy):
    folder = project_copy / "data" / "questionnaire"
    template = folder / xlsform.TEMPLATE_FILE_NAME
    stored = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
    template.write_bytes(stored.getvalue())
    assert xlsform.check_questionnaire_files(project_copy) == []

    questions = folder / "questions.yaml"
    questions.write_text(questions.read_text(encoding="utf-8").replace("en: Data format", "en: Format"),
                         encoding="utf-8")
    assert xlsform.check_questionnaire_files(project_copy) == [
        xlsform.XLSFORM_FILE_NAME, xlsform.get_template_file_name("en")]
    (folder / xlsform.XLSFORM_FILE_NAME).unlink()
    xlsform.write_questionnaire_files(project_copy)
    assert xlsform.check_questionnaire_files(project_copy) == []
