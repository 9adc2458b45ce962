"""Errors a user can cause and fix. The CLI prints them as one clear message, never a traceback.

Every error names where the problem is in the user's own terms: the file, the sheet, the row as a
spreadsheet shows it (header = row 1) and the column.
"""

from __future__ import annotations

from pathlib import Path


class MpanalysisError(Exception):
    """Base class of every error caused by the user's input or parameters.

    >>> str(MpanalysisError("something is wrong"))
    'something is wrong'
    """


class InputLayoutError(MpanalysisError):
    """A file or sheet does not have the layout of a questionnaire export; stops that country.

    >>> str(InputLayoutError("no sheet named 'sources'", file="a.xlsx", sheet="main"))
    "a.xlsx, sheet 'main': no sheet named 'sources'"
    """

    def __init__(self, message: str, *, file: str | Path | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        self.detail = message
        super().__init__(format_location(self.file, sheet, row, column) + message)


class ParamsError(MpanalysisError):
    """A country parameters file is missing, malformed or holds a wrong key or value.

    >>> str(ParamsError("unknown key", file="params/SEN.yaml", key="workshop.dat"))
    "params/SEN.yaml, key 'workshop.dat': unknown key"
    """

    def __init__(self, message: str, *, file: str | Path | None = None, key: str | None = None) -> None:
        self.file = str(file) if file is not None else None
        self.key = key
        where = ", ".join(p for p in [self.file, f"key '{key}'" if key else None] if p)
        super().__init__(f"{where}: {message}" if where else message)


class ReferenceDataError(MpanalysisError):
    """A reference list in ``data/reference/`` is missing or malformed."""


class OutputWriteError(MpanalysisError):
    """An output cannot be written (disk full, no permission, a file where a folder should be).

    >>> str(OutputWriteError("outputs/SEN/guides", "Not a directory"))
    'cannot write to outputs/SEN/guides: Not a directory'
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        super().__init__(f"cannot write to {path}: {reason}")


def format_location(file: str | None, sheet: str | None = None, row: int | None = None,
                    column: str | None = None) -> str:
    """Return ``"file, sheet 's', row 5, column 'c': "`` with only the parts that are known.

    >>> format_location("x.csv", None, 3, "country")
    "x.csv, row 3, column 'country': "
    >>> format_location(None)
    ''
    """
    parts = []
    if file:
        parts.append(str(file))
    if sheet:
        parts.append(f"sheet '{sheet}'")
    if row is not None:
        parts.append(f"row {row}")
    if column:
        parts.append(f"column '{column}'")
    return (", ".join(parts) + ": ") if parts else ""
