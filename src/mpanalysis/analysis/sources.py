"""Chapter I: the cartography of migration data sources (who collects what, how, how recently).

Every function takes canonical tables (``docs/architecture.md``, "Data model") and returns a new
DataFrame; nothing is modified in place and nothing is read from disk except the reference lists.
Codes stay codes here: translating them into labels is the figures' and the guide's job.

Definitions (they are what the guide's sentences mean):

- a source is *stale* when its last update is more than ``staleness_years`` before the reference
  year (``reference_year - last_update > staleness_years``); an existing source without a year is
  counted apart as ``unknown_year``, never as stale;
- a domain has a *coverage gap* when no existing source covers it;
- a domain is *restricted-only* when it has existing sources and every one of them states an
  access that is not open (``is_open`` false in ``source_access.csv``: restricted, internal);
  a source without a stated access is not assumed restricted;
- a domain has *no exchange* when it has existing sources but no information link of the actor
  network carries it (``n_links``: distinct directed links from one institution to another whose
  reported flows list the domain, each counted once however many answers report it, an exchange
  both ways counting two; the unit of chapter II's network and Sankey,
  :func:`mpanalysis.analysis.network.count_links_by_domain`);
- listings split entities into ``governmental`` and ``other``: an entity whose sector is unknown
  is listed with the others, since it is not known to be governmental.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from mpanalysis.analysis.network.graph import count_links_by_domain
from mpanalysis.ingest.form import split_multi
from mpanalysis.reference import get_attribute, get_codes

if TYPE_CHECKING:
    from mpanalysis.ingest.dataset import CountryDataset
    from mpanalysis.params import CountryParams

#: Reference list behind each source attribute profiled by :func:`build_source_profile`.
PROFILE_LISTS = {
    "periodicity": "periodicities",
    "format": "source_formats",
    "access": "source_access",
    "kind": "source_kinds",
}

#: Column counting sources that do not state the profiled attribute.
NOT_STATED = "not_stated"

#: Sectors of the per-domain listings, in display order.
LISTING_SECTORS = ("governmental", "other")

_LISTING_COLUMNS = [
    "domain", "sector", "entity_id", "entity_name", "entity_acronym", "source_id", "source_name",
    "kind", "status", "periodicity", "last_update", "format", "access",
]


def _text(value: object) -> str:
    """Return a cell as text, ``""`` when missing (pandas NA, NaN, None)."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return ""
    return str(value)


def _years(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").astype("Int64")


def list_domains(sources: pd.DataFrame, flows: pd.DataFrame | None = None) -> list[str]:
    """Return every domain to report on: the reference list first, then extra domains seen in data.

    Extra domains (a country may add one to its form) come after the reference ones, sorted, so
    the order is the same on every run.

    >>> s = pd.DataFrame({"domain": ["health", "trends"]})
    >>> list_domains(s)
    ['trends', 'border_management', 'crisis', 'development', 'health']
    """
    domains = list(get_codes("domains"))
    seen: set[str] = {_text(v) for v in sources.get("domain", pd.Series(dtype=object))}
    if flows is not None and "domains" in flows:
        for value in flows["domains"]:
            seen.update(split_multi(value))
    extras = sorted(d for d in seen if d and d not in domains)
    return domains + extras


def resolve_reference_year(reference_year: int | None = None) -> int:
    """Return the year staleness is measured from: the parameter, else the current year.

    >>> resolve_reference_year(2020)
    2020
    >>> resolve_reference_year() >= 2024
    True
    """
    return int(reference_year) if reference_year is not None else dt.date.today().year


def _entity_order(entities: pd.DataFrame | None, entity_ids: Iterable[str]) -> list[str]:
    """Governmental entities first, then others, each by name; unknown ids last, by id."""
    ids = list(dict.fromkeys(entity_ids))
    if entities is None or entities.empty:
        return sorted(ids)
    info = _entity_info(entities)
    known = [i for i in ids if i in info.index]
    unknown = sorted(i for i in ids if i not in info.index)
    rank = {s: n for n, s in enumerate(LISTING_SECTORS)}
    known.sort(key=lambda i: (rank.get(info.at[i, "listing_sector"], 9),
                              info.at[i, "name"].casefold(), i))
    return known + unknown


def _entity_info(entities: pd.DataFrame) -> pd.DataFrame:
    """Entity name, acronym and listing sector (governmental | other), indexed by entity id."""
    type_sector = get_attribute("institution_types", "sector")
    rows = []
    for row in entities.itertuples(index=False):
        sector = _text(getattr(row, "sector", ""))
        if sector not in LISTING_SECTORS:
            sector = str(type_sector.get(_text(getattr(row, "institution_type", "")), "other"))
        rows.append({
            "entity_id": _text(row.entity_id),
            "name": _text(row.name) or _text(row.entity_id),
            "acronym": _text(getattr(row, "acronym", "")),
            "listing_sector": sector if sector in LISTING_SECTORS else "other",
        })
    frame = pd.DataFrame(rows, columns=["entity_id", "name", "acronym", "listing_sector"])
    return frame.drop_duplicates("entity_id").set_index("entity_id")


def build_coverage_matrix(sources: pd.DataFrame, entities: pd.DataFrame | None = None, *,
                          status: str | None = None, domains: list[str] | None = None) -> pd.DataFrame:
    """Return the entity × domain matrix of source counts.

    Rows are the entities that reported at least one source (of any status, so the existing and
    the potential matrices line up), governmental first, then by name; columns are every domain
    (``domains``, default :func:`list_domains`), even those nobody covers.

    Parameters
    ----------
    sources, entities
        Canonical tables; ``entities`` only orders the rows.
    status
        ``"existing"``, ``"potential"``, or None to count both.

    >>> s = pd.DataFrame({"entity_id": ["A", "A", "B"], "domain": ["trends", "trends", "crisis"],
    ...                   "status": ["existing", "potential", "existing"]})
    >>> m = build_coverage_matrix(s, status="existing")
    >>> m.loc[["A", "B"], ["trends", "crisis", "development"]].values.tolist()
    [[1, 0, 0], [0, 1, 0]]
    """
    domains = domains if domains is not None else list_domains(sources)
    order = _entity_order(entities, (_text(v) for v in sources["entity_id"]))
    selected = sources if status is None else sources[sources["status"].astype(object) == status]
    counts: dict[tuple[str, str], int] = {}
    for entity_id, domain in zip(selected["entity_id"], selected["domain"]):
        key = (_text(entity_id), _text(domain))
        counts[key] = counts.get(key, 0) + 1
    extra = sorted({d for _, d in counts if d not in domains})
    columns = list(domains) + extra
    matrix = pd.DataFrame(0, index=pd.Index(order, name="entity_id"),
                          columns=pd.Index(columns, name="domain"), dtype="int64")
    for (entity_id, domain), n in counts.items():
        matrix.at[entity_id, domain] = n
    return matrix


def build_source_listing(sources: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """Return one row per source, ordered by domain, sector (governmental, then other), entity.

    Columns: ``domain, sector, entity_id, entity_name, entity_acronym, source_id, source_name,
    kind, status, periodicity, last_update, format, access``; existing sources come before
    potential ones within an entity. Filter on ``domain`` and ``sector`` for one listing.

    >>> e = pd.DataFrame({"entity_id": ["U", "M"], "name": ["Université", "Ministère"],
    ...                   "acronym": ["", "MI"], "institution_type": ["academia", "ministry"],
    ...                   "sector": ["other", "governmental"]})
    >>> s = pd.DataFrame({"source_id": ["s1", "s2"], "entity_id": ["U", "M"],
    ...                   "source_name": ["Enquête", "Registre"], "domain": ["trends", "trends"],
    ...                   "kind": ["research", "administrative_register"], "status": ["existing"] * 2,
    ...                   "periodicity": ["ad_hoc", "continuous"], "last_update": [2019, 2023],
    ...                   "format": ["paper", "database"], "access": ["public", "internal"]})
    >>> build_source_listing(s, e)[["sector", "entity_name", "source_name"]].values.tolist()
    [['governmental', 'Ministère', 'Registre'], ['other', 'Université', 'Enquête']]
    """
    info = _entity_info(entities)
    domains = list_domains(sources)
    domain_rank = {d: n for n, d in enumerate(domains)}
    sector_rank = {s: n for n, s in enumerate(LISTING_SECTORS)}
    status_rank = {s: n for n, s in enumerate(get_codes("source_statuses"))}
    years = _years(sources["last_update"]) if "last_update" in sources else None
    rows = []
    for position, row in enumerate(sources.itertuples(index=False)):
        entity_id = _text(row.entity_id)
        known = entity_id in info.index
        rows.append({
            "domain": _text(row.domain),
            "sector": info.at[entity_id, "listing_sector"] if known else "other",
            "entity_id": entity_id,
            "entity_name": info.at[entity_id, "name"] if known else entity_id,
            "entity_acronym": info.at[entity_id, "acronym"] if known else "",
            "source_id": _text(getattr(row, "source_id", "")),
            "source_name": _text(row.source_name),
            "kind": _text(getattr(row, "kind", "")),
            "status": _text(row.status),
            "periodicity": _text(getattr(row, "periodicity", "")),
            "last_update": years.iloc[position] if years is not None else pd.NA,
            "format": _text(getattr(row, "format", "")),
            "access": _text(getattr(row, "access", "")),
        })
    listing = pd.DataFrame(rows, columns=_LISTING_COLUMNS)
    if listing.empty:
        return listing
    listing["last_update"] = listing["last_update"].astype("Int64")
    keys = listing.apply(lambda r: (domain_rank.get(r["domain"], len(domain_rank)),
                                    sector_rank.get(r["sector"], 9), r["entity_name"].casefold(),
                                    r["entity_id"], status_rank.get(r["status"], 9),
                                    r["source_name"].casefold()), axis=1)
    return listing.iloc[sorted(range(len(listing)), key=lambda i: keys.iloc[i])].reset_index(drop=True)


def build_source_profile(sources: pd.DataFrame, attribute: str, *, status: str | None = "existing",
                         domains: list[str] | None = None) -> pd.DataFrame:
    """Return, per domain, how many sources have each value of ``attribute``.

    ``attribute`` is ``periodicity``, ``format``, ``access`` or ``kind``. Columns are the codes of
    its reference list (plus any extra value seen) and ``not_stated`` for sources that leave it
    blank; rows are every domain. Only existing sources are counted unless ``status`` says
    otherwise (None counts all): a potential source has no periodicity or access yet.

    >>> s = pd.DataFrame({"domain": ["trends", "trends", "crisis"], "status": ["existing"] * 3,
    ...                   "access": ["public", None, "internal"]})
    >>> p = build_source_profile(s, "access")
    >>> p.loc["trends"].tolist()
    [1, 0, 0, 0, 1]
    >>> p.columns.tolist()
    ['public', 'on_request', 'restricted', 'internal', 'not_stated']
    """
    if attribute not in PROFILE_LISTS:
        raise ValueError(f"attribute must be one of {sorted(PROFILE_LISTS)}, not {attribute!r}")
    domains = domains if domains is not None else list_domains(sources)
    selected = sources if status is None else sources[sources["status"].astype(object) == status]
    codes = list(get_codes(PROFILE_LISTS[attribute]))
    values = [_text(v) for v in selected[attribute]] if attribute in selected else [""] * len(selected)
    extra = sorted({v for v in values if v and v not in codes})
    columns = codes + extra + [NOT_STATED]
    extra_domains = sorted({_text(d) for d in selected["domain"]} - set(domains) - {""})
    profile = pd.DataFrame(0, index=pd.Index(list(domains) + extra_domains, name="domain"),
                           columns=pd.Index(columns, name=attribute), dtype="int64")
    for domain, value in zip(selected["domain"], values):
        profile.at[_text(domain), value or NOT_STATED] += 1
    return profile


def build_staleness(sources: pd.DataFrame, *, staleness_years: int,
                    reference_year: int | None = None) -> pd.DataFrame:
    """Return the existing sources with their age and freshness.

    Columns: ``source_id, entity_id, domain, source_name, last_update, age_years, freshness``
    where ``freshness`` is ``current``, ``stale`` (more than ``staleness_years`` years before
    the reference year) or ``unknown_year``.

    >>> s = pd.DataFrame({"source_id": ["a", "b", "c"], "entity_id": ["E"] * 3,
    ...                   "domain": ["trends"] * 3, "source_name": ["x", "y", "z"],
    ...                   "status": ["existing"] * 3, "last_update": [2020, 2017, None]})
    >>> build_staleness(s, staleness_years=3, reference_year=2023)["freshness"].tolist()
    ['current', 'stale', 'unknown_year']
    """
    year = resolve_reference_year(reference_year)
    existing = sources[sources["status"].astype(object) == "existing"]
    frame = pd.DataFrame({
        "source_id": [_text(v) for v in existing.get("source_id", pd.Series([""] * len(existing)))],
        "entity_id": [_text(v) for v in existing["entity_id"]],
        "domain": [_text(v) for v in existing["domain"]],
        "source_name": [_text(v) for v in existing["source_name"]],
        "last_update": _years(existing["last_update"]).to_numpy(),
    })
    frame["last_update"] = frame["last_update"].astype("Int64")
    frame["age_years"] = (year - frame["last_update"]).astype("Int64")
    freshness = pd.Series("current", index=frame.index, dtype=object)
    freshness[frame["age_years"].isna()] = "unknown_year"
    freshness[(frame["age_years"] > staleness_years).fillna(False).astype(bool)] = "stale"
    frame["freshness"] = freshness
    return frame


def find_source_gaps(sources: pd.DataFrame, flows: pd.DataFrame | None = None, *,
                     domains: list[str] | None = None) -> pd.DataFrame:
    """Return, per domain, the counts behind the three coverage gaps and which gaps it has.

    Columns: ``is_core, n_existing, n_potential, n_entities`` (entities with an existing source),
    ``n_open_existing, n_closed_existing, n_links`` (distinct directed links carrying the domain,
    see the module docstring) and the gap flags ``has_no_existing``, ``is_restricted_only``,
    ``has_no_exchange``.

    >>> s = pd.DataFrame({"entity_id": ["A", "B"], "domain": ["trends", "crisis"],
    ...                   "status": ["existing", "existing"], "access": ["public", "internal"]})
    >>> f = pd.DataFrame({"entity_id": ["A", "B"], "partner_entity_id": ["B", "A"],
    ...                   "direction": ["exchanges", "exchanges"], "domains": ["trends", "trends"]})
    >>> g = find_source_gaps(s, f)
    >>> g.loc["crisis", ["is_restricted_only", "has_no_exchange"]].tolist()
    [True, True]
    >>> int(g.loc["trends", "n_links"]), bool(g.loc["trends", "has_no_exchange"])
    (2, False)
    >>> bool(g.loc["development", "has_no_existing"])
    True
    """
    domains = domains if domains is not None else list_domains(sources, flows)
    is_open = get_attribute("source_access", "is_open")
    is_core = get_attribute("domains", "is_core")
    link_counts = count_links_by_domain(flows) if flows is not None and "domains" in flows else {}
    extra = sorted({_text(d) for d in sources["domain"]} - set(domains) - {""})
    rows = []
    for domain in list(domains) + extra:
        in_domain = sources[sources["domain"].astype(object) == domain]
        existing = in_domain[in_domain["status"].astype(object) == "existing"]
        access = [_text(v) for v in existing["access"]] if "access" in existing else []
        n_open = sum(1 for a in access if a and bool(is_open.get(a, True)))
        n_closed = sum(1 for a in access if a and not bool(is_open.get(a, True)))
        rows.append({
            "domain": domain,
            "is_core": bool(is_core.get(domain, False)),
            "n_existing": len(existing),
            "n_potential": int((in_domain["status"].astype(object) == "potential").sum()),
            "n_entities": int(existing["entity_id"].nunique()),
            "n_open_existing": n_open,
            "n_closed_existing": n_closed,
            "n_links": link_counts.get(domain, 0),
        })
    gaps = pd.DataFrame(rows).set_index("domain")
    gaps["has_no_existing"] = gaps["n_existing"] == 0
    gaps["is_restricted_only"] = (gaps["n_existing"] > 0) & (gaps["n_closed_existing"] == gaps["n_existing"])
    gaps["has_no_exchange"] = (gaps["n_existing"] > 0) & (gaps["n_links"] == 0)
    return gaps


@dataclass(frozen=True)
class SourcesAnalysis:
    """Everything chapter I shows, computed once from a country's dataset.

    ``coverage_existing`` / ``coverage_potential``: :func:`build_coverage_matrix`; ``listing``:
    :func:`build_source_listing`; ``profiles``: ``{"periodicity"|"format"|"access"|"kind":``
    :func:`build_source_profile` ``}``; ``staleness``: :func:`build_staleness`; ``gaps``:
    :func:`find_source_gaps`.
    """

    domains: list[str]
    reference_year: int
    staleness_years: int
    coverage_existing: pd.DataFrame
    coverage_potential: pd.DataFrame
    listing: pd.DataFrame
    profiles: dict[str, pd.DataFrame] = field(default_factory=dict)
    staleness: pd.DataFrame = field(default_factory=pd.DataFrame)
    gaps: pd.DataFrame = field(default_factory=pd.DataFrame)


def build_sources_analysis(dataset: CountryDataset, params: CountryParams | None = None) -> SourcesAnalysis:
    """Return the whole chapter I analysis of a country's dataset.

    ``params`` gives ``staleness_years`` and ``reference_year`` (defaults: 3 years, current year).

    >>> from mpanalysis.ingest.dataset import CountryDataset
    >>> from mpanalysis.ingest.schemas import make_empty_table
    >>> from mpanalysis.params import CountryParams
    >>> tables = {n: make_empty_table(n) for n in ["respondents", "entities", "sources", "flows",
    ...           "stages", "challenges", "needs", "mp_use", "issues", "counts"]}
    >>> a = build_sources_analysis(CountryDataset("SEN", **tables),
    ...                            CountryParams(country="SEN", reference_year=2024))
    >>> bool(a.gaps["has_no_existing"].all()), a.coverage_existing.shape[1], a.reference_year
    (True, 4, 2024)
    """
    sources, entities, flows = dataset.sources, dataset.entities, dataset.flows
    staleness_years = params.staleness_years if params is not None else 3
    reference_year = resolve_reference_year(params.reference_year if params is not None else None)
    domains = list_domains(sources, flows)
    return SourcesAnalysis(
        domains=domains,
        reference_year=reference_year,
        staleness_years=staleness_years,
        coverage_existing=build_coverage_matrix(sources, entities, status="existing", domains=domains),
        coverage_potential=build_coverage_matrix(sources, entities, status="potential", domains=domains),
        listing=build_source_listing(sources, entities),
        profiles={a: build_source_profile(sources, a, domains=domains) for a in PROFILE_LISTS},
        staleness=build_staleness(sources, staleness_years=staleness_years, reference_year=reference_year),
        gaps=find_source_gaps(sources, flows, domains=domains),
    )


# ----------------------------------------------------------------------------- response


#: Row codes of :func:`summarize_response`'s table besides institution types.
UNKNOWN_TYPE, TOTAL_ROW = "_unknown", "_total"


@dataclass(frozen=True)
class ResponseSummary:
    """Who answered the questionnaire, measured against the institutions it was sent to.

    ``n_respondents`` institutions answered; ``n_named`` were named (as exchange partners or in
    the parameters) without answering. With an invitation list in the parameters
    (``invited_institutions``): ``n_invited`` institutions were invited, ``n_invited_respondents``
    of them answered, ``response_rate`` is their share; ``n_uninvited_respondents`` answered
    without being on the list and ``n_named_not_invited`` were named in the answers but not
    invited (candidates for the next round). Without a list those are None: the only share that
    exists is ``respondent_share``, the respondents among the institutions known from the answers
    (respondents + named), which is **not** a response rate and is never called one.

    ``by_type`` has one row per institution type (reference order, then ``_unknown``, then
    ``_total``): ``type, n_respondents, n_named, n_invited, n_invited_respondents, share``, where
    ``share`` is the response rate with a list, else the respondent share. The type of an invited
    institution is the one its answers state, else the one the invitation list gives.
    """

    n_respondents: int
    n_named: int
    n_invited: int | None
    n_invited_respondents: int | None
    n_uninvited_respondents: int | None
    n_named_not_invited: int | None
    response_rate: float | None
    respondent_share: float | None
    by_type: pd.DataFrame

    @property
    def has_invitation_list(self) -> bool:
        return self.n_invited is not None


def _invited_entities(dataset: CountryDataset, params: CountryParams) -> dict[str, str]:
    """``{entity id (or the name, when it matches none): type from the list}`` of the invited."""
    matched = {}
    matches = dataset.reconciliation.get("matches") if dataset.reconciliation else None
    if matches is not None and len(matches):
        matched = dict(zip(matches["name"].astype(str), matches["entity_id"].astype(str)))
    by_label: dict[str, str] = {}
    for row in dataset.entities.to_dict("records"):
        for label in (row.get("name"), row.get("acronym")):
            if _text(label):
                by_label.setdefault(_text(label).casefold(), _text(row["entity_id"]))
    invited: dict[str, str] = {}
    for entry in params.invited_institutions:
        key = matched.get(entry.name) or by_label.get(entry.name.casefold()) or f"name:{entry.name}"
        if not invited.get(key):
            invited[key] = entry.type or ""
    return invited


def summarize_response(dataset: CountryDataset, params: CountryParams | None = None) -> ResponseSummary:
    """Return who answered, against the invitation list of ``params`` when there is one.

    >>> from mpanalysis.ingest.dataset import CountryDataset
    >>> from mpanalysis.ingest.schemas import make_empty_table, TABLE_COLUMNS
    >>> from mpanalysis.params import CountryParams
    >>> t = {n: make_empty_table(n) for n in TABLE_COLUMNS}
    >>> t["entities"] = pd.DataFrame({"entity_id": ["A", "B", "C"], "name": ["Alpha", "Beta", "Gamma"],
    ...     "acronym": [None] * 3, "institution_type": ["ministry", "ministry", None],
    ...     "is_respondent": [True, True, False]})
    >>> data = CountryDataset("SEN", **t)
    >>> s = summarize_response(data)
    >>> s.response_rate, round(s.respondent_share, 2)
    (None, 0.67)
    >>> s = summarize_response(data, CountryParams(country="SEN", invited_institutions=["Alpha", "Delta"]))
    >>> s.n_invited, s.n_invited_respondents, s.response_rate, s.n_uninvited_respondents, s.n_named_not_invited
    (2, 1, 0.5, 1, 1)
    """
    entities = dataset.entities
    is_respondent = {_text(e): bool(r) for e, r in zip(
        entities["entity_id"], entities["is_respondent"].astype("boolean").fillna(False))}
    types_given = entities["institution_type"] if "institution_type" in entities else [None] * len(entities)
    entity_type = {_text(e): _text(t) for e, t in zip(entities["entity_id"], types_given)}
    invited = _invited_entities(dataset, params) if params is not None and params.invited_institutions else None
    types = list(get_codes("institution_types"))

    rows: dict[str, dict[str, int]] = {}

    def count(type_code: str, column: str) -> None:
        code = type_code if type_code in types else UNKNOWN_TYPE
        row = rows.setdefault(code, dict.fromkeys(("n_respondents", "n_named", "n_invited",
                                                   "n_invited_respondents"), 0))
        row[column] += 1

    for entity_id, answered in is_respondent.items():
        count(entity_type.get(entity_id, ""), "n_respondents" if answered else "n_named")
    for key, listed_type in (invited or {}).items():
        type_code = entity_type.get(key) or listed_type
        count(type_code, "n_invited")
        if is_respondent.get(key):
            count(type_code, "n_invited_respondents")
    order = [t for t in [*types, UNKNOWN_TYPE] if t in rows]
    table = pd.DataFrame([{"type": t, **rows[t]} for t in order],
                         columns=["type", "n_respondents", "n_named", "n_invited", "n_invited_respondents"])
    total = {c: int(table[c].sum()) for c in table.columns if c != "type"}
    table.loc[len(table)] = {"type": TOTAL_ROW, **total}

    def share(row) -> float | None:
        if invited is not None:
            return row["n_invited_respondents"] / row["n_invited"] if row["n_invited"] else None
        known = row["n_respondents"] + row["n_named"]
        return row["n_respondents"] / known if known else None

    table["share"] = pd.Series([share(row) for _, row in table.iterrows()], dtype=object)
    n_respondents, n_named = total["n_respondents"], total["n_named"]
    known = n_respondents + n_named
    if invited is None:
        return ResponseSummary(n_respondents, n_named, None, None, None, None, None,
                               n_respondents / known if known else None, table)
    n_invited, n_invited_respondents = total["n_invited"], total["n_invited_respondents"]
    return ResponseSummary(
        n_respondents=n_respondents, n_named=n_named, n_invited=n_invited,
        n_invited_respondents=n_invited_respondents,
        n_uninvited_respondents=n_respondents - n_invited_respondents,
        n_named_not_invited=sum(1 for e, answered in is_respondent.items() if not answered and e not in invited),
        response_rate=n_invited_respondents / n_invited if n_invited else None,
        respondent_share=n_respondents / known if known else None, by_type=table)
