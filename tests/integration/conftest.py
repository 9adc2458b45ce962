"""Integration fixtures: throw-away copies of the project, so builds never touch outputs/."""

from __future__ import annotations

from pathlib import Path

import pytest

from mpanalysis.paths import copy_project as copy_project_from
from mpanalysis.paths import find_project_root

REPO = find_project_root()


def copy_project(target: Path, countries: list[str]) -> Path:
    """Copy what a build reads into ``target`` (see :func:`mpanalysis.paths.copy_project`)."""
    return copy_project_from(target, countries, REPO)


@pytest.fixture
def project_factory(tmp_path, monkeypatch):
    """Return a function making a project copy with some demo countries and pointing the package at it."""

    def make(countries: list[str], name: str = "project") -> Path:
        root = copy_project(tmp_path / name, countries)
        monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
        return root

    return make
