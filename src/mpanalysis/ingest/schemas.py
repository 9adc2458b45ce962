"""Pandera schemas of the canonical tables (docs/architecture.md, "CountryDataset").

Columns, order and dtypes are exact (text ``str``, nullable ``boolean``, ``Int64`` years and
severities, UTC ``submitted_at``); categorical values are checked against the reference lists in
``data/reference/`` (multi-valued space-separated strings element by element). The loader has
already set aside every bad row, so a schema failure is a bug in the package, not a user error.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd
import pandera.pandas as pa

from mpanalysis.ingest import form
from mpanalysis.ingest.issues import ACTIONS
from mpanalysis.reference import get_codes

TEXT, BOOLEAN, INT, COUNT = "str", "boolean", "Int64", "int64"
UTC_TIME = "datetime64[ns, UTC]"

#: dtype of every column that is not text (``str``).
NON_TEXT_DTYPES: dict[str, dict[str, str]] = {
    "respondents": {
        "consent_publish_contact": BOOLEAN, "wg_member": BOOLEAN, "wg_coordinator": BOOLEAN,
        "mp_aware": BOOLEAN, "mp_used": BOOLEAN, "submitted_at": UTC_TIME, "source_row": INT,
    },
    "entities": {"is_respondent": BOOLEAN, "is_coordinator": BOOLEAN, "is_wg_member": BOOLEAN,
                 "n_mentions": COUNT},
    "sources": {"last_update": INT, "source_row": INT},
    "flows": {"source_row": INT},
    "stages": {},
    "challenges": {"severity": INT},
    "needs": {},
    "mp_use": {"mp_aware": BOOLEAN, "mp_used": BOOLEAN},
    "issues": {"row": INT},
    "counts": {"rows_read": COUNT, "rows_accepted": COUNT, "rows_set_aside": COUNT, "fields_set_aside": COUNT,
               "rows_corrected": COUNT},
}


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
    # rows read = accepted + set aside; fields set aside are answers left unknown in accepted rows;
    # rows corrected are earlier copies of submissions that a later file repeats (not read again)
    "counts": ["table", "rows_read", "rows_accepted", "rows_set_aside", "fields_set_aside", "rows_corrected"],
}


def make_empty_table(name: str) -> pd.DataFrame:
    """Return an empty canonical table with the right columns and dtypes.

    >>> make_empty_table("needs").columns.tolist()
    ['entity_id', 'need']
    >>> str(make_empty_table("sources")["last_update"].dtype)
    'Int64'
    """
    return pd.DataFrame({column: pd.Series(dtype=get_dtype(name, column)) for column in TABLE_COLUMNS[name]})


def get_dtype(table: str, column: str) -> str:
    """Return the dtype of a canonical column.

    >>> get_dtype("sources", "last_update"), get_dtype("sources", "domain")
    ('Int64', 'str')
    """
    return NON_TEXT_DTYPES[table].get(column, TEXT)


def _one_of(list_name: str, extra: tuple[str, ...] = ()) -> pa.Check:
    return pa.Check.isin([*get_codes(list_name), *extra], error=f"value not in reference list {list_name}")


def _all_of(list_name: str) -> pa.Check:
    allowed = frozenset(get_codes(list_name))
    return pa.Check(lambda value: all(code in allowed for code in str(value).split()), element_wise=True,
                    error=f"space-separated codes not all in reference list {list_name}")


@lru_cache(maxsize=1)
def _build_schemas() -> dict[str, pa.DataFrameSchema]:
    max_year = dt.date.today().year
    unique_id = {"unique": True, "nullable": False}
    checks: dict[str, dict[str, dict]] = {
        "respondents": {
            "submission_id": unique_id, "entity_id": {"unique": True, "nullable": False},
            "institution_name": {"nullable": False},
            "institution_type": {"checks": [_one_of("institution_types")]},
            "mp_functions": {"checks": [_all_of("mp_functions")], "nullable": False},
            "source_file": {"nullable": False},
            "source_row": {"checks": [pa.Check.ge(2)], "nullable": False},
        },
        "entities": {
            "entity_id": unique_id, "name": {"nullable": False},
            "institution_type": {"checks": [_one_of("institution_types")]},
            "sector": {"checks": [_one_of("sectors", ("unknown",))], "nullable": False},
            "is_respondent": {"nullable": False}, "is_coordinator": {"nullable": False},
            "is_wg_member": {"nullable": False}, "n_mentions": {"checks": [pa.Check.ge(0)]},
        },
        "sources": {
            "source_id": unique_id, "entity_id": {"nullable": False}, "submission_id": {"nullable": False},
            "source_name": {"nullable": False},
            "domain": {"checks": [_one_of("domains")], "nullable": False},
            "kind": {"checks": [_one_of("source_kinds")]},
            "status": {"checks": [_one_of("source_statuses")], "nullable": False},
            "periodicity": {"checks": [_one_of("periodicities")]},
            "last_update": {"checks": [pa.Check.in_range(form.MIN_YEAR, max_year)]},
            "format": {"checks": [_one_of("source_formats")]},
            "access": {"checks": [_one_of("source_access")]},
            "source_row": {"checks": [pa.Check.ge(2)], "nullable": False},
        },
        "flows": {
            "flow_id": unique_id, "entity_id": {"nullable": False}, "submission_id": {"nullable": False},
            "partner_name": {"nullable": False}, "partner_entity_id": {"nullable": False},
            "direction": {"checks": [_one_of("flow_directions")], "nullable": False},
            "domains": {"checks": [_all_of("domains")], "nullable": False},
            "frequency": {"checks": [_one_of("periodicities")]},
            "channel": {"checks": [_one_of("channels")]},
            "stages": {"checks": [_all_of("policy_stages")], "nullable": False},
            "source_row": {"checks": [pa.Check.ge(2)], "nullable": False},
        },
        "stages": {"entity_id": {"nullable": False},
                   "stage": {"checks": [_one_of("policy_stages")], "nullable": False}},
        "challenges": {
            "entity_id": {"nullable": False},
            "challenge": {"checks": [_one_of("challenges", ("other",))], "nullable": False},
            "severity": {"checks": [pa.Check.in_range(0, 3)]},
        },
        "needs": {"entity_id": {"nullable": False}, "need": {"checks": [_one_of("needs")], "nullable": False}},
        "mp_use": {"entity_id": {"unique": True, "nullable": False},
                   "functions": {"checks": [_all_of("mp_functions")], "nullable": False}},
        "issues": {
            "level": {"checks": [pa.Check.isin(["error", "warning"])], "nullable": False},
            "table": {"checks": [pa.Check.isin(["respondents", "sources", "flows"])], "nullable": False},
            "file": {"nullable": False}, "message": {"nullable": False},
            "action": {"checks": [pa.Check.isin(list(ACTIONS))], "nullable": False},
        },
        "counts": {"table": unique_id, **{c: {"checks": [pa.Check.ge(0)], "nullable": False}
                                          for c in ("rows_read", "rows_accepted", "rows_set_aside",
                                                    "fields_set_aside", "rows_corrected")}},
    }
    schemas = {}
    for table, columns in TABLE_COLUMNS.items():
        spec = checks.get(table, {})
        schema_columns = {}
        for column in columns:
            options = {"nullable": True, **spec.get(column, {})}
            schema_columns[column] = pa.Column(get_dtype(table, column), **options)
        table_checks = []
        if table == "counts":
            table_checks.append(pa.Check(
                lambda c: c["rows_read"] == c["rows_accepted"] + c["rows_set_aside"],
                error="rows read must equal rows accepted + rows set aside"))
        schemas[table] = pa.DataFrameSchema(schema_columns, checks=table_checks, strict=True, ordered=True,
                                            name=table)
    return schemas


def get_schema(table: str) -> pa.DataFrameSchema:
    """Return the pandera schema of a canonical table.

    >>> get_schema("needs").columns["need"].checks[0].error
    'value not in reference list needs'
    """
    return _build_schemas()[table]


def validate_tables(tables: dict[str, pd.DataFrame]) -> None:
    """Check every canonical table; raise ``pandera.errors.SchemaErrors`` listing all failures.

    >>> import pandas as pd
    >>> validate_tables({"needs": pd.DataFrame({"entity_id": ["SEN-X"], "need": ["training"]}).astype("str")})
    """
    for table, frame in tables.items():
        get_schema(table).validate(frame, lazy=True)
