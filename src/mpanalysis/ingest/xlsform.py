"""The questionnaire as files: the XLSForm (KoboToolbox / ODK Central) and the offline template.

Both are generated from ``form.py`` (names, kinds, groups, choice lists, required, relevance),
``data/questionnaire/questions.yaml`` (the wording, in every language) and the reference lists
in ``data/reference/`` (the choices), so the form, the template and the reader cannot disagree on
a column name. The generated workbooks are committed in ``data/questionnaire/``; they are written
byte for byte identically on every run, and ``check_questionnaire_files`` tells when they are out
of date.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pycountry
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from mpanalysis.errors import MpanalysisError, ReferenceDataError
from mpanalysis.fileio import write_bytes_atomic
from mpanalysis.ingest.form import FIELDS, MAIN, MIN_YEAR, REPEATS, FormField, get_fields
from mpanalysis.paths import data_dir, reference_dir
from mpanalysis.reference import DEFAULT_LANGUAGE, get_labels, get_languages

QUESTIONS_FILE_NAME = "questions.yaml"
XLSFORM_FILE_NAME = "mp_questionnaire.xlsx"
TEMPLATE_FILE_NAME = "mp_questionnaire_template.xlsx"
COUNTRIES_FILE_NAME = "countries.csv"

#: The choice list of ``country``: every ISO 3166-1 alpha-3 code, frozen in ``countries.csv``.
COUNTRIES_LIST = "countries"
#: Template sheets, in workbook order; ``lists`` is hidden and feeds the drop-downs.
INSTRUCTIONS_SHEET, LISTS_SHEET = "instructions", "lists"
INDEX_COLUMN, PARENT_INDEX_COLUMN = "_index", "_parent_index"
#: Data rows of the template that carry drop-downs (far more than one institution ever needs).
TEMPLATE_ROW_COUNT = 1000

YEAR_CONSTRAINT = f". >= {MIN_YEAR} and . <= format-date(today(), '%Y')"
EMAIL_CONSTRAINT = r"regex(., '^[^@\s]+@[^@\s]+\.[^@\s]+$')"
PHONE_CONSTRAINT = r"regex(., '^\+?[0-9 ().-]{6,25}$')"

# Fixed so that rebuilding gives identical bytes and the committed files only change with content.
_FIXED_DATETIME = dt.datetime(2026, 1, 1)
_ZIP_DATETIME = (1980, 1, 1, 0, 0, 0)

_FLAG_LIST = "_flag"
_MESSAGE_KEYS = ("required", "year", "email", "phone")
_TEMPLATE_TEXT_KEYS = (
    "title", "columns_heading", "required_yes", "required_mark", "index_comment",
    "parent_index_comment", "option_flag_comment", "invalid_choice", "invalid_flag", "invalid_index",
)
_TEMPLATE_COLUMN_HEADERS = ("sheet", "column", "question", "hint", "required")

_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="FFFFFF")
_OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="1F4E78")
_KEY_FILL = PatternFill("solid", fgColor="D9D9D9")


# --------------------------------------------------------------------------------------------
# Wording and languages


def questionnaire_dir(root: Path | None = None) -> Path:
    """Return the folder holding the questionnaire files.

    >>> questionnaire_dir().name
    'questionnaire'
    """
    return data_dir(root) / "questionnaire"


def get_form_languages(root: Path | None = None) -> list[str]:
    """Return the questionnaire's languages: the default (French) first, then the others sorted.

    They are the languages every reference list has labels for.

    >>> get_form_languages()
    ['fr', 'en', 'pt']
    """
    languages = get_languages(reference_dir(root))
    return sorted(languages, key=lambda lang: (lang != DEFAULT_LANGUAGE, lang))


def get_language_name(lang: str) -> str:
    """Return the XLSForm language name, ``Name (code)``, that Kobo and ODK recognise.

    >>> get_language_name("fr"), get_language_name("en")
    ('Français (fr)', 'English (en)')
    """
    from babel import Locale

    try:
        name = Locale.parse(lang).get_display_name(lang) or lang
    except Exception:  # a code babel does not know still makes a valid (if plain) language name
        name = lang
    return f"{name[:1].upper()}{name[1:]} ({lang})"


def load_questions(root: Path | None = None) -> dict:
    """Return the wording of the questionnaire (``questions.yaml``), checked for every language.

    A missing group, field, message or translation raises ``ReferenceDataError`` naming the file
    and the key, so a form is never generated with a blank label.

    >>> load_questions()["fields"]["country"]["label"]["en"]
    'Country'
    """
    from mpanalysis.reference import read_reference_yaml

    path = questionnaire_dir(root) / QUESTIONS_FILE_NAME
    data = read_reference_yaml(path, "questionnaire wording", expect_mapping=False)
    _check_questions(data, path, get_form_languages(root))
    return data


def _check_questions(data: object, path: Path, languages: list[str]) -> None:
    def fail(key: str, message: str) -> None:
        raise ReferenceDataError(f"{path}, key '{key}': {message}")

    def need_mapping(node: object, key: str) -> dict:
        if not isinstance(node, dict):
            fail(key, "expected a mapping")
        return node

    def need_text(node: object, key: str) -> None:
        node = need_mapping(node, key)
        for lang in languages:
            value = node.get(lang)
            is_list = isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value)
            if not (isinstance(value, str) and value.strip()) and not is_list:
                fail(f"{key}.{lang}", "missing text in this language")

    data = need_mapping(data, "(top level)")
    form = need_mapping(data.get("form"), "form")
    for key in ("form_id", "version", "title"):
        if not isinstance(form.get(key), str) or not form[key].strip():
            fail(f"form.{key}", "missing value")
    groups = need_mapping(data.get("groups"), "groups")
    for group in _get_group_names():
        need_text(need_mapping(groups.get(group), f"groups.{group}").get("label"), f"groups.{group}.label")
    fields = need_mapping(data.get("fields"), "fields")
    known = {f.name for f in FIELDS}
    for name in fields:
        if name not in known:
            fail(f"fields.{name}", "not a field of the questionnaire (see src/mpanalysis/form.py)")
    for field in FIELDS:
        entry = need_mapping(fields.get(field.name), f"fields.{field.name}")
        for part in ("label", "hint"):
            need_text(entry.get(part), f"fields.{field.name}.{part}")
    messages = need_mapping(data.get("messages"), "messages")
    for key in _MESSAGE_KEYS:
        need_text(messages.get(key), f"messages.{key}")
    template = need_mapping(data.get("template"), "template")
    for key in (*_TEMPLATE_TEXT_KEYS, "instructions"):
        need_text(template.get(key), f"template.{key}")
    headers = need_mapping(template.get("column_headers"), "template.column_headers")
    for key in _TEMPLATE_COLUMN_HEADERS:
        need_text(headers.get(key), f"template.column_headers.{key}")


def _get_group_names() -> list[str]:
    names: list[str] = []
    for field in FIELDS:
        group = field.table if field.table in REPEATS else field.group
        if group not in names:
            names.append(group)
    return names


def _sort_key(label: str) -> str:
    # Accent-insensitive, so that "Égypte" sorts with the E's as a French reader expects.
    return unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().casefold()


def build_country_list(languages: list[str] | None = None) -> pd.DataFrame:
    """Return every ISO 3166-1 alpha-3 country with its name per language (pycountry + babel).

    Sorted by the name in the first language, ignoring accents. The result is frozen into
    ``data/questionnaire/countries.csv`` so that the form does not change with babel's version.

    >>> frame = build_country_list(["fr", "en"])
    >>> frame.set_index("code").loc["CIV"].tolist()
    ['Côte d’Ivoire', 'Côte d’Ivoire']
    """
    from mpanalysis.params import get_country_name

    languages = languages or get_form_languages()
    rows = [{"code": c.alpha_3, **{f"label_{lang}": get_country_name(c.alpha_3, lang) for lang in languages}}
            for c in pycountry.countries]
    frame = pd.DataFrame(rows, dtype=str)
    order = frame[f"label_{languages[0]}"].map(_sort_key)
    return frame.assign(_order=order).sort_values(["_order", "code"]).drop(columns="_order").reset_index(drop=True)


def write_country_list(root: Path | None = None) -> Path:
    """Write ``data/questionnaire/countries.csv`` from pycountry and babel; return its path."""
    frame = build_country_list(get_form_languages(root))
    return write_bytes_atomic(questionnaire_dir(root) / COUNTRIES_FILE_NAME,
                              frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


@lru_cache(maxsize=8)
def _load_country_list(path: str, modified_ns: int) -> pd.DataFrame:
    # keep_default_na=False: no country name or code may turn into a missing value.
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def get_choice_labels(list_name: str, lang: str = DEFAULT_LANGUAGE, root: Path | None = None) -> dict[str, str]:
    """Return ``{code: label}`` of a questionnaire choice list, in the form's order.

    ``countries`` holds every ISO 3166-1 alpha-3 code with its name (``countries.csv``, frozen
    from babel by ``write_country_list``); the other lists come from ``data/reference/``.
    Labels are unique within a list, so the template's drop-downs (which show labels) can be
    read back into codes: readers should map labels with this function.

    >>> get_choice_labels("countries", "fr")["SEN"]
    'Sénégal'
    >>> list(get_choice_labels("severities", "en").items())[3]
    ('3', 'Major')
    """
    if list_name == COUNTRIES_LIST:
        path = questionnaire_dir(root) / COUNTRIES_FILE_NAME
        if not path.is_file():
            raise ReferenceDataError(f"{path}: country list not found (write it with write_country_list())")
        frame = _load_country_list(str(path), path.stat().st_mtime_ns)
        if f"label_{lang}" not in frame.columns:
            raise ReferenceDataError(f"{path}: no column 'label_{lang}' (rewrite it with write_country_list())")
        labels = dict(zip(frame["code"], frame[f"label_{lang}"]))
    else:
        labels = get_labels(list_name, lang, reference_dir(root))
    duplicated = sorted(label for label, count in Counter(labels.values()).items() if count > 1)
    if duplicated:
        raise ReferenceDataError(f"choice list '{list_name}' has the same {lang} label for several codes: "
                                 f"{duplicated}")
    return labels


def _get_choice_lists() -> list[str]:
    names: list[str] = []
    for field in FIELDS:
        if field.choices and field.choices not in names:
            names.append(field.choices)
    return names


# --------------------------------------------------------------------------------------------
# XLSForm


def _get_xlsform_type(field: FormField) -> str:
    if field.kind in ("select_one", "yes_no", "severity"):
        return f"select_one {field.choices}"
    if field.kind == "select_multiple":
        return f"select_multiple {field.choices}"
    if field.kind == "integer":
        return "integer"
    return "text"


def _get_constraint(field: FormField) -> tuple[str | None, str | None]:
    """Return the XLSForm constraint and the key of its message in ``questions.yaml``."""
    if field.kind == "integer":
        return YEAR_CONSTRAINT, "year"
    if field.kind == "email":
        return EMAIL_CONSTRAINT, "email"
    if field.kind == "phone":
        return PHONE_CONSTRAINT, "phone"
    return None, None


def _get_appearance(field: FormField) -> str | None:
    if field.choices == COUNTRIES_LIST:
        return "autocomplete"  # some 250 countries: typing beats scrolling
    if field.kind == "severity":
        return "likert"
    return None


def build_xlsform(root: Path | None = None) -> dict[str, pd.DataFrame]:
    """Return the XLSForm's sheets ``survey``, ``choices`` and ``settings`` as DataFrames.

    Every field of ``form.py`` appears once, under its exact name, inside its group; the
    ``sources`` and ``flows`` fields inside repeats of those names. Labels, hints, required and
    constraint messages have one column per language (``label::Français (fr)``…). Empty cells
    are ``""``.

    >>> sheets = build_xlsform()
    >>> sorted(sheets)
    ['choices', 'settings', 'survey']
    >>> survey = sheets["survey"].set_index("name")
    >>> survey.loc["mp_functions", ["type", "relevant"]].tolist()
    ['select_multiple mp_functions', "${mp_used} = 'yes'"]
    >>> survey.loc["flows", "type"], sheets["settings"].loc[0, "default_language"]
    ('begin_repeat', 'Français (fr)')
    """
    questions = load_questions(root)
    languages = get_form_languages(root)
    names = {lang: get_language_name(lang) for lang in languages}
    messages = questions["messages"]

    def translated(column: str, texts: dict[str, str] | None) -> dict[str, str]:
        return {f"{column}::{names[lang]}": texts[lang] for lang in languages} if texts else {}

    rows: list[dict[str, str]] = [{"type": "start", "name": "start"}, {"type": "end", "name": "end"}]
    open_section: tuple[str, str] | None = None
    for field in FIELDS:
        section = ("begin_repeat", field.table) if field.table in REPEATS else ("begin_group", field.group)
        if section != open_section:
            if open_section is not None:
                rows.append({"type": open_section[0].replace("begin", "end")})
            wording = questions["groups"][section[1]]
            # No group hint: pyxform drops it silently; guidance sits in the first question's hint.
            rows.append({"type": section[0], "name": section[1], **translated("label", wording["label"]),
                         "appearance": "field-list"})
            open_section = section
        wording = questions["fields"][field.name]
        row = {"type": _get_xlsform_type(field), "name": field.name,
               **translated("label", wording["label"]), **translated("hint", wording["hint"])}
        if field.is_required:
            row["required"] = "yes"
            row.update(translated("required_message", messages["required"]))
        if field.relevant:
            row["relevant"] = field.relevant
        constraint, message_key = _get_constraint(field)
        if constraint:
            row["constraint"] = constraint
            row.update(translated("constraint_message", messages[message_key]))
        appearance = _get_appearance(field)
        if appearance:
            row["appearance"] = appearance
        rows.append(row)
    if open_section is not None:
        rows.append({"type": open_section[0].replace("begin", "end")})

    survey_columns = [
        "type", "name", *[f"label::{names[lang]}" for lang in languages],
        *[f"hint::{names[lang]}" for lang in languages], "required",
        *[f"required_message::{names[lang]}" for lang in languages], "relevant", "constraint",
        *[f"constraint_message::{names[lang]}" for lang in languages], "appearance",
    ]
    survey = pd.DataFrame(rows, columns=survey_columns, dtype=str).fillna("")

    choice_rows = []
    for list_name in _get_choice_lists():
        labels = {lang: get_choice_labels(list_name, lang, root) for lang in languages}
        for code in labels[languages[0]]:
            choice_rows.append({"list_name": list_name, "name": code,
                                **{f"label::{names[lang]}": labels[lang][code] for lang in languages}})
    choices = pd.DataFrame(choice_rows, dtype=str).fillna("")

    form = questions["form"]
    settings = pd.DataFrame([{
        "form_title": form["title"], "form_id": form["form_id"], "version": str(form["version"]),
        "default_language": names[languages[0]], "style": "pages",
    }], dtype=str)
    return {"survey": survey, "choices": choices, "settings": settings}


def _render_xlsform(root: Path | None = None) -> bytes:
    workbook = _new_workbook()
    for sheet_name, frame in build_xlsform(root).items():
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(list(frame.columns))
        for values in frame.itertuples(index=False):
            sheet.append([value if value != "" else None for value in values])
        for cell in sheet[1]:
            cell.font = _HEADER_FONT
        _guard_text_cells(sheet)
        _size_columns(sheet, max_width=60)
        sheet.freeze_panes = "A2"
    return _save_deterministic(workbook)


def write_xlsform(path: str | Path, root: Path | None = None) -> Path:
    """Write the XLSForm (to upload as is on KoboToolbox or ODK Central) and return its path.

    >>> import tempfile, pathlib
    >>> path = write_xlsform(pathlib.Path(tempfile.mkdtemp()) / "form.xlsx")
    >>> import openpyxl; openpyxl.load_workbook(path).sheetnames
    ['survey', 'choices', 'settings']
    """
    return write_bytes_atomic(path, _render_xlsform(root))


# --------------------------------------------------------------------------------------------
# Offline template


def get_template_columns(table: str, root: Path | None = None) -> list[str]:
    """Return the columns of a template sheet: the link column, then the fields of ``table``.

    Select-multiple fields are expanded into one ``question/option`` 0/1 column per option, as
    in a Kobo export, so that the same reader reads both.

    >>> get_template_columns("flows")[:3]
    ['_parent_index', 'flow_partner', 'flow_direction']
    >>> [c for c in get_template_columns("main") if c.startswith("policy_stages")][:2]
    ['policy_stages/needs_identification', 'policy_stages/elaboration']
    """
    columns = [INDEX_COLUMN if table == MAIN else PARENT_INDEX_COLUMN]
    for field in get_fields(table):
        if field.kind == "select_multiple":
            columns.extend(f"{field.name}/{code}" for code in get_choice_labels(field.choices, root=root))
        else:
            columns.append(field.name)
    return columns


def _render_template(lang: str, root: Path | None = None) -> bytes:
    languages = get_form_languages(root)
    if lang not in languages:
        raise MpanalysisError(f"no questionnaire wording in language '{lang}' "
                              f"(available: {', '.join(languages)})")
    questions = load_questions(root)
    words = {key: value[lang] for key, value in questions["template"].items() if key != "column_headers"}
    workbook = _new_workbook()
    instructions = workbook.create_sheet(INSTRUCTIONS_SHEET)
    data_sheets = {table: workbook.create_sheet(table) for table in (MAIN, *REPEATS)}
    list_sheet = workbook.create_sheet(LISTS_SHEET)
    list_sheet.sheet_state = "hidden"
    list_ranges: dict[str, str] = {}
    for number, list_name in enumerate([*_get_choice_lists(), _FLAG_LIST], start=1):
        values = [1, 0] if list_name == _FLAG_LIST else list(get_choice_labels(list_name, lang, root).values())
        letter = get_column_letter(number)
        list_sheet.cell(row=1, column=number, value=list_name)
        for offset, value in enumerate(values, start=2):
            list_sheet.cell(row=offset, column=number, value=value)
        list_ranges[list_name] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    _size_columns(list_sheet, max_width=45)
    for table, sheet in data_sheets.items():
        _fill_data_sheet(sheet, table, questions, lang, words, list_ranges, root)
    _fill_instructions(instructions, questions, lang, words)
    workbook.active = 0
    return _save_deterministic(workbook)


def _fill_data_sheet(sheet, table: str, questions: dict, lang: str, words: dict, list_ranges: dict[str, str],
                     root: Path | None) -> None:
    """Write one data sheet of the template: machine header, comments, drop-downs, widths."""
    validations: dict[str, DataValidation] = {}
    label_widths: dict[str, int] = {}

    def validate(key: str, letter: str, **options) -> None:
        if key not in validations:
            validations[key] = DataValidation(allow_blank=True, showErrorMessage=True, **options)
        validations[key].add(f"{letter}2:{letter}{TEMPLATE_ROW_COUNT + 1}")

    for number, name in enumerate(get_template_columns(table, root), start=1):
        letter = get_column_letter(number)
        cell = sheet.cell(row=1, column=number, value=name)
        base_name, _, option = name.partition("/")
        if name in (INDEX_COLUMN, PARENT_INDEX_COLUMN):
            note = words["index_comment" if name == INDEX_COLUMN else "parent_index_comment"]
            cell.fill, cell.font = _KEY_FILL, _HEADER_FONT
            validate("index", letter, type="whole", operator="greaterThanOrEqual", formula1="1",
                     error=words["invalid_index"])
            cell.comment = Comment(note, "mpanalysis", width=320, height=160)
            continue
        field = next(f for f in FIELDS if f.name == base_name)
        wording = questions["fields"][field.name]
        if option:
            option_label = get_choice_labels(field.choices, lang, root)[option]
            note = f"{wording['label'][lang]}\n→ {option_label}\n\n{words['option_flag_comment']}"
            validate(_FLAG_LIST, letter, type="list", formula1=list_ranges[_FLAG_LIST], error=words["invalid_flag"])
        else:
            mark = f" {words['required_mark']}" if field.is_required else ""
            note = f"{wording['label'][lang]}{mark}\n\n{wording['hint'][lang]}"
            if field.choices:
                label_widths[letter] = max(map(len, get_choice_labels(field.choices, lang, root).values()))
                validate(field.choices, letter, type="list", formula1=list_ranges[field.choices],
                         error=words["invalid_choice"])
            elif field.kind == "integer":
                validate("year", letter, type="whole", operator="between", formula1=str(MIN_YEAR),
                         formula2="YEAR(TODAY())", error=questions["messages"]["year"][lang])
            elif field.kind == "email":
                validate("email", letter, type="custom", formula1=f'ISNUMBER(SEARCH("@",{letter}2))',
                         error=questions["messages"]["email"][lang])
            else:
                # Typed text stays text: a phone "+221…" is not a number, "=…" not a formula.
                sheet.column_dimensions[letter].number_format = "@"
        is_required = field.is_required and not option
        cell.fill = _REQUIRED_FILL if is_required else _OPTIONAL_FILL
        cell.font = _REQUIRED_FONT if is_required else _HEADER_FONT
        cell.comment = Comment(note, "mpanalysis", width=320, height=160)
    for validation in validations.values():
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    _size_columns(sheet, min_width=10, max_width=45)
    for letter, widest in label_widths.items():
        # Wide enough to read a chosen label, which is often longer than the field name.
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(dimension.width, min(widest + 4, 45))


def _fill_instructions(sheet, questions: dict, lang: str, words: dict) -> None:
    sheet.append([words["title"]])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for paragraph in words["instructions"]:
        sheet.append([paragraph])
    sheet.append([])
    sheet.append([words["columns_heading"]])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
    headers = questions["template"]["column_headers"]
    sheet.append([headers[key][lang] for key in _TEMPLATE_COLUMN_HEADERS])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font, cell.fill = _HEADER_FONT, _OPTIONAL_FILL
    for field in FIELDS:
        wording = questions["fields"][field.name]
        column = f"{field.name}/…" if field.kind == "select_multiple" else field.name
        sheet.append([field.table, column, wording["label"][lang], wording["hint"][lang],
                      words["required_yes"] if field.is_required else None])
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (10, 30, 55, 55, 12)):
        sheet.column_dimensions[letter].width = width
    # Printed for a meeting, the whole width fits on landscape pages.
    sheet.page_setup.orientation = "landscape"
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    _guard_text_cells(sheet)


def write_template(path: str | Path, lang: str = DEFAULT_LANGUAGE, root: Path | None = None) -> Path:
    """Write the offline spreadsheet questionnaire in ``lang`` and return its path.

    Sheets: ``instructions``; ``main`` (``_index`` then every main field, select-multiple fields
    as ``question/option`` 0/1 columns); ``sources`` and ``flows`` (``_parent_index`` then the
    repeat's fields); a hidden ``lists`` sheet feeding a drop-down on every select column, which
    shows labels in ``lang``. Row 1 holds the exact field names, with the question as a comment.

    >>> import tempfile, pathlib, openpyxl
    >>> path = write_template(pathlib.Path(tempfile.mkdtemp()) / "t.xlsx", lang="en")
    >>> book = openpyxl.load_workbook(path)
    >>> book.sheetnames, book["lists"].sheet_state
    (['instructions', 'main', 'sources', 'flows', 'lists'], 'hidden')
    >>> book["sources"]["B1"].value, book["sources"]["B1"].comment.text.splitlines()[0]
    ('source_name', 'Name of the data source (required)')
    """
    return write_bytes_atomic(path, _render_template(lang, root))


# --------------------------------------------------------------------------------------------
# Committed files


def get_template_file_name(lang: str) -> str:
    """Return the committed template's file name for a language (the default has no suffix).

    >>> get_template_file_name("fr"), get_template_file_name("en")
    ('mp_questionnaire_template.xlsx', 'mp_questionnaire_template_en.xlsx')
    """
    return TEMPLATE_FILE_NAME if lang == DEFAULT_LANGUAGE else TEMPLATE_FILE_NAME.replace(".xlsx", f"_{lang}.xlsx")


def _get_file_builders(root: Path | None = None) -> dict[str, object]:
    builders: dict[str, object] = {XLSFORM_FILE_NAME: lambda: _render_xlsform(root)}
    for lang in get_form_languages(root):
        builders[get_template_file_name(lang)] = lambda lang=lang: _render_template(lang, root)
    return builders


def write_questionnaire_files(root: Path | None = None, refresh_countries: bool = False) -> list[Path]:
    """(Re)write the committed questionnaire files in ``data/questionnaire/`` and return them.

    The XLSForm, the template in the default language (``mp_questionnaire_template.xlsx``) and
    one template per other language (``mp_questionnaire_template_en.xlsx``…). ``countries.csv``
    is written too when missing, lacking a language, or when ``refresh_countries`` is set.
    """
    folder = questionnaire_dir(root)
    countries = folder / COUNTRIES_FILE_NAME
    written = []
    has_all_languages = countries.is_file() and all(
        f"label_{lang}" in countries.read_text(encoding="utf-8").partition("\n")[0].split(",")
        for lang in get_form_languages(root))
    if refresh_countries or not has_all_languages:
        written.append(write_country_list(root))
    written += [write_bytes_atomic(folder / name, build()) for name, build in _get_file_builders(root).items()]
    return written


def check_questionnaire_files(root: Path | None = None) -> list[str]:
    """Return the names of committed questionnaire files that are missing or out of date.

    Empty when ``data/questionnaire/`` holds what the code generates; otherwise rerun
    ``write_questionnaire_files``. Files are compared byte for byte, then, if the bytes differ
    (another openpyxl or zlib version), by content: cell values, comments, drop-downs, hidden
    sheets and frozen panes.

    >>> check_questionnaire_files()
    []
    """
    folder = questionnaire_dir(root)
    stale = []
    for name, build in _get_file_builders(root).items():
        path = folder / name
        if not path.is_file():
            stale.append(name)
            continue
        committed, expected = path.read_bytes(), build()
        if committed != expected and _describe_workbook(committed) != _describe_workbook(expected):
            stale.append(name)
    return stale


def _describe_workbook(data: bytes) -> dict:
    """Return what a user sees of a workbook, independent of how the library zipped it."""
    try:
        book = load_workbook(io.BytesIO(data))
    except Exception:  # an unreadable committed file is simply out of date
        return {}
    summary = {}
    for sheet in book.worksheets:
        summary[sheet.title] = {
            "state": sheet.sheet_state,
            "freeze_panes": sheet.freeze_panes,
            "values": [list(row) for row in sheet.iter_rows(values_only=True)],
            "comments": {cell.coordinate: cell.comment.text
                         for row in sheet.iter_rows() for cell in row if cell.comment},
            "validations": [(v.type, v.operator, v.formula1, v.formula2, str(v.sqref), v.error)
                            for v in sheet.data_validations.dataValidation],
        }
    return summary


# --------------------------------------------------------------------------------------------
# Workbook helpers


def _new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "mpanalysis"
    workbook.properties.lastModifiedBy = "mpanalysis"
    workbook.properties.created = _FIXED_DATETIME
    workbook.properties.modified = _FIXED_DATETIME
    return workbook


def _guard_text_cells(sheet) -> None:
    # openpyxl turns any string starting with "=" into a formula; wording is text, never a formula.
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"


def _size_columns(sheet, min_width: int = 8, max_width: int = 50) -> None:
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                longest = max(len(line) for line in str(cell.value).splitlines() or [""])
                widths[cell.column] = max(widths.get(cell.column, 0), longest)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = max(min_width, min(width + 2, max_width))


_MODIFIED_PATTERN = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _save_deterministic(workbook: Workbook) -> bytes:
    """Save to bytes that depend only on the content (no clock time anywhere)."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    fixed = _FIXED_DATETIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    output = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                # openpyxl stamps the save time here whatever the workbook properties say.
                data = _MODIFIED_PATTERN.sub(rb"\g<1>" + fixed + rb"\g<2>", data)
            info = zipfile.ZipInfo(item.filename, date_time=_ZIP_DATETIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
    return output.getvalue()
