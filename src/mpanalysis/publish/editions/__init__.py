"""Editions of a country's guide, and what changed from one edition to the next.

An *edition* (numbered 1, 2, …) is one build made from a new round of answers: the secretariat
reruns the country when answers arrive, the guide gains a chapter "What changed since the previous
edition", and the previous edition's guides stay available. (Not to be confused with a guide's
*public* / *restricted* edition, which says who may read it: every numbered edition is published
in both.)

Each edition keeps a compact, JSON snapshot of what the guide says — institutions, sources,
exchanges and key measures — so that the next edition can be compared with it without the old
answers. Layout of ``outputs/<ISO3>/editions/``::

    index.json           one entry per edition: number, date, fingerprint, counts, archived guides
    <n>/snapshot.json    the :class:`EditionSnapshot` of edition n
    <n>/guides/…         edition n's guides, copied there before edition n + 1 replaced them

A new edition starts only when the answers changed: the snapshot's ``fingerprint`` hashes the
input files, so a forced rebuild of the same answers refreshes the current edition's snapshot
instead of creating one. Matching across editions: institutions by entity id (stable across
editions), sources by institution + normalised name + domain, exchanges by sender and receiver.
"""

from mpanalysis.publish.editions.changes import (
    EditionChanges,
    MeasureChange,
    SourceUpdate,
    build_changes_chapter,
    compare_editions,
)
from mpanalysis.publish.editions.snapshot import (
    EditionError,
    EditionSnapshot,
    EntityRecord,
    ExchangeRecord,
    SourceRecord,
    make_edition_snapshot,
    normalize_source_name,
)
from mpanalysis.publish.editions.store import (
    EditionInfo,
    EditionUpdate,
    archive_edition_outputs,
    find_editions_dir,
    list_editions,
    load_edition,
    load_latest_edition,
    load_latest_update,
    register_edition,
    save_edition,
)

__all__ = [
    "EditionChanges",
    "EditionError",
    "EditionInfo",
    "EditionSnapshot",
    "EditionUpdate",
    "EntityRecord",
    "ExchangeRecord",
    "MeasureChange",
    "SourceRecord",
    "SourceUpdate",
    "archive_edition_outputs",
    "build_changes_chapter",
    "compare_editions",
    "find_editions_dir",
    "list_editions",
    "load_edition",
    "load_latest_edition",
    "load_latest_update",
    "make_edition_snapshot",
    "normalize_source_name",
    "register_edition",
    "save_edition",
]
