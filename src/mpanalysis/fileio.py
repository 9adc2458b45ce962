"""Safe output writing: atomic replacement and formula-proof spreadsheets.

Every output goes through here so that an interrupted run never leaves a half-written file (the
temporary file is renamed over the target only once complete) and so that respondents' free text
can never become a formula in Excel or LibreOffice.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from mpanalysis.errors import OutputWriteError

#: A cell starting with one of these is run as a formula by spreadsheet programs (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


@contextlib.contextmanager
def open_atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    On error the temporary file is removed and ``path`` is left as it was. A file system refusal
    (no space, no permission, a file where a folder should be) raises
    :class:`~mpanalysis.errors.OutputWriteError` ("cannot write to PATH: reason").

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with open_atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputWriteError(path, describe_os_error(exc)) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        try:
            yield tmp
        except OSError as exc:  # the writer's own failure (disk full while writing…)
            raise OutputWriteError(path, describe_os_error(exc)) from None
        # mkstemp creates 0600 files; outputs are shared documents, so apply the usual umask
        umask = os.umask(0)
        os.umask(umask)
        try:
            os.chmod(tmp, 0o666 & ~umask)
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputWriteError(path, describe_os_error(exc)) from None
    finally:
        if tmp.exists():
            tmp.unlink()


def describe_os_error(exc: OSError) -> str:
    """Return the reason of a file system error in words, naming the path it concerns.

    >>> describe_os_error(FileExistsError(17, "File exists", "outputs/SEN/guides"))
    'File exists (outputs/SEN/guides)'
    """
    reason = exc.strerror or type(exc).__name__
    return f"{reason} ({exc.filename})" if exc.filename else reason


def remove_leftover_temporary_files(folder: str | Path) -> list[Path]:
    """Delete the temporary files that writers killed mid-write (``kill -9``) left under ``folder``.

    Only files named as :func:`open_atomic_path` names them (``.<name>.<random>.tmp``) are removed;
    call it when no other writer works in ``folder`` (a country's build holds its folder).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".guide.html.x1y2.tmp").write_text("half")
    >>> _ = (folder / "guide.html").write_text("whole")
    >>> [p.name for p in remove_leftover_temporary_files(folder)], sorted(p.name for p in folder.iterdir())
    (['.guide.html.x1y2.tmp'], ['guide.html'])
    """
    removed = []
    for tmp in Path(folder).rglob(".*.tmp"):
        if tmp.is_file() and not tmp.is_symlink():
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically and return the path."""
    with open_atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write bytes atomically and return the path."""
    with open_atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def neutralize_formula(value: object) -> object:
    """Return ``value`` made inert for spreadsheets: text starting like a formula gets a ``'``.

    >>> neutralize_formula('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralize_formula("@SUM(A1)")
    "'@SUM(A1)"
    >>> neutralize_formula(-3)
    -3
    >>> neutralize_formula("Agence (ANSD)")
    'Agence (ANSD)'
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells (and headers) cannot run as formulas."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralize_formula)
    safe.columns = [neutralize_formula(c) for c in safe.columns]
    return safe


def write_csv_safe(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a CSV atomically (UTF-8 with BOM so Excel shows accents) with formulas neutralised."""
    with open_atomic_path(path) as tmp:
        neutralize_frame(frame).to_csv(tmp, index=False, encoding="utf-8-sig")
    return Path(path)


def write_xlsx_safe(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write sheets to XLSX atomically; every text cell is stored as a string, never a formula."""
    with open_atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="xlsxwriter",
                            engine_kwargs={"options": {"strings_to_formulas": False,
                                                       "strings_to_urls": False}}) as writer:
            for name, frame in sheets.items():
                safe = neutralize_frame(frame)
                for column in safe.columns:
                    # Excel has no time zones: write UTC times as ISO text rather than fail
                    if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
                        safe[column] = safe[column].map(lambda v: None if pd.isna(v) else v.isoformat())
                safe.to_excel(writer, sheet_name=name[:31], index=False)
    return Path(path)
