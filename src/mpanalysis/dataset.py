"""The canonical tables of one country (see docs/architecture.md, "Data model").

``load_country_dataset`` reads every export in a country's input folder, validates each row, sets
aside what is wrong (with an issue naming file, sheet, row and column), resolves duplicate
submissions, reconciles institution names to entities and returns a :class:`CountryDataset`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: Columns of every canonical table, in order. The pandera schemas in ``schemas.py`` check them.
TABLE_COLUMNS: dict[str, list[str]] = {
    "respondents": [
        "submission_id", "entity_id", "institution_name", "institution_acronym", "institution_type",
        "respondent_name", "respondent_function", "respondent_email", "respondent_phone",
        "consent_publish_contact", "wg_member", "wg_coordinator", "mp_aware", "mp_used",
        "mp_functions", "mp_use_example", "challenge_other", "needs_comment", "good_practice",
        "submitted_at", "source_file", "source_sheet", "source_row",
    ],
    "entities": [
        "entity_id", "name", "acronym", "institution_type", "sector", "is_respondent",
        "is_coordinator", "is_wg_member", "name_variants", "n_mentions",
    ],
    "sources": [
        "source_id", "entity_id", "submission_id", "source_name", "domain", "kind", "status",
        "periodicity", "last_update", "format", "access", "source_file", "source_sheet", "source_row",
    ],
    "flows": [
        "flow_id", "entity_id", "submission_id", "partner_name", "partner_entity_id", "direction",
        "domains", "frequency", "channel", "stages", "source_file", "source_sheet", "source_row",
    ],
    "stages": ["entity_id", "stage"],
    "challenges": ["entity_id", "challenge", "severity", "comment"],
    "needs": ["entity_id", "need"],
    "mp_use": ["entity_id", "mp_aware", "mp_used", "functions", "use_example"],
    "issues": ["level", "table", "file", "sheet", "row", "column", "value", "message", "action"],
    "counts": ["table", "rows_read", "rows_accepted", "rows_set_aside"],
}


def make_empty_table(name: str) -> pd.DataFrame:
    """Return an empty canonical table with the right columns.

    >>> make_empty_table("needs").columns.tolist()
    ['entity_id', 'need']
    """
    return pd.DataFrame({column: pd.Series(dtype="object") for column in TABLE_COLUMNS[name]})


@dataclass(frozen=True)
class CountryDataset:
    """Everything the analysis knows about one country, as validated canonical tables.

    ``reconciliation`` holds the reconciliation report tables (``matches``, ``unresolved``);
    ``input_hashes`` maps each input file name to its SHA-256, for provenance.
    """

    country: str
    respondents: pd.DataFrame
    entities: pd.DataFrame
    sources: pd.DataFrame
    flows: pd.DataFrame
    stages: pd.DataFrame
    challenges: pd.DataFrame
    needs: pd.DataFrame
    mp_use: pd.DataFrame
    issues: pd.DataFrame
    counts: pd.DataFrame
    reconciliation: dict[str, pd.DataFrame] = field(default_factory=dict)
    input_hashes: dict[str, str] = field(default_factory=dict)

    def get_table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    @property
    def is_balanced(self) -> bool:
        """True when every table satisfies rows read = rows accepted + rows set aside."""
        c = self.counts
        return bool((c["rows_read"] == c["rows_accepted"] + c["rows_set_aside"]).all())
