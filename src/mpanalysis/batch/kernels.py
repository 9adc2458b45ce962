"""Executing the chapter notebooks with papermill, in-process, with failures in the user's words.

A failing notebook is reported by notebook name, cell number (as JupyterLab counts them, from 1)
and the error; the partially executed notebook is kept for inspection.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from mpanalysis.errors import MpanalysisError
from mpanalysis.paths import notebooks_dir

#: The chapter notebooks, in the order they run (chapter IV reads the findings of I–III).
CHAPTER_NOTEBOOKS = (
    "01_sources.ipynb",
    "02_policy_cycle.ipynb",
    "03_mp_process.ipynb",
    "04_recommendations.ipynb",
)

# papermill and the kernel manager log every cell at INFO; the batch keeps its own log.
for _name in ("papermill", "traitlets", "asyncio"):
    logging.getLogger(_name).setLevel(logging.WARNING)


class NotebookFailure(MpanalysisError):
    """A notebook stopped on an error; names the notebook, the cell and the error.

    >>> str(NotebookFailure("01_sources.ipynb", 4, "KeyError", "'trends'", Path("x.ipynb")))
    "notebook 01_sources.ipynb, cell 4: KeyError: 'trends' (executed notebook kept in x.ipynb)"
    """

    def __init__(self, notebook: str, cell: int | None, ename: str, evalue: str,
                 executed_path: Path | None) -> None:
        self.notebook = notebook
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        self.executed_path = executed_path
        where = f"notebook {notebook}" + (f", cell {cell}" if cell is not None else "")
        kept = f" (executed notebook kept in {executed_path})" if executed_path else ""
        super().__init__(f"{where}: {ename}: {evalue}{kept}")


@dataclass(frozen=True)
class NotebookRun:
    notebook: str
    executed_path: Path
    seconds: float


def execute_notebook(name: str, executed_path: Path, parameters: dict, *,
                     folder: Path | None = None, timeout_s: int = 600) -> NotebookRun:
    """Execute ``notebooks/<name>`` with ``parameters`` into ``executed_path`` (in this process).

    Raises :class:`NotebookFailure` when a cell fails; the executed notebook, with the error cell,
    stays at ``executed_path``.
    """
    import time

    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = (folder or notebooks_dir()) / name
    if not source.is_file():
        raise MpanalysisError(f"notebook {source} not found")
    executed_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    env_root = os.environ.get("MPANALYSIS_ROOT")
    try:
        # the kernel finds the project through MPANALYSIS_ROOT when the notebooks folder is not
        # inside it (tests copy projects to temporary folders)
        os.environ["MPANALYSIS_ROOT"] = str(source.parent.parent.resolve())
        papermill.execute_notebook(
            str(source), str(executed_path), parameters=parameters, kernel_name="python3",
            progress_bar=False, log_output=False, cwd=str(source.parent), execution_timeout=timeout_s,
        )
    except PapermillExecutionError as exc:
        raise NotebookFailure(name, _cell_number(executed_path, exc.cell_index), exc.ename,
                              str(exc.evalue), executed_path) from None
    finally:
        if env_root is None:
            os.environ.pop("MPANALYSIS_ROOT", None)
        else:
            os.environ["MPANALYSIS_ROOT"] = env_root
    return NotebookRun(name, executed_path, time.perf_counter() - start)


def _cell_number(executed_path: Path, cell_index: int | None) -> int | None:
    """Return the cell's position as JupyterLab shows it (1-based, without papermill's cells)."""
    if cell_index is None:
        return None
    try:
        import nbformat

        nb = nbformat.read(executed_path, as_version=4)
        visible = [i for i, c in enumerate(nb.cells)
                   if "papermill-error-cell-tag" not in c.metadata.get("tags", [])
                   and "injected-parameters" not in c.metadata.get("tags", [])]
        return visible.index(cell_index) + 1 if cell_index in visible else cell_index + 1
    except Exception:  # the number is a courtesy; never hide the real error behind this one
        return cell_index + 1


def _find_running_cell(nb) -> int | None:
    """Return the index of the code cell that was running when the kernel stopped answering: the
    one that started (nbclient timed its ``execute_input``) without a reply, else the first one
    never started. A dying kernel may or may not have announced the cell it was running."""
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for index, cell in code:
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" not in timing:
            return index
    return next((i for i, c in code if c.get("execution_count") is None), None)


class SharedKernel:
    """One kernel that executes notebook after notebook, for the batch.

    Starting a kernel and importing pandas, plotly and the package costs more than most chapter
    notebooks' own work, so a batch worker runs every notebook of every country it builds in
    one kernel, through one client connection. Each notebook still starts from an empty
    namespace (as after ``%reset -f``: nothing a notebook defines leaks into the next one; the
    imported modules stay loaded, which is the point) and gets its parameters injected after its
    ``parameters`` cell exactly as papermill does, so it also runs alone in JupyterLab (the
    integration tests execute each notebook in a fresh kernel too).

    The kernel starts at the first notebook. :meth:`restart` replaces it (the batch does so after
    any failure, so that a half-done or timed-out cell never carries over to the next country),
    and a kernel that died (killed, out of memory) is replaced before the next notebook.

    >>> with SharedKernel() as kernel:  # doctest: +SKIP
    ...     kernel.execute("01_sources.ipynb", Path("out.ipynb"), {"country": "SEN"})
    """

    #: Sent (silently) before each notebook: an empty namespace, execution counts from 1.
    RESET_CODE = "get_ipython().reset(new_session=True)"
    #: Imported by the kernel as it starts (IPython's ``exec_lines``), while the batch writes the
    #: validation report: the first notebook then finds the package loaded (a reset keeps modules).
    PRELOAD_MODULES = ("mpanalysis.api", "mpanalysis.guide.chapters.sources",
                       "mpanalysis.guide.chapters.policy_cycle", "mpanalysis.guide.chapters.mp_process",
                       "mpanalysis.guide.chapters.recommendations", "mpanalysis.render.notebook")

    def __init__(self, folder: Path | None = None, timeout_s: int = 600,
                 stderr_path: Path | None = None) -> None:
        self.folder = folder or notebooks_dir()
        self.timeout_s = timeout_s
        self.stderr_path = stderr_path
        self._stderr = None
        self.km = None
        self.kc = None
        #: how many kernels this object has started (1 unless restarted)
        self.n_started = 0
        self._is_ready = False

    def __enter__(self) -> "SharedKernel":
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    @property
    def is_alive(self) -> bool:
        """True when a kernel is running (started and not dead)."""
        from jupyter_core.utils import run_sync

        return self.km is not None and run_sync(self.km.is_alive)()

    def start(self, is_waiting: bool = True) -> None:
        """Start the kernel and its client now (otherwise :meth:`execute` does it).

        With ``is_waiting=False`` the kernel boots (and imports the package) in the background
        and the first :meth:`execute` waits for it.
        """
        # the asynchronous manager and client, as nbclient itself uses: with the blocking client,
        # nbclient waits for a dead kernel's output forever instead of reporting it
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        self.shutdown()
        from mpanalysis.render.display import SHARED_PLOTLY_JS_VARIABLE

        # the executed copies become the analysis trail, whose pages share one plotly.js file
        env = dict(os.environ, MPANALYSIS_ROOT=str(self.folder.parent.resolve()), **{SHARED_PLOTLY_JS_VARIABLE: "1"})
        self.km = AsyncKernelManager(kernel_name="python3")
        extra = {}
        if self.stderr_path is not None:
            # the kernel's own chatter (e.g. "running over TCP without encryption") goes to a log
            self.stderr_path.parent.mkdir(parents=True, exist_ok=True)
            self._stderr = open(self.stderr_path, "a", encoding="utf-8")
            extra["stderr"] = self._stderr
        # no history database: nobody reads a batch kernel's history, and kernels running side by
        # side would share (and lock) one SQLite file in the user's home
        preload = f"--IPKernelApp.exec_lines=import {', '.join(self.PRELOAD_MODULES)}"
        run_sync(self.km.start_kernel)(cwd=str(self.folder), env=env,
                                       extra_arguments=["--HistoryManager.enabled=False", preload],
                                       **extra)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.n_started += 1
        self._is_ready = False
        if is_waiting:
            self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            run_sync(self.kc.wait_for_ready)(timeout=60)
        except RuntimeError as exc:
            self.shutdown()
            raise MpanalysisError(f"the Python kernel did not start: {exc}") from None
        self._is_ready = True

    def restart(self) -> None:
        """Replace the kernel by a fresh one at the next notebook."""
        self.shutdown()

    def shutdown(self) -> None:
        """Stop the kernel (if any); the next :meth:`execute` starts a new one."""
        from jupyter_core.utils import run_sync

        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km is not None and self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            self.kc = None
            self.km = None
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None

    def _reset_namespace(self) -> None:
        from jupyter_core.utils import run_sync

        msg_id = self.kc.execute(self.RESET_CODE, silent=True, store_history=False)
        get_reply = run_sync(self.kc.get_shell_msg)
        reply = get_reply(timeout=60)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = get_reply(timeout=60)
        if reply["content"].get("status") != "ok":
            raise MpanalysisError(f"the kernel could not be reset: {reply['content'].get('evalue')}")

    def execute(self, name: str, executed_path: Path, parameters: dict) -> NotebookRun:
        """Execute one notebook in the shared kernel; raise :class:`NotebookFailure` on error."""
        import time

        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        from mpanalysis.fileio import write_text_atomic

        source = self.folder / name
        if not source.is_file():
            raise MpanalysisError(f"notebook {source} not found")
        start = time.perf_counter()
        if not self.is_alive:
            self.start()
        elif not self._is_ready:
            self._wait_until_ready()
        self._reset_namespace()
        nb = parameterize_notebook(load_notebook_node(str(source)), parameters,
                                   kernel_name="python3", language="python")
        client = NotebookClient(nb, km=self.km, timeout=self.timeout_s, kernel_name="python3",
                                resources={"metadata": {"path": str(self.folder)}})
        # the one client connection is reused: connecting a new one costs ~0.2 s per notebook
        client.kc = self.kc
        failure = None
        try:
            client.execute()
        except CellExecutionError as exc:
            failure = exc
        except Exception as exc:  # timeout, dead kernel: the kernel cannot be trusted any more
            self.restart()
            failure = exc
        finally:
            write_text_atomic(executed_path, nbformat.writes(nb))
        if failure is not None:
            index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(
                o.get("output_type") == "error" for o in c.get("outputs", []))), None)
            if index is None:  # no error output: the cell that was running (timeout, dead kernel)
                index = _find_running_cell(nb)
            ename = getattr(failure, "ename", type(failure).__name__)
            evalue = getattr(failure, "evalue", str(failure))
            raise NotebookFailure(name, _cell_number(executed_path, index), ename, evalue, executed_path)
        return NotebookRun(name, executed_path, time.perf_counter() - start)
