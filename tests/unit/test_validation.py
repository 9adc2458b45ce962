"""Row validation: every bad row is set aside with file, sheet, row and column; counts balance."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from mpanalysis.ingest.issues import Issue, format_message
from mpanalysis.ingest.readers import read_export
from mpanalysis.ingest.validation import make_counts_table, validate_export
from mpanalysis.ingest.values import (
    normalize_choice,
    normalize_country,
    parse_multi,
    parse_submission_time,
    parse_yes_no,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


def _load_writers():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mf = _load_writers()


@pytest.fixture(scope="module")
def bad_rows():
    raw = read_export(FIXTURES / "bad_rows" / "SEN_kobo.xlsx")
    return validate_export(raw, country="SEN", max_year=2025)


@pytest.mark.parametrize(("table", "sheet", "row", "column", "level"), mf.EXPECTED_BAD)
def test_each_bad_row_is_reported_where_the_user_sees_it(bad_rows, table, sheet, row, column, level):
    found = [i for i in bad_rows.issues if (i.table, i.sheet, i.row) == (table, sheet, row)]
    assert [(i.column, i.level) for i in found] == [(column, level)]
    (issue,) = found
    assert issue.file == "SEN_kobo.xlsx"
    is_choice = "not one of the choices" in issue.message
    assert issue.action == ("set aside" if level == "error" else "field set aside" if is_choice else "kept")
    assert f"row {row}, column '{column}'" in issue.location


def test_no_issue_is_reported_for_good_rows(bad_rows):
    planted = {(t, r) for t, _, r, _, _ in mf.EXPECTED_BAD}
    assert {(i.table, i.row) for i in bad_rows.issues} == planted


def test_rows_read_equal_rows_accepted_plus_rows_set_aside(bad_rows):
    counts = make_counts_table([bad_rows.main, bad_rows.sources, bad_rows.flows])
    assert counts.set_index("table").to_dict("index") == {
        "respondents": {"rows_read": 12, "rows_accepted": 9, "rows_set_aside": 3, "fields_set_aside": 4,
                        "rows_corrected": 0},
        "sources": {"rows_read": 10, "rows_accepted": 4, "rows_set_aside": 6, "fields_set_aside": 0,
                    "rows_corrected": 0},
        "flows": {"rows_read": 8, "rows_accepted": 5, "rows_set_aside": 3, "fields_set_aside": 1,
                  "rows_corrected": 0},
    }


def test_a_label_instead_of_a_code_is_accepted_and_stored_as_the_code(bad_rows):
    accepted = bad_rows.sources.accepted
    assert accepted.loc[accepted["_row"] == 11, "source_access"].tolist() == ["on_request"]


def test_issue_values_and_messages_show_what_the_cell_holds(bad_rows):
    (year,) = [i for i in bad_rows.issues if (i.table, i.row) == ("sources", 5)]
    assert year.value == "2099" and year.message == "year 2099 outside 1950–2025"
    (country,) = [i for i in bad_rows.issues if (i.table, i.row) == ("respondents", 7)]
    assert "MAR" in country.message and "SEN" in country.message


def test_messages_are_in_the_requested_language():
    raw = read_export(FIXTURES / "bad_rows" / "SEN_kobo.xlsx")
    checked = validate_export(raw, country="SEN", lang="fr", max_year=2025)
    (year,) = [i for i in checked.issues if (i.table, i.row) == ("sources", 5)]
    assert year.message == "année 2099 hors de la plage 1950–2025"


@pytest.mark.parametrize(("year", "is_accepted"), [(1949, False), (1950, True), (2025, True), (2026, False)])
def test_year_limits_are_1950_and_the_current_year(tmp_path, year, is_accepted):
    sheets = mf.kobo_tables(mf.SUBMISSIONS[:1], [dict(mf.SOURCES[0], source_last_update=year)], [])
    raw = read_export(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    assert validate_export(raw, country="SEN", max_year=2025).sources.rows_accepted == int(is_accepted)


def test_repeat_rows_of_a_set_aside_submission_are_set_aside_too(tmp_path):
    sheets = mf.kobo_tables([dict(mf.SUBMISSIONS[0], institution_type=None)], mf.SOURCES[:1], mf.FLOWS[:1])
    raw = read_export(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    checked = validate_export(raw, country="SEN")
    assert (checked.sources.rows_set_aside, checked.flows.rows_set_aside) == (1, 1)
    assert {i.message for i in checked.issues if i.table != "respondents"} == {"parent submission 1 was set aside"}


def test_country_may_be_given_by_name_and_other_countries_are_set_aside(tmp_path):
    sheets = mf.kobo_tables([dict(mf.SUBMISSIONS[0], country="Sénégal"),
                             dict(mf.SUBMISSIONS[1], country="Morocco")], [], [])
    raw = read_export(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    checked = validate_export(raw, country="SEN")
    assert checked.main.accepted["country"].tolist() == ["SEN"]
    assert [i.row for i in checked.issues if i.level == "error"] == [3]


def test_without_a_country_to_load_any_valid_code_is_accepted(tmp_path):
    sheets = mf.kobo_tables([dict(mf.SUBMISSIONS[0], country="MAR")], [], [])
    raw = read_export(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    assert validate_export(raw).main.rows_accepted == 1


def test_unreadable_submission_time_is_a_warning(tmp_path):
    sheets = mf.kobo_tables([dict(mf.SUBMISSIONS[0], _submission_time="hier")], [], [])
    raw = read_export(mf.write_xlsx(tmp_path / "k.xlsx", sheets))
    checked = validate_export(raw, country="SEN")
    assert checked.main.rows_accepted == 1
    assert [(i.level, i.column) for i in checked.issues] == [("warning", "_submission_time")]


@pytest.mark.parametrize(("value", "expected"), [
    ("Majeur", "3"), ("MAJOR", "3"), ("modéré", "2"), ("Modere", "2"), ("0", "0"), ("aucun", "0"), ("4", None),
])
def test_severities_accept_codes_and_labels_in_any_case_and_accents(value, expected):
    assert normalize_choice(value, "severities") == expected


def test_select_one_labels_from_every_language_map_to_codes():
    assert normalize_choice("Police and border guards", "institution_types") == "police_border"
    assert normalize_choice("police et gardes-frontieres", "institution_types") == "police_border"
    assert normalize_choice("  Sur   demande ", "source_access") == "on_request"
    assert normalize_choice("sur demandes", "source_access") is None


def test_select_multiple_accepts_codes_and_labels_and_reports_unknown_parts():
    assert parse_multi("Mise en œuvre Reformulation", "policy_stages") == (["implementation", "reformulation"], [])
    assert parse_multi("evaluation;Identification of needs", "policy_stages") == \
        (["needs_identification", "evaluation"], [])
    assert parse_multi("trends sante", "domains") == (["trends"], ["sante"])


def test_yes_no_accepts_codes_labels_and_booleans():
    assert [parse_yes_no(v) for v in ("yes", "Non", "OUI", "False", "1", "peut-être")] == \
        [True, False, True, False, True, None]


def test_country_codes_and_names():
    assert normalize_country("gha") == "GHA"
    assert normalize_country("Côte d'Ivoire") == "CIV"
    assert normalize_country("Maroc") == "MAR"
    assert normalize_country("ZZZ") is None


def test_submission_times_are_utc():
    assert str(parse_submission_time("2025-03-14T10:22:31.000Z")) == "2025-03-14 10:22:31+00:00"
    assert parse_submission_time("14/03/2025") is None


def test_every_message_exists_in_every_language():
    import yaml

    from mpanalysis.paths import reference_dir

    texts = yaml.safe_load((reference_dir() / "messages.yaml").read_text(encoding="utf-8"))

    def leaves(node, path=()):
        if isinstance(node, dict) and not {"fr", "en"} & set(node):
            for key, child in node.items():
                yield from leaves(child, (*path, key))
        else:
            yield path, node

    for path, node in leaves(texts):
        assert set(node) >= {"fr", "en", "pt"}, path
        assert all(isinstance(node[lang], str) and node[lang] for lang in ("fr", "en", "pt")), path
    assert format_message("issues.required_empty", "pt") == "campo obrigatório vazio"
    assert format_message("issues.required_empty", "xx") == "required field is empty"


def test_issue_location_reads_like_a_spreadsheet_reference():
    issue = Issue("error", "flows", "a.csv", None, 3, "flows-flow_partner", "x", "m", "set aside")
    assert issue.location == "a.csv, row 3, column 'flows-flow_partner'"
