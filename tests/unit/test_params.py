"""Parameters: a wrong key or value names the file and the key; good files load."""

from pathlib import Path

import pytest

from mpanalysis.errors import ParamsError
from mpanalysis.params import CountryParams, load_params, parse_params


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_misspelt_key_names_file_and_key(tmp_path):
    path = write(tmp_path, "SEN.yaml", "country: SEN\nworkshop:\n  dat: 2025-01-01\n")
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(path) in str(info.value)
    assert "workshop.dat" in str(info.value)
    assert "unknown key" in str(info.value)


def test_wrong_value_names_key_and_value(tmp_path):
    path = write(tmp_path, "SEN.yaml", "country: SEN\nendorsement:\n  status: approved\n")
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert "endorsement.status" in str(info.value)
    assert "approved" in str(info.value)


def test_every_problem_is_listed(tmp_path):
    path = write(tmp_path, "SEN.yaml", "country: SEN\nedition: secret\nstaleness_years: 0\n")
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert "edition" in str(info.value) and "staleness_years" in str(info.value)


def test_invalid_yaml_reports_line(tmp_path):
    path = write(tmp_path, "SEN.yaml", "country: SEN\nlanguages: [fr, en\n")
    with pytest.raises(ParamsError, match="line"):
        load_params(path)


def test_file_name_must_match_country(tmp_path):
    path = write(tmp_path, "MAR.yaml", "country: SEN\n")
    with pytest.raises(ParamsError, match="describes country SEN"):
        load_params(path)


def test_unknown_country_code_rejected():
    with pytest.raises(ParamsError, match="ISO 3166-1"):
        parse_params({"country": "XYZ"}, "x.yaml")


def test_parameters_are_frozen():
    params = CountryParams(country="SEN")
    with pytest.raises(Exception):
        params.country = "MAR"


def test_milestone_end_before_start_rejected():
    with pytest.raises(ParamsError, match="milestones.0"):
        parse_params({"country": "SEN", "milestones": [
            {"stage": "workshop", "start": "2025-05-02", "end": "2025-05-01"}]}, "SEN.yaml")


def test_endorsed_status_is_final():
    assert CountryParams(country="SEN", endorsement={"status": "endorsed"}).endorsement.is_final
    assert not CountryParams(country="SEN").endorsement.is_final


def test_localized_text_accepts_any_language():
    params = parse_params({"country": "CPV", "workshop": {"good_practices": [{"fr": "a", "en": "b", "pt": "c"}]}}, "x")
    assert params.workshop.good_practices[0]["pt"] == "c"


def test_a_file_edited_between_two_reads_is_read_again(tmp_path):
    # a process reads parameters many times and keeps them; an edit must still be seen at once
    path = write(tmp_path, "SEN.yaml", "country: SEN\nstaleness_years: 3\n")
    assert load_params(path).staleness_years == 3
    assert load_params(path) is load_params(path)  # unchanged: parsed and validated once
    write(tmp_path, "SEN.yaml", "country: SEN\nstaleness_years: 4\n")  # same size, new content
    assert load_params(path).staleness_years == 4
    write(tmp_path, "SEN.yaml", "country: SEN\nstaleness_years: 0\n")
    with pytest.raises(ParamsError, match="staleness_years"):
        load_params(path)
