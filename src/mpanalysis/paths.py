"""Where the project's folders are. One place, so notebooks, CLI and tests agree.

The project root is found from the environment variable ``MPANALYSIS_ROOT`` or, failing that, by
walking up from the current directory to the folder holding ``pyproject.toml`` and ``data/``;
installed in a source tree, the package's own location is the fallback.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]


def find_project_root(start: Path | None = None) -> Path:
    """Return the project folder (holding ``data/reference``).

    >>> (find_project_root() / "data" / "reference").is_dir()
    True
    """
    # os.getcwd(), not Path.cwd(): asked for every reference file, a Path built each time adds up
    return _find_project_root(os.environ.get("MPANALYSIS_ROOT") or "", str(start) if start else os.getcwd())


@lru_cache(maxsize=64)
def _find_project_root(env: str, start: str) -> Path:
    # asked thousands of times per guide (every reference file): the walk up is done once per
    # root setting and starting folder
    if env:
        return Path(env).resolve()
    here = Path(start).resolve()
    for candidate in [here, *here.parents]:
        if (candidate / "data" / "reference").is_dir() and (candidate / "pyproject.toml").is_file():
            return candidate
    return _PACKAGE_ROOT


def data_dir(root: Path | None = None) -> Path:
    return _join(root or find_project_root(), "data")


def reference_dir(root: Path | None = None) -> Path:
    return _join(root or find_project_root(), "data/reference")


@lru_cache(maxsize=256)
def _join(root: Path, relative: str) -> Path:
    return root / relative


def raw_dir(iso3: str | None = None, root: Path | None = None) -> Path:
    """``data/raw/`` or a country's input folder (the code checked: it never becomes a path).

    >>> raw_dir("../x")
    Traceback (most recent call last):
    ...
    ValueError: '../x' is not a country code: expected three letters (ISO 3166-1 alpha-3, e.g. SEN)
    """
    base = data_dir(root) / "raw"
    return base / normalize_country_code(iso3) if iso3 is not None else base


def params_dir(root: Path | None = None) -> Path:
    return (root or find_project_root()) / "params"


def params_path(iso3: str, root: Path | None = None) -> Path:
    return params_dir(root) / f"{normalize_country_code(iso3)}.yaml"


def outputs_dir(iso3: str | None = None, root: Path | None = None) -> Path:
    """``outputs/`` or a country's ``outputs/<ISO3>/``; a code that is not three letters raises
    ``ValueError``, so nothing is ever written outside ``outputs/`` (``run ../../x``, ``run ''``).

    >>> outputs_dir("sen").name
    'SEN'
    >>> outputs_dir("")
    Traceback (most recent call last):
    ...
    ValueError: '' is not a country code: expected three letters (ISO 3166-1 alpha-3, e.g. SEN)
    """
    base = (root or find_project_root()) / "outputs"
    return base / normalize_country_code(iso3) if iso3 is not None else base


def normalize_country_code(code: str) -> str:
    """Return an ISO 3166-1 alpha-3 code in capitals, or raise ``ValueError`` naming what was given.

    Every command checks a country code with it before touching the disk, so a code can never
    become a path (``../x``, ``''``).

    >>> normalize_country_code(" sen ")
    'SEN'
    >>> normalize_country_code("../x")
    Traceback (most recent call last):
    ...
    ValueError: '../x' is not a country code: expected three letters (ISO 3166-1 alpha-3, e.g. SEN)
    """
    text = str(code).strip()
    if not re.fullmatch(r"[A-Za-z]{3}", text):
        raise ValueError(f"'{code}' is not a country code: expected three letters (ISO 3166-1 alpha-3, e.g. SEN)")
    return text.upper()


def list_configured_countries(root: Path | None = None) -> list[str]:
    """Return the ISO3 codes that have a parameters file ``params/<ISO3>.yaml``, sorted.

    >>> "SEN" in list_configured_countries()
    True
    """
    folder = params_dir(root)
    if not folder.is_dir():
        return []
    return sorted({p.stem.upper() for p in folder.glob("*.yaml") if re.fullmatch(r"[A-Za-z]{3}", p.stem)})


def notebooks_dir(root: Path | None = None) -> Path:
    return (root or find_project_root()) / "notebooks"


def copy_project(target: Path, countries: list[str], root: Path | None = None) -> Path:
    """Copy what a build reads (data, notebooks, the given countries' parameters and answers) to
    ``target``, with an empty ``outputs/``: a scratch project for tests, benchmarks and trials.

    Point the package at it with ``MPANALYSIS_ROOT=<target>``; the original is never touched.
    """
    import shutil

    source = root or find_project_root()
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(source / "pyproject.toml", target / "pyproject.toml")
    shutil.copytree(source / "notebooks", target / "notebooks")
    data = target / "data"
    data.mkdir()
    for child in (source / "data").iterdir():
        if child.name == "raw":
            continue
        (shutil.copytree if child.is_dir() else shutil.copy)(child, data / child.name)
    (target / "params").mkdir()
    for country in countries:
        shutil.copytree(source / "data" / "raw" / country, data / "raw" / country)
        shutil.copy(source / "params" / f"{country}.yaml", target / "params" / f"{country}.yaml")
        decisions = source / "params" / f"{country}.workshop.yaml"  # the workshop's and review's decisions
        if decisions.is_file():
            shutil.copy(decisions, target / "params" / decisions.name)
    (target / "outputs").mkdir()
    return target
