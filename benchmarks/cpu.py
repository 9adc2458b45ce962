"""The CPU a batch really uses, sampled from ``/proc`` while it runs.

``resource.getrusage`` of a process and its waited children misses what a batch spends in
processes nobody waits for: headless Chromium's zygotes and renderers are left to ``init`` when
the browser quits, and its crash handlers are double-forked to ``init`` from the start. So a
thread of the benchmark process reads, every ``interval_s`` seconds:

- ``/proc/stat``: the machine's busy core-seconds (every process, every user; compared with an
  idle interval just before the batch, to see the load of other work);
- ``/proc/<pid>/stat`` of the batch's processes, grouped by command line (:func:`classify_command`):
  Jupyter kernels, Python processes (the calling process, its workers), Chromium, other.

Which processes are the batch's (:meth:`ProcessSampler.take_snapshot`, documented in
``docs/benchmarks.md``): the descendants of the benchmark process at the time of a sample
(parentage, so other users' and other sessions' processes never count), plus the processes whose
environment holds this batch's own marker variable, plus Chromium processes whose
``--user-data-dir`` lies in the temporary folder given to this batch only (``TMPDIR``), plus the
descendants of all these; a process once counted stays counted (processes are told apart by pid
and start time, so a reused pid is a new process).

How their CPU is added up (:func:`sum_cpu_by_group`): each process's CPU (``utime + stime``) at its
last sample, minus its CPU at the first sample when it already ran then. What a process spent
after its last sample is recovered where its parent waited for it: the parent's waited-children
CPU (``cutime + cstime``) grows by the child's final total, and the growth beyond what the samples
already counted is the child's tail, or the whole CPU of a child too short-lived to be sampled.
What is lost: the tail of a process whose parent did not wait for it (Chromium's processes
orphaned when the browser quits: at most one sampling interval each, while they shut down).
The machine-wide figure minus the idle baseline and the benchmark process's own CPU bounds
that residual (the report prints it).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Self

#: The groups of processes, in the order the report lists them.
GROUPS = ("kernel", "python", "chromium", "other")
#: The group of CPU recovered from children that exited before any sample saw them.
SHORT_LIVED = "other"
#: The group of the benchmark process itself (the sampler thread): not part of the batch.
BENCHMARK = "benchmark"
#: The environment variable whose value marks the processes of one batch.
MARKER_VARIABLE = "MPANALYSIS_BENCHMARK_BATCH"
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

_USER_DATA_DIR = re.compile(r"--user-data-dir=(\S+)")


@dataclass(frozen=True)
class ProcessSample:
    """One process at one sample: CPU in clock ticks (own, and of the children it waited for)."""

    pid: int
    ppid: int
    start_ticks: int
    own_ticks: int
    children_ticks: int
    group: str = "other"

    @property
    def key(self) -> tuple[int, int]:
        """Pid and start time: a pid reused by a later process is another key."""
        return (self.pid, self.start_ticks)

    @property
    def total_ticks(self) -> int:
        return self.own_ticks + self.children_ticks


def parse_process_stat(text: str, group: str = "other") -> ProcessSample:
    """Read the pid, parent, start time and CPU ticks from a ``/proc/<pid>/stat`` line.

    The command name (in parentheses) may hold spaces and parentheses: the fields are counted
    from the last ``)``.

    >>> line = "42 (chromium (x)) S 7 42 42 0 -1 4194560 10 0 0 0 150 30 12 3 20 0 9 0 5000 0 0"
    >>> s = parse_process_stat(line, "chromium")
    >>> s.pid, s.ppid, s.start_ticks, s.own_ticks, s.children_ticks
    (42, 7, 5000, 180, 15)
    """
    pid = int(text.split(" ", 1)[0])
    fields = text[text.rfind(")") + 2:].split()
    # after the command: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    # utime stime cutime cstime priority nice threads itrealvalue starttime ...
    return ProcessSample(pid=pid, ppid=int(fields[1]), start_ticks=int(fields[19]),
                         own_ticks=int(fields[11]) + int(fields[12]),
                         children_ticks=int(fields[13]) + int(fields[14]), group=group)


def classify_command(argv: list[str]) -> str:
    """Name the group of a process from its command line (``/proc/<pid>/cmdline``).

    >>> classify_command(["/x/.venv/bin/python", "-m", "ipykernel_launcher", "-f", "/tmp/k.json"])
    'kernel'
    >>> classify_command(["/usr/lib/chromium/chromium", "--type=renderer"])
    'chromium'
    >>> classify_command(["/usr/lib/chromium/chrome_crashpad_handler", "--monitor-self"])
    'chromium'
    >>> classify_command(["/x/.venv/bin/python3", "-c", "from multiprocessing.spawn import spawn_main"])
    'python'
    >>> classify_command(["sh", "-c", "true"]), classify_command([])
    ('other', 'other')
    """
    if not argv:
        return "other"
    program = os.path.basename(argv[0])
    if any("ipykernel" in part for part in argv[:4]):
        return "kernel"
    if "chrom" in program:
        return "chromium"
    if program.startswith("python"):
        return "python"
    return "other"


def select_own_processes(parent_of: dict[int, int], seeds: set[int]) -> set[int]:
    """Return ``seeds`` and all their descendants, from ``{pid: parent pid}``.

    >>> sorted(select_own_processes({10: 1, 11: 10, 12: 11, 20: 1, 21: 20, 30: 1}, {10, 20}))
    [10, 11, 12, 20, 21]
    """
    children: dict[int, list[int]] = defaultdict(list)
    for pid, ppid in parent_of.items():
        children[ppid].append(pid)
    selected, stack = set(), [pid for pid in seeds if pid in parent_of]
    while stack:
        pid = stack.pop()
        if pid not in selected:
            selected.add(pid)
            stack.extend(children.get(pid, ()))
    return selected


Snapshot = dict[tuple[int, int], ProcessSample]


def sum_cpu_by_group(snapshots: list[Snapshot]) -> dict[str, int]:
    """Add up the CPU (clock ticks) the sampled processes used from the first snapshot to the last,
    by group (the rules are in this module's docstring).

    A kernel (pid 11) sampled at 5 and 9 ticks that exits after 12 is recovered from its
    parent's waited-children CPU; a short-lived child (never sampled) adds 4 ticks more:

    >>> p = lambda pid, ppid, own, children, group: ProcessSample(pid, ppid, 1, own, children, group)
    >>> snapshots = [{(10, 1): p(10, 1, 0, 0, "python")},
    ...              {(10, 1): p(10, 1, 2, 0, "python"), (11, 1): p(11, 10, 5, 0, "kernel")},
    ...              {(10, 1): p(10, 1, 3, 0, "python"), (11, 1): p(11, 10, 9, 0, "kernel")},
    ...              {(10, 1): p(10, 1, 3, 12, "python")},
    ...              {(10, 1): p(10, 1, 3, 16, "python")}]
    >>> sum_cpu_by_group(snapshots)
    {'python': 3, 'kernel': 12, 'other': 4}
    """
    totals: dict[str, int] = defaultdict(int)
    first = snapshots[0] if snapshots else {}
    last: Snapshot = {}
    for snapshot in snapshots:
        last.update(snapshot)

    # a process that ran before the first sample counts from there; a later one from its start
    for key, sample in last.items():
        totals[sample.group] += sample.own_ticks - (first[key].own_ticks if key in first else 0)
    for previous, current in pairwise(snapshots):
        gone = {s.pid: s for key, s in previous.items() if key not in current}
        reaped: dict[int, list[ProcessSample]] = defaultdict(list)  # by the pid still there
        for sample in gone.values():
            ancestor, seen = sample.ppid, set()
            while ancestor in gone and ancestor not in seen:  # a parent that left in the same interval
                seen.add(ancestor)
                ancestor = gone[ancestor].ppid
            reaped[ancestor].append(sample)
        for key, sample in current.items():
            # a process born since the previous sample started with no waited children
            before = previous[key].children_ticks if key in previous else 0
            grown = sample.children_ticks - before
            if grown <= 0:
                continue
            # the parent's waited CPU grew by its children's final totals (before the first sample
            # included); the samples counted them up to their last totals: the rest is their tails
            children = reaped.get(sample.pid, [])
            tail = grown - sum(c.total_ticks for c in children)
            if tail > 0:  # negative when a child left without being waited for here: nothing to add
                group = max(children, key=lambda c: c.total_ticks).group if children else SHORT_LIVED
                totals[group] += tail
    return dict(totals)


def read_machine_ticks(text: str | None = None) -> tuple[int, int]:
    """Return the machine's busy and total clock ticks since boot (first line of ``/proc/stat``).

    Busy is everything but ``idle`` and ``iowait``; ``guest`` time is already in ``user``.

    >>> read_machine_ticks("cpu  100 5 50 800 40 3 2 0 0 0\\ncpu0 1 2 3 4 5 6 7 8 9 10\\n")
    (160, 1000)
    """
    if text is None:
        with open("/proc/stat", encoding="ascii") as handle:
            text = handle.readline()
    values = [int(v) for v in text.split("\n", 1)[0].split()[1:9]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def measure_idle_load(seconds: float) -> dict:
    """Return how many cores the machine kept busy over ``seconds`` while this process slept:
    the load of other work just before a batch."""
    busy_start, _ = read_machine_ticks()
    start = time.perf_counter()
    time.sleep(seconds)
    busy_end, _ = read_machine_ticks()
    elapsed = time.perf_counter() - start
    return {"seconds": round(elapsed, 2),
            "busy_cores": round((busy_end - busy_start) / CLOCK_TICKS_PER_S / elapsed, 3)}


class ProcessSampler:
    """Sample the CPU of a batch's processes in a thread (``with ProcessSampler(...) as s: ...``).

    ``root_pid`` is the process whose descendants count (this process: it starts the batch);
    ``marker`` the value of :data:`MARKER_VARIABLE` in the batch's environment; ``tmp_folder`` the
    batch's own ``TMPDIR``, under which its Chromiums keep their profiles.
    """

    def __init__(self, root_pid: int, marker: str, tmp_folder: Path, interval_s: float = 0.25,
                 proc: Path = Path("/proc")) -> None:
        self.root_pid, self.interval_s, self.proc = root_pid, interval_s, proc
        self._marker = f"{MARKER_VARIABLE}={marker}".encode()
        self._tmp_prefix = str(tmp_folder).rstrip("/") + "/"
        self._group_of: dict[tuple[int, int], str] = {}  # processes counted, by key
        self._ignored: set[tuple[int, int]] = set()  # processes checked once and not ours
        self.snapshots: list[Snapshot] = []
        self.machine_ticks: list[tuple[float, int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)

    def _read(self, pid: str, name: str) -> bytes:
        with open(self.proc / pid / name, "rb") as handle:
            return handle.read()

    def _is_marked(self, pid: int) -> bool:
        """The process carries this batch's marker, or is a Chromium with a profile in its folder."""
        try:
            argv = self._read(str(pid), "cmdline").decode("utf-8", "replace").split("\0")
            match = _USER_DATA_DIR.search(" ".join(argv))
            if match and match.group(1).startswith(self._tmp_prefix):
                return True
            return self._marker in self._read(str(pid), "environ").split(b"\0")
        except OSError:
            return False

    def _classify(self, pid: int, comm: str) -> str:
        if pid == self.root_pid:
            return BENCHMARK
        try:
            argv = [a for a in self._read(str(pid), "cmdline").decode("utf-8", "replace").split("\0") if a]
        except OSError:
            argv = []
        return classify_command(argv or [comm])

    def take_snapshot(self) -> Snapshot:
        """Read ``/proc`` once; remember and return the batch's processes."""
        samples: dict[int, ProcessSample] = {}
        comms: dict[int, str] = {}
        for name in os.listdir(self.proc):
            if not name.isdigit():
                continue
            try:
                text = self._read(name, "stat").decode("utf-8", "replace")
            except OSError:  # the process left between the listing and the reading
                continue
            sample = parse_process_stat(text)
            samples[sample.pid] = sample
            comms[sample.pid] = text[text.find("(") + 1:text.rfind(")")]
        seeds = {self.root_pid}
        for pid, sample in samples.items():
            if sample.key in self._group_of:
                seeds.add(pid)
        own = select_own_processes({pid: s.ppid for pid, s in samples.items()}, seeds)
        for pid, sample in samples.items():
            if pid not in own and sample.key not in self._ignored:
                if self._is_marked(pid):
                    seeds.add(pid)
                else:
                    self._ignored.add(sample.key)
        own = select_own_processes({pid: s.ppid for pid, s in samples.items()}, seeds)
        snapshot = {}
        for pid in own:
            sample = samples[pid]
            if sample.key not in self._group_of:
                self._group_of[sample.key] = self._classify(pid, comms[pid])
                self._ignored.discard(sample.key)
            snapshot[sample.key] = ProcessSample(sample.pid, sample.ppid, sample.start_ticks, sample.own_ticks,
                                                 sample.children_ticks, self._group_of[sample.key])
        return snapshot

    def _sample(self) -> None:
        now = time.perf_counter()
        busy, total = read_machine_ticks()
        self.machine_ticks.append((now, busy, total))
        self.snapshots.append(self.take_snapshot())

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def __enter__(self) -> Self:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        # processes left behind (Chromium shutting down, orphaned crash handlers): wait a little for
        # them, so that their last CPU is read as late as possible
        deadline = time.perf_counter() + 3.0
        self._sample()
        while time.perf_counter() < deadline and any(
                s.group != BENCHMARK for s in self.snapshots[-1].values()):
            time.sleep(self.interval_s)
            self._sample()

    def summarize(self) -> dict:
        """Return the window's wall time, the machine's busy core-seconds and the batch's CPU by
        group (core-seconds; the benchmark process's own CPU apart)."""
        ticks = sum_cpu_by_group(self.snapshots)
        (t0, busy0, _), (t1, busy1, _) = self.machine_ticks[0], self.machine_ticks[-1]
        wall = t1 - t0
        groups = {g: round(ticks.get(g, 0) / CLOCK_TICKS_PER_S, 1) for g in GROUPS}
        batch = sum(v for g, v in ticks.items() if g != BENCHMARK) / CLOCK_TICKS_PER_S
        return {"interval_s": self.interval_s, "n_samples": len(self.snapshots),
                "n_processes": len(self._group_of) - 1, "window_s": round(wall, 2),
                "machine_busy_core_s": round((busy1 - busy0) / CLOCK_TICKS_PER_S, 1),
                "groups_core_s": groups, "batch_core_s": round(batch, 1),
                "busy_cores": round(batch / wall, 2) if wall else None,
                "sampler_core_s": round(ticks.get(BENCHMARK, 0) / CLOCK_TICKS_PER_S, 1)}
