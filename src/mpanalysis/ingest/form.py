"""The questionnaire contract (DESIGN.md §4): field names, types and choice lists, in one place.

The XLSForm, the offline template, the reader, the validation and the demo generator all read
this specification, so a field renamed here is renamed everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FieldKind = Literal["text", "select_one", "select_multiple", "integer", "yes_no", "severity", "email", "phone"]

#: Tables of a questionnaire export: the main record and its two repeat groups.
MAIN, SOURCES, FLOWS = "main", "sources", "flows"
REPEATS = (SOURCES, FLOWS)


@dataclass(frozen=True)
class FormField:
    """One questionnaire field.

    ``choices`` names the reference list in ``data/reference/`` (select fields); ``group`` is the
    XLSForm group the field sits in (exports may prefix column names with it); ``is_personal``
    marks contact details that the public edition hides without consent.
    """

    name: str
    kind: FieldKind
    table: str
    group: str
    choices: str | None = None
    is_required: bool = False
    is_personal: bool = False
    relevant: str | None = None


def _f(name, kind, table, group, choices=None, required=False, personal=False, relevant=None):
    return FormField(name, kind, table, group, choices, required, personal, relevant)


FIELDS: tuple[FormField, ...] = (
    _f("country", "select_one", MAIN, "identification", "countries", required=True),
    _f("institution_name", "text", MAIN, "identification", required=True),
    _f("institution_acronym", "text", MAIN, "identification"),
    _f("institution_type", "select_one", MAIN, "identification", "institution_types", required=True),
    _f("respondent_name", "text", MAIN, "respondent", personal=True),
    _f("respondent_function", "text", MAIN, "respondent"),
    _f("respondent_email", "email", MAIN, "respondent", personal=True),
    _f("respondent_phone", "phone", MAIN, "respondent", personal=True),
    _f("consent_publish_contact", "yes_no", MAIN, "respondent", "yes_no", required=True),
    _f("wg_member", "yes_no", MAIN, "coordination", "yes_no", required=True),
    _f("wg_coordinator", "yes_no", MAIN, "coordination", "yes_no", relevant="${wg_member} = 'yes'"),
    _f("policy_stages", "select_multiple", MAIN, "coordination", "policy_stages"),
    _f("mp_aware", "yes_no", MAIN, "profile_use", "yes_no", required=True),
    _f("mp_used", "yes_no", MAIN, "profile_use", "yes_no", relevant="${mp_aware} = 'yes'"),
    _f("mp_functions", "select_multiple", MAIN, "profile_use", "mp_functions", relevant="${mp_used} = 'yes'"),
    _f("mp_use_example", "text", MAIN, "profile_use", relevant="${mp_used} = 'yes'"),
    _f("challenge_understanding", "severity", MAIN, "challenges", "severities"),
    _f("challenge_dissemination", "severity", MAIN, "challenges", "severities"),
    _f("challenge_ownership", "severity", MAIN, "challenges", "severities"),
    _f("challenge_update", "severity", MAIN, "challenges", "severities"),
    _f("challenge_use", "severity", MAIN, "challenges", "severities"),
    _f("challenge_other", "text", MAIN, "challenges"),
    _f("needs", "select_multiple", MAIN, "needs_group", "needs"),
    _f("needs_comment", "text", MAIN, "needs_group"),
    _f("good_practice", "text", MAIN, "needs_group"),
    _f("source_name", "text", SOURCES, "sources", required=True),
    _f("source_domain", "select_one", SOURCES, "sources", "domains", required=True),
    _f("source_kind", "select_one", SOURCES, "sources", "source_kinds"),
    _f("source_status", "select_one", SOURCES, "sources", "source_statuses", required=True),
    _f("source_periodicity", "select_one", SOURCES, "sources", "periodicities"),
    _f("source_last_update", "integer", SOURCES, "sources"),
    _f("source_format", "select_one", SOURCES, "sources", "source_formats"),
    _f("source_access", "select_one", SOURCES, "sources", "source_access"),
    _f("flow_partner", "text", FLOWS, "flows", required=True),
    _f("flow_direction", "select_one", FLOWS, "flows", "flow_directions", required=True),
    _f("flow_domains", "select_multiple", FLOWS, "flows", "domains"),
    _f("flow_frequency", "select_one", FLOWS, "flows", "periodicities"),
    _f("flow_channel", "select_one", FLOWS, "flows", "channels"),
    _f("flow_stages", "select_multiple", FLOWS, "flows", "policy_stages"),
)

#: Earliest year accepted for ``source_last_update`` (the latest is the current year).
MIN_YEAR = 1950

#: Export meta columns (KoboToolbox) that are not questions.
KOBO_META_COLUMNS = (
    "_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
    "_submitted_by", "__version__", "_tags", "_index", "_parent_table_name", "_parent_index",
    "_submission__id", "_submission__uuid", "_submission__submission_time",
    "_submission__validation_status", "_submission__notes", "_submission__status",
    "_submission__submitted_by", "_submission___version__", "_submission__tags",
    "start", "end", "today", "deviceid", "meta/instanceID", "instanceID", "meta/rootUuid",
)


def get_fields(table: str) -> list[FormField]:
    """Return the fields of one table (``main``, ``sources`` or ``flows``), in form order.

    >>> [f.name for f in get_fields("flows")][:2]
    ['flow_partner', 'flow_direction']
    """
    return [f for f in FIELDS if f.table == table]


def get_field(name: str) -> FormField:
    """Return one field by name.

    >>> get_field("policy_stages").choices
    'policy_stages'
    """
    for f in FIELDS:
        if f.name == name:
            return f
    raise KeyError(name)


def split_multi(value: object) -> list[str]:
    """Split a select-multiple answer (space-separated codes) into a list; empty for missing.

    >>> split_multi("elaboration  implementation")
    ['elaboration', 'implementation']
    >>> split_multi(None)
    []
    """
    if value is None or (isinstance(value, float) and value != value):
        return []
    try:
        import pandas as pd

        if value is pd.NA:
            return []
    except ImportError:  # pragma: no cover
        pass
    return str(value).split()
