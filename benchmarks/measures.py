"""The benchmark measurements, each in a throw-away copy of the project.

Every function here points the package at a project copy (``MPANALYSIS_ROOT``), so a benchmark
never touches the real ``outputs/``. Times are wall-clock seconds (``time.perf_counter``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import cpu  # the sibling module (benchmarks/ is put on sys.path by run.py)
from mpanalysis import paths

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
VENV_BIN = Path(sys.executable).parent

_NOTEBOOKS_LINE = re.compile(r"notebooks executed in ([0-9.]+) s")
_RENDER_LINE = re.compile(r"guides rendered in ([0-9.]+) s")


# ----------------------------------------------------------------------------------------------
# project copies


def copy_project(target: Path, countries: list[str]) -> Path:
    """Copy what a build reads into ``target``: the same copy the integration tests make."""
    return paths.copy_project(target, countries, REPO)


@contextmanager
def use_project(root: Path):
    """Point the package (and the processes it starts) at ``root`` for the ``with`` block."""
    previous = os.environ.get("MPANALYSIS_ROOT")
    os.environ["MPANALYSIS_ROOT"] = str(root)
    try:
        yield root
    finally:
        if previous is None:
            os.environ.pop("MPANALYSIS_ROOT", None)
        else:
            os.environ["MPANALYSIS_ROOT"] = previous


def read_load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# ----------------------------------------------------------------------------------------------
# 1. the floor: empty notebooks executed in-process with papermill


def write_empty_notebook(path: Path) -> Path:
    """Write a notebook with kernel ``python3`` and one trivial cell (what the floor executes)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("1 + 1")]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def measure_floor(n_notebooks: int, repeats: int, workdir: Path) -> dict:
    """Time ``n_notebooks`` empty notebooks executed one after the other with
    ``papermill.execute_notebook`` in this process (papermill already imported, one warm-up run
    not counted); return every repeat and their median."""
    import papermill

    source = write_empty_notebook(workdir / "empty.ipynb")
    out = workdir / "executed"
    out.mkdir(parents=True, exist_ok=True)

    def run(i: int) -> None:
        papermill.execute_notebook(str(source), str(out / f"empty_{i}.ipynb"), kernel_name="python3",
                                   progress_bar=False, log_output=False, cwd=str(workdir))

    run(-1)  # warm-up: papermill's and nbclient's lazy imports, the kernel's files in the page cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(n_notebooks):
            run(i)
        times.append(round(time.perf_counter() - start, 2))
    median = statistics.median(times)
    return {"n_notebooks": n_notebooks, "repeats": times, "seconds": median,
            "per_notebook_s": round(median / n_notebooks, 3), "load_average": read_load_average()}


# ----------------------------------------------------------------------------------------------
# reading what a build logged


def read_build_phases(log_path: Path) -> dict:
    """Return the notebook and rendering phases of the last build recorded in a ``run.log``.

    >>> import tempfile
    >>> log = Path(tempfile.mkdtemp()) / "run.log"
    >>> _ = log.write_text("x INFO build started\\nx INFO notebooks executed in 9.0 s\\n"
    ...                    "x INFO build started\\nx INFO notebooks executed in 7.5 s\\n"
    ...                    "x INFO guides rendered in 2.0 s\\n")
    >>> read_build_phases(log)
    {'notebooks_s': 7.5, 'render_s': 2.0, 'is_kernel_started': True}
    """
    try:
        text = log_path.read_text(encoding="utf-8")
    except OSError:  # the build never started (a worker died): nothing to read
        return {"notebooks_s": None, "render_s": None, "is_kernel_started": None}
    last = text.rsplit("build started", 1)[-1]
    notebooks = _NOTEBOOKS_LINE.findall(last)
    render = _RENDER_LINE.findall(last)
    return {"notebooks_s": float(notebooks[-1]) if notebooks else None,
            "render_s": float(render[-1]) if render else None,
            # the worker's kernel was started for this country (its imports are in its time)
            "is_kernel_started": "worker's kernel (kept from the previous country)" not in last}


def _cell_seconds(cell) -> float | None:
    execution = cell.get("metadata", {}).get("execution", {})
    started, finished = execution.get("iopub.execute_input"), execution.get("shell.execute_reply")
    if not started or not finished:
        return None
    parse = lambda s: dt.datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(finished) - parse(started)).total_seconds()


def read_cell_breakdown(executed_dir: Path, notebooks: tuple[str, ...]) -> dict:
    """Split the executed notebooks' time (cell timings recorded by nbclient) into the import
    cells and the rest (loading the dataset, building, showing and saving the chapter)."""
    import nbformat

    imports = work = 0.0
    per_notebook = {}
    cells = []
    for name in notebooks:
        path = executed_dir / name
        if not path.is_file():
            continue
        nb = nbformat.read(path, as_version=4)
        total = 0.0
        for number, cell in enumerate(nb.cells, start=1):
            if cell.cell_type != "code":
                continue
            seconds = _cell_seconds(cell) or 0.0
            total += seconds
            # the cell that imports the scientific stack and the package (first code after parameters)
            code = [line for line in cell.source.splitlines() if line.strip() and not line.startswith("#")]
            first_line = code[0] if code else ""
            if first_line.startswith(("import ", "from ")):
                imports += seconds
            else:
                work += seconds
            # a cell's last line names what it computes (`result = build_sources_chapter(ctx)`)
            cells.append({"notebook": name, "number": number, "cell": (code[-1] if code else "")[:80],
                          "is_import": first_line.startswith(("import ", "from ")), "seconds": round(seconds, 2)})
        per_notebook[name] = round(total, 2)
    return {"imports_s": round(imports, 2), "work_s": round(work, 2), "per_notebook_s": per_notebook,
            "slowest_cells": sorted(cells, key=lambda c: -c["seconds"])[:5]}


def describe_country_build(root: Path, country: str, langs: list[str], notebooks: tuple[str, ...]) -> dict:
    """Return the phases of a country's last build in project ``root`` (log + executed notebooks)."""
    base = root / "outputs" / country
    phases = read_build_phases(base / "logs" / "run.log")
    imports = work = 0.0
    per_lang = {}
    for lang in langs:
        cells = read_cell_breakdown(base / "work" / lang / "executed", notebooks)
        per_lang[lang] = cells
        imports += cells["imports_s"]
        work += cells["work_s"]
    cells_total = imports + work
    overhead = phases["notebooks_s"] - cells_total if phases["notebooks_s"] is not None else None
    return {**phases, "imports_s": round(imports, 2), "work_s": round(work, 2),
            "kernel_and_client_s": round(overhead, 2) if overhead is not None else None,
            "n_notebooks": len(notebooks) * len(langs), "per_language": per_lang}


# ----------------------------------------------------------------------------------------------
# where a country's notebook time goes: cProfile inside the shared kernel

# the profiler lives on the sys module: the kernel's namespace is reset before each notebook
_PROFILE_START = ("import cProfile, sys\n"
                  "sys.mpanalysis_benchmark_profile = cProfile.Profile()\n"
                  "sys.mpanalysis_benchmark_profile.enable()")
_PROFILE_STOP = ("import sys\nsys.mpanalysis_benchmark_profile.disable()\n"
                 "sys.mpanalysis_benchmark_profile.dump_stats({path!r})")


def add_profiler_cells(folder: Path, notebooks: tuple[str, ...], stats_path: Path) -> None:
    """Make the first notebook start a profiler and the last one save it (in a project copy only):
    the notebooks share one kernel, so the profile covers the whole notebook phase."""
    import nbformat

    first, last = folder / notebooks[0], folder / notebooks[-1]
    nb = nbformat.read(first, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(_PROFILE_START))
    nbformat.write(nb, first)
    nb = nbformat.read(last, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_PROFILE_STOP.format(path=str(stats_path))))
    nbformat.write(nb, last)


def _package_of(filename: str, name: str = "") -> str:
    """Name the library a profiled function belongs to.

    >>> _package_of("/x/.venv/lib/python3.11/site-packages/networkx/drawing/layout.py")
    'networkx'
    >>> _package_of("/work/main/src/mpanalysis/figures.py"), _package_of("<frozen importlib._bootstrap>")
    ('mpanalysis', 'imports (importlib)')
    >>> _package_of("~", "<method 'poll' of 'select.epoll' objects>")
    'kernel waiting for the next cell'
    """
    path = filename.replace("\\", "/")
    if path == "~" and ("epoll" in name or "select" in name):
        return "kernel waiting for the next cell"
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/mpanalysis/" in path:
        return "mpanalysis"
    if "importlib" in path:
        return "imports (importlib)"
    if path.startswith("~") or path.startswith("<"):
        return "built-ins"
    return "standard library"


def summarize_profile(stats_path: Path, top: int = 12) -> dict:
    """Return a profile's own time per library and the package functions with most cumulative time."""
    import pstats

    stats = pstats.Stats(str(stats_path)).stats  # {(file, line, name): (cc, nc, tottime, cumtime, callers)}
    by_package: dict[str, float] = {}
    functions = []
    for (filename, line, name), (_, _, own, cumulative, _) in stats.items():
        package = _package_of(filename, name)
        by_package[package] = by_package.get(package, 0.0) + own
        if package == "mpanalysis":
            module = filename.replace("\\", "/").split("/mpanalysis/", 1)[1].removesuffix(".py").replace("/", ".")
            functions.append({"function": f"{module}.{name}", "cumulative_s": round(cumulative, 2)})
    total = sum(by_package.values())
    return {"total_s": round(total, 2),
            "by_package": [{"package": k, "seconds": round(v, 2)}
                           for k, v in sorted(by_package.items(), key=lambda kv: -kv[1])[:top]],
            "functions": sorted(functions, key=lambda f: -f["cumulative_s"])[:top]}


def profile_country_build(root: Path, country: str, options, notebooks: tuple[str, ...]) -> dict:
    """Build one country (forced) with the notebooks profiled; return where their time went.

    cProfile slows the code it watches (roughly 1.5–2×): the shares matter, not the seconds.
    """
    from mpanalysis.batch.job import build_country

    stats_path = root / "outputs" / "notebooks.pstats"
    add_profiler_cells(root / "notebooks", notebooks, stats_path)
    with use_project(root):
        result = build_country(country, options)
    if not stats_path.is_file():
        return {"country": country, "error": f"{result.status}: {result.message}"}
    return {"country": country, "langs": list(options.langs or []), **summarize_profile(stats_path)}


# ----------------------------------------------------------------------------------------------
# 2–3. the batch, the regional outputs and the no-change rerun


def read_waited_cpu_seconds() -> float:
    """Return the CPU time of this process and of the children it waited for (and theirs, when
    they waited): what ``resource.getrusage`` sees, which misses processes nobody waits for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# run_countries in a new process: the benchmark's own process keeps caches (static images, compiled
# templates, reference texts) from one batch to the next, which would flatter later 1-worker runs.
# The process's own CPU before the call (interpreter start-up, imports) is outside the timed call.
_BATCH_SCRIPT = """
import json, sys, time
from mpanalysis.batch.job import BuildOptions; from mpanalysis.batch.run import run_countries
args = json.loads(sys.argv[1])
options = BuildOptions(**{k: tuple(v) if isinstance(v, list) else v for k, v in args["options"].items()})
startup_cpu_s = time.process_time()
start = time.perf_counter()
results = run_countries(args["countries"], options, workers=args["workers"], show_progress=False)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": round(seconds, 2), "startup_cpu_s": round(startup_cpu_s, 2), "countries": [
    {"country": r.country, "status": r.status, "seconds": r.seconds, "message": r.message} for r in results]}))
"""


def run_batch(root: Path, countries: list[str], options, workers: int, idle_baseline_s: float = 5.0,
              sample_interval_s: float = 0.25) -> dict:
    """Time ``run_countries`` (forced) on a project copy, in a new process as ``mpanalysis run``
    would (the time counts from the call, after the interpreter's start); return the wall-clock
    time, each country's row and the CPU the batch used (``cpu``: sampled from ``/proc`` by
    ``cpu.ProcessSampler``, after ``idle_baseline_s`` seconds measuring the load of other work).

    The batch gets its own marker variable and temporary folder, by which the sampler recognises
    its processes that left the process tree (Chromium's).
    """
    from dataclasses import asdict

    arguments = json.dumps({"countries": countries, "workers": workers, "options": asdict(options)})
    tmp_folder = root.with_name(root.name + "-tmp")
    tmp_folder.mkdir(parents=True, exist_ok=True)
    marker = uuid.uuid4().hex
    with use_project(root):
        env = dict(os.environ, TMPDIR=str(tmp_folder), **{cpu.MARKER_VARIABLE: marker})
        load = read_load_average()
        idle = cpu.measure_idle_load(idle_baseline_s)
        waited_start = read_waited_cpu_seconds()
        with cpu.ProcessSampler(os.getpid(), marker, tmp_folder, sample_interval_s) as sampler:
            completed = subprocess.run([sys.executable, "-c", _BATCH_SCRIPT, arguments], cwd=root, env=env,
                                       capture_output=True, text=True, check=False)
        waited_s = read_waited_cpu_seconds() - waited_start
    if completed.returncode:
        raise RuntimeError(f"the {workers}-worker batch stopped:\n{completed.stderr[-3000:]}")
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    usage = sampler.summarize()
    usage.update(idle_baseline=idle, startup_core_s=outcome["startup_cpu_s"],
                 # the benchmark process's own CPU is in the waited figure too: take it out
                 waited_core_s=round(waited_s - usage["sampler_core_s"], 1))
    return {"workers": workers, "seconds": outcome["seconds"], "cpu": usage, "load_average_before": load,
            "load_average_after": read_load_average(), "countries": outcome["countries"]}


def measure_print_floor(root: Path, country: str) -> dict:
    """Time headless Chromium printing each of a built country's HTML guides to PDF, one browser
    start per guide (``chromium --print-to-pdf``, its plotly figures drawn in the page): the floor
    the export of the same guides is compared with. Return the summed seconds and each guide's."""
    from mpanalysis.render.browser import OFFLINE_FLAGS, find_chromium

    guides = sorted((root / "outputs" / country / "guides").glob(f"{country}_guide_*.html"))
    executable = find_chromium()
    per_guide = {}
    with tempfile.TemporaryDirectory(prefix="mpanalysis-print-floor-") as folder:
        for i, html in enumerate(guides):
            flags = [*OFFLINE_FLAGS, f"--user-data-dir={folder}/profile{i}", "--no-pdf-header-footer",
                     f"--print-to-pdf={folder}/{html.stem}.pdf"]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                flags.append("--no-sandbox")
            start = time.perf_counter()
            subprocess.run([executable, *flags, html.resolve().as_uri()], capture_output=True, timeout=300)
            seconds = time.perf_counter() - start
            is_printed = (Path(folder) / f"{html.stem}.pdf").is_file()
            per_guide[html.name] = round(seconds, 2) if is_printed else None
    printed = [s for s in per_guide.values() if s is not None]
    return {"country": country, "n_guides": len(guides), "seconds": round(sum(printed), 2),
            "per_guide_s": per_guide, "is_complete": len(printed) == len(guides) > 0}


# the export of one country's guides, step by step, in a new process (nothing cached from a batch)
_EXPORT_SCRIPT = """
import datetime as dt, json, sys, time
t0 = time.perf_counter()
from mpanalysis.guide.chapters.annexes import build_annexes
from mpanalysis.guide.chapters.base import load_chapter_context, load_chapter_results
from mpanalysis.paths import outputs_dir
from mpanalysis.publish.assemble import CHAPTER_KEYS, assemble_guide
from mpanalysis.render.docx import build_docx
from mpanalysis.render.html import build_html
from mpanalysis.render.pdf import build_static_images
from mpanalysis.render.printer import get_printer, print_pdf
imports_s = time.perf_counter() - t0
country, langs = sys.argv[1], json.loads(sys.argv[2])
t = time.perf_counter(); get_printer(); browser_start_s = time.perf_counter() - t
steps = []
def timed(lang, length, step, call):
    start = time.perf_counter(); value = call()
    steps.append({"lang": lang, "length": length, "step": step, "seconds": round(time.perf_counter() - start, 3)})
    return value
for lang in langs:
    work = outputs_dir(country) / "work" / lang
    ctx = timed(lang, "", "load", lambda: load_chapter_context(country, lang))
    chapters = timed(lang, "", "load", lambda: load_chapter_results(work, list(CHAPTER_KEYS)))
    annexes = timed(lang, "", "load", lambda: build_annexes(ctx, dt.date.today()))
    for length in ("full", "brief"):
        guide = timed(lang, length, "assemble", lambda: assemble_guide(
            ctx, work, edition="public", length=length, provenance={}, version="1", today=dt.date.today(),
            chapters=chapters, annexes=annexes))
        timed(lang, length, "html", lambda: build_html(guide, "screen"))
        images = timed(lang, length, "svg_figures", lambda: build_static_images(guide, "svg"))
        html = timed(lang, length, "print_html", lambda: build_html(guide, "print", images))
        timed(lang, length, "pdf_print", lambda: print_pdf(html))
        timed(lang, length, "png_figures", lambda: build_static_images(guide, "png"))
        timed(lang, length, "docx", lambda: build_docx(guide))
print(json.dumps({"imports_s": round(imports_s, 2), "browser_start_s": round(browser_start_s, 2), "steps": steps}))
"""
#: Steps of the export done by Chromium (the rest is this process's own work).
BROWSER_STEPS = ("svg_figures", "pdf_print", "png_figures")


def profile_export(root: Path, country: str, langs: list[str]) -> dict:
    """Time each step of the export of a built country's guides (public edition, full and brief),
    one after the other in a new process: loading, HTML, static figures, printing, DOCX. Return the
    steps, their sums per step and how long the browser worked against the whole."""
    with use_project(root):
        completed = subprocess.run([sys.executable, "-c", _EXPORT_SCRIPT, country, json.dumps(langs)],
                                   cwd=root, capture_output=True, text=True)
    if completed.returncode:
        return {"country": country, "error": completed.stderr[-2000:]}
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    by_step: dict[str, float] = {}
    for step in outcome["steps"]:
        by_step[step["step"]] = round(by_step.get(step["step"], 0.0) + step["seconds"], 2)
    total = sum(by_step.values())
    browser = sum(by_step.get(s, 0.0) for s in BROWSER_STEPS)
    return dict(outcome, country=country, langs=langs, by_step=by_step, total_s=round(total, 2),
                browser_s=round(browser, 2), browser_idle_share=round(1 - browser / total, 3) if total else None)


#: The situations a coordinator runs ``mpanalysis run ISO3`` in, in the order they are timed on a
#: fresh copy of the project.
CLI_BUILD_ROUNDS = ("first_build", "rebuild", "after_change")


def time_cli_build(root: Path, country: str) -> dict:
    """Time ``mpanalysis run ISO3 --force`` as a coordinator types it (interpreter start-up, its own
    kernel and browser, every language, length and format) in three situations, on a fresh copy
    of the project: the country's first build (no dataset cache, no earlier guide), a rebuild
    with nothing changed, and a rebuild after one parameter changed (``staleness_years``: the
    dataset is read again from the exports and the guides' text changes). The slowest counts."""
    params = root / "params" / f"{country}.yaml"
    times, returncode, phases = [], 0, {}
    with use_project(root):
        for situation in CLI_BUILD_ROUNDS:
            if situation == "after_change":
                text = params.read_text(encoding="utf-8")
                years = int(re.search(r"^staleness_years: (\d+)", text, re.M).group(1))
                params.write_text(re.sub(r"^staleness_years: \d+", f"staleness_years: {years + 1}", text,
                                         flags=re.M), encoding="utf-8")
            start = time.perf_counter()
            completed = subprocess.run([str(VENV_BIN / "mpanalysis"), "run", country, "--force", "--quiet"],
                                       cwd=root, capture_output=True, text=True)
            times.append(round(time.perf_counter() - start, 2))
            returncode = max(returncode, completed.returncode)
            phases[situation] = read_build_phases(root / "outputs" / country / "logs" / "run.log")
    slowest = CLI_BUILD_ROUNDS[times.index(max(times))]
    return {"country": country, "seconds": max(times), "rounds_s": times, "rounds": list(CLI_BUILD_ROUNDS),
            "returncode": returncode, "phases": phases[slowest], "slowest": slowest}


def run_region(root: Path, options) -> dict:
    """Time ``build_region_outputs`` (regional synthesis + both atlases) on a project copy."""
    from mpanalysis.batch.run import build_region_outputs
    from mpanalysis.provenance import hash_package_source

    with use_project(root):
        hash_package_source.cache_clear()  # the source hash the workers saw, not an older one
        start = time.perf_counter()
        rows = build_region_outputs(options)
        seconds = round(time.perf_counter() - start, 2)
    return {"seconds": seconds, "rows": [{"name": r.country, "status": r.status, "seconds": r.seconds,
                                          "message": r.message} for r in rows]}


def _read_depends_on(root: Path, countries: list[str]) -> dict[str, dict]:
    records = {}
    for country in countries:
        try:
            records[country] = json.loads((root / "outputs" / country / "build.json").read_text("utf-8"))["depends_on"]
        except (OSError, ValueError, KeyError):
            records[country] = {}
    return records


def run_unchanged_rerun(root: Path, countries: list[str], options, cli_args: list[str],
                        max_attempts: int = 3) -> dict:
    """Time the no-change rerun of the whole region right after a build: ``run_countries`` with
    the default workers + ``build_region_outputs``, in this process (as ``mpanalysis run --all``
    does after its start-up), then the real command in a new process (start-up included).

    When the package source is edited while the benchmark runs (the editable install is shared
    with the developers), the first rerun rightly rebuilds: the rerun is then repeated, at most
    ``max_attempts`` times, and what changed is recorded.
    """
    from dataclasses import replace

    from mpanalysis.batch.job import compute_build_fingerprint
    from mpanalysis.batch.run import build_region_outputs, run_countries
    from mpanalysis.provenance import hash_package_source

    options = replace(options, is_forced=False)
    attempts = []
    with use_project(root):
        hash_package_source.cache_clear()
        start = time.perf_counter()
        for country in countries:
            compute_build_fingerprint(country, options)
        fingerprints_s = round(time.perf_counter() - start, 3)
        for _ in range(max_attempts):
            before = _read_depends_on(root, countries)
            hash_package_source.cache_clear()  # as a new `mpanalysis` process would see the source
            start = time.perf_counter()
            results = run_countries(countries, options, show_progress=False)
            countries_s = time.perf_counter() - start
            region = build_region_outputs(options)
            seconds = round(time.perf_counter() - start, 2)
            after = _read_depends_on(root, countries)
            statuses = {r.country: r.status for r in [*results, *region]}
            changed = sorted({key for c in countries for key in after[c]
                              if statuses.get(c) == "built" and before[c].get(key) != after[c][key]})
            if statuses.get("REGION") == "built":
                changed.append("regional synthesis")
            attempts.append({"seconds": seconds, "countries_s": round(countries_s, 2),
                             "region_s": round(seconds - countries_s, 2), "statuses": statuses,
                             "region_seconds": {r.country: r.seconds for r in region}, "changed": changed})
            if all(statuses[c] == "skipped" for c in [*countries, "REGION"] if c in statuses):
                break
        command = [str(VENV_BIN / "mpanalysis"), "run", "--all", "--quiet", *cli_args]
        cli_start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, text=True, cwd=root)
        cli_seconds = round(time.perf_counter() - cli_start, 2)
    return {**attempts[-1], "attempts": attempts, "fingerprints_in_process_s": fingerprints_s,
            "cli_command": " ".join(["mpanalysis", *command[1:]]), "cli_seconds": cli_seconds,
            "cli_returncode": completed.returncode,
            "cli_rebuilt": [line.split()[0] for line in completed.stdout.splitlines()
                            if len(line.split()) > 1 and line.split()[1] == "built"]}


# ----------------------------------------------------------------------------------------------
# 4. the naive loop


def run_naive_loop(root: Path, countries: list[str], langs: list[str], notebooks: tuple[str, ...]) -> dict:
    """Time ``naive_loop.sh``: one ``papermill`` CLI process per notebook, no shared kernel and
    no dataset cache, the same notebooks for the same countries and languages."""
    env = dict(os.environ, MPANALYSIS_ROOT=str(root), PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    log = root / "naive_loop.log"
    command = ["bash", str(BENCHMARKS / "naive_loop.sh"), str(root), " ".join(langs),
               " ".join(notebooks), *countries]
    load = read_load_average()
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as handle:
        completed = subprocess.run(command, env=env, stdout=handle, stderr=subprocess.STDOUT)
    seconds = round(time.perf_counter() - start, 2)
    n = len(countries) * len(langs) * len(notebooks)
    return {"seconds": seconds, "n_notebooks": n, "per_notebook_s": round(seconds / n, 2),
            "returncode": completed.returncode, "load_average_before": load,
            "load_average_after": read_load_average(),
            "log_tail": log.read_text(encoding="utf-8", errors="replace")[-2000:] if completed.returncode else ""}


# ----------------------------------------------------------------------------------------------
# 5. synthetic countries


def run_synthetic(n_institutions: int, timeout_s: int) -> dict:
    """Run ``synthetic.py`` for one size in a fresh process; keep the steps timed before a timeout."""
    command = [sys.executable, str(BENCHMARKS / "synthetic.py"), "--institutions", str(n_institutions)]
    with use_project(REPO), tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        try:
            completed = subprocess.run(command, stdout=out, stderr=subprocess.PIPE, text=True,
                                       timeout=timeout_s, cwd=REPO)
            error = completed.stderr[-2000:] if completed.returncode else ""
        except subprocess.TimeoutExpired:
            error = f"stopped after {timeout_s} s"
        wall = round(time.perf_counter() - start, 2)
        out.seek(0)
        records = [json.loads(line) for line in out if line.strip().startswith("{")]
    result = next((r["result"] for r in records if "result" in r), None)
    if result is None:  # timed out or failed: keep what was measured
        steps = {r["step"]: r["seconds"] for r in records if "step" in r}
        result = {"n_institutions": n_institutions, "steps": steps,
                  "analysis_seconds": round(sum(v for k, v in steps.items() if k != "generate dataset"), 3),
                  "peak_rss_mb": max((r["rss_mb"] for r in records if "rss_mb" in r), default=None),
                  "is_complete": False}
    else:
        result["is_complete"] = True
    result["process_seconds"] = wall
    result["error"] = error
    return result
