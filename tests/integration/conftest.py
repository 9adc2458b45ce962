"""Integration fixtures: throw-away copies of the project, so builds never touch outputs/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mpanalysis.paths import find_project_root

REPO = find_project_root()


def copy_project(target: Path, countries: list[str]) -> Path:
    """Copy what a build reads (data, notebooks, the given countries' params) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "pyproject.toml", target / "pyproject.toml")
    shutil.copytree(REPO / "notebooks", target / "notebooks")
    data = target / "data"
    data.mkdir()
    for child in (REPO / "data").iterdir():
        if child.name == "raw":
            continue
        (shutil.copytree if child.is_dir() else shutil.copy)(child, data / child.name)
    (target / "params").mkdir()
    for country in countries:
        shutil.copytree(REPO / "data" / "raw" / country, data / "raw" / country)
        shutil.copy(REPO / "params" / f"{country}.yaml", target / "params" / f"{country}.yaml")
    (target / "outputs").mkdir()
    return target


@pytest.fixture
def project_factory(tmp_path, monkeypatch):
    """Return a function making a project copy with some demo countries and pointing the package at it."""

    def make(countries: list[str], name: str = "project") -> Path:
        root = copy_project(tmp_path / name, countries)
        monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
        return root

    return make
