"""The package's layers are a contract (import-linter, in pyproject.toml), not a convention."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mpanalysis.paths import find_project_root

ROOT = find_project_root()
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
STAGES = ["ingest", "analysis", "guide", "render", "publish", "workshop", "batch"]
#: Packages shared by the stages (below them in the layers), not stages of the data.
SHARED_PACKAGES = ["wording"]

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e '.[dev]')")


def _lint(project: Path, source: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH first: grimp analyses the copy of the package under `source`, not the installed one
    env = dict(os.environ, PYTHONPATH=str(source))
    return subprocess.run([str(LINT_IMPORTS), "--config", str(project / "pyproject.toml"), "--no-cache"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300)


def test_the_package_keeps_its_layer_contracts():
    result = _lint(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("module", "planted", "contract"), [
    # reading answers must never depend on the batch that runs the guides
    ("ingest/form.py", "from mpanalysis.batch import job", "Pipeline stages import only the stages below them"),
    # analysis must not know how a guide is drawn
    ("analysis/sources.py", "from mpanalysis.render import html", "Pipeline stages import only the stages below them"),
    # the atlas must not reach into the regional synthesis
    ("publish/atlas/map.py", "from mpanalysis.publish.regional import texts",
     "The regional synthesis, the atlas and the open data are built independently of one another"),
])
def test_an_import_against_the_grain_breaks_the_contract(tmp_path, module, planted, contract):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "src", project / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    target = project / "src" / "mpanalysis" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{planted}  # planted by the test\n", encoding="utf-8")

    result = _lint(project, project / "src")

    assert result.returncode != 0
    assert f"{contract} BROKEN" in " ".join(result.stdout.split())
    importer = "mpanalysis." + module.removesuffix(".py").replace("/", ".")
    assert importer in result.stdout


def test_the_folders_are_the_stages_of_the_data():
    package = ROOT / "src" / "mpanalysis"
    folders = sorted(p.name for p in package.iterdir() if p.is_dir() and not p.name.startswith("__"))
    assert folders == sorted(STAGES + SHARED_PACKAGES)
    # every stage is a documented package
    for stage in STAGES + SHARED_PACKAGES:
        init = package / stage / "__init__.py"
        assert init.is_file() and init.read_text(encoding="utf-8").startswith('"""'), stage
