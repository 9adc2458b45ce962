"""Notebooks are committed without outputs and have exactly one `parameters` cell of defaults."""

import ast
import json
from pathlib import Path

import pytest

from mpanalysis.paths import notebooks_dir

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name} cell {index} has outputs: strip them"
            assert cell.get("execution_count") is None, f"{path.name} cell {index} has an execution count"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_of_plain_assignments(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters'"
    tree = ast.parse("".join(tagged[0]["source"]))
    for node in tree.body:
        # defaults only: no imports, no calls, no logic in the parameters cell
        assert isinstance(node, (ast.Assign, ast.AnnAssign)), f"{path.name}: parameters cell must only assign defaults"
        assert not any(isinstance(n, ast.Call) for n in ast.walk(node)), f"{path.name}: no calls in parameters"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path: Path):
    """Computation lives in the package: no function or class definitions in notebooks."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        tree = ast.parse("\n".join(l for l in source.splitlines() if not l.lstrip().startswith(("%", "!"))))
        assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in ast.walk(tree)), \
            f"{path.name}: define functions in src/mpanalysis/, not in the notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_shows_each_parameter_with_its_type_and_choices(path: Path):
    """`papermill --help-notebook` shows a type for every parameter, and the languages offered are
    exactly those the reference data are translated into."""
    import nbformat
    from papermill.translators import PythonTranslator

    from mpanalysis.reference import get_languages

    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    parameters = PythonTranslator.inspect(nbformat.from_dict({**cell, "source": "".join(cell["source"])}))
    assert parameters, f"{path.name}: papermill finds no parameter"
    for parameter in parameters:
        assert parameter.inferred_type_name != "None", f"{path.name}: parameter '{parameter.name}' has no type"
        assert parameter.help, f"{path.name}: parameter '{parameter.name}' has no help comment"
    language = next((p for p in parameters if p.name == "language"), None)
    if language is not None:
        offered = language.help.removeprefix("one of:").replace(" ", "").split(",")
        assert sorted(offered) == get_languages(), f"{path.name}: 'language' should offer {get_languages()}"


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name[:2] in {"01", "02", "03", "04"}], ids=lambda p: p.name)
def test_chapter_notebooks_end_with_an_explore_section(path: Path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    headings = ["".join(c["source"]).splitlines()[0] for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert "## Explorer" in headings, f"{path.name}: no 'Explorer' section"
    explore = next(i for i, c in enumerate(nb["cells"]) if "".join(c["source"]).startswith("## Explorer"))
    code = "".join("".join(c["source"]) for c in nb["cells"][explore:] if c["cell_type"] == "code")
    assert "mp." in code or "result.tables" in code, f"{path.name}: the Explore section names no object"
