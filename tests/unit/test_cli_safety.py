"""The command line checks before it works and writes only where it should (issue 12): country codes
and languages first, reports of loose folders apart, one command at a time, failures in words."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mpanalysis import cli
from mpanalysis.batch import run as batch_run
from mpanalysis.batch.job import CountryResult, is_build_current
from mpanalysis.batch.lock import ProjectBusyError, hold_project_lock
from mpanalysis.errors import OutputWriteError
from mpanalysis.fileio import write_text_atomic

ROOT = Path(__file__).resolve().parents[2]
KOBO = ROOT / "tests" / "fixtures" / "kobo-exports"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A scratch project with the demo country GMB (reference data shared read-only)."""
    root = tmp_path / "work" / "project"
    (root / "data" / "raw").mkdir(parents=True)
    for name in ("reference", "questionnaire", "templates"):
        (root / "data" / name).symlink_to(ROOT / "data" / name)
    shutil.copytree(ROOT / "data" / "raw" / "GMB", root / "data" / "raw" / "GMB")
    (root / "params").mkdir()
    shutil.copy(ROOT / "params" / "GMB.yaml", root / "params" / "GMB.yaml")
    (root / "outputs").mkdir()
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
    monkeypatch.chdir(root)
    return root


def _no_batch(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the batch must not start")

    monkeypatch.setattr(batch_run, "run_countries", fail)


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("code", ["../../x", "", "GMB/..", "sen!"])
def test_a_code_that_is_not_iso3_stops_before_touching_the_disk(project, monkeypatch, capsys, code):
    _no_batch(monkeypatch)
    before = _files(project.parent.parent)
    assert cli.main(["run", code]) == 2
    assert "is not a country code" in capsys.readouterr().err
    assert _files(project.parent.parent) == before


def test_a_lower_case_code_is_the_country(project, monkeypatch):
    seen = []
    monkeypatch.setattr(batch_run, "run_countries", lambda countries, *a, **k: seen.extend(countries) or [])
    assert cli.main(["run", "gmb", "--quiet"]) == 0
    assert seen == ["GMB"]


def test_an_unavailable_language_stops_with_exit_2_before_any_notebook(project, monkeypatch, capsys):
    _no_batch(monkeypatch)
    assert cli.main(["run", "GMB", "--lang", "xx"]) == 2
    assert "language 'xx' is not available (available: en, fr, pt)" in capsys.readouterr().err


def test_a_language_with_texts_still_to_translate_stops_before_any_notebook(project, monkeypatch, capsys):
    _no_batch(monkeypatch)
    reference = project / "data" / "reference"
    reference.unlink()
    shutil.copytree(ROOT / "data" / "reference", reference)
    messages = reference / "messages.yaml"
    text = messages.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.strip().startswith("pt:"))
    messages.write_text(text.replace(line + "\n", "", 1), encoding="utf-8")
    assert cli.main(["run", "GMB", "--lang", "pt"]) == 2
    assert "language 'pt' is not complete: 1 text(s) still to translate" in capsys.readouterr().err
    assert cli.main(["translations", "--check", "pt"]) == 1
    assert "1 text(s) or column(s) still to translate into 'pt'" in capsys.readouterr().out


def test_a_language_in_the_parameters_is_checked_by_validate_and_run(project, monkeypatch, capsys):
    _no_batch(monkeypatch)
    params = project / "params" / "GMB.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("- en\n- fr", "- xx\n- en"), encoding="utf-8")
    assert cli.main(["validate", "GMB"]) == 2
    assert "key 'languages'" in capsys.readouterr().err
    assert cli.main(["run", "GMB"]) == 2
    assert "language 'xx' is not available" in capsys.readouterr().err


def test_a_country_in_portuguese_is_validated_with_a_portuguese_report(project, capsys):
    params = project / "params" / "GMB.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("- en\n- fr", "- pt\n- en"), encoding="utf-8")
    assert cli.main(["validate", "GMB"]) == 0
    out = capsys.readouterr().out
    assert "Postas de parte" in out and "aviso(s); relatório:" in out
    report = (project / "outputs" / "GMB" / "validation" / "validation_report.html").read_text(encoding="utf-8")
    assert '<html lang="pt"' in report and "Linhas lidas, aceites e postas de parte" in report


def test_validating_a_loose_folder_never_rewrites_a_countrys_report(project, capsys):
    country_report = project / "outputs" / "CPV" / "validation"
    assert cli.main(["validate", str(KOBO / "a_xml_both"), "--lang", "en"]) == 0
    assert not country_report.exists()
    written = project / "outputs" / "validation" / "a_xml_both" / "validation_report.html"
    assert written.is_file() and str(written) in capsys.readouterr().out
    assert cli.main(["validate", str(KOBO / "a_xml_both"), "--output", str(project / "elsewhere")]) == 0
    assert (project / "elsewhere" / "issues.csv").is_file()


def test_a_rewritten_validation_report_makes_the_build_out_of_date(project):
    base = project / "outputs" / "GMB"
    report = write_text_atomic(base / "validation" / "validation_report.html", "<p>as built</p>")
    from mpanalysis.provenance import hash_file

    record = {"fingerprint": "f", "outputs": ["validation/validation_report.html"],
              "report_hashes": {"validation/validation_report.html": hash_file(report)}}
    write_text_atomic(base / "build.json", json.dumps(record))
    assert is_build_current("GMB", "f")
    report.write_text("<p>another folder's report</p>")
    assert not is_build_current("GMB", "f")


def test_a_second_command_stops_while_one_runs_and_a_killed_one_leaves_no_lock(project, monkeypatch, capsys):
    _no_batch(monkeypatch)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from mpanalysis.batch.lock import hold_project_lock
        with hold_project_lock("run GMB"):
            print("held", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True, env={**os.environ, "MPANALYSIS_ROOT": str(project)})
    try:
        assert holder.stdout.readline().strip() == "held"
        assert cli.main(["run", "GMB"]) == 2
        message = capsys.readouterr().err
        assert "another mpanalysis command is running" in message and f"process {holder.pid}" in message
        with pytest.raises(ProjectBusyError):
            with hold_project_lock("validate"):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with hold_project_lock("validate") as path:  # no stale lock after kill -9
        assert path.is_file()


def test_run_json_keeps_the_latest_status_of_every_country(project):
    batch_run.write_run_summary([CountryResult("GMB", "built"), CountryResult("SEN", "failed")])
    path = batch_run.write_run_summary([CountryResult("GMB", "skipped")])
    summary = json.loads(path.read_text(encoding="utf-8"))
    assert {c["country"]: c["status"] for c in summary["countries"]} == {"GMB": "skipped", "SEN": "failed"}
    assert summary["last_run"] == ["GMB"]


def test_a_write_failure_says_where_and_why(tmp_path):
    (tmp_path / "guides").write_text("a file where a folder should be")
    with pytest.raises(OutputWriteError, match=r"cannot write to .*guides/g\.html: .*\(.*guides\)"):
        write_text_atomic(tmp_path / "guides" / "g.html", "<p>")


def test_the_dataset_cache_is_json_and_a_planted_pickle_is_never_loaded(project):
    from mpanalysis.ingest.cache import load_country_dataset_cached
    from mpanalysis.params import load_params

    params = load_params("GMB")
    cache = project / "outputs" / "GMB" / ".cache"
    cache.mkdir(parents=True)
    planted = cache / "dataset-en-0123456789abcdef0123.pkl"
    planted.write_bytes(b"cos\nsystem\n(S'touch /tmp/pwned'\ntR.")
    first = load_country_dataset_cached(params)
    (written,) = cache.glob("dataset-en-*.json")
    json.loads(written.read_text(encoding="utf-8"))
    assert not planted.exists()
    again = load_country_dataset_cached(params)
    for table in ("respondents", "entities", "sources", "flows", "issues", "counts"):
        assert again.get_table(table).equals(first.get_table(table)), table
    again.flows.loc[again.flows.index[0], "partner_name"] = "CHANGED"  # a notebook changing its copy
    assert not load_country_dataset_cached(params).flows.isin(["CHANGED"]).any().any()
    written.write_text("{not json")  # a damaged cache is rebuilt, not an error
    assert load_country_dataset_cached(params).flows.equals(first.flows)


def test_translations_check_lists_what_a_new_language_needs(project, capsys):
    assert cli.main(["translations", "--check", "en"]) == 0
    assert cli.main(["translations", "--check", "pt"]) == 0
    assert "Every text has a 'pt' translation." in capsys.readouterr().out
    assert cli.main(["translations", "--check", "xx"]) == 1
    out = capsys.readouterr().out
    for expected in ("data/reference/domains.csv: no column label_xx", "data/reference/messages.yaml: issues.near_miss",
                     "data/questionnaire/questions.yaml: fields.institution_name.label",
                     "data/questionnaire/countries.csv: no column label_xx",
                     "data/reference/findings.yaml: languages (add 'xx' to the list)",
                     "data/reference/wording.yaml: no 'xx' block"):
        assert expected in out


def test_init_writes_the_country_with_its_french_preposition(project):
    assert cli.main(["init", "gin"]) == 0
    text = (project / "params" / "GIN.yaml").read_text(encoding="utf-8")
    assert "Migration en Guinée" in text and "Migration au Guinée" not in text


def test_demo_countries_leave_the_region_once_a_real_country_exists(project, monkeypatch):
    from mpanalysis.params import list_region_countries

    monkeypatch.delenv("MPANALYSIS_WITH_DEMO", raising=False)
    assert list_region_countries() == ["GMB"]  # only the demo: it is the region
    (project / "params" / "GIN.yaml").write_text("country: GIN\n", encoding="utf-8")
    assert list_region_countries() == ["GIN"]
    assert list_region_countries(include_demo=True) == ["GIN", "GMB"]
    seen = []
    monkeypatch.setattr(batch_run, "run_countries", lambda countries, *a, **k: seen.append(countries) or [])
    assert cli.main(["run", "--all", "--no-region", "--quiet"]) == 0
    assert cli.main(["run", "--all", "--no-region", "--quiet", "--with-demo"]) == 0
    assert seen == [["GIN"], ["GIN", "GMB"]]
