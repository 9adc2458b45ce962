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

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import __version__
from .chapters.base import fill_chapter_text
from .document import BulletList, Chapter, Paragraph, Section, Table, protect_text
from .errors import MpanalysisError
from .fileio import open_atomic_path, write_text_atomic
from .findings import format_entity_name
from .paths import outputs_dir
from .provenance import hash_object
from .reconcile import normalize_text
from .reference import get_label

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from .dataset import CountryDataset
    from .network import NetworkSummary
    from .params import CountryParams

__all__ = [
    "EditionChanges", "EditionError", "EditionInfo", "EditionSnapshot", "EditionUpdate",
    "EntityRecord", "ExchangeRecord", "MeasureChange", "SourceRecord", "SourceUpdate",
    "archive_edition_outputs", "build_changes_chapter", "compare_editions", "find_editions_dir",
    "list_editions", "load_edition", "load_latest_edition", "make_edition_snapshot",
    "normalize_source_name", "register_edition", "save_edition",
]

#: Chapter number and key of "What changed": after chapter IV, so the brief guide keeps its summary
#: (the brief guide has no annexes).
CHANGES_CHAPTER_NUMBER = "V"
CHANGES_CHAPTER_KEY = "changes"

#: How each key measure is compared and shown: ``count`` (moved when different), ``share`` (a
#: rate in [0, 1], moved by at least ``share_tolerance``) or ``ratio`` (moved by at least
#: ``ratio_tolerance`` of its value). Per-domain counts are ``<measure>.<domain>``.
MEASURE_KINDS = {
    "n_institutions": "count", "n_respondents": "count", "response_rate": "share",
    "n_existing_sources": "count", "n_potential_sources": "count",
    "density": "ratio", "formal_share": "share", "confirmation_rate": "share",
    "coordinator_reach": "share", "n_cut_vertices": "count", "n_communities": "count",
}
SNAPSHOT_FORMAT = 1
_FOLDER_PATTERN = re.compile(r"^[1-9][0-9]*$")


class EditionError(MpanalysisError):
    """An edition file is missing or damaged; the message names the file.

    >>> str(EditionError("not a valid snapshot", file="outputs/SEN/editions/2/snapshot.json"))
    'outputs/SEN/editions/2/snapshot.json: not a valid snapshot'
    """

    def __init__(self, message: str, *, file: str | Path | None = None) -> None:
        self.file = str(file) if file is not None else None
        super().__init__(f"{file}: {message}" if file is not None else message)


# --------------------------------------------------------------------------------------------
# The snapshot


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EntityRecord(_Record):
    """One institution as an edition knew it."""

    entity_id: str
    name: str
    acronym: str | None = None
    institution_type: str | None = None
    is_respondent: bool = False

    @property
    def display_name(self) -> str:
        """The name as tables show it: ``Name (ACRONYM)`` unless the name already holds it as a word
        (:func:`mpanalysis.findings.format_entity_name`).

        >>> EntityRecord(entity_id="SEN-ANSD", name="Agence de la statistique", acronym="ANSD").display_name
        'Agence de la statistique (ANSD)'
        >>> EntityRecord(entity_id="SEN-INS", name="Institut national de la statistique", acronym="INS").display_name
        'Institut national de la statistique (INS)'
        """
        return format_entity_name(self.name, self.acronym)


class SourceRecord(_Record):
    """One data source as an edition knew it; ``name_key`` is :func:`normalize_source_name`."""

    entity_id: str
    name: str
    name_key: str
    domain: str
    status: str | None = None
    last_update: int | None = None
    access: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies a source across editions: institution, normalised name, domain."""
        return (self.entity_id, self.name_key, self.domain)


class ExchangeRecord(_Record):
    """One edge ``u → v`` of the actor network (information flows from u to v)."""

    u: str
    v: str
    domains: str = ""  # space-separated codes, as on the network's edges
    channel: str | None = None
    confirmed: bool = False


class EditionSnapshot(_Record):
    """What one edition of a country's guide says, compactly, for comparing editions.

    ``number`` is None until :func:`save_edition` gives it one. ``fingerprint`` hashes the input
    files (the answers): same fingerprint, same edition. ``measures`` maps measure keys (see
    :data:`MEASURE_KINDS`; per domain ``n_existing_sources.<domain>``) to numbers, None when
    undefined (no exchange at all, no coordinator).
    """

    format: int = SNAPSHOT_FORMAT
    country: str
    number: int | None = Field(default=None, ge=1)
    date: dt.date
    created_at: str
    fingerprint: str
    package_version: str
    entities: list[EntityRecord] = Field(default_factory=list)
    sources: list[SourceRecord] = Field(default_factory=list)
    exchanges: list[ExchangeRecord] = Field(default_factory=list)
    measures: dict[str, float | None] = Field(default_factory=dict)


def normalize_source_name(name: object) -> str:
    """Return the form of a source name used to match it across editions.

    Accents, case, punctuation and extra spaces do not make a different source.

    >>> normalize_source_name("  Recensement Général (RGPH-5) ")
    'recensement general rgph 5'
    >>> normalize_source_name("recensement general – RGPH 5")
    'recensement general rgph 5'
    >>> normalize_source_name(None)
    ''
    """
    return normalize_text(name) if isinstance(name, str) else ""


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _flag(value: object) -> bool:
    return bool(value) if _text(value) is not None else False


def _year(value: object) -> int | None:
    try:
        return None if _text(value) is None else int(float(str(value)))
    except ValueError:
        return None


def _number(value: object) -> float | None:
    return None if value is None else float(value)


def _measure_snapshot(dataset: "CountryDataset", summary: "NetworkSummary") -> dict[str, float | None]:
    from .sources import list_domains

    entities = dataset.entities
    n_institutions = len(entities)
    n_respondents = int(entities["is_respondent"].fillna(False).astype(bool).sum()) if n_institutions else 0
    measures: dict[str, float | None] = {
        "n_institutions": float(n_institutions),
        "n_respondents": float(n_respondents),
        "response_rate": n_respondents / n_institutions if n_institutions else None,
    }
    sources = dataset.sources
    for domain in list_domains(sources, dataset.flows):
        in_domain = sources["domain"].astype("object") == domain
        for status in ("existing", "potential"):
            count = int((in_domain & (sources["status"].astype("object") == status)).sum())
            measures[f"n_{status}_sources.{domain}"] = float(count)
    measures.update({
        "density": _number(summary.density),
        "formal_share": _number(summary.formal_share),
        "confirmation_rate": _number(summary.confirmation_rate),
        "coordinator_reach": _number(summary.coordinator_reach),
        "n_cut_vertices": float(len(summary.cut_vertices)),
        # Communities of one institution are isolated institutions, not groups.
        "n_communities": float(sum(1 for c in summary.communities if len(c) >= 2)),
    })
    return measures


def make_edition_snapshot(dataset: "CountryDataset", params: "CountryParams | None" = None, *,
                          today: dt.date | None = None, fingerprint: str | None = None,
                          graph: "nx.DiGraph | None" = None,
                          summary: "NetworkSummary | None" = None) -> EditionSnapshot:
    """Return the snapshot of what a guide built from ``dataset`` says (not yet numbered).

    ``fingerprint`` defaults to the hash of the dataset's input files (the answers), so a rebuild
    of the same answers is recognised as the same edition. ``graph`` and ``summary`` (the actor
    network and its :func:`~mpanalysis.network.summarize_network`) are computed when not given.

    >>> from mpanalysis.dataset import TABLE_COLUMNS, CountryDataset, make_empty_table
    >>> tables = {n: make_empty_table(n) for n in TABLE_COLUMNS}
    >>> tables["entities"] = pd.DataFrame({"entity_id": ["SEN-A", "SEN-B"], "name": ["Alpha", "Beta"],
    ...                                    "is_respondent": [True, False]})
    >>> snap = make_edition_snapshot(CountryDataset("SEN", **tables), today=dt.date(2025, 3, 1))
    >>> [e.entity_id for e in snap.entities], snap.measures["response_rate"], snap.number
    (['SEN-A', 'SEN-B'], 0.5, None)
    """
    from .network import build_actor_network, summarize_network

    graph = graph if graph is not None else build_actor_network(dataset)
    summary = summary if summary is not None else summarize_network(graph, sources=dataset.sources)
    entities = [
        EntityRecord(entity_id=str(row["entity_id"]), name=_text(row.get("name")) or str(row["entity_id"]),
                     acronym=_text(row.get("acronym")), institution_type=_text(row.get("institution_type")),
                     is_respondent=_flag(row.get("is_respondent")))
        for row in dataset.entities.to_dict("records") if _text(row.get("entity_id"))
    ]
    sources = [
        SourceRecord(entity_id=str(row["entity_id"]), name=_text(row.get("source_name")) or "",
                     name_key=normalize_source_name(row.get("source_name")),
                     domain=_text(row.get("domain")) or "", status=_text(row.get("status")),
                     last_update=_year(row.get("last_update")), access=_text(row.get("access")))
        for row in dataset.sources.to_dict("records") if _text(row.get("entity_id"))
    ]
    exchanges = [
        ExchangeRecord(u=str(u), v=str(v), domains=_text(data.get("domains")) or "",
                       channel=_text(data.get("channel")), confirmed=bool(data.get("confirmed", False)))
        for u, v, data in sorted(graph.edges(data=True), key=lambda e: (str(e[0]), str(e[1])))
    ]
    country = params.country if params is not None else str(dataset.country)
    return EditionSnapshot(
        country=country, date=today or dt.date.today(),
        created_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        fingerprint=fingerprint or hash_object({"inputs": dict(sorted(dataset.input_hashes.items()))}),
        package_version=__version__, entities=entities, sources=sources, exchanges=exchanges,
        measures=_measure_snapshot(dataset, summary),
    )


# --------------------------------------------------------------------------------------------
# Storing editions


@dataclass(frozen=True)
class EditionInfo:
    """One stored edition: its number, date, fingerprint, snapshot file and archived guides."""

    number: int
    date: dt.date
    fingerprint: str
    snapshot_path: Path
    guides: list[Path] = field(default_factory=list)


def find_editions_dir(country: str, *, base: Path | None = None) -> Path:
    """Return the editions folder of a country (``base`` = its outputs folder, for tests).

    >>> find_editions_dir("SEN", base=Path("/tmp/out/SEN")).as_posix()
    '/tmp/out/SEN/editions'
    """
    return Path(base if base is not None else outputs_dir(country.upper())) / "editions"


def _read_snapshot(path: Path) -> EditionSnapshot:
    try:
        return EditionSnapshot.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise EditionError(f"cannot read the edition snapshot ({exc.strerror})", file=path) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise EditionError(f"not a valid edition snapshot: {where}: {first['msg']} (delete this "
                           f"edition's folder to start its numbering again)", file=path) from None


def _list_numbers(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir()
                  if p.is_dir() and _FOLDER_PATTERN.match(p.name) and (p / "snapshot.json").is_file())


def _list_editions_in(folder: Path) -> list[EditionInfo]:
    infos = []
    for number in _list_numbers(folder):
        path = folder / str(number) / "snapshot.json"
        snapshot = _read_snapshot(path)
        guides_dir = folder / str(number) / "guides"
        guides = sorted(p for p in guides_dir.iterdir() if p.is_file()) if guides_dir.is_dir() else []
        infos.append(EditionInfo(number=number, date=snapshot.date, fingerprint=snapshot.fingerprint,
                                 snapshot_path=path, guides=guides))
    return infos


def _write_index(folder: Path, country: str) -> Path:
    """Rewrite ``index.json`` from the edition folders (they are the truth; the index a summary)."""
    entries = []
    for info in _list_editions_in(folder):
        snapshot = _read_snapshot(info.snapshot_path)
        entries.append({
            "number": info.number, "date": info.date.isoformat(), "fingerprint": snapshot.fingerprint,
            "created_at": snapshot.created_at, "package_version": snapshot.package_version,
            "n_institutions": len(snapshot.entities), "n_sources": len(snapshot.sources),
            "n_exchanges": len(snapshot.exchanges),
            "snapshot": info.snapshot_path.relative_to(folder).as_posix(),
            "guides": [p.relative_to(folder).as_posix() for p in info.guides],
        })
    payload = {"country": country, "updated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "editions": entries}
    return write_text_atomic(folder / "index.json", json.dumps(payload, indent=1, ensure_ascii=False))


def save_edition(snapshot: EditionSnapshot, folder: str | Path) -> EditionSnapshot:
    """Store a snapshot as the next edition in ``folder`` (``outputs/<ISO3>/editions``).

    Returns the snapshot with its number. When the latest stored edition has the same
    fingerprint (same answers: a forced rebuild), no edition is created: the latest edition's
    snapshot is refreshed, keeping its number and date. Files are written atomically.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> snap = EditionSnapshot(country="SEN", date="2025-03-01", created_at="", fingerprint="a",
    ...                        package_version="0")
    >>> [save_edition(snap, folder).number, save_edition(snap, folder).number,
    ...  save_edition(snap.model_copy(update={"fingerprint": "b"}), folder).number]
    [1, 1, 2]
    """
    folder = Path(folder)
    numbers = _list_numbers(folder)
    latest = _read_snapshot(folder / str(numbers[-1]) / "snapshot.json") if numbers else None
    if latest is not None and latest.fingerprint == snapshot.fingerprint:
        numbered = snapshot.model_copy(update={"number": latest.number, "date": latest.date})
    else:
        numbered = snapshot.model_copy(update={"number": (numbers[-1] + 1) if numbers else 1})
    write_text_atomic(folder / str(numbered.number) / "snapshot.json", numbered.model_dump_json(indent=1))
    _write_index(folder, snapshot.country)
    return numbered


def list_editions(country: str, *, base: Path | None = None) -> list[EditionInfo]:
    """Return a country's stored editions, oldest first (empty before the first build)."""
    return _list_editions_in(find_editions_dir(country, base=base))


def load_edition(country: str, number: int, *, base: Path | None = None) -> EditionSnapshot | None:
    """Return edition ``number`` of a country, or None when there is no such edition."""
    path = find_editions_dir(country, base=base) / str(number) / "snapshot.json"
    return _read_snapshot(path) if path.is_file() else None


def load_latest_edition(country: str, *, base: Path | None = None) -> EditionSnapshot | None:
    """Return a country's latest edition, or None before the first one."""
    numbers = _list_numbers(find_editions_dir(country, base=base))
    return load_edition(country, numbers[-1], base=base) if numbers else None


def archive_edition_outputs(country: str, number: int, files: list[str | Path], *,
                            base: Path | None = None) -> list[Path]:
    """Copy edition ``number``'s guides into ``editions/<number>/guides/`` and return the copies.

    Call it before a new edition overwrites the guides, so the previous edition stays available.
    Relative paths are relative to the country's outputs folder; missing files are skipped
    (a user may have deleted one). Each copy is written atomically.
    """
    base = Path(base if base is not None else outputs_dir(country.upper()))
    folder = find_editions_dir(country, base=base)
    target = folder / str(number) / "guides"
    copied = []
    for file in files:
        source = Path(file) if Path(file).is_absolute() else base / file
        if not source.is_file():
            continue
        with open_atomic_path(target / source.name) as tmp:
            shutil.copyfile(source, tmp)
        copied.append(target / source.name)
    if (folder / str(number) / "snapshot.json").is_file():
        _write_index(folder, country.upper())
    return copied


@dataclass(frozen=True)
class EditionUpdate:
    """The outcome of :func:`register_edition`: the current (numbered) and previous editions."""

    current: EditionSnapshot
    previous: EditionSnapshot | None
    is_new: bool
    archived: list[Path] = field(default_factory=list)

    @property
    def changes(self) -> "EditionChanges | None":
        """What changed since the previous edition (None for the first edition)."""
        return compare_editions(self.previous, self.current) if self.previous is not None else None


def register_edition(snapshot: EditionSnapshot, *, last_build: dict | None = None,
                     base: Path | None = None) -> EditionUpdate:
    """Number the current build's snapshot, archiving the previous edition's guides when it starts
    a new edition; return the current and previous editions.

    ``last_build`` is the country's last successful build record (``build.json``); its
    ``guides/…`` outputs are archived under the latest edition's number when its ``edition`` is
    that number (a build of that edition completed, so those files are that edition's guides).
    Call it before any guide is written.
    """
    country = snapshot.country
    base = Path(base if base is not None else outputs_dir(country.upper()))
    folder = find_editions_dir(country, base=base)
    latest = load_latest_edition(country, base=base)
    if latest is not None and latest.fingerprint == snapshot.fingerprint:
        current = save_edition(snapshot, folder)
        previous = load_edition(country, current.number - 1, base=base) if current.number > 1 else None
        return EditionUpdate(current=current, previous=previous, is_new=False)
    archived: list[Path] = []
    if latest is not None and last_build and last_build.get("edition") == latest.number:
        guides = [rel for rel in last_build.get("outputs", []) if str(rel).startswith("guides/")]
        archived = archive_edition_outputs(country, latest.number, guides, base=base)
    current = save_edition(snapshot, folder)
    return EditionUpdate(current=current, previous=latest, is_new=True, archived=archived)


# --------------------------------------------------------------------------------------------
# Comparing editions


@dataclass(frozen=True)
class SourceUpdate:
    """A source found in both editions whose status, last update or access changed."""

    previous: SourceRecord
    current: SourceRecord

    @property
    def changed_fields(self) -> list[str]:
        return [f for f in ("status", "last_update", "access")
                if getattr(self.previous, f) != getattr(self.current, f)]


@dataclass(frozen=True)
class MeasureChange:
    """A measure that moved: ``delta`` is None when it is undefined in one of the editions."""

    key: str
    old: float | None
    new: float | None

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old

    @property
    def kind(self) -> str:
        return MEASURE_KINDS.get(self.key.partition(".")[0], "ratio")


@dataclass(frozen=True)
class EditionChanges:
    """What changed between two editions (lists sorted by institution name).

    ``names`` maps every entity id of either edition to its display name (the current edition's
    when it has one).
    """

    previous_number: int | None
    previous_date: dt.date
    current_number: int | None
    current_date: dt.date
    institutions_added: list[EntityRecord] = field(default_factory=list)
    institutions_gone: list[EntityRecord] = field(default_factory=list)
    respondents_new: list[EntityRecord] = field(default_factory=list)
    respondents_stopped: list[EntityRecord] = field(default_factory=list)
    sources_added: list[SourceRecord] = field(default_factory=list)
    sources_gone: list[SourceRecord] = field(default_factory=list)
    sources_updated: list[SourceUpdate] = field(default_factory=list)
    exchanges_added: list[ExchangeRecord] = field(default_factory=list)
    exchanges_gone: list[ExchangeRecord] = field(default_factory=list)
    measures_moved: list[MeasureChange] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    #: The kinds of change, in the order the summary lists them.
    KINDS = ("institutions_added", "institutions_gone", "respondents_new", "respondents_stopped",
             "sources_added", "sources_gone", "sources_updated", "exchanges_added", "exchanges_gone",
             "measures_moved")

    def count(self) -> dict[str, int]:
        """Return the number of changes of each kind."""
        return {kind: len(getattr(self, kind)) for kind in self.KINDS}

    @property
    def has_changes(self) -> bool:
        return any(self.count().values())


def _is_moved(key: str, old: float | None, new: float | None, share_tolerance: float,
              ratio_tolerance: float) -> bool:
    if old is None or new is None:
        return old is not new
    kind = MEASURE_KINDS.get(key.partition(".")[0], "ratio")
    if kind == "count":
        return old != new
    if kind == "share":
        return abs(new - old) >= share_tolerance
    return abs(new - old) >= ratio_tolerance * max(abs(old), abs(new)) and abs(new - old) > 1e-12


def compare_editions(previous: EditionSnapshot, current: EditionSnapshot, *,
                     share_tolerance: float = 0.005, ratio_tolerance: float = 0.01) -> EditionChanges:
    """Return what changed from ``previous`` to ``current``.

    A rate (share) moved when it changed by at least ``share_tolerance`` (half a percentage
    point), the density by at least ``ratio_tolerance`` of its value, a count when it differs.

    >>> a = EditionSnapshot(country="SEN", number=1, date="2024-05-01", created_at="", fingerprint="a",
    ...     package_version="0", entities=[EntityRecord(entity_id="A", name="Alpha", is_respondent=True)],
    ...     measures={"n_institutions": 1.0, "formal_share": 0.5})
    >>> b = a.model_copy(update={"number": 2, "fingerprint": "b",
    ...     "entities": [*a.entities, EntityRecord(entity_id="B", name="Beta")],
    ...     "measures": {"n_institutions": 2.0, "formal_share": 0.502}})
    >>> c = compare_editions(a, b)
    >>> [e.name for e in c.institutions_added], [(m.key, m.delta) for m in c.measures_moved]
    (['Beta'], [('n_institutions', 1.0)])
    """
    before = {e.entity_id: e for e in previous.entities}
    after = {e.entity_id: e for e in current.entities}
    names = {**{k: e.display_name for k, e in before.items()}, **{k: e.display_name for k, e in after.items()}}

    def by_name(entity_id: str) -> tuple[str, str]:
        return (names.get(entity_id, entity_id).casefold(), entity_id)

    def entities(ids, table):
        return [table[i] for i in sorted(ids, key=by_name)]

    was_respondent = {k for k, e in before.items() if e.is_respondent}
    is_respondent = {k for k, e in after.items() if e.is_respondent}

    sources_before = {s.key: s for s in previous.sources}
    sources_after = {s.key: s for s in current.sources}

    def source_order(key: tuple[str, str, str]) -> tuple:
        return (*by_name(key[0]), key[2], key[1])

    updated = [SourceUpdate(previous=sources_before[k], current=sources_after[k])
               for k in sorted(sources_before.keys() & sources_after.keys(), key=source_order)]
    exchanges_before = {(x.u, x.v): x for x in previous.exchanges}
    exchanges_after = {(x.u, x.v): x for x in current.exchanges}

    def exchange_order(pair: tuple[str, str]) -> tuple:
        return (*by_name(pair[0]), *by_name(pair[1]))

    moved = [MeasureChange(key=key, old=previous.measures.get(key), new=current.measures.get(key))
             for key in _ordered_measure_keys(previous.measures, current.measures)
             if _is_moved(key, previous.measures.get(key), current.measures.get(key),
                          share_tolerance, ratio_tolerance)]
    return EditionChanges(
        previous_number=previous.number, previous_date=previous.date,
        current_number=current.number, current_date=current.date,
        institutions_added=entities(after.keys() - before.keys(), after),
        institutions_gone=entities(before.keys() - after.keys(), before),
        respondents_new=entities(is_respondent - was_respondent, after),
        respondents_stopped=entities(was_respondent - is_respondent, {**before, **after}),
        sources_added=[sources_after[k] for k in sorted(sources_after.keys() - sources_before.keys(), key=source_order)],
        sources_gone=[sources_before[k] for k in sorted(sources_before.keys() - sources_after.keys(), key=source_order)],
        sources_updated=[u for u in updated if u.changed_fields],
        exchanges_added=[exchanges_after[p] for p in sorted(exchanges_after.keys() - exchanges_before.keys(), key=exchange_order)],
        exchanges_gone=[exchanges_before[p] for p in sorted(exchanges_before.keys() - exchanges_after.keys(), key=exchange_order)],
        measures_moved=moved,
        names=names,
    )


def _ordered_measure_keys(*measures: dict[str, Any]) -> list[str]:
    """Measure keys in the order of :data:`MEASURE_KINDS`, per-domain keys in first-seen order."""
    seen: list[str] = []
    for table in measures:
        seen.extend(k for k in table if k not in seen)
    rank = {base: i for i, base in enumerate(MEASURE_KINDS)}
    return sorted(seen, key=lambda k: (rank.get(k.partition(".")[0], len(rank)), seen.index(k)))


# --------------------------------------------------------------------------------------------
# The chapter


def _t(key: str, lang: str, **values: Any) -> str:
    return fill_chapter_text(f"changes.{key}", lang, **values)


def _format_date(value: dt.date | str, lang: str) -> str:
    date = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(date, format="long", locale=lang)


def _format_measure(value: float | None, kind: str, lang: str) -> str | int | None:
    if value is None:
        return None
    if kind == "count":
        return int(round(value))
    if kind == "share":
        return format_percent(value, locale=lang)
    return format_decimal(value, format="0.000", locale=lang)


def _format_delta(change: MeasureChange, lang: str) -> str | None:
    delta = change.delta
    if delta is None:
        return None
    if change.kind == "count":
        return format_decimal(delta, format="+#,##0;-#,##0", locale=lang)
    if change.kind == "share":
        return _t("measures.share_delta", lang, value=format_decimal(delta * 100, format="+0;-0", locale=lang))
    return format_decimal(delta, format="+0.000;-0.000", locale=lang)


def _measure_label(key: str, lang: str) -> str:
    base, _, domain = key.partition(".")
    try:
        return _t(f"measures.labels.{base}", lang, domain=get_label("domains", domain, lang) if domain else "")
    except MpanalysisError:
        return key  # a measure added by a later version of the package: show its key


def _count_item(kind: str, n: int, lang: str) -> str:
    return _t(f"count.{kind}", lang, n=n)


def _entity_table(records: list[EntityRecord], *, id: str, caption: str, lang: str,
                  notes: list[str] | None = None) -> Table:
    yes, no = get_label("yes_no", "yes", lang), get_label("yes_no", "no", lang)
    frame = pd.DataFrame({
        _t("institutions.col_name", lang): [r.display_name for r in records],
        _t("institutions.col_type", lang): [get_label("institution_types", r.institution_type, lang)
                                            if r.institution_type else _t("institutions.unknown_type", lang)
                                            for r in records],
        _t("institutions.col_respondent", lang): [yes if r.is_respondent else no for r in records],
    })
    return Table.from_frame(frame, id=id, caption=caption, notes=notes)


def _source_table(records: list[SourceRecord], names: dict[str, str], *, id: str, caption: str,
                  lang: str) -> Table:
    frame = pd.DataFrame({
        _t("sources.col_source", lang): [r.name or _t("sources.not_given", lang) for r in records],
        _t("sources.col_institution", lang): [names.get(r.entity_id, r.entity_id) for r in records],
        _t("sources.col_domain", lang): [get_label("domains", r.domain, lang) for r in records],
        _t("sources.col_status", lang): [get_label("source_statuses", r.status, lang) if r.status
                                         else _t("sources.not_given", lang) for r in records],
        _t("sources.col_last_update", lang): pd.array([r.last_update for r in records], dtype="Int64"),
    })
    return Table.from_frame(frame, id=id, caption=caption)


def _describe_update(update: SourceUpdate, lang: str) -> str:
    lists = {"status": "source_statuses", "access": "source_access"}
    parts = []
    for name in update.changed_fields:
        old, new = getattr(update.previous, name), getattr(update.current, name)
        shown = [_t("sources.not_given", lang) if v is None
                 else get_label(lists[name], v, lang) if name in lists else str(v) for v in (old, new)]
        parts.append(_t(f"sources.change_{name}", lang, old=shown[0], new=shown[1]))
    return _t("separator", lang).join(parts)


def _exchange_table(records: list[ExchangeRecord], names: dict[str, str], *, id: str, caption: str,
                    lang: str) -> Table:
    yes, no = get_label("yes_no", "yes", lang), get_label("yes_no", "no", lang)
    frame = pd.DataFrame({
        _t("exchanges.col_from", lang): [names.get(r.u, r.u) for r in records],
        _t("exchanges.col_to", lang): [names.get(r.v, r.v) for r in records],
        _t("exchanges.col_domains", lang): [", ".join(get_label("domains", d, lang) for d in r.domains.split())
                                            or None for r in records],
        _t("exchanges.col_channel", lang): [get_label("channels", r.channel, lang) if r.channel else None
                                            for r in records],
        _t("exchanges.col_confirmed", lang): [yes if r.confirmed else no for r in records],
    })
    return Table.from_frame(frame, id=id, caption=caption)


def build_changes_chapter(changes: EditionChanges | None, lang: str, previous_number: int | None = None,
                          previous_date: dt.date | str | None = None, *,
                          number: str = CHANGES_CHAPTER_NUMBER) -> Chapter | None:
    """Return the chapter "What changed since the previous edition", or None for a first edition.

    ``previous_number`` / ``previous_date`` default to those recorded in ``changes``. The summary
    paragraph (counts of each kind of change, or a sentence saying nothing changed) is kept in
    the brief guide; the tables name institutions, never ids.

    >>> a = EditionSnapshot(country="SEN", number=1, date="2024-05-01", created_at="", fingerprint="a",
    ...                     package_version="0")
    >>> b = a.model_copy(update={"number": 2, "date": dt.date(2025, 3, 1),
    ...     "entities": [EntityRecord(entity_id="SEN-B", name="Beta", is_respondent=True)]})
    >>> ch = build_changes_chapter(compare_editions(a, b), "en")
    >>> ch.number, ch.title
    ('V', 'What changed since the previous edition')
    >>> ch.blocks[0].text
    'Since edition no. 1 (May 1, 2024): 1 new institution; 1 institution answered for the first time.'
    >>> build_changes_chapter(None, "en") is None
    True
    """
    if changes is None:
        return None
    previous_number = previous_number if previous_number is not None else changes.previous_number
    shown_previous = _format_date(previous_date if previous_date is not None else changes.previous_date, lang)
    counts = changes.count()
    intro = _t("intro", lang, current_number=changes.current_number, current_date=_format_date(changes.current_date, lang),
               previous_number=previous_number, previous_date=shown_previous)
    if not changes.has_changes:
        return Chapter(number=number, key=CHANGES_CHAPTER_KEY, title=_t("title", lang), intro=intro, blocks=[
            Paragraph(text=_t("nothing_changed", lang, previous_number=previous_number,
                              previous_date=shown_previous), in_brief=True)])
    items = _t("separator", lang).join(_count_item(kind, n, lang) for kind, n in counts.items() if n)
    summary = Paragraph(text=_t("summary", lang, previous_number=previous_number, previous_date=shown_previous,
                                items=items), in_brief=True)
    names = changes.names
    sections = []

    blocks: list = []
    if changes.institutions_added:
        blocks.append(_entity_table(changes.institutions_added, id="changes_institutions_added",
                                    caption=_t("institutions.added_caption", lang), lang=lang))
    if changes.institutions_gone:
        blocks.append(_entity_table(changes.institutions_gone, id="changes_institutions_gone",
                                    caption=_t("institutions.gone_caption", lang), lang=lang,
                                    notes=[_t("institutions.gone_note", lang)]))
    if blocks:
        sections.append(Section(title=_t("institutions.title", lang), blocks=blocks))

    blocks = []
    for kind in ("new", "stopped"):
        records = getattr(changes, f"respondents_{kind}")
        if records:
            blocks += [Paragraph(text=_t(f"respondents.{kind}", lang)),
                       BulletList(items=[protect_text(r.display_name) for r in records])]
    if blocks:
        sections.append(Section(title=_t("respondents.title", lang), blocks=blocks))

    blocks = []
    if changes.sources_added:
        blocks.append(_source_table(changes.sources_added, names, id="changes_sources_added",
                                    caption=_t("sources.added_caption", lang), lang=lang))
    if changes.sources_gone:
        blocks.append(_source_table(changes.sources_gone, names, id="changes_sources_gone",
                                    caption=_t("sources.gone_caption", lang), lang=lang))
    if changes.sources_updated:
        updates = changes.sources_updated
        frame = pd.DataFrame({
            _t("sources.col_source", lang): [u.current.name or _t("sources.not_given", lang) for u in updates],
            _t("sources.col_institution", lang): [names.get(u.current.entity_id, u.current.entity_id) for u in updates],
            _t("sources.col_domain", lang): [get_label("domains", u.current.domain, lang) for u in updates],
            _t("sources.col_change", lang): [_describe_update(u, lang) for u in updates],
        })
        blocks.append(Table.from_frame(frame, id="changes_sources_updated",
                                       caption=_t("sources.updated_caption", lang)))
    if blocks:
        sections.append(Section(title=_t("sources.title", lang), blocks=blocks))

    blocks = []
    if changes.exchanges_added:
        blocks.append(_exchange_table(changes.exchanges_added, names, id="changes_exchanges_added",
                                      caption=_t("exchanges.added_caption", lang), lang=lang))
    if changes.exchanges_gone:
        blocks.append(_exchange_table(changes.exchanges_gone, names, id="changes_exchanges_gone",
                                      caption=_t("exchanges.gone_caption", lang), lang=lang))
    if blocks:
        sections.append(Section(title=_t("exchanges.title", lang), blocks=blocks))

    if changes.measures_moved:
        moved = changes.measures_moved
        frame = pd.DataFrame({
            _t("measures.col_measure", lang): [_measure_label(m.key, lang) for m in moved],
            _t("measures.col_previous", lang): [_format_measure(m.old, m.kind, lang) for m in moved],
            _t("measures.col_current", lang): [_format_measure(m.new, m.kind, lang) for m in moved],
            _t("measures.col_delta", lang): [_format_delta(m, lang) for m in moved],
        }, dtype=object)
        sections.append(Section(title=_t("measures.title", lang), blocks=[
            Table.from_frame(frame, id="changes_measures", caption=_t("measures.caption", lang),
                             notes=[_t("measures.note", lang)])]))

    return Chapter(number=number, key=CHANGES_CHAPTER_KEY, title=_t("title", lang), intro=intro,
                   blocks=[summary], sections=sections)
