"""Batch scheduling: which country starts first."""

from __future__ import annotations

from mpanalysis.batch.run import order_longest_first
from mpanalysis.paths import copy_project, find_project_root


def test_countries_with_the_most_answers_start_first_and_unknown_ones_last(tmp_path, monkeypatch):
    root = copy_project(tmp_path / "project", ["SEN", "GMB"], find_project_root())
    monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
    assert order_longest_first(["GMB", "SEN"]) == ["SEN", "GMB"]  # Senegal answered more

    # a second, larger round of answers for The Gambia makes it the longest job
    folder = root / "data" / "raw" / "GMB"
    (folder / "round2.csv").write_bytes(b"x" * 2_000_000)
    assert order_longest_first(["SEN", "ZZZ", "GMB"]) == ["GMB", "SEN", "ZZZ"]
