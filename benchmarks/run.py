"""Benchmarks of the batch: per-country time against the floor, 1 vs 2 workers (with the CPU each
batch used, sampled from ``/proc`` by ``cpu.py``, and the bound it puts on the speed-up), the
no-change rerun, the naive papermill loop, chapters I–II on large synthetic countries.

    .venv/bin/python benchmarks/run.py            # full run (`make benchmark`), 25–35 min
    .venv/bin/python benchmarks/run.py --quick    # smaller run to check the script, ≤ 5 min

Every build runs in a throw-away copy of the project (``MPANALYSIS_ROOT`` points at it): the
real ``outputs/`` is never touched. Raw figures go to ``benchmarks/results.json`` and the report
(machine, table of measures against targets, why a target was missed) to ``docs/benchmarks.md``;
both are overwritten. ``--from-json`` rewrites the report from an earlier results file.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))  # run as a script: the sibling modules are not a package

import machine  # noqa: E402
import measures  # noqa: E402
import report  # noqa: E402

REPO = BENCHMARKS.parent

#: What each mode measures. The quick mode keeps every measurement but makes it smaller.
MODES = {
    "quick": {"countries": ["SEN", "NER"], "langs": ["fr"], "formats": ["html"], "floor_repeats": 1,
              "batch_rounds": 1, "synthetic_sizes": [100, 1000], "synthetic_timeout_s": 240,
              "idle_baseline_s": 2, "sample_interval_s": 0.25},
    "full": {"countries": None, "langs": None, "formats": ["html", "pdf", "docx"], "floor_repeats": 3,
             "batch_rounds": 2, "synthetic_sizes": [100, 1000, 10000], "synthetic_timeout_s": 1200,
             "idle_baseline_s": 5, "sample_interval_s": 0.25},
}
#: The countries whose per-country time is compared with the floor (SEN: a mid-size country).
FLOOR_COUNTRIES = ("SEN", "NER")


def list_demo_countries() -> list[str]:
    """Return the countries with a parameters file, in the order ``mpanalysis run --all`` uses."""
    return sorted(p.stem for p in (REPO / "params").glob("*.yaml") if len(p.stem) == 3 and p.stem.isupper())


def read_languages(country: str) -> list[str]:
    """Return the languages of a country's parameters (what a default build produces)."""
    from mpanalysis.params import load_params

    with measures.use_project(REPO):
        return list(load_params(country).languages)


def make_config(mode: str) -> dict:
    config = dict(MODES[mode], mode=mode)
    config["countries"] = config["countries"] or list_demo_countries()
    return config


def run_benchmarks(config: dict, workdir: Path, log=print) -> dict:
    """Run every measurement of ``config`` under ``workdir``; return the raw results."""
    from mpanalysis.batch.job import BuildOptions
    from mpanalysis.batch.kernels import CHAPTER_NOTEBOOKS

    countries = config["countries"]
    langs_of = {c: config["langs"] or read_languages(c) for c in countries}
    options = BuildOptions(langs=tuple(config["langs"]) if config["langs"] else None,
                           formats=tuple(config["formats"]), is_forced=True)
    cli_args = (["--lang", ",".join(config["langs"])] if config["langs"] else []) + \
        ["--format", ",".join(config["formats"])]
    from mpanalysis.provenance import hash_package_source

    results: dict = {"config": config, "options": options.describe(),
                     "machine": machine.describe_machine(REPO)}
    source_at_start = hash_package_source.__wrapped__()
    started = time.perf_counter()

    floor_countries = [c for c in FLOOR_COUNTRIES if c in countries]
    n_floor = len(CHAPTER_NOTEBOOKS) * max(len(langs_of[c]) for c in floor_countries or countries)
    log(f"floor: {n_floor} empty notebooks × {config['floor_repeats']}")
    results["floor"] = measures.measure_floor(n_floor, config["floor_repeats"], workdir / "floor")

    # 1 and 2 workers alternate, each round in fresh project copies; the best round of each
    # counts (as timeit does: other work on the machine only ever adds time)
    rounds: dict[str, list] = {"1": [], "2": []}
    for round_number in range(1, config.get("batch_rounds", 1) + 1):
        for workers in (1, 2):
            log(f"batch with {workers} worker(s), round {round_number}: {' '.join(countries)}")
            root = measures.copy_project(workdir / f"batch{workers}-{round_number}", countries)
            run = measures.run_batch(root, countries, options, workers, config["idle_baseline_s"],
                                     config["sample_interval_s"])
            run["per_country"] = {c: measures.describe_country_build(root, c, langs_of[c], CHAPTER_NOTEBOOKS)
                                  for c in countries}
            run["root"] = str(root)
            rounds[str(workers)].append(run)
    batches = {}
    for workers, runs in rounds.items():
        batches[workers] = dict(min(runs, key=lambda r: r["seconds"]),
                                rounds_s=[r["seconds"] for r in runs])
    results["batch"] = batches

    # the export against Chromium printing the same guides, in the 1-worker batch's project copy
    root1 = Path(batches["1"]["root"])
    if "pdf" in config["formats"]:
        results["print_floor"] = {}
        for country in floor_countries or countries[:1]:
            log(f"print floor: Chromium printing {country}'s HTML guides")
            results["print_floor"][country] = measures.measure_print_floor(root1, country)
        exported = (floor_countries or countries)[0]
        log(f"export of {exported}, step by step")
        results["export_profile"] = measures.profile_export(root1, exported, langs_of[exported])
    if "SEN" in countries and config["mode"] == "full":
        log("mpanalysis run SEN --force")
        results["cli_build"] = measures.time_cli_build(measures.copy_project(workdir / "cli", ["SEN"]), "SEN")

    profiled = (floor_countries or countries)[0]
    log(f"profile of {profiled}'s notebooks")
    results["profile"] = measures.profile_country_build(
        measures.copy_project(workdir / "profile", [profiled]), profiled,
        replace(options, langs=(langs_of[profiled][0],), formats=("html",)), CHAPTER_NOTEBOOKS)

    root = Path(batches["2"].pop("root"))
    batches["1"].pop("root")
    log("regional synthesis and atlases after the batch")
    results["region"] = measures.run_region(root, options)
    log("no-change rerun")
    results["rerun"] = measures.run_unchanged_rerun(root, countries, options, cli_args)

    log("naive loop (papermill CLI)")
    naive_root = measures.copy_project(workdir / "naive", countries)
    results["naive"] = run_naive(naive_root, countries, langs_of, CHAPTER_NOTEBOOKS)

    results["synthetic"] = {}
    for size in config["synthetic_sizes"]:
        log(f"chapters I–II on {size} synthetic institutions")
        results["synthetic"][str(size)] = measures.run_synthetic(size, config["synthetic_timeout_s"])

    results["machine"]["load_average_at_end"] = measures.read_load_average()
    # the editable install is shared: someone editing src/ meanwhile makes builds "change"
    results["machine"]["is_source_changed_during_run"] = hash_package_source.__wrapped__() != source_at_start
    results["duration_s"] = round(time.perf_counter() - started, 1)
    return results


def run_naive(root: Path, countries: list[str], langs_of: dict[str, list[str]], notebooks) -> dict:
    """Run the naive loop country after country (each in its own languages); add up the times."""
    runs = [measures.run_naive_loop(root, [c], langs_of[c], notebooks) for c in countries]
    n = sum(r["n_notebooks"] for r in runs)
    seconds = round(sum(r["seconds"] for r in runs), 2)
    return {"seconds": seconds, "n_notebooks": n, "per_notebook_s": round(seconds / n, 2),
            "returncode": max(r["returncode"] for r in runs),
            "load_average_before": runs[0]["load_average_before"],
            "load_average_after": runs[-1]["load_average_after"],
            "log_tail": "".join(r["log_tail"] for r in runs)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller run (≤ 5 min) to check the script")
    parser.add_argument("--output", default=str(REPO / "docs" / "benchmarks.md"), help="the Markdown report")
    parser.add_argument("--results", default=str(BENCHMARKS / "results.json"), help="the raw figures (JSON)")
    parser.add_argument("--from-json", help="write the report from this results file without measuring")
    parser.add_argument("--keep", action="store_true", help="keep the project copies (their path is printed)")
    args = parser.parse_args(argv)

    if args.from_json:
        results = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
    else:
        config = make_config("quick" if args.quick else "full")
        workdir = Path(tempfile.mkdtemp(prefix="mpanalysis-benchmarks-"))
        try:
            results = run_benchmarks(config, workdir, log=lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}",
                                                                      flush=True))
        finally:
            if args.keep:
                print(f"project copies kept in {workdir}")
            else:
                shutil.rmtree(workdir, ignore_errors=True)
        results["summary"] = report.build_summary_rows(results)
        Path(args.results).parent.mkdir(parents=True, exist_ok=True)
        Path(args.results).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"raw figures written to {args.results}")
    results["summary"] = report.build_summary_rows(results)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report.write_report(results), encoding="utf-8")
    print(f"report written to {output}")
    print(report.format_summary(results["summary"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
