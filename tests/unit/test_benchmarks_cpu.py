"""The CPU accounting of the benchmarks (``benchmarks/cpu.py``) and how the report states it.

No timing here: fake ``/proc`` trees and fake samples. The benchmarks themselves
(``benchmarks/run.py``) are not part of the test suite.
"""

from __future__ import annotations

import doctest
import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cpu():
    return _load("cpu")


@pytest.fixture(scope="module")
def report():
    return _load("report")


def test_docstring_examples_hold(cpu, report):
    for module in (cpu, report):
        failures, _ = doctest.testmod(module)
        assert failures == 0, module.__name__


# ----------------------------------------------------------------------------------------------
# reading /proc


def test_reads_cpu_ticks_after_a_command_name_with_spaces_and_parentheses(cpu):
    line = "501 (Web Content (x) 2) S 500 501 501 0 -1 0 0 0 0 0 700 100 40 2 20 0 1 0 123456 0 0"
    sample = cpu.parse_process_stat(line, "chromium")
    assert (sample.pid, sample.ppid, sample.start_ticks) == (501, 500, 123456)
    assert (sample.own_ticks, sample.children_ticks, sample.total_ticks) == (800, 42, 842)
    assert sample.key == (501, 123456)


@pytest.mark.parametrize(("argv", "group"), [
    (["/w/.venv/bin/python", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "k.json"], "kernel"),
    (["/usr/lib/chromium/chromium", "--type=zygote"], "chromium"),
    (["/usr/lib/chromium/chrome_crashpad_handler", "--monitor-self"], "chromium"),
    (["/w/.venv/bin/python", "-c", "from multiprocessing.spawn import spawn_main"], "python"),
    (["/usr/bin/python3.11", "-c", "import json"], "python"),
    (["/bin/sh", "-c", "chromium"], "other"),  # a shell is not Chromium because its argument names it
    ([], "other"),
])
def test_groups_processes_by_program(cpu, argv, group):
    assert cpu.classify_command(argv) == group


def test_machine_busy_ticks_leave_out_idle_and_iowait(cpu):
    assert cpu.read_machine_ticks("cpu  10 0 10 70 10 0 0 0 5 0\n") == (20, 100)


# ----------------------------------------------------------------------------------------------
# which processes are the batch's


def _write_process(proc: Path, pid: int, ppid: int, argv: list[str], env: dict | None = None,
                   start: int = 1000, own: int = 0, children: int = 0) -> None:
    folder = proc / str(pid)
    folder.mkdir(parents=True, exist_ok=True)
    comm = Path(argv[0]).name[:15] if argv else "kworker"
    (folder / "stat").write_text(f"{pid} ({comm}) S {ppid} {pid} {pid} 0 -1 0 0 0 0 0 {own} 0 {children} 0 "
                                 f"20 0 1 0 {start} 0 0\n")
    (folder / "cmdline").write_bytes("\0".join(argv).encode() + (b"\0" if argv else b""))
    (folder / "environ").write_bytes(b"".join(f"{k}={v}\0".encode() for k, v in (env or {}).items()))


@pytest.fixture
def fake_proc(tmp_path):
    """A benchmark (100) running a batch (101) with its kernel (102) and Chromium (103), whose
    zygote (110) and renderer (111) were left to init; its crash handler (120) was double-forked
    to init; another session runs its own Chromium (200, 201) and Python (300)."""
    proc, batch_tmp = tmp_path / "proc", tmp_path / "batch-tmp"
    chromium = "/usr/lib/chromium/chromium"
    _write_process(proc, 1, 0, ["/sbin/init"])
    _write_process(proc, 100, 1, ["/w/.venv/bin/python", "benchmarks/run.py"], own=50)
    _write_process(proc, 101, 100, ["/w/.venv/bin/python", "-c", "batch"], own=30)
    _write_process(proc, 102, 101, ["/w/.venv/bin/python", "-m", "ipykernel_launcher"], own=40)
    _write_process(proc, 103, 101, [chromium, f"--user-data-dir={batch_tmp}/mpanalysis-chromium-1"], own=7)
    _write_process(proc, 110, 1, [chromium, "--type=zygote", f"--user-data-dir={batch_tmp}/mpanalysis-chromium-1"])
    _write_process(proc, 111, 110, [chromium, "--type=renderer"], own=25)
    _write_process(proc, 120, 1, ["/usr/lib/chromium/chrome_crashpad_handler"],
                   env={"MPANALYSIS_BENCHMARK_BATCH": "abc"}, own=1)
    _write_process(proc, 200, 1, [chromium, "--user-data-dir=/tmp/mpanalysis-chromium-other"], own=99,
                   env={"MPANALYSIS_BENCHMARK_BATCH": "other-batch"})
    _write_process(proc, 201, 200, [chromium, "--type=renderer"], own=99)
    _write_process(proc, 300, 1, ["/w/.venv/bin/python", "-m", "ipykernel_launcher"], own=99)
    return proc, batch_tmp


def test_counts_the_batchs_processes_and_no_other_sessions(cpu, fake_proc):
    proc, batch_tmp = fake_proc
    sampler = cpu.ProcessSampler(100, "abc", batch_tmp, proc=proc)
    snapshot = sampler.take_snapshot()
    groups = {s.pid: s.group for s in snapshot.values()}
    assert groups == {100: "benchmark", 101: "python", 102: "kernel", 103: "chromium", 110: "chromium",
                      111: "chromium", 120: "chromium"}


def test_a_process_once_counted_stays_counted_after_its_parent_quits(cpu, fake_proc):
    proc, batch_tmp = fake_proc
    sampler = cpu.ProcessSampler(100, "abc", batch_tmp, proc=proc)
    sampler.take_snapshot()
    # the batch process quits: its kernel is left to init, and a reused pid is another process
    for name in ("stat", "cmdline", "environ"):
        (proc / "101" / name).unlink()
    (proc / "101").rmdir()
    _write_process(proc, 102, 1, ["/w/.venv/bin/python", "-m", "ipykernel_launcher"], own=45)
    _write_process(proc, 103, 1, ["/usr/bin/python3"], start=5000)  # pid 103 reused by someone else
    pids = {s.pid for s in sampler.take_snapshot().values()}
    assert 102 in pids and 111 in pids
    assert 101 not in pids and 103 not in pids


def test_selects_descendants_of_the_seeds_only(cpu):
    parent_of = {1: 0, 10: 1, 11: 10, 12: 11, 13: 1, 14: 13, 20: 1}
    assert cpu.select_own_processes(parent_of, {10, 13, 99}) == {10, 11, 12, 13, 14}


# ----------------------------------------------------------------------------------------------
# adding up the samples


def _p(cpu, pid, ppid, own, children=0, group="python", start=1):
    return cpu.ProcessSample(pid, ppid, start, own, children, group)


def _snapshots(cpu, *rows):
    return [{(s.pid, s.start_ticks): s for s in row} for row in rows]


def test_recovers_the_tail_of_a_child_its_parent_waited_for(cpu):
    snapshots = _snapshots(cpu,
                           [_p(cpu, 1, 0, 100, 500, "benchmark")],
                           [_p(cpu, 1, 0, 100, 500, "benchmark"), _p(cpu, 2, 1, 10), _p(cpu, 3, 2, 30, group="kernel")],
                           [_p(cpu, 1, 0, 101, 500, "benchmark"), _p(cpu, 2, 1, 20), _p(cpu, 3, 2, 60, group="kernel")],
                           # the kernel exits after 70 ticks and is waited for by the batch process
                           [_p(cpu, 1, 0, 101, 500, "benchmark"), _p(cpu, 2, 1, 22, 70)],
                           # the batch process exits after 25 ticks; the benchmark waits for it
                           [_p(cpu, 1, 0, 102, 500 + 25 + 70, "benchmark")])
    assert cpu.sum_cpu_by_group(snapshots) == {"benchmark": 2, "python": 25, "kernel": 70}


def test_children_too_short_to_be_sampled_count_as_other(cpu):
    snapshots = _snapshots(cpu, [_p(cpu, 2, 1, 0)], [_p(cpu, 2, 1, 5, 12)], [_p(cpu, 2, 1, 5, 20)])
    assert cpu.sum_cpu_by_group(snapshots) == {"python": 5, "other": 20}


def test_processes_running_at_the_first_sample_count_from_there(cpu):
    snapshots = _snapshots(cpu, [_p(cpu, 2, 1, 1000, 300)], [_p(cpu, 2, 1, 1040, 300)])
    assert cpu.sum_cpu_by_group(snapshots) == {"python": 40}


def test_an_orphan_nobody_waits_for_counts_up_to_its_last_sample(cpu):
    # Chromium's renderer left to init (pid 1, not sampled): nothing recovers its last interval
    snapshots = _snapshots(cpu,
                           [_p(cpu, 5, 1, 0), _p(cpu, 6, 1, 40, group="chromium")],
                           [_p(cpu, 5, 1, 0), _p(cpu, 6, 1, 90, group="chromium")],
                           [_p(cpu, 5, 1, 0)])
    assert cpu.sum_cpu_by_group(snapshots) == {"python": 0, "chromium": 50}


def test_a_child_that_left_without_its_parent_waiting_takes_nothing_from_the_parent(cpu):
    # the child (7) was reparented after its last sample; its parent's waited CPU grew by another,
    # unsampled child only: no negative correction, the unsampled child still counts
    snapshots = _snapshots(cpu,
                           [_p(cpu, 5, 1, 0)],
                           [_p(cpu, 5, 1, 0), _p(cpu, 7, 5, 80, group="chromium")],
                           [_p(cpu, 5, 1, 0, 3)])
    totals = cpu.sum_cpu_by_group(snapshots)
    assert totals["chromium"] == 80
    assert sum(totals.values()) == 80  # the 3 ticks are hidden behind the missing 80: counted low, never twice


def test_a_parent_and_child_leaving_together_are_not_counted_twice(cpu):
    snapshots = _snapshots(cpu,
                           [_p(cpu, 1, 0, 0, 0, "benchmark"), _p(cpu, 2, 1, 10), _p(cpu, 3, 2, 20, group="kernel")],
                           # 2 waited for 3 (final 24 ticks) and exited after 12; 1 waited for 2
                           [_p(cpu, 1, 0, 0, 12 + 24, "benchmark")])
    # both ran before the first sample: only what they used since counts, once
    assert sum(cpu.sum_cpu_by_group(snapshots).values()) == (12 - 10) + (24 - 20)


def test_a_reused_pid_is_another_process(cpu):
    snapshots = _snapshots(cpu, [], [_p(cpu, 9, 1, 30, start=1)], [_p(cpu, 9, 1, 4, start=2, group="chromium")])
    assert cpu.sum_cpu_by_group(snapshots) == {"python": 30, "chromium": 4}


# ----------------------------------------------------------------------------------------------
# the report


def _results(with_cpu: bool) -> dict:
    def batch(workers: int, seconds: float, core_s: float, groups: dict) -> dict:
        result = {"workers": workers, "seconds": seconds, "load_average_before": [0.1, 0.1, 0.1],
                  "countries": [{"country": "SEN", "status": "built", "seconds": 16.0, "message": ""},
                                {"country": "NER", "status": "built", "seconds": 12.0, "message": ""}]}
        if with_cpu:
            result["cpu"] = {"interval_s": 0.25, "n_samples": 300, "n_processes": 40, "window_s": seconds + 2,
                             "machine_busy_core_s": core_s + 5, "groups_core_s": groups, "batch_core_s": core_s,
                             "busy_cores": round(core_s / (seconds + 2), 2), "sampler_core_s": 1.0,
                             "idle_baseline": {"seconds": 5.0, "busy_cores": 0.02}, "startup_core_s": 1.0,
                             "waited_core_s": core_s - groups["chromium"]}
        else:
            result["cpu_s"] = core_s - groups["chromium"]  # the getrusage figure of older result files
        return result

    return {"config": {"mode": "full", "countries": ["NER", "SEN"]}, "options": {"formats": ["pdf"]},
            "machine": {"cpu_model": "Example", "cpu_count": 2, "memory_gb": 8, "os": "Linux", "python": "3.11",
                        "packages": {}, "date": "2026-12-05", "parallel_slowdown_at_start": 1.05},
            "batch": {"1": batch(1, 77.0, 111.0, {"kernel": 36.0, "python": 34.0, "chromium": 35.0, "other": 6.0}),
                      "2": batch(2, 67.0, 124.0, {"kernel": 38.0, "python": 41.0, "chromium": 39.0, "other": 6.0})}}


def test_the_bound_is_the_one_worker_time_over_the_two_worker_cpu_spread_over_the_cores(report):
    bound = report.compute_speedup_bound(_results(with_cpu=True))
    assert bound["best2_s"] == pytest.approx(123.0 / 2)  # the timed call's CPU, start-up excluded
    assert bound["bound"] == pytest.approx(77.0 / 61.5, abs=1e-3)
    assert not bound["is_longest_country"]
    assert report.compute_speedup_bound(_results(with_cpu=False)) is None


def test_report_states_the_measured_cpu_and_the_bound(report):
    text = report.write_report(_results(with_cpu=True))
    missed = text.split("## Missed targets", 1)[1].split("## Details", 1)[0]
    assert "1-worker batch kept 1.41 cores busy" in missed
    assert "kernels 36, Python processes 34, Chromium 35" in missed
    assert "bounds the speed-up of this workload to 1.25×" in missed
    assert "above this machine's bound (1.25×)" in missed
    assert "1.05× slower together" in missed  # the machine check is kept
    assert "| Bound this machine puts on that speed-up" in text
    assert "### CPU of the batches" in text
    assert "| Chromium, every process (core-seconds) | 35.0 | 39.0 |" in text


def test_report_from_an_older_results_file_quotes_no_cpu_figure(report):
    text = report.write_report(_results(with_cpu=False))
    missed = text.split("## Missed targets", 1)[1].split("## Details", 1)[0]
    assert "has no CPU samples" in missed
    assert "cores busy" not in text
    assert "### CPU of the batches" not in text
    assert "1.05× slower together" in missed
