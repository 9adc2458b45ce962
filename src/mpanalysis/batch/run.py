"""Running many countries: worker processes or a dask cluster, progress, ``run.json``, then the regional outputs."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from mpanalysis._version import __version__
from mpanalysis.batch.job import (
    BuildOptions,
    CountryResult,
    _fingerprint_or_error,
    build_country,
    compute_build_fingerprint,
    hash_reference_data,
    is_build_current,
    read_build_record,
)
from mpanalysis.batch.kernels import SharedKernel
from mpanalysis.errors import MpanalysisError
from mpanalysis.paths import find_project_root, list_configured_countries, notebooks_dir, outputs_dir

# ----------------------------------------------------------------------------------------------
# The region


def write_run_summary(results: list[CountryResult], path: Path | None = None) -> Path:
    """Write ``outputs/run.json`` atomically and return its path.

    The file keeps the latest status of **every** country ever run (a command that builds SEN
    only updates SEN's entry); ``last_run`` lists the countries of the latest command.
    """
    from mpanalysis.fileio import write_text_atomic

    path = path or outputs_dir() / "run.json"
    finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    by_country: dict[str, dict] = {}
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
        for entry in previous.get("countries", []):
            if isinstance(entry, dict) and isinstance(entry.get("country"), str):
                by_country[entry["country"]] = entry
    except (OSError, ValueError, AttributeError):
        pass  # no summary yet, or a damaged one: start afresh
    for result in results:
        by_country[result.country] = {**asdict(result), "finished_at": finished}
    payload = {"finished_at": finished, "package_version": __version__,
               "last_run": [r.country for r in results],
               "countries": [by_country[c] for c in sorted(by_country)]}
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
    from mpanalysis.provenance import hash_package_source

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
    from mpanalysis.ingest.cache import list_input_files
    from mpanalysis.ingest.dataset import get_input_folder
    from mpanalysis.params import load_params

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
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed

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
    from mpanalysis.publish.atlas import build_atlases

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
    from mpanalysis.fileio import write_text_atomic
    from mpanalysis.provenance import hash_file, hash_object, hash_package_source
    from mpanalysis.reference import DEFAULT_LANGUAGE, get_languages

    # every language translated, the default first: a language added to the data is built too
    languages = options.langs or tuple(sorted(get_languages(), key=lambda lang: (lang != DEFAULT_LANGUAGE, lang)))
    folder = outputs_dir() / "regional"
    countries = list_configured_countries()
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
