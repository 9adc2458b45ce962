"""One command at a time per project: ``run``, ``validate``, ``atlas``, ``workshop``, ``review``
and ``endorse`` hold ``outputs/.lock``.

The lock is an ``fcntl`` lock on an open file, so the kernel releases it when its process ends,
however it ends (``kill -9`` included): a lock can never go stale. The file only tells a second
command who holds the lock (process id, command, start time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from mpanalysis.errors import MpanalysisError
from mpanalysis.paths import outputs_dir

LOCK_FILE_NAME = ".lock"


class ProjectBusyError(MpanalysisError):
    """Another mpanalysis command is writing the project's outputs."""


def _describe_holder(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another process"


@contextlib.contextmanager
def hold_project_lock(command: str, *, is_waiting: bool = False, root: Path | None = None) -> Iterator[Path]:
    """Hold the project's lock while the block runs; raise :class:`ProjectBusyError` when another
    command holds it (or, with ``is_waiting``, wait for it, saying so on stderr).

    >>> with hold_project_lock("doctest") as path:
    ...     try:
    ...         with hold_project_lock("second"):
    ...             pass
    ...     except ProjectBusyError as exc:
    ...         print(str(exc).split(" (")[0])
    another mpanalysis command is running on this project
    """
    path = outputs_dir(root=root) / LOCK_FILE_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    except OSError as exc:
        raise MpanalysisError(f"cannot write to {path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _describe_holder(path)
            if not is_waiting:
                raise ProjectBusyError(
                    f"another mpanalysis command is running on this project ({holder}); "
                    "wait for it to finish, or add --wait to start when it has") from None
            print(f"waiting for the command running on this project to finish ({holder})…", file=sys.stderr)
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        started = dt.datetime.now().isoformat(timespec="seconds")
        handle.write(f"process {os.getpid()}, `mpanalysis {command}`, started {started}\n")
        handle.flush()
        yield path
    finally:
        # closing the file releases the lock; the file stays, harmless, for the next command
        handle.close()
