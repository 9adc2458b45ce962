"""One kernel for many notebooks: each notebook still starts clean, failures name notebook and
cell, and a kernel that failed or died is replaced before the next notebook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mpanalysis.batch.kernels import NotebookFailure, SharedKernel


def write_notebook(folder: Path, name: str, *cells: str) -> None:
    """A notebook with a ``parameters`` cell (``x = 0``) followed by ``cells``."""
    def code(source: str, tags: list[str] | None = None) -> dict:
        return {"cell_type": "code", "execution_count": None, "id": f"c{abs(hash(source)) % 10**8}",
                "metadata": {"tags": tags or []}, "outputs": [], "source": source}

    nb = {"cells": [code("x = 0", ["parameters"]), *[code(c) for c in cells]],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (folder / name).write_text(json.dumps(nb), encoding="utf-8")


def outputs_text(path: Path) -> str:
    nb = json.loads(path.read_text(encoding="utf-8"))
    texts = [o.get("text", "") for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    return "".join("".join(t) if isinstance(t, list) else t for t in texts)


@pytest.fixture
def notebooks(tmp_path) -> Path:
    folder = tmp_path / "project" / "notebooks"
    folder.mkdir(parents=True)
    write_notebook(folder, "define.ipynb", "leaked = x * 2\nimport os\nprint('pid', os.getpid())")
    write_notebook(folder, "read.ipynb",
                   "print('leaked' in globals(), x)\nimport os\nprint('pid', os.getpid())")
    write_notebook(folder, "fail.ipynb", "y = 1", "raise ValueError('planted')")
    write_notebook(folder, "die.ipynb", "import os\nos._exit(1)")
    return folder


def pid_of(path: Path) -> str:
    return outputs_text(path).split("pid")[-1].strip()


def test_notebooks_share_the_kernel_but_not_their_variables(notebooks, tmp_path):
    out = tmp_path / "out"
    with SharedKernel(folder=notebooks) as kernel:
        kernel.execute("define.ipynb", out / "1.ipynb", {"x": 21})
        kernel.execute("read.ipynb", out / "2.ipynb", {"x": 5})
        assert kernel.n_started == 1
    assert pid_of(out / "1.ipynb") == pid_of(out / "2.ipynb")  # one kernel process
    assert outputs_text(out / "2.ipynb").startswith("False 5")  # parameters injected, nothing leaked
    counts = [c["execution_count"] for c in json.loads((out / "2.ipynb").read_text())["cells"]
              if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))  # numbered from 1, as in a fresh kernel


def test_a_failure_names_the_cell_and_the_next_notebook_gets_a_fresh_kernel(notebooks, tmp_path):
    out = tmp_path / "out"
    with SharedKernel(folder=notebooks) as kernel:
        kernel.execute("define.ipynb", out / "1.ipynb", {"x": 1})
        with pytest.raises(NotebookFailure) as failure:
            kernel.execute("fail.ipynb", out / "fail.ipynb", {})
        assert failure.value.notebook == "fail.ipynb" and failure.value.cell == 3
        assert "planted" in str(failure.value)
        assert (out / "fail.ipynb").is_file()
        kernel.restart()  # what the batch does after a failed country
        kernel.execute("read.ipynb", out / "2.ipynb", {"x": 2})
        assert kernel.n_started == 2
    assert pid_of(out / "1.ipynb") != pid_of(out / "2.ipynb")


def test_a_dead_kernel_is_reported_and_replaced(notebooks, tmp_path):
    out = tmp_path / "out"
    with SharedKernel(folder=notebooks, timeout_s=60) as kernel:
        with pytest.raises(NotebookFailure) as failure:
            kernel.execute("die.ipynb", out / "die.ipynb", {})
        assert failure.value.notebook == "die.ipynb" and failure.value.cell == 2
        kernel.execute("read.ipynb", out / "2.ipynb", {"x": 3})
        assert outputs_text(out / "2.ipynb").startswith("False 3")
        assert kernel.n_started == 2
    assert not kernel.is_alive
