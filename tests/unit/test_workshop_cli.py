"""The workshop's, review's and endorsement's commands stop with a message, never a traceback, on
a mistyped country code or date (before any work, nothing written)."""

from __future__ import annotations

import pytest

from mpanalysis.cli import main


@pytest.mark.parametrize("argv", [["workshop", "GMBX"], ["review", "12"],
                                  ["endorse", "G", "--by", "X", "--date", "2025-01-01"]])
def test_a_mistyped_country_code_is_named(argv, capsys):
    assert main(argv) == 2
    assert "is not a country code" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["endorse", "GMB", "--by", "Committee", "--date", "20-11-2025"],
                                  ["workshop", "GMB", "--read", "group1.xlsx", "--date", "2025-13-01"]])
def test_a_mistyped_date_is_named(argv, capsys):
    from mpanalysis.decisions import decisions_path

    before = decisions_path("GMB").is_file()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"--date: '{argv[-1]}' is not a date (YYYY-MM-DD)" in err and "Traceback" not in err
    assert decisions_path("GMB").is_file() == before


@pytest.mark.parametrize("command", ["workshop", "review"])
def test_a_language_the_country_has_not_is_named_before_any_build(command, capsys):
    from mpanalysis.paths import outputs_dir

    before = sorted(p.name for p in outputs_dir("GMB").glob("*"))
    assert main([command, "GMB", "--lang", "fr,pt"]) == 2
    assert "--lang: unknown value(s) ['pt']; choose among" in capsys.readouterr().err
    assert sorted(p.name for p in outputs_dir("GMB").glob("*")) == before
