"""The compact snapshot of what an edition says (institutions, sources, exchanges, key measures)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from mpanalysis._version import __version__
from mpanalysis.analysis.findings import format_entity_name
from mpanalysis.errors import MpanalysisError
from mpanalysis.ingest.reconcile import normalize_text
from mpanalysis.provenance import hash_object

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx

    from mpanalysis.analysis.network import NetworkSummary
    from mpanalysis.ingest.dataset import CountryDataset
    from mpanalysis.params import CountryParams

#: How each key measure is compared and shown: ``count`` (moved when different), ``share`` (a
#: rate in [0, 1], moved by at least ``share_tolerance``) or ``ratio`` (moved by at least
#: ``ratio_tolerance`` of its value). Per-domain counts are ``<measure>.<domain>``.
MEASURE_KINDS = {
    "n_institutions": "count", "n_respondents": "count", "response_rate": "share", "respondent_share": "share",
    "n_existing_sources": "count", "n_potential_sources": "count",
    "density": "ratio", "formal_share": "share", "confirmation_rate": "share",
    "coordinator_reach": "share", "n_cut_vertices": "count", "n_communities": "count",
}
SNAPSHOT_FORMAT = 1


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
        (:func:`mpanalysis.analysis.findings.format_entity_name`).

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


def _measure_snapshot(dataset: "CountryDataset", summary: "NetworkSummary",
                      params: "CountryParams | None" = None) -> dict[str, float | None]:
    from mpanalysis.analysis.sources import list_domains, summarize_response

    # the response rate exists only against an invitation list (parameters); the share of
    # respondents among the institutions known from the answers is another measure
    response = summarize_response(dataset, params)
    measures: dict[str, float | None] = {
        "n_institutions": float(len(dataset.entities)),
        "n_respondents": float(response.n_respondents),
        "response_rate": response.response_rate,
        "respondent_share": response.respondent_share,
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
    network and its :func:`~mpanalysis.analysis.network.summarize_network`) are computed when not given.

    >>> from mpanalysis.ingest.dataset import CountryDataset
    >>> from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table
    >>> tables = {n: make_empty_table(n) for n in TABLE_COLUMNS}
    >>> tables["entities"] = pd.DataFrame({"entity_id": ["SEN-A", "SEN-B"], "name": ["Alpha", "Beta"],
    ...                                    "is_respondent": [True, False]})
    >>> snap = make_edition_snapshot(CountryDataset("SEN", **tables), today=dt.date(2025, 3, 1))
    >>> [e.entity_id for e in snap.entities], snap.measures["respondent_share"], snap.number
    (['SEN-A', 'SEN-B'], 0.5, None)
    >>> snap.measures["response_rate"] is None  # no invitation list in the parameters
    True
    """
    from mpanalysis.analysis.network import build_actor_network, summarize_network

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
        measures=_measure_snapshot(dataset, summary, params),
    )
