"""`mpanalysis init` creates a parameters file that validates and an input folder."""

import shutil

import pytest

from mpanalysis.errors import MpanalysisError
from mpanalysis.ingest.scaffold import init_country
from mpanalysis.params import load_params
from mpanalysis.paths import find_project_root


@pytest.fixture
def project(tmp_path):
    shutil.copytree(find_project_root() / "data" / "templates", tmp_path / "data" / "templates")
    return tmp_path


def test_init_creates_valid_params_and_folder(project):
    params_file, folder = init_country("gha", root=project)
    assert params_file == project / "params" / "GHA.yaml"
    assert folder.is_dir() and (folder / "README.md").exists()
    assert load_params(params_file).country == "GHA"
    assert "Ghana" in params_file.read_text()


def test_init_starts_cabo_verde_in_portuguese(project):
    params = load_params(init_country("CPV", root=project)[0])
    assert params.languages == ["pt", "fr", "en"]
    assert load_params(init_country("GMB", root=project)[0]).languages == ["en", "fr"]


def test_init_refuses_to_overwrite(project):
    init_country("GHA", root=project)
    with pytest.raises(MpanalysisError, match="already exists"):
        init_country("GHA", root=project)


def test_init_rejects_unknown_code(project):
    with pytest.raises(MpanalysisError, match="ISO 3166-1"):
        init_country("ZZZ", root=project)
