"""What the benchmarks ran on: CPU, memory, OS, Python, package versions, load, date."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

#: Packages whose versions change the timings (the toolchain of a build).
PACKAGES = ("mpanalysis", "pandas", "numpy", "networkx", "plotly", "papermill", "nbclient",
            "jupyter_client", "ipykernel", "pandera", "pydantic", "pypdf", "python-docx", "openpyxl")


def read_cpu_model(cpuinfo: str | None = None) -> str:
    """Return the CPU model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere).

    >>> read_cpu_model("processor : 0\\nmodel name\\t: Example CPU @ 2.00GHz\\n")
    'Example CPU @ 2.00GHz'
    """
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cpuinfo = ""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or platform.machine()


def read_memory_gb(meminfo: str | None = None) -> float | None:
    """Return the total memory in GiB from ``/proc/meminfo`` (None when unknown).

    >>> read_memory_gb("MemTotal:        8388608 kB\\n")
    8.0
    """
    if meminfo is None:
        try:
            meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
        except OSError:
            return None
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def read_os_name() -> str:
    """Return the distribution's name and the kernel release, e.g. ``Debian GNU/Linux 12 (Linux 6.1)``."""
    name = platform.system()
    try:
        for line in Path("/etc/os-release").read_text(encoding="utf-8").splitlines():
            if line.startswith("PRETTY_NAME="):
                name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return f"{name} ({platform.system()} {platform.release()})"


def read_load_average() -> list[float] | None:
    """Return the 1, 5 and 15 minute load averages (None where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def read_package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Return ``{package: version}`` of the installed packages (``"not installed"`` otherwise).

    >>> read_package_versions(("no-such-package-xyz",))
    {'no-such-package-xyz': 'not installed'}
    """
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def read_source_revision(root: Path) -> str | None:
    """Return the git commit of the source tree (with ``+changes`` when it has local edits)."""
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        changed = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                 capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+changes" if changed else "")


_BUSY_LOOP = "n = 0\nfor i in range({n}): n += i"


def measure_parallel_slowdown(n_loops: int = 2, iterations: int = 20_000_000) -> float:
    """Return how much slower ``n_loops`` CPU-bound processes run together than one alone.

    1.0 means there are ``n_loops`` free cores; 2.0 with 2 loops means they share one core
    (the machine is busy with other work). It calibrates the speed-up with 2 workers.
    """
    command = [sys.executable, "-c", _BUSY_LOOP.format(n=iterations)]

    def run(k: int) -> float:
        start = time.perf_counter()
        for process in [subprocess.Popen(command) for _ in range(k)]:
            process.wait()
        return time.perf_counter() - start

    alone = run(1)
    return round(run(n_loops) / alone, 2)


def describe_machine(root: Path) -> dict:
    """Return the machine description written at the top of ``docs/benchmarks.md``."""
    return {
        "cpu_model": read_cpu_model(),
        "cpu_count": os.cpu_count(),
        "memory_gb": read_memory_gb(),
        "os": read_os_name(),
        "python": platform.python_version(),
        "packages": read_package_versions(),
        "source_revision": read_source_revision(root),
        "load_average_at_start": read_load_average(),
        "parallel_slowdown_at_start": measure_parallel_slowdown(),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
