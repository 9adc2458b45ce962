"""The dataset builder: canonical tables, duplicates, entities and provenance of one country."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pandera.errors
import pytest

from mpanalysis.errors import InputLayoutError
from mpanalysis.ingest.dataset import load_country_dataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, get_dtype, make_empty_table, validate_tables
from mpanalysis.params import CountryParams

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
SEN = CountryParams(country="SEN")


def _load_writers():
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


mf = _load_writers()


@pytest.fixture(scope="module")
def kobo():
    return load_country_dataset(FIXTURES / "kobo_prefixed", SEN, lang="en", max_year=2025)


@pytest.fixture(scope="module")
def duplicates():
    return load_country_dataset(FIXTURES / "duplicates", SEN, lang="en", max_year=2025)


def test_every_table_has_the_documented_columns_and_dtypes(kobo):
    for table, columns in TABLE_COLUMNS.items():
        frame = kobo.get_table(table)
        assert frame.columns.tolist() == columns, table
        for column in columns:
            assert str(frame[column].dtype) == str(pd.Series(dtype=get_dtype(table, column)).dtype), (table, column)
    assert str(kobo.respondents["submitted_at"].dt.tz) == "UTC"
    assert kobo.is_balanced


def test_tables_hold_the_answers_in_canonical_form(kobo):
    ansd = kobo.respondents.set_index("entity_id").loc["SEN-ANSD"]
    assert ansd["institution_name"] == mf.SUBMISSIONS[0]["institution_name"]
    assert bool(ansd["wg_coordinator"]) and ansd["mp_functions"] == "dialogue information_package"
    assert ansd["submitted_at"] == pd.Timestamp("2025-03-10T09:00:00Z")
    assert (ansd["source_file"], ansd["source_row"]) == ("SEN_kobo.xlsx", 2)
    assert kobo.sources["source_id"].tolist() == ["SEN-ANSD-S1", "SEN-ANSD-S2", "SEN-MINISTERE-INTERIEUR-S1"]
    assert kobo.sources["last_update"].tolist()[:2] == [2013, pd.NA]
    assert kobo.stages.query("entity_id == 'SEN-ANSD'")["stage"].tolist() == ["needs_identification", "evaluation"]
    assert kobo.needs.query("entity_id == 'SEN-DPAF'")["need"].tolist() == ["equipment", "border_information"]
    other = kobo.challenges.query("challenge == 'other'")
    assert other[["entity_id", "comment"]].values.tolist() == [["SEN-DPAF", "Manque de matériel"]]
    assert other["severity"].isna().all()
    assert kobo.challenges.query("entity_id == 'SEN-ANSD' and challenge == 'update'")["severity"].tolist() == [3]
    assert kobo.mp_use.set_index("entity_id").loc["SEN-DPAF", "mp_aware"] == False  # noqa: E712


def test_every_partner_is_an_entity_and_non_respondents_are_flagged(kobo):
    assert kobo.flows["partner_entity_id"].notna().all()
    assert set(kobo.flows["partner_entity_id"]) <= set(kobo.entities["entity_id"])
    entities = kobo.entities.set_index("entity_id")
    assert not entities.loc["SEN-OIM", "is_respondent"]
    assert entities.loc["SEN-MINISTERE-INTERIEUR", "n_mentions"] == 2  # "Ministère…" and "Min. de l'Intérieur"
    assert entities.loc["SEN-ANSD", "is_coordinator"] and entities.loc["SEN-ANSD", "is_wg_member"]
    assert not entities.loc["SEN-DPAF", "is_wg_member"]


def test_each_layout_gives_the_same_entities_and_flows(kobo):
    odk = load_country_dataset(FIXTURES / "odk_cp1252", SEN, max_year=2025)
    pd.testing.assert_frame_equal(odk.entities, kobo.entities)
    columns = ["flow_id", "entity_id", "partner_entity_id", "direction", "domains", "channel", "stages"]
    pd.testing.assert_frame_equal(odk.flows[columns], kobo.flows[columns])


def test_the_latest_submission_of_a_duplicated_institution_is_kept(duplicates):
    ansd = duplicates.respondents.set_index("entity_id").loc["SEN-ANSD"]
    assert ansd["submitted_at"] == pd.Timestamp("2025-03-10T09:00:00Z")
    assert "Ancien recensement" not in duplicates.sources["source_name"].tolist()
    superseded = duplicates.issues[duplicates.issues["action"] == "superseded duplicate"]
    assert superseded[["file", "table", "row"]].values.tolist() == [
        ["SEN_kobo.xlsx", "respondents", 5], ["SEN_kobo.xlsx", "sources", 5], ["SEN_kobo.xlsx", "flows", 6],
        ["SEN_offline.xlsx", "respondents", 2], ["SEN_offline.xlsx", "sources", 2], ["SEN_offline.xlsx", "flows", 2],
    ]
    assert "SEN_kobo.xlsx, row 2" in superseded["message"].iloc[0]


def test_an_offline_answer_without_time_loses_to_the_dated_submission(duplicates):
    ministry = duplicates.respondents.set_index("entity_id").loc["SEN-MINISTERE-INTERIEUR"]
    assert ministry["source_file"] == "SEN_kobo.xlsx"


def test_duplicates_are_counted_as_set_aside(duplicates):
    assert duplicates.counts.set_index("table").to_dict("index") == {
        "respondents": {"rows_read": 5, "rows_accepted": 3, "rows_set_aside": 2, "fields_set_aside": 0,
                        "rows_corrected": 0},
        "sources": {"rows_read": 5, "rows_accepted": 3, "rows_set_aside": 2, "fields_set_aside": 0,
                    "rows_corrected": 0},
        "flows": {"rows_read": 6, "rows_accepted": 4, "rows_set_aside": 2, "fields_set_aside": 0,
                  "rows_corrected": 0},
    }
    assert duplicates.respondents["entity_id"].is_unique


def test_coordinator_and_working_group_from_parameters_are_resolved_to_entities():
    params = CountryParams(country="SEN", coordinator="Cour des comptes", working_group=["DPAF"])
    dataset = load_country_dataset(FIXTURES / "kobo_plain", params, max_year=2025)
    entities = dataset.entities.set_index("entity_id")
    assert entities.loc["SEN-DPAF", "is_wg_member"] and not entities.loc["SEN-DPAF", "is_coordinator"]
    court = entities[entities["name"] == "Cour des comptes"].iloc[0]
    assert court["is_coordinator"] and court["is_wg_member"] and not court["is_respondent"]
    assert court["n_mentions"] == 0
    # The answers still count: ANSD said it coordinates the working group.
    assert entities.loc["SEN-ANSD", "is_coordinator"]


def test_input_hashes_are_the_sha256_of_every_file_read():
    dataset = load_country_dataset(FIXTURES / "odk_utf8", SEN, max_year=2025)
    expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (FIXTURES / "odk_utf8").glob("*.csv")}
    assert dataset.input_hashes == expected


def test_bad_rows_are_set_aside_and_reported(tmp_path):
    dataset = load_country_dataset(FIXTURES / "bad_rows", SEN, max_year=2025)
    errors = dataset.issues[dataset.issues["level"] == "error"]
    assert len(errors) == sum(1 for *_, level in mf.EXPECTED_BAD if level == "error")
    # the four Ministry copies whose bad choice only set an answer aside are duplicates of it
    assert dataset.counts["rows_set_aside"].tolist() == [7, 7, 4]
    assert dataset.counts["fields_set_aside"].tolist() == [4, 0, 1]
    assert dataset.is_balanced


def test_submissions_for_another_country_are_all_set_aside():
    dataset = load_country_dataset(FIXTURES / "kobo_plain", CountryParams(country="MAR"), max_year=2025)
    assert dataset.respondents.empty and dataset.entities.empty and dataset.flows.empty
    assert dataset.counts["rows_set_aside"].tolist() == [3, 3, 4]


def test_country_comes_from_the_parameters_file_named_by_iso3(tmp_path, monkeypatch):
    from mpanalysis.paths import reference_dir

    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "reference").symlink_to(reference_dir())
    (root / "data" / "questionnaire").symlink_to(reference_dir().parent / "questionnaire")
    (root / "params").mkdir()
    (root / "params" / "SEN.yaml").write_text("country: SEN\nlanguages: [en, fr]\naliases:\n  OIM: ANSD\n")
    shutil.copytree(FIXTURES / "kobo_plain", root / "data" / "raw" / "SEN")
    monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
    dataset = load_country_dataset("SEN", max_year=2025)
    assert dataset.country == "SEN"
    # The alias in the parameters pinned "OIM" to the ANSD entity.
    assert dataset.flows.set_index("partner_name").loc["OIM", "partner_entity_id"] == "SEN-ANSD"


def test_a_folder_or_file_without_parameters_takes_its_country_from_the_answers():
    assert load_country_dataset(FIXTURES / "template", max_year=2025).country == "SEN"
    single = load_country_dataset(FIXTURES / "kobo_plain" / "SEN_kobo.xlsx", max_year=2025)
    assert single.country == "SEN" and list(single.input_hashes) == ["SEN_kobo.xlsx"]


def test_a_layout_error_stops_the_country(tmp_path):
    shutil.copy(FIXTURES / "kobo_plain" / "SEN_kobo.xlsx", tmp_path / "a.xlsx")
    (tmp_path / "b.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(InputLayoutError, match="b.xlsx"):
        load_country_dataset(tmp_path, SEN)


def test_schemas_reject_values_outside_the_reference_lists(kobo):
    sources = kobo.sources.copy()
    sources.loc[0, "domain"] = "health"
    with pytest.raises(pandera.errors.SchemaErrors, match="domains"):
        validate_tables({"sources": sources})
    flows = kobo.flows.copy()
    flows.loc[0, "stages"] = "elaboration lobbying"
    with pytest.raises(pandera.errors.SchemaErrors, match="policy_stages"):
        validate_tables({"flows": flows})


def test_schemas_accept_empty_tables():
    validate_tables({name: make_empty_table(name) for name in TABLE_COLUMNS})
