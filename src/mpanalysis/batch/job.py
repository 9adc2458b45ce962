"""The per-country job: :func:`build_country` (fingerprint, skip when current, build, ``build.json`` last)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mpanalysis._version import __version__
from mpanalysis.batch.kernels import CHAPTER_NOTEBOOKS, NotebookFailure, SharedKernel
from mpanalysis.errors import MpanalysisError
from mpanalysis.fileio import describe_os_error
from mpanalysis.paths import (
    find_project_root,
    normalize_country_code,
    notebooks_dir,
    outputs_dir,
    params_path,
)

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
    from mpanalysis.decisions import decisions_path
    from mpanalysis.ingest.cache import list_input_files
    from mpanalysis.ingest.dataset import get_input_folder
    from mpanalysis.params import load_params
    from mpanalysis.provenance import hash_file, hash_object, hash_package_source

    params = load_params(country)
    folder = get_input_folder(params)
    record = {
        "inputs": {p.name: hash_file(p) for p in list_input_files(folder)},
        "params_file": hash_file(params_path(country)),
        # the workshop's, the review's and the endorsement's decisions (params/<ISO3>.workshop.yaml)
        "decisions_file": hash_file(decisions_path(country)) if decisions_path(country).is_file() else None,
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
    from mpanalysis.provenance import hash_file, hash_object

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
    """True when the last build has this fingerprint, every output it listed still exists and
    the validation report is the one the guides were built with (a later ``validate`` that
    rewrote it means the guides no longer match their report: rebuild)."""
    from mpanalysis.provenance import hash_file

    record = read_build_record(country)
    if not record or record.get("fingerprint") != fingerprint:
        return False
    base = outputs_dir(country)
    if not all((base / rel).is_file() for rel in record.get("outputs", [])):
        return False
    return all(hash_file(base / rel) == digest for rel, digest in record.get("report_hashes", {}).items())


def build_country(country: str, options: BuildOptions | None = None, *,
                  kernel: SharedKernel | None = None) -> CountryResult:
    """Build every guide of one country; never raises for a user's mistake (see module doc).

    Safe to call in a separate process or on a dask worker: it reads the project from
    ``MPANALYSIS_ROOT`` or the current folder and writes only under ``outputs/<ISO3>/``.
    ``kernel`` is a :class:`~mpanalysis.batch.kernels.SharedKernel` to execute the notebooks in (the
    batch hands each worker's kernel from country to country, so the imports are paid once per
    worker); by default the country gets a kernel of its own, shut down at the end. A country
    that fails restarts the kernel it was given: the next country never inherits a half-run one.
    """
    options = options or BuildOptions()
    start = time.perf_counter()
    try:
        # before anything touches the disk: a code never becomes a path ("../x", "")
        country = normalize_country_code(country)
    except ValueError as exc:
        return CountryResult(country=str(country), status="failed", message=str(exc))
    base = outputs_dir(country)
    log_path = base / "logs" / "run.log"
    try:
        logger = _get_logger(country, log_path)
    except OSError as exc:
        return CountryResult(country=country, status="failed",
                             message=f"cannot write to {log_path.parent}: {describe_os_error(exc)}")
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
        from mpanalysis.fileio import remove_leftover_temporary_files

        for leftover in remove_leftover_temporary_files(base):
            logger.info("removed %s, left by an interrupted build", leftover.relative_to(base))
        outputs, edition = _build_country_outputs(country, options, fingerprint, logger, kernel)
        result.outputs = [str(p.relative_to(base)) for p in outputs]
        from mpanalysis.provenance import hash_file

        record = {"country": country, "fingerprint": fingerprint["fingerprint"], "depends_on": fingerprint,
                  "report_hashes": {rel: hash_file(base / rel) for rel in result.outputs
                                    if rel.startswith("validation/")},
                  "edition": edition,
                  "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                  "package_version": __version__, "outputs": result.outputs}
        from mpanalysis.fileio import write_text_atomic

        # written last: an interrupted build has no record, so the next run rebuilds it
        write_text_atomic(base / "build.json", json.dumps(record, indent=1, ensure_ascii=False))
        result.status = "built"
        result.message = f"{sum(1 for o in result.outputs if o.startswith('guides/') and not o.startswith('guides/analysis/'))} guide files"
        logger.info("build finished: %s", result.message)
    except NotebookFailure as exc:
        result.message = f"{exc.ename}: {exc.evalue}"
        result.notebook, result.cell = exc.notebook, exc.cell
        logger.error("failed in %s", exc)
    except MpanalysisError as exc:
        result.message = str(exc)
        logger.error("failed: %s", exc)
    except OSError as exc:  # a writer outside fileio refused by the file system: say where and why
        result.message = f"cannot write to {exc.filename or base}: {exc.strerror or type(exc).__name__}"
        logger.error("failed: %s\n%s", result.message, traceback.format_exc())
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
    is_own_kernel = kernel is None
    if kernel is None:
        kernel = SharedKernel(stderr_path=outputs_dir(country) / "logs" / "kernel.log")
    else:
        logger.info("notebooks run in the worker's kernel (%s)", "kept from the previous country"
                    if kernel.is_alive else "a new one")
    if not kernel.is_alive:
        kernel.start(is_waiting=False)  # it boots and imports the package during the next steps
    try:
        return _build_with_kernel(country, options, fingerprint, logger, kernel)
    finally:
        if is_own_kernel:
            kernel.shutdown()


def _build_with_kernel(country: str, options: BuildOptions, fingerprint: dict, logger: logging.Logger,
                       kernel: SharedKernel) -> tuple[list[Path], int]:
    from mpanalysis.guide.chapters.annexes import build_annexes
    from mpanalysis.guide.chapters.base import load_chapter_context
    from mpanalysis.ingest.report import write_validation_report
    from mpanalysis.params import load_params
    from mpanalysis.publish.assemble import assemble_guide, load_guide_chapters, make_guide_stem
    from mpanalysis.publish.editions import make_edition_snapshot, register_edition
    from mpanalysis.publish.opendata import write_open_data
    from mpanalysis.render import render_guide
    from mpanalysis.guide.document import read_chapter
    from mpanalysis.publish.assemble import CHAPTER_KEYS
    from mpanalysis.render.common import list_figures_of
    from mpanalysis.render.notebook import export_analysis_trail
    from mpanalysis.render.static import draw_figures_ahead
    from mpanalysis.render.printer import start_printer_in_background

    params = load_params(country)
    base = outputs_dir(country)
    langs = options.langs or tuple(params.languages)
    editions = options.editions or (params.edition,)
    today = dt.date.fromisoformat(options.today) if options.today else dt.date.today()
    written: list[Path] = []
    first = load_chapter_context(country, langs[0])
    report = write_validation_report(first.dataset, base / "validation", lang=langs[0])
    gone = first.dataset.reconciliation.get("names_not_applied")
    if gone is not None and len(gone):  # never dropped silently: the workshop named them
        logger.warning("the workshop's names or merges of %s no longer apply: these answers have no such "
                       "institution (params/%s.workshop.yaml)", ", ".join(map(str, gone["entity_id"])), country)
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
        "endorsement_status": first.params.endorsement.status,  # the endorsement record comes first
        "edition": edition,
    }
    if {"pdf", "docx"} & set(options.formats):
        start_printer_in_background()  # Chromium starts while the kernel runs the notebooks
    changes = update.changes

    def render_language(lang: str) -> tuple[list[Path], float]:
        """Every guide of one language (and its analysis trail); runs beside the next notebooks."""
        started = time.perf_counter()
        work = base / "work" / lang
        ctx = load_chapter_context(country, lang)
        chapters = load_guide_chapters(work, lang, changes)
        annexes = build_annexes(ctx, today)
        paths_written: list[Path] = []
        for audience in editions:
            for length in options.lengths:
                guide = assemble_guide(ctx, work, edition=audience, length=length, provenance=provenance,
                                       version=str(edition), today=today, chapters=chapters, annexes=annexes)
                paths = render_guide(guide, base / "guides", make_guide_stem(country, lang, audience, length),
                                     tuple(options.formats))
                paths_written += list(paths.values())
                logger.info("%s %s %s rendered: %s", lang, audience, length, ", ".join(sorted(paths)))
        _log_review_not_applied(ctx, chapters, annexes, logger)
        if "html" in options.formats:
            # the analysis trail: the executed chapter notebooks, code hidden, beside the guides
            executed = [work / "executed" / name for name in CHAPTER_NOTEBOOKS]
            paths_written += export_analysis_trail(executed, base / "guides" / "analysis", lang)
        return paths_written, time.perf_counter() - started

    def draw_chapter_figures(lang: str, key: str) -> None:
        # only warms the figure cache: whatever fails here, the guide's own rendering meets and reports
        try:
            chapter = read_chapter(base / "work" / lang / "chapters" / f"{key}.json")
            draw_figures_ahead(list_figures_of(chapter), lang, options.formats)
        except MpanalysisError as exc:
            logger.info("%s %s: figures not drawn ahead (%s)", lang, key, exc)

    # Each language's guides are rendered in a thread while the kernel (another process) runs the
    # next language's notebooks: the two phases overlap on two cores. A chapter's figures are
    # drawn for paper as soon as its notebook has run, so that the last language's rendering,
    # which nothing overlaps, finds them drawn.
    notebook_start = time.perf_counter()
    renderer = ThreadPoolExecutor(max_workers=len(langs), thread_name_prefix=f"render-{country}")
    drawer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"figures-{country}")
    renders = []
    try:
        try:
            for lang in langs:
                work = base / "work" / lang
                for name, key in zip(CHAPTER_NOTEBOOKS, CHAPTER_KEYS):
                    run = kernel.execute(name, work / "executed" / name,
                                         {"country": country, "language": lang, "output_dir": str(work)})
                    logger.info("%s %s executed in %.1f s", lang, name, run.seconds)
                    if {"pdf", "docx"} & set(options.formats):
                        drawer.submit(draw_chapter_figures, lang, key)
                renders.append(renderer.submit(render_language, lang))
        except BaseException:
            kernel.restart()
            raise
        logger.info("notebooks executed in %.1f s", time.perf_counter() - notebook_start)
        waiting_start = time.perf_counter()
        render_seconds = 0.0
        for future in renders:
            paths_written, seconds = future.result()
            written += paths_written
            render_seconds += seconds
        # the render time itself (what the export costs), then what was left after the notebooks
        logger.info("guides rendered in %.1f s (%.1f s after the notebooks)", render_seconds,
                    time.perf_counter() - waiting_start)
    finally:
        drawer.shutdown(wait=True, cancel_futures=True)
        renderer.shutdown(wait=True, cancel_futures=True)
    written += write_open_data(first, base / "data", network_dir=base / "work" / langs[0] / "network",
                               tables_dir=base / "work" / langs[0] / "tables")
    return written, edition


def _log_review_not_applied(ctx, chapters: list, annexes: list, logger: logging.Logger) -> None:
    """Say in the build's log which review decisions no longer apply to this build's text (the
    guide's provenance lists them too): a rebuild with new answers never drops them silently."""
    from mpanalysis.guide.review import apply_review_decisions

    review = ctx.decisions.get_review(ctx.lang) if ctx.decisions else None
    if review is None:
        return
    report = apply_review_decisions([*chapters, *annexes], review)[1]
    for decision in report.not_applied:
        logger.warning("%s: review decision on ¶%d (%s, %s) no longer applies: the generated text changed",
                       ctx.lang, decision.number, decision.key, decision.decision)


def _fingerprint_or_error(country: str) -> str:
    try:
        return compute_build_fingerprint(country, BuildOptions())["fingerprint"]
    except MpanalysisError as exc:  # a broken country is left out of the synthesis, and named
        return f"error: {exc}"
