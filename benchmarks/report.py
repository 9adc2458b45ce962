"""The benchmark report: a table of measures against targets, the details, and why a target was
missed. The sentences are in ``benchmarks/texts.yaml``; this module only fills in the numbers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

TEXTS_PATH = Path(__file__).resolve().parent / "texts.yaml"

#: Targets of issue 5, item 6.
MAX_FLOOR_RATIO = 1.5
MIN_SPEEDUP = 1.7
MAX_RERUN_S = 2.0
MIN_NAIVE_RATIO = 3.0
MAX_LARGE_S = 30.0
MAX_LARGE_MB = 2048.0
#: Targets of issue 13: the export against Chromium printing the same guides, one country's build.
MAX_PRINT_FLOOR_RATIO = 1.5
MAX_CLI_BUILD_S = 15.0
LARGE_SIZE = "10000"


@lru_cache(maxsize=1)
def load_texts() -> dict:
    """Return the report's sentences (``benchmarks/texts.yaml``)."""
    return yaml.safe_load(TEXTS_PATH.read_text(encoding="utf-8"))


def _t(key: str, **values) -> str:
    node = load_texts()
    for part in key.split("."):
        node = node[part]
    return str(node).strip().format(**values)


def _row(row_id: str, value: str, target: str | None = None, met: bool | None = None, **label_values) -> dict:
    return {"id": row_id, "measure": _t(f"measures.{row_id.split(':')[0]}", **label_values),
            "value": value, "target": target or "—", "met": met}


def _floor_of(results: dict, n_notebooks: int) -> float:
    return results["floor"]["per_notebook_s"] * n_notebooks


def build_summary_rows(results: dict) -> list[dict]:
    """Return the rows "measure | value | target | met?" of the report.

    >>> rows = build_summary_rows({"batch": {"1": {"seconds": 10.0, "countries": []},
    ...                                      "2": {"seconds": 5.0, "countries": []}}})
    >>> [(r["id"], r["value"], r["met"]) for r in rows if r["id"] == "speedup"]
    [('speedup', '2.00×', True)]
    """
    rows: list[dict] = []
    batch1 = results.get("batch", {}).get("1", {})
    per_country = batch1.get("per_country", {})
    formats = ", ".join(results.get("options", {}).get("formats", []))
    built = {c: p for c, p in per_country.items() if p.get("notebooks_s") is not None}
    if built and "floor" in results:
        # the batch's notebook time over its countries, the worker's one kernel start included
        notebooks_s = sum(p["notebooks_s"] for p in built.values())
        floor_s = sum(_floor_of(results, p["n_notebooks"]) for p in built.values())
        ratio = notebooks_s / floor_s
        n_notebooks = round(sum(p["n_notebooks"] for p in built.values()) / len(built))
        rows.append(_row("per_country", f"{notebooks_s / len(built):.1f} s = {ratio:.2f}× floor "
                         f"({floor_s / len(built):.1f} s)", f"≤ {MAX_FLOOR_RATIO}× floor", ratio <= MAX_FLOOR_RATIO,
                         n=n_notebooks, n_countries=len(built)))
        for country, phases in built.items():
            if phases.get("is_kernel_started"):
                own = phases["notebooks_s"] / _floor_of(results, phases["n_notebooks"])
                rows.append(_row(f"per_country_first:{country}", f"{phases['notebooks_s']:.1f} s = {own:.2f}× floor",
                                 country=country))
        render = [p["render_s"] for p in built.values() if p.get("render_s") is not None]
        if render:
            rows.append(_row("export", f"{sum(render) / len(render):.1f} s", _t("targets.separate"), None,
                             formats=formats))
    if "floor" in results:
        floor = results["floor"]
        rows.append(_row("floor", f"{floor['seconds']:.1f} s ({floor['per_notebook_s']:.2f} s each)",
                         n=floor["n_notebooks"]))
    if "1" in results.get("batch", {}) and "2" in results.get("batch", {}):
        t1, t2 = results["batch"]["1"]["seconds"], results["batch"]["2"]["seconds"]
        n = len(results["batch"]["1"]["countries"])
        def rounds(workers: str) -> str:
            seconds = results["batch"][workers].get("rounds_s", [])
            return f" (rounds: {', '.join(f'{x:.1f}' for x in seconds)} s)" if len(seconds) > 1 else ""

        def busy(workers: str) -> str:
            usage = results["batch"][workers].get("cpu")
            return _t("busy_cores", cores=usage["busy_cores"], core_s=usage["batch_core_s"]) if usage else ""

        rows.append(_row("batch1", f"{t1:.1f} s{rounds('1')}{busy('1')}", n=n))
        rows.append(_row("batch2", f"{t2:.1f} s{rounds('2')}{busy('2')}", n=n))
        rows.append(_row("speedup", f"{t1 / t2:.2f}×", f"≥ {MIN_SPEEDUP}×", t1 / t2 >= MIN_SPEEDUP))
        bound = compute_speedup_bound(results)
        if bound:
            rows.append(_row("speedup_bound", _t("speedup_bound_value", bound=bound["bound"], best2_s=bound["best2_s"],
                                                 share=(t1 / t2) / bound["bound"]), cpus=bound["cpus"]))
    for country, floor in results.get("print_floor", {}).items():
        export_s = per_country.get(country, {}).get("render_s")
        if export_s is not None and floor.get("seconds"):
            ratio = export_s / floor["seconds"]
            rows.append(_row(f"export_vs_print:{country}", f"{export_s:.1f} s = {ratio:.2f}× the print floor "
                             f"({floor['seconds']:.1f} s)", f"≤ {MAX_PRINT_FLOOR_RATIO}×",
                             ratio <= MAX_PRINT_FLOOR_RATIO, country=country, n=floor["n_guides"], formats=formats))
    if "cli_build" in results:
        cli = results["cli_build"]
        rounds_text = ", ".join(f"{x:.1f}" for x in cli["rounds_s"])
        if "rounds" in cli:  # each situation named (results written before had two unnamed rounds)
            rounds_text = ", ".join(f"{_t('cli_rounds.' + name)} {x:.1f} s" for name, x in zip(cli["rounds"], cli["rounds_s"]))
            value = f"{cli['seconds']:.1f} s ({rounds_text})"
        else:
            value = f"{cli['seconds']:.1f} s (rounds: {rounds_text} s)"
        rows.append(_row("cli_build", value, f"≤ {MAX_CLI_BUILD_S:.0f} s",
                         cli["seconds"] <= MAX_CLI_BUILD_S and not cli["returncode"], country=cli["country"]))
    if "region" in results:
        rows.append(_row("region", f"{results['region']['seconds']:.1f} s"))
    if "rerun" in results:
        rerun = results["rerun"]
        # the atlas is always rewritten (it is cheap); a country or the synthesis must be skipped
        rebuilt = [c for c, s in rerun["statuses"].items() if s == "built" and c != "ATLAS"]
        value = f"{rerun['seconds']:.2f} s" + (f" ({_t('rebuilt')}: {', '.join(rebuilt)})" if rebuilt else "")
        rows.append(_row("rerun", value, f"≤ {MAX_RERUN_S:g} s", rerun["seconds"] <= MAX_RERUN_S))
        rows.append(_row("rerun_cli", f"{rerun['cli_seconds']:.2f} s", command=rerun["cli_command"]))
    if "naive" in results and batch1:
        naive = results["naive"]
        ours_nb = sum(p["notebooks_s"] or 0 for p in per_country.values())  # failed builds count 0
        rows.append(_row("naive", f"{naive['seconds']:.1f} s ({naive['per_notebook_s']:.1f} s each)",
                         n=naive["n_notebooks"]))
        if ours_nb:
            ratio = naive["seconds"] / ours_nb
            rows.append(_row("naive_vs_notebooks", f"{ratio:.2f}× ({ours_nb:.1f} s)", f"≥ {MIN_NAIVE_RATIO:g}×",
                             ratio >= MIN_NAIVE_RATIO))
        if "2" in results.get("batch", {}):
            ratio = naive["seconds"] / results["batch"]["2"]["seconds"]
            # for information: the target compares the same work, the notebooks (row above)
            rows.append(_row("naive_vs_batch", f"{ratio:.2f}× ({results['batch']['2']['seconds']:.1f} s)",
                             formats=formats))
    for size, run in results.get("synthetic", {}).items():
        is_large = size == LARGE_SIZE
        incomplete = "" if run.get("is_complete", True) else f" ({_t('incomplete')})"
        seconds, memory = run["analysis_seconds"], run.get("peak_rss_mb")
        rows.append(_row(f"synthetic_time:{size}", f"{seconds:.1f} s{incomplete}",
                         f"≤ {MAX_LARGE_S:g} s" if is_large else None,
                         (seconds <= MAX_LARGE_S and run.get("is_complete", True)) if is_large else None,
                         n=f"{int(size):,}"))
        if memory is not None:
            rows.append(_row(f"synthetic_memory:{size}", f"{memory:,.0f} MB", "≤ 2 GB" if is_large else None,
                             memory <= MAX_LARGE_MB if is_large else None, n=f"{int(size):,}"))
    return rows


def find_best_wall(cpu_core_s: float, cpus: int, longest_s: float) -> float:
    """Return the shortest wall time a batch can take on ``cpus`` cores: its CPU work spread over
    every core, or its longest country when longer.

    >>> find_best_wall(120.0, 2, 16.0), find_best_wall(20.0, 2, 16.0)
    (60.0, 16.0)
    """
    return max(cpu_core_s / cpus, longest_s)


def compute_speedup_bound(results: dict) -> dict | None:
    """Return the bound the machine puts on the 2-worker speed-up of this workload, from the
    CPU sampled in the 2-worker batch (None when the results have no samples, e.g. older files).

    The 2-worker batch cannot be faster than its own CPU work (its processes' CPU during the timed
    call, the idle baseline of other work excluded by construction) spread over the machine's cores,
    nor than its longest country (1-worker time); the speed-up is at most the 1-worker wall time
    over that.

    >>> batch = lambda s, core_s, start: {"seconds": s, "countries": [{"country": "SEN", "seconds": 15.0}],
    ...                                   "cpu": {"batch_core_s": core_s, "startup_core_s": start}}
    >>> compute_speedup_bound({"machine": {"cpu_count": 2},
    ...                        "batch": {"1": batch(77.0, 111.0, 1.0), "2": batch(67.0, 124.0, 1.0)}})
    {'cpus': 2, 'cpu2_core_s': 123.0, 'best2_s': 61.5, 'bound': 1.252, 'is_longest_country': False}
    """
    batches = results.get("batch", {})
    if not all(batches.get(w, {}).get("cpu") for w in ("1", "2")):
        return None
    cpus = results["machine"]["cpu_count"]
    usage = batches["2"]["cpu"]
    cpu2 = usage["batch_core_s"] - usage.get("startup_core_s", 0.0)
    longest = max((r["seconds"] for r in batches["1"]["countries"]), default=0.0)
    best2 = find_best_wall(cpu2, cpus, longest)
    return {"cpus": cpus, "cpu2_core_s": round(cpu2, 1), "best2_s": round(best2, 2),
            "bound": round(batches["1"]["seconds"] / best2, 3), "is_longest_country": best2 > cpu2 / cpus}


def format_summary(rows: list[dict]) -> str:
    """Return the summary rows as plain text, for the terminal.

    >>> print(format_summary([{"measure": "speed-up", "value": "1.80×", "target": "≥ 1.7×", "met": True}]))
    speed-up: 1.80× (target ≥ 1.7×: yes)
    """
    lines = []
    for r in rows:
        target = "" if r["target"] == "—" else f" (target {r['target']}: {_met(r['met'])})"
        lines.append(f"{r['measure']}: {r['value']}{target}")
    return "\n".join(lines)


def _met(met: bool | None) -> str:
    return {True: "yes", False: "no", None: "—"}[met]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _explain_context(results: dict, row_id: str) -> dict:
    """Return the numbers a "missed target" paragraph quotes."""
    kind, _, key = row_id.partition(":")
    batch1 = results.get("batch", {}).get("1", {})
    if kind == "per_country":
        built = {c: p for c, p in batch1["per_country"].items() if p.get("notebooks_s") is not None}
        n = len(built)
        floor = sum(_floor_of(results, p["n_notebooks"]) for p in built.values()) / n
        notebooks_s = sum(p["notebooks_s"] for p in built.values()) / n
        imports_s = sum(p["imports_s"] for p in built.values()) / n
        cells = sorted((c for p in built.values() for lang in p["per_language"].values()
                        for c in lang.get("slowest_cells", [])), key=lambda c: -c["seconds"])
        slowest = ", ".join(f"{c['notebook']} cell {c.get('number', '?')} `{c['cell']}` ({c['seconds']:.1f} s)"
                            for c in [c for c in cells if not c.get("is_import")][:3])
        profile = results.get("profile") or {}
        top = [row["package"] for row in profile.get("by_package", [])[:6]]
        causes = " ".join(_t(f"known_causes.{package}") for package in top
                          if package in load_texts().get("known_causes", {}))
        profile_text = _t("profile_summary", country=profile.get("country", "?"), packages=", ".join(
            f"{row['package']} {100 * row['seconds'] / profile['total_s']:.0f} %"
            for row in profile.get("by_package", [])[:5])) if profile.get("total_s") else ""
        return {"n_countries": n, "slowest": slowest or "—", "notebooks_s": notebooks_s,
                "profile": " ".join(t for t in (profile_text, causes) if t), "floor_s": floor,
                "budget_s": MAX_FLOOR_RATIO * floor, "imports_s": imports_s,
                "work_s": sum(p["work_s"] for p in built.values()) / n,
                "overhead_s": sum(p["kernel_and_client_s"] for p in built.values()) / n,
                "without_imports_ratio": (notebooks_s - imports_s) / floor}
    if kind == "speedup":
        b1, b2 = results["batch"]["1"], results["batch"]["2"]
        # the best 2 workers can do with these countries on enough free cores, from their 1-worker times
        longest = max(b1["countries"], key=lambda r: r["seconds"])
        sum1 = sum(r["seconds"] for r in b1["countries"])
        ideal = find_best_wall(sum1, 2, longest["seconds"])
        context = {"t1": b1["seconds"], "t2": b2["seconds"], "speedup": b1["seconds"] / b2["seconds"],
                   "n": len(b1["countries"]), "longest_country": longest["country"], "longest_s": longest["seconds"],
                   "ideal_speedup": b1["seconds"] / ideal, "ideal_s": ideal, "cpus": results["machine"]["cpu_count"],
                   "slowdown": results["machine"].get("parallel_slowdown_at_start", "?"),
                   "machine_bound": _machine_bound(results["machine"].get("parallel_slowdown_at_start")),
                   "cpu_measured": ""}
        bound = compute_speedup_bound(results)
        if bound:
            u1, u2 = b1["cpu"], b2["cpu"]
            extra_cpu = u2["batch_core_s"] - u1["batch_core_s"]
            context["cpu_measured"] = _t("speedup_cpu", **context, **{
                f"{group}{w}": core_s for w, u in (("1", u1), ("2", u2)) for group, core_s in u["groups_core_s"].items()},
                cpu1=u1["batch_core_s"], cpu2=u2["batch_core_s"], cores1=u1["busy_cores"], cores2=u2["busy_cores"],
                extra=_t("speedup_extra_cpu", extra_cpu=extra_cpu) if extra_cpu >= 1 else "",
                waited1=u1.get("waited_core_s", "?"),
                cpu2_timed=bound["cpu2_core_s"], best2_s=bound["best2_s"], bound=bound["bound"],
                share=context["speedup"] / bound["bound"],
                idle1=u1["idle_baseline"]["busy_cores"], idle2=u2["idle_baseline"]["busy_cores"])
            verdict_key = ("speedup_bound_above" if bound["bound"] >= MIN_SPEEDUP else
                           "speedup_bound_longest" if bound["is_longest_country"] else "speedup_bound_below")
            verdict = _t(verdict_key, bound=bound["bound"], target=MIN_SPEEDUP, cpus=context["cpus"])
        else:
            context["cpu_measured"], verdict = _t("speedup_no_cpu"), ""
        context["closing"] = " ".join(t for t in (verdict, _t("speedup_remedies")) if t)
        return context
    if kind == "export_vs_print":
        floor = results["print_floor"][key]
        profile = results.get("export_profile") or {}
        return {"country": key, "export_s": batch1["per_country"][key]["render_s"], "floor_s": floor["seconds"],
                "n": floor["n_guides"], "browser_s": profile.get("browser_s", "?"),
                "total_s": profile.get("total_s", "?"), "steps": _describe_steps(profile)}
    if kind == "cli_build":
        cli = results["cli_build"]
        phases = cli.get("phases") or {}
        return {"country": cli["country"], "seconds": cli["seconds"], "notebooks_s": phases.get("notebooks_s") or 0,
                "slowest": _t("cli_rounds." + cli["slowest"]) if "slowest" in cli else "best of two",
                "render_s": phases.get("render_s") or 0, "slowdown": results["machine"].get("parallel_slowdown_at_start", "?")}
    if kind == "rerun":
        r = results["rerun"]
        return {"seconds": r["seconds"], "countries_s": r["countries_s"], "region_s": r["region_s"],
                "workers": results["machine"]["cpu_count"], "fingerprints_s": r.get("fingerprints_in_process_s", "?"),
                "rebuilt": ", ".join(c for c, s in r["statuses"].items() if s == "built" and c != "ATLAS"),
                "changed": ", ".join(sorted({k for a in r.get("attempts", []) for k in a.get("changed", [])})) or "?",
                "region_detail": ", ".join(f"{k} {v:.2f} s" for k, v in r["region_seconds"].items()),
                "cli_s": r["cli_seconds"]}
    if kind in ("naive_vs_notebooks", "naive_vs_batch"):
        naive = results["naive"]
        per_country = {c: p for c, p in batch1["per_country"].items() if p["notebooks_s"] is not None}
        ours_nb = sum(p["notebooks_s"] for p in per_country.values())
        n_ours = sum(p["n_notebooks"] for p in per_country.values()) or 1
        imports = sum(p["imports_s"] for p in per_country.values())
        work = sum(p["work_s"] for p in per_country.values())
        return {"naive_s": naive["seconds"], "naive_each_s": naive["per_notebook_s"], "ours_s": ours_nb,
                "ours_each_s": ours_nb / n_ours, "n": naive["n_notebooks"], "work_s": work, "imports_s": imports,
                "batch2_s": results["batch"]["2"]["seconds"], "max_ratio": naive["seconds"] / work if work else 0,
                "batch1_s": batch1["seconds"], "ratio_nb": naive["seconds"] / ours_nb if ours_nb else 0, "export_s": sum(p["render_s"] or 0 for p in per_country.values()),
                "formats": ", ".join(results.get("options", {}).get("formats", [])),
                "n_countries": len(per_country)}
    if kind in ("synthetic_time", "synthetic_memory"):
        run = results["synthetic"][key]
        steps = sorted(((v, k) for k, v in run["steps"].items() if k != "generate dataset"), reverse=True)[:3]
        return {"n": f"{int(key):,}", "seconds": run["analysis_seconds"], "peak_mb": run.get("peak_rss_mb"),
                "slowest": ", ".join(f"`{k}` {v:.1f} s" for v, k in steps),
                "betweenness": run.get("betweenness_method", "?"), "communities": run.get("community_method", "?")}
    return {}


def _describe_steps(profile: dict) -> str:
    """The export's steps, longest first: "pdf_print 4.1 s, docx 3.0 s, …"."""
    steps = sorted((profile.get("by_step") or {}).items(), key=lambda kv: -kv[1])
    return ", ".join(f"{_t('export_steps.' + name)} {seconds:.1f} s" for name, seconds in steps) or "?"


def _machine_bound(slowdown) -> str:
    """The best speed-up two CPU-bound processes can get when running together slows each down.

    >>> _machine_bound(1.17), _machine_bound(None)
    ('1.71×', '?')
    """
    return f"{2 / slowdown:.2f}×" if isinstance(slowdown, (int, float)) and slowdown > 0 else "?"


def describe_batch_cpu(results: dict) -> list[str]:
    """Return the report's section on the CPU of the 1- and 2-worker batches (none for results
    without samples).

    >>> usage = {"interval_s": 0.25, "n_samples": 300, "n_processes": 40, "window_s": 78.0,
    ...          "machine_busy_core_s": 115.0, "batch_core_s": 111.0, "busy_cores": 1.42,
    ...          "groups_core_s": {"kernel": 36.0, "python": 34.0, "chromium": 35.0, "other": 6.0},
    ...          "sampler_core_s": 1.0, "startup_core_s": 0.9, "waited_core_s": 76.0,
    ...          "idle_baseline": {"seconds": 5.0, "busy_cores": 0.02}}
    >>> lines = describe_batch_cpu({"machine": {"cpu_count": 2}, "batch": {
    ...     "1": {"seconds": 77.0, "cpu": usage, "countries": []}, "2": {"seconds": 67.0, "countries": []}}})
    >>> [line for line in lines if "Jupyter" in line]
    ['| Jupyter kernels (core-seconds) | 36.0 | — |']
    >>> describe_batch_cpu({"batch": {"1": {"seconds": 77.0, "countries": []}}})
    []
    """
    batches = {w: b for w, b in sorted(results.get("batch", {}).items()) if b.get("cpu")}
    if not batches:
        return []

    def value(workers: str, read) -> object:
        usage = batches.get(workers, {}).get("cpu")
        return read(batches[workers], usage) if usage else "—"

    def unattributed(batch: dict, u: dict) -> float:
        background = u["idle_baseline"]["busy_cores"] * u["window_s"]
        return round(u["machine_busy_core_s"] - background - u["batch_core_s"] - u["sampler_core_s"], 1)

    rows_spec = [
        ("wall", lambda b, u: b["seconds"]),
        ("window", lambda b, u: u["window_s"]),
        *[(f"group_{g}", lambda b, u, g=g: u["groups_core_s"].get(g, 0.0)) for g in ("kernel", "python", "chromium",
                                                                                   "other")],
        ("total", lambda b, u: u["batch_core_s"]),
        ("startup", lambda b, u: u.get("startup_core_s", "—")),
        ("busy_cores", lambda b, u: u["busy_cores"]),
        ("waited", lambda b, u: u.get("waited_core_s", "—")),
        ("machine", lambda b, u: u["machine_busy_core_s"]),
        ("idle", lambda b, u: f"{u['idle_baseline']['busy_cores']} ({u['idle_baseline']['seconds']} s)"),
        ("unattributed", unattributed),
        ("sampler", lambda b, u: u["sampler_core_s"]),
        ("processes", lambda b, u: f"{u['n_processes']} / {u['n_samples']}"),
    ]
    workers = [w for w in ("1", "2") if w in results.get("batch", {})]
    table = [[_t(f"cpu_rows.{key}")] + [value(w, read) for w in workers] for key, read in rows_spec]
    interval = next(iter(batches.values()))["cpu"]["interval_s"]
    lines = ["", f"### {_t('headings.cpu')}", "", _t("details.cpu", interval=interval), ""]
    lines += _table([_t("details.col_cpu")] + [_t("details.col_workers", workers=w) for w in workers], table)
    bound = compute_speedup_bound(results)
    if bound:
        lines += ["", _t("details.cpu_bound", **bound, t1=results["batch"]["1"]["seconds"],
                         t2=results["batch"]["2"]["seconds"])]
    return lines


def write_report(results: dict) -> str:
    """Return ``docs/benchmarks.md`` for these results."""
    m = results["machine"]
    config = results["config"]
    rows = results.get("summary") or build_summary_rows(results)
    lines = [f"# {_t('title')}", "", _t("intro"), "", _t("how_to_run"), ""]
    if config["mode"] == "quick":
        lines += [f"> {_t('quick_warning')}", ""]
    lines += [f"## {_t('headings.machine')}", ""]
    load_start = ", ".join(str(x) for x in m.get("load_average_at_start") or [])
    load_end = ", ".join(str(x) for x in m.get("load_average_at_end") or [])
    lines += _table([_t("headings.item"), _t("headings.value")], [
        ["CPU", f"{m['cpu_model']} × {m['cpu_count']}"],
        [_t("machine.memory"), f"{m['memory_gb']} GiB"],
        ["OS", m["os"]], ["Python", m["python"]],
        [_t("machine.packages"), ", ".join(f"{k} {v}" for k, v in m["packages"].items())],
        [_t("machine.revision"), m.get("source_revision") or "?"],
        [_t("machine.date"), m["date"]],
        [_t("machine.load"), f"{load_start} → {load_end}"],
        [_t("machine.slowdown"), m.get("parallel_slowdown_at_start", "?")],
        [_t("machine.source_changed"), _t("machine.yes") if m.get("is_source_changed_during_run") else _t("machine.no")],
        [_t("machine.mode"), _t("machine.mode_value", mode=config["mode"], countries=" ".join(config["countries"]),
                                options=", ".join(f"{k}={v}" for k, v in results["options"].items()),
                                duration=results.get("duration_s", "?"))],
    ])
    lines += ["", f"## {_t('headings.results')}", ""]
    lines += _table([_t("headings.measure"), _t("headings.value"), _t("headings.target"), _t("headings.met")],
                    [[r["measure"], r["value"], r["target"], _met(r["met"])] for r in rows])
    failed = [r for b in results.get("batch", {}).values() for r in b["countries"] if r["status"] == "failed"]
    if failed:
        lines += ["", _t("failed", names=", ".join(f"{r['country']} ({r['message']})" for r in failed))]

    missed = [r for r in rows if r["met"] is False]
    lines += ["", f"## {_t('headings.missed')}", ""]
    if not missed:
        lines += [_t("none_missed"), ""]
    seen = set()
    is_profile_explained = False
    for r in missed:
        kind = r["id"].split(":")[0]
        template = f"missed.{kind}"
        context = _explain_context(results, r["id"])
        if kind == "per_country":
            # the profile covers one country: explain it once
            context["profile"], is_profile_explained = ("" if is_profile_explained else context["profile"]), True
        if kind == "rerun" and context["rebuilt"]:
            template = "missed.rerun_rebuilt"
        if (kind, r["id"]) in seen:
            continue
        seen.add((kind, r["id"]))
        lines += [f"**{r['measure']}** — {r['value']} ({_t('headings.target').lower()} {r['target']}). "
                  + _t(template, **context), ""]

    lines += [f"## {_t('headings.details')}", "", f"### {_t('headings.per_country')}", "", _t("details.per_country"), ""]
    header = [_t("headings.country"), _t("details.col_notebooks"), _t("details.col_overhead"),
              _t("details.col_imports"), _t("details.col_work"), _t("details.col_render"), _t("details.col_total")]
    batch_rows = []
    for workers, batch in sorted(results.get("batch", {}).items()):
        for c in batch["countries"]:
            p = batch.get("per_country", {}).get(c["country"], {})
            started = " *" if p.get("is_kernel_started") else ""
            batch_rows.append([f"{c['country']} ({workers}w){started}", p.get("notebooks_s"), p.get("kernel_and_client_s"),
                               p.get("imports_s"), p.get("work_s"), p.get("render_s"),
                               f"{c['seconds']} ({c['status']})"])
    lines += _table(header, batch_rows)
    lines += describe_batch_cpu(results)
    export = results.get("export_profile") or {}
    if export.get("by_step"):
        idle = export.get("browser_idle_share")
        lines += ["", f"### {_t('headings.export')}", "",
                  _t("details.export", country=export["country"], langs=", ".join(export["langs"]),
                     browser_start_s=export["browser_start_s"], imports_s=export["imports_s"],
                     browser_s=export["browser_s"], total_s=export["total_s"],
                     idle_percent=round(100 * idle) if idle is not None else "?"), ""]
        lines += _table([_t("details.col_export_step"), _t("details.col_seconds")],
                        [[_t(f"export_steps.{name}"), f"{seconds:.2f}"]
                         for name, seconds in sorted(export["by_step"].items(), key=lambda kv: -kv[1])])
    profile = results.get("profile") or {}
    if profile.get("total_s"):
        lines += ["", f"### {_t('headings.profile')}", "",
                  _t("details.profile", country=profile["country"], langs=", ".join(profile.get("langs", [])),
                     total=profile["total_s"]), ""]
        lines += _table([_t("details.col_package"), _t("details.col_own")],
                        [[row["package"], row["seconds"]] for row in profile["by_package"]])
        lines += [""]
        lines += _table([_t("details.col_function"), _t("details.col_cumulative")],
                        [[f"`{row['function']}`", row["cumulative_s"]] for row in profile["functions"]])
    elif profile.get("error"):
        lines += ["", f"### {_t('headings.profile')}", "", profile["error"]]
    if "naive" in results:
        naive = results["naive"]
        lines += ["", f"### {_t('headings.naive')}", "", _t("details.naive", n=naive["n_notebooks"],
                                                              each=naive["per_notebook_s"])]
        if naive.get("returncode"):
            lines += ["", _t("details.naive_failed", code=naive["returncode"]), "", "```",
                      naive.get("log_tail", "").strip(), "```"]
    if "rerun" in results:
        r = results["rerun"]
        lines += ["", f"### {_t('headings.rerun')}", "",
                  _t("details.rerun", countries_s=r["countries_s"], region_s=r["region_s"],
                     statuses=", ".join(f"{k} {v}" for k, v in r["statuses"].items()),
                     command=r["cli_command"], cli_s=r["cli_seconds"], code=r["cli_returncode"],
                     cli_rebuilt=", ".join(r.get("cli_rebuilt", [])) or "—")]
        earlier = r.get("attempts", [])[:-1]
        if earlier:
            lines += ["", _t("details.rerun_repeated", n=len(earlier), seconds=", ".join(
                f"{a['seconds']} s" for a in earlier), changed=", ".join(sorted({k for a in earlier
                                                                           for k in a["changed"]})) or "?")]
    if results.get("synthetic"):
        lines += ["", f"### {_t('headings.synthetic')}", "", _t("details.synthetic"), ""]
        sizes = list(results["synthetic"])
        steps = list(dict.fromkeys(k for s in sizes for k in results["synthetic"][s]["steps"]))
        table = [[step] + [results["synthetic"][s]["steps"].get(step, "—") for s in sizes] for step in steps]
        for key in ("n_flows", "n_edges", "betweenness_method", "community_method", "baseline_rss_mb",
                    "peak_rss_mb", "process_seconds"):
            table.append([_t(f"details.synthetic_rows.{key}")] + [results["synthetic"][s].get(key, "—") for s in sizes])
        table.append([_t("details.synthetic_rows.network_json")] + [
            f"{results['synthetic'][s].get('figure_json_bytes', {}).get('figures.plot_actor_network', 0) / 1e6:.1f} MB"
            for s in sizes])
        lines += _table([_t("details.col_step")] + [f"{int(s):,}" for s in sizes], table)
        errors = [f"{s}: {results['synthetic'][s]['error']}" for s in sizes if results["synthetic"][s].get("error")]
        if errors:
            lines += ["", "```", *errors, "```"]
    lines += ["", _t("raw_figures"), ""]
    return "\n".join(lines)
