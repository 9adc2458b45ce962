"""Issues found in the answers (level, table, file, sheet, row, column, value, message, action) and their messages in the user's language (``data/reference/messages.yaml``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from mpanalysis.errors import ReferenceDataError
from mpanalysis.ingest import form
from mpanalysis.paths import reference_dir

#: Issue levels and actions (the ``issues`` table's vocabularies).
ERROR, WARNING = "error", "warning"
SET_ASIDE, KEPT, SUPERSEDED = "set aside", "kept", "superseded duplicate"
#: One answer left unknown (the rest of its row is kept); a row replaced by its corrected copy.
FIELD_SET_ASIDE, CORRECTED = "field set aside", "corrected"
ACTIONS = (SET_ASIDE, KEPT, SUPERSEDED, FIELD_SET_ASIDE, CORRECTED)

#: Canonical table names of the three questionnaire tables (``main`` is the respondents).
TABLE_NAMES = {form.MAIN: "respondents", form.SOURCES: "sources", form.FLOWS: "flows"}

#: Issue table columns (same as ``dataset.TABLE_COLUMNS["issues"]``).
ISSUE_COLUMNS = ["level", "table", "file", "sheet", "row", "column", "value", "message", "action"]

_MAX_VALUE_CHARS = 200


# --------------------------------------------------------------------------------------------
# messages


@lru_cache(maxsize=None)
def _reference_folder(root_variable: str | None, cwd: str) -> str:
    return str(reference_dir())


def _current_reference_folder() -> str:
    # Finding the project root walks the file system: do it once per root and working directory.
    return _reference_folder(os.environ.get("MPANALYSIS_ROOT"), os.getcwd())


@lru_cache(maxsize=None)
def _load_messages(folder: str) -> dict:
    from mpanalysis.reference import read_reference_yaml

    return read_reference_yaml(Path(folder) / "messages.yaml", "the message texts")


def format_message(key: str, lang: str = "en", /, **values: object) -> str:
    """Return the text ``key`` (``"section.name"``) of ``data/reference/messages.yaml`` in ``lang``.

    Falls back to English, then French, when a text is not translated yet.

    >>> format_message("issues.year_out_of_range", "en", value=2099, min_year=1950, max_year=2025)
    'year 2099 outside 1950–2025'
    >>> format_message("issues.required_empty", "fr")
    'champ obligatoire vide'
    """
    node: object = _load_messages(_current_reference_folder())
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ReferenceDataError(f"messages.yaml has no text '{key}'")
        node = node[part]
    if not isinstance(node, dict):
        raise ReferenceDataError(f"messages.yaml: '{key}' is not a translated text")
    template = node.get(lang) or node.get("en") or node.get("fr") or ""
    return str(template).format(**values) if values else str(template)


# --------------------------------------------------------------------------------------------
# issues


@dataclass(frozen=True)
class Issue:
    """One problem found in one row (or one sheet): a line of the validation report.

    >>> Issue("error", "sources", "a.xlsx", "sources", 4, "source_last_update", "2099",
    ...       "year 2099 outside 1950–2025", "set aside").location
    "a.xlsx, sheet 'sources', row 4, column 'source_last_update'"
    """

    level: str
    table: str
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str
    action: str

    @property
    def location(self) -> str:
        from mpanalysis.errors import format_location

        return format_location(self.file, self.sheet, self.row, self.column).removesuffix(": ")


def make_issues_table(issues: Iterable[Issue]) -> pd.DataFrame:
    """Return issues as the canonical ``issues`` table (``row`` as nullable ``Int64``).

    >>> make_issues_table([]).columns.tolist()
    ['level', 'table', 'file', 'sheet', 'row', 'column', 'value', 'message', 'action']
    """
    records = [[getattr(i, c) for c in ISSUE_COLUMNS] for i in issues]
    frame = pd.DataFrame(records, columns=ISSUE_COLUMNS)
    for column in ISSUE_COLUMNS:
        frame[column] = frame[column].astype("Int64" if column == "row" else "str")
    return frame


def _clip(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"
