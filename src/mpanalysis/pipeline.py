"""Building a country's guides end to end, and the whole region in parallel.

:func:`build_country` is the per-country job: a plain importable function that any orchestrator
(the local process pool, a dask cluster, a scheduler of your own) can call. It never raises for
a user's mistake: it returns a :class:`CountryResult` saying ``built``, ``skipped`` (inputs,
parameters, notebooks and package unchanged since the last build) or ``failed`` (with the
notebook, the cell and the error). One country's failure never touches the others' outputs.

Layout of ``outputs/<ISO3>/``::

    guides/<ISO3>_guide_<lang>_<edition>_<length>.{html,pdf,docx}
    data/        open data: canonical tables (CSV, XLSX), network (GraphML, GEXF, CSV)
    validation/  validation report (HTML, CSV)
    editions/<n>/ snapshot of each round of answers; the previous edition's guides are archived here
    work/<lang>/ chapters, findings, measures and tables saved by the notebooks; executed notebooks
    logs/run.log
    build.json   fingerprint, provenance and outputs of the last successful build (written last)
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__
from .errors import MpanalysisError
from .notebooks import CHAPTER_NOTEBOOKS, NotebookFailure, SharedKernel
from .paths import find_project_root, notebooks_dir, outputs_dir, params_path

DEFAULT_FORMATS = ("html", "pdf", "docx")
DEFAULT_LENGTHS = ("full", "brief")


@dataclass(frozen=True)
class BuildOptions:
    """What to build. ``None`` means "as the country's parameters say" (languages, edition)."""

    langs: tuple[str, ...] | None = None
    editions: tuple[str, ...] | None = None
    lengths: tuple[str, ...] = DEFAULT_LENGTHS
    formats: tuple[str, ...] = DEFAULT_FORMATS
    is_forced: bool = False
    today: str | None = None  # ISO date printed on the guides (default: today)

    def describe(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()
                if k != "is_forced"}


@dataclass
class CountryResult:
    """The outcome of one country's build (also a row of ``outputs/run.json``)."""

    country: str
    status: str  # built | skipped | failed
    seconds: float = 0.0
    message: str = ""
    notebook: str | None = None
    cell: int | None = None
    outputs: list[str] = field(default_factory=list)
    log: str | None = None

    @property
    def is_failed(self) -> bool:
        return self.status == "failed"


def _get_logger(country: str, log_path: Path) -> logging.Logger:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"mpanalysis.build.{country}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    handler = logging.FileHandler(log_path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    return logger


def compute_build_fingerprint(country: str, options: BuildOptions) -> dict:
    """Return what a country's build depends on, hashed: inputs, parameters, notebooks, code."""
    from .cache import hash_package_source, list_input_files
    from .dataset import get_input_folder
    from .params import load_params
    from .provenance import hash_file, hash_object

    params = load_params(country)
    folder = get_input_folder(params)
    record = {
        "inputs": {p.name: hash_file(p) for p in list_input_files(folder)},
        "params_file": hash_file(params_path(country)),
        "notebooks": {name: hash_file(notebooks_dir() / name) for name in CHAPTER_NOTEBOOKS},
        "reference": hash_reference_data(),
        "code": hash_package_source(),
        "package_version": __version__,
        "options": options.describe(),
    }
    record["fingerprint"] = hash_object(record)
    return record


def hash_reference_data() -> str:
    """Return one hash of ``data/reference/`` (labels, texts, rules: they change the guides)."""
    from .provenance import hash_file, hash_object

    folder = find_project_root() / "data" / "reference"
    return hash_object({str(p.relative_to(folder)): hash_file(p)
                        for p in sorted(folder.rglob("*")) if p.is_file()})


def read_build_record(country: str) -> dict | None:
    """Return the last successful build's record of a country, or None."""
    path = outputs_dir(country) / "build.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_build_current(country: str, fingerprint: str) -> bool:
    """True when the last build has this fingerprint and every output it listed still exists."""
    record = read_build_record(country)
    if not record or record.get("fingerprint") != fingerprint:
        return False
    base = outputs_dir(country)
    return all((base / rel).is_file() for rel in record.get("outputs", []))


def build_country(country: str, options: BuildOptions | None = None, *,
                  kernel: SharedKernel | None = None) -> CountryResult:
    """Build every guide of one country; never raises for a user's mistake (see module doc).

    Safe to call in a separate process or on a dask worker: it reads the project from
    ``MPANALYSIS_ROOT`` or the current folder and writes only under ``outputs/<ISO3>/``.
    ``kernel`` is a :class:`~mpanalysis.notebooks.SharedKernel` to execute the notebooks in (the
    batch hands each worker's kernel from country to country, so the imports are paid once per
    worker); by default the country gets a kernel of its own, shut down at the end. A country
    that fails restarts the kernel it was given: the next country never inherits a half-run one.
    """
    options = options or BuildOptions()
    start = time.perf_counter()
    country = country.upper()
    base = outputs_dir(country)
    log_path = base / "logs" / "run.log"
    logger = _get_logger(country, log_path)
    result = CountryResult(country=country, status="failed", log=str(log_path))
    try:
        fingerprint = compute_build_fingerprint(country, options)
        if not options.is_forced and is_build_current(country, fingerprint["fingerprint"]):
            result.status = "skipped"
            result.message = "up to date (inputs, parameters, notebooks and package unchanged)"
            result.outputs = read_build_record(country).get("outputs", [])
            logger.info("skipped: up to date")
            return result
        logger.info("build started (mpanalysis %s)", __version__)
        outputs, edition = _build_country_outputs(country, options, fingerprint, logger, kernel)
        result.outputs = [str(p.relative_to(base)) for p in outputs]
        record = {"country": country, "fingerprint": fingerprint["fingerprint"], "depends_on": fingerprint,
                  "edition": edition,
                  "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                  "package_version": __version__, "outputs": result.outputs}
        from .fileio import write_text_atomic

        # written last: an interrupted build has no record, so the next run rebuilds it
        write_text_atomic(base / "build.json", json.dumps(record, indent=1, ensure_ascii=False))
        result.status = "built"
        result.message = f"{len([o for o in result.outputs if o.startswith('guides/')])} guide files"
        logger.info("build finished: %s", result.message)
    except NotebookFailure as exc:
        result.message = f"{exc.ename}: {exc.evalue}"
        result.notebook, result.cell = exc.notebook, exc.cell
        logger.error("failed in %s", exc)
    except MpanalysisError as exc:
        result.message = str(exc)
        logger.error("failed: %s", exc)
    except Exception as exc:  # a bug: keep the traceback in the log, keep the other countries going
        result.message = f"internal error {type(exc).__name__}: {exc} (traceback in {log_path})"
        logger.error("internal error\n%s", traceback.format_exc())
    finally:
        result.seconds = round(time.perf_counter() - start, 2)
        for handler in list(logger.handlers):
            handler.close()
            logger.removeHandler(handler)
    return result


def _build_country_outputs(country: str, options: BuildOptions, fingerprint: dict,
                           logger: logging.Logger, kernel: SharedKernel | None = None
                           ) -> tuple[list[Path], int]:
    from .assemble import CHAPTER_KEYS, assemble_guide, make_guide_stem
    from .chapters.annexes import build_annexes
    from .chapters.base import load_chapter_context, load_chapter_results
    from .editions import build_changes_chapter, make_edition_snapshot, register_edition
    from .opendata import write_open_data
    from .params import load_params
    from .render import render_guide
    from .report import write_validation_report

    params = load_params(country)
    base = outputs_dir(country)
    langs = options.langs or tuple(params.languages)
    editions = options.editions or (params.edition,)
    today = dt.date.fromisoformat(options.today) if options.today else dt.date.today()
    written: list[Path] = []

    first = load_chapter_context(country, langs[0])
    report = write_validation_report(first.dataset, base / "validation", lang=langs[0])
    written += list(report.values())
    logger.info("validation report written")

    # a new round of answers is a new edition: archive the previous guides before overwriting them
    update = register_edition(make_edition_snapshot(first.dataset, params, today=today),
                              last_build=read_build_record(country), base=base)
    edition = update.current.number
    logger.info("edition %d (%s)", edition, "new answers" if update.is_new else "same answers")

    provenance = {
        "package_version": __version__,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "input_hashes": fingerprint["inputs"],
        "params_file": f"params/{country}.yaml",
        "params_hash": fingerprint["params_file"],
        "endorsement_status": params.endorsement.status,
        "edition": edition,
    }
    if {"pdf", "docx"} & set(options.formats):
        _start_figure_server_in_background()
    # every chapter notebook of the country, in every language, runs in one kernel (see SharedKernel)
    notebook_start = time.perf_counter()
    is_own_kernel = kernel is None
    if kernel is None:
        kernel = SharedKernel(stderr_path=base / "logs" / "kernel.log")
    else:
        logger.info("notebooks run in the worker's kernel (%s)", "kept from the previous country"
                    if kernel.is_alive else "a new one")
    try:
        for lang in langs:
            work = base / "work" / lang
            for name in CHAPTER_NOTEBOOKS:
                run = kernel.execute(name, work / "executed" / name,
                                     {"country": country, "language": lang, "output_dir": str(work)})
                logger.info("%s %s executed in %.1f s", lang, name, run.seconds)
    except BaseException:
        kernel.restart()
        raise
    finally:
        if is_own_kernel:
            kernel.shutdown()
    logger.info("notebooks executed in %.1f s", time.perf_counter() - notebook_start)
    render_start = time.perf_counter()
    for lang in langs:
        work = base / "work" / lang
        ctx = load_chapter_context(country, lang)
        chapters = load_chapter_results(work, list(CHAPTER_KEYS))
        changes_chapter = build_changes_chapter(update.changes, lang) if update.changes else None
        if changes_chapter is not None:
            chapters = [*chapters, changes_chapter]
        annexes = build_annexes(ctx, today)
        for audience in editions:
            for length in options.lengths:
                guide = assemble_guide(ctx, work, edition=audience, length=length, provenance=provenance,
                                       version=str(edition), today=today, chapters=chapters, annexes=annexes)
                paths = render_guide(guide, base / "guides", make_guide_stem(country, lang, audience, length),
                                     tuple(options.formats))
                written += list(paths.values())
                logger.info("%s %s %s rendered: %s", lang, audience, length, ", ".join(sorted(paths)))
    logger.info("guides rendered in %.1f s", time.perf_counter() - render_start)
    written += write_open_data(first, base / "data", network_dir=base / "work" / langs[0] / "network")
    return written, edition


def _start_figure_server_in_background() -> None:
    """Start the static-figure server (Chromium, seconds) while the kernel runs the notebooks:
    this process only waits for the kernel then. A failure here is left for the PDF or DOCX
    export to report, with its own message."""
    from .render.static import start_figure_server

    def start() -> None:
        try:
            start_figure_server()
        except Exception:
            pass

    threading.Thread(target=start, name="figure-server-start", daemon=True).start()


# ----------------------------------------------------------------------------------------------
# The region


def write_run_summary(results: list[CountryResult], path: Path | None = None) -> Path:
    """Write ``outputs/run.json`` (one entry per country) atomically and return its path."""
    from .fileio import write_text_atomic

    path = path or outputs_dir() / "run.json"
    payload = {"finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "package_version": __version__,
               "countries": [asdict(r) for r in results]}
    return write_text_atomic(path, json.dumps(payload, indent=1, ensure_ascii=False))


def format_summary_table(results: list[CountryResult]) -> str:
    """Return the end-of-run summary as a plain-text table.

    >>> print(format_summary_table([CountryResult("SEN", "built", 12.5, "12 guide files")]))
    Country  Status   Time (s)  Detail
    SEN      built        12.5  12 guide files
    """
    lines = [f"{'Country':<8} {'Status':<8} {'Time (s)':>8}  Detail"]
    for r in results:
        detail = r.message
        if r.notebook:
            detail = f"{r.notebook}, cell {r.cell}: {r.message}"
        lines.append(f"{r.country:<8} {r.status:<8} {r.seconds:>8.1f}  {detail}")
    return "\n".join(lines)


def _init_worker(root: str) -> None:
    os.environ["MPANALYSIS_ROOT"] = root


# One kernel per worker (per thread: a dask worker may run several jobs at once), kept from
# country to country and shut down when the worker process ends.
_worker_state = threading.local()


def build_country_in_worker(country: str, options: BuildOptions | None = None) -> CountryResult:
    """The batch's job: :func:`build_country` in this worker's long-lived kernel.

    The kernel starts with the worker's first country and serves every later one; it is
    replaced when the project, the package source or the reference data it was started with
    changed (a dask worker outlives a run), and after any failure.
    """
    from .cache import hash_package_source

    key = (str(notebooks_dir().resolve()), hash_package_source(), hash_reference_data())
    kernel = getattr(_worker_state, "kernel", None)
    if kernel is None or getattr(_worker_state, "key", None) != key:
        if kernel is not None:
            kernel.shutdown()
        kernel = SharedKernel(stderr_path=outputs_dir() / "logs" / "kernels.log")
        _worker_state.kernel, _worker_state.key = kernel, key
        _register_kernel_shutdown(kernel)
    return build_country(country, options, kernel=kernel)


def _register_kernel_shutdown(kernel: SharedKernel) -> None:
    import atexit
    from multiprocessing import util

    # a process-pool worker leaves through multiprocessing's exit path, which skips atexit
    util.Finalize(kernel, kernel.shutdown, exitpriority=10)
    atexit.register(kernel.shutdown)


def order_longest_first(countries: list[str]) -> list[str]:
    """Return the countries with the most answers first (the input files' size stands for the
    work), so that a short country, not a long one, runs alone at the end of a batch.

    Countries whose inputs cannot be found keep their place at the end (their job reports it).
    """
    from .cache import list_input_files
    from .dataset import get_input_folder
    from .params import load_params

    def size(country: str) -> int:
        try:
            return sum(p.stat().st_size for p in list_input_files(get_input_folder(load_params(country))))
        except (MpanalysisError, OSError):
            return -1

    sizes = {c: size(c) for c in countries}
    return sorted(countries, key=lambda c: -sizes[c])


def run_countries(countries: list[str], options: BuildOptions | None = None, *, workers: int | None = None,
                  scheduler: str | None = None, show_progress: bool = True) -> list[CountryResult]:
    """Build several countries in parallel worker processes (or on a dask cluster).

    ``workers`` defaults to one per core. ``scheduler`` is a dask.distributed address
    (``tcp://host:8786``): the same :func:`build_country` jobs then run on that cluster.
    Each worker keeps one kernel for all the countries it builds (:func:`build_country_in_worker`)
    and the countries with the most answers start first (:func:`order_longest_first`).
    Results come back in the order of ``countries``.
    """
    options = options or BuildOptions()
    root = str(find_project_root())
    results: dict[str, CountryResult] = {}
    # countries already up to date are answered here, without starting a worker or a cluster job
    pending = []
    for country in countries:
        current = None if options.is_forced else _skip_if_current(country, options)
        if current is not None:
            results[country] = current
        else:
            pending.append(country)
    progress = _Progress(countries, enabled=show_progress)
    for result in results.values():
        progress.update(result)
    countries_all, countries = countries, order_longest_first(pending)
    if not countries:
        pass
    elif scheduler:
        from dask.distributed import Client, as_completed as dask_completed

        with Client(scheduler) as client:
            client.run(_init_worker, root)
            futures = {client.submit(build_country_in_worker, c, options, pure=False,
                                     key=f"mpanalysis-build-{c}-{time.time_ns()}",
                                     priority=len(countries) - i): c for i, c in enumerate(countries)}
            for future in dask_completed(futures):
                country = futures[future]
                results[country] = _result_or_crash(country, future.result)
                progress.update(results[country])
    elif (workers or os.cpu_count() or 1) <= 1 or len(countries) == 1:
        with SharedKernel(stderr_path=outputs_dir() / "logs" / "kernels.log") as kernel:
            for country in countries:
                progress.start(country)
                results[country] = build_country(country, options, kernel=kernel)
                progress.update(results[country])
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count(), mp_context=context,
                                 initializer=_init_worker, initargs=(root,)) as pool:
            futures = {pool.submit(build_country_in_worker, c, options): c for c in countries}
            # the pool takes jobs in submission order: the first `workers` run, the rest wait
            queue = list(countries)
            n_workers = workers or os.cpu_count() or 1
            for country in queue[:n_workers]:
                progress.start(country)
            del queue[:n_workers]
            for future in as_completed(futures):
                country = futures[future]
                results[country] = _result_or_crash(country, future.result)
                progress.update(results[country])
                if queue:
                    progress.start(queue.pop(0))
    progress.close()
    return [results[c] for c in countries_all]


def _skip_if_current(country: str, options: BuildOptions) -> CountryResult | None:
    start = time.perf_counter()
    try:
        fingerprint = compute_build_fingerprint(country, options)["fingerprint"]
    except MpanalysisError:
        return None  # the worker reports the problem with its log
    if not is_build_current(country, fingerprint):
        return None
    return CountryResult(country=country, status="skipped",
                         message="up to date (inputs, parameters, notebooks and package unchanged)",
                         outputs=read_build_record(country).get("outputs", []),
                         seconds=round(time.perf_counter() - start, 2))


def _result_or_crash(country: str, get_result) -> CountryResult:
    """A worker that died (killed, out of memory) fails its country, not the batch."""
    try:
        return get_result()
    except Exception as exc:
        return CountryResult(country=country, status="failed", message=f"worker died: {type(exc).__name__}: {exc}")


class _Progress:
    """A tqdm bar whose description shows every country's state."""

    SYMBOLS = {"waiting": "·", "running": "…", "built": "✓", "skipped": "=", "failed": "✗"}

    def __init__(self, countries: list[str], enabled: bool) -> None:
        self.states = {c: "waiting" for c in countries}
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=len(countries), unit="country", dynamic_ncols=True, leave=True)
            self._refresh()

    def _refresh(self) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(" ".join(f"{c}{self.SYMBOLS[s]}" for c, s in self.states.items()))

    def start(self, country: str) -> None:
        self.states[country] = "running"
        self._refresh()

    def update(self, result: CountryResult) -> None:
        self.states[result.country] = result.status
        if self.bar is not None:
            self.bar.update(1)
        self._refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def build_region_outputs(options: BuildOptions | None = None) -> list[CountryResult]:
    """After the countries: the regional synthesis and both atlas builds, each reported as a row
    of the run summary (``REGION``, ``ATLAS``) so a failure there is visible but isolated."""
    from .atlas import build_atlases

    rows = []
    for name, job in (("REGION", _build_regional), ("ATLAS", lambda o: [str(p) for p in build_atlases().values()])):
        start = time.perf_counter()
        try:
            outputs = job(options or BuildOptions())
            rows.append(CountryResult(country=name, status="built" if outputs else "skipped",
                                      outputs=[str(o) for o in outputs],
                                      message=f"{len(outputs)} file(s)" if outputs else "up to date",
                                      seconds=round(time.perf_counter() - start, 2)))
        except MpanalysisError as exc:
            rows.append(CountryResult(country=name, status="failed", message=str(exc),
                                      seconds=round(time.perf_counter() - start, 2)))
        except Exception as exc:  # a bug: report it, the country guides are already complete
            logging.getLogger("mpanalysis").error("%s failed\n%s", name, traceback.format_exc())
            rows.append(CountryResult(country=name, status="failed", message=f"internal error {type(exc).__name__}: {exc}",
                                      seconds=round(time.perf_counter() - start, 2)))
    return rows


def _build_regional(options: BuildOptions) -> list[Path]:
    """Execute the regional synthesis notebook (one per language) after the countries; skipped
    when no country's inputs or parameters, the notebook and the package changed."""
    from .cache import hash_package_source
    from .fileio import write_text_atomic
    from .provenance import hash_file, hash_object

    languages = options.langs or ("fr", "en")
    folder = outputs_dir() / "regional"
    countries = sorted(p.stem for p in (find_project_root() / "params").glob("*.yaml"))
    depends_on = {
        "countries": {c: _fingerprint_or_error(c) for c in countries},
        "notebook": hash_file(notebooks_dir() / "90_regional_synthesis.ipynb"),
        "code": hash_package_source(), "languages": list(languages),
        "date": dt.date.today().isoformat(),  # exercise stages depend on today's date
    }
    fingerprint = hash_object(depends_on)
    record_path = folder / "build.json"
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    if not options.is_forced and record.get("fingerprint") == fingerprint and \
            all((folder / rel).is_file() for rel in record.get("outputs", [])):
        return []
    written = []
    with SharedKernel(stderr_path=folder / "logs" / "kernel.log") as kernel:
        for lang in languages:
            executed = folder / "executed" / f"90_regional_synthesis_{lang}.ipynb"
            kernel.execute("90_regional_synthesis.ipynb", executed, {"language": lang, "output_dir": str(folder)})
            written.append(executed)
    outputs = sorted(str(p.relative_to(folder)) for p in folder.glob("regional_*") if p.is_file())
    write_text_atomic(record_path, json.dumps({"fingerprint": fingerprint, "outputs": outputs}, indent=1))
    return written + [folder / o for o in outputs]


def _fingerprint_or_error(country: str) -> str:
    try:
        return compute_build_fingerprint(country, BuildOptions())["fingerprint"]
    except MpanalysisError as exc:  # a broken country is left out of the synthesis, and named
        return f"error: {exc}"
