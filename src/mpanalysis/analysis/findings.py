"""Structured findings of chapters I–II: what the analysis noticed, how severe it is, in words.

A :class:`Finding` carries the entities and numbers behind it and one sentence per language. Kinds,
severity rules, thresholds and sentences live in ``data/reference/findings.yaml`` (French and
English; adding ``pt:`` strings adds Portuguese). Numbers are written the way each language writes
them (babel: "42 %" in French, "42%" in English) and entities by name, never by id.

Findings are saved as JSON (:func:`findings_to_json`) so notebooks, the guide and the
recommendation rules (issue 4) reuse them without recomputing; ids are deterministic
(``network.cut_vertex.SEN-DGPN``), so two runs on the same data give the same findings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import networkx as nx
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mpanalysis.errors import MpanalysisError, ReferenceDataError
from mpanalysis.paths import reference_dir
from mpanalysis.reference import get_label, read_reference_yaml

# re-exported: the findings' sentences and the chapters use the same wording engine
from mpanalysis.wording import EntityName, format_entity_name, name_entities  # noqa: F401
from mpanalysis.wording.names import load_name_overrides, make_entity_name
from mpanalysis.wording.quotes import strip_marks
from mpanalysis.wording.templates import (
    MAX_NAMES,
    NameList,
    choose_word_forms,  # noqa: F401  (re-exported)
    fill_template,
    format_number,
)

if TYPE_CHECKING:
    from mpanalysis.analysis.network import NetworkSummary
    from mpanalysis.analysis.sources import SourcesAnalysis
    from mpanalysis.ingest.dataset import CountryDataset
    from mpanalysis.params import CountryParams

Severity = Literal["info", "low", "medium", "high"]

#: Severity levels from the mildest to the most serious.
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high")



class Finding(BaseModel):
    """One notable result of the analysis.

    ``entities`` are entity ids; ``numbers`` the figures behind the finding; ``codes`` the
    reference codes it is about (``{"domain": "crisis"}``); ``text`` one sentence per language;
    ``evidence`` the key of the guide's table or figure that shows it ("table I.2").

    >>> f = Finding(id="network.formal_share", kind="formal_share", severity="high", chapter="II",
    ...             numbers={"formal_share": 0.1}, text={"fr": "…", "en": "…"}, evidence="table II.2")
    >>> f.severity, f.numbers["formal_share"]
    ('high', 0.1)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: str
    severity: Severity
    chapter: str
    entities: tuple[str, ...] = ()
    numbers: dict[str, int | float] = Field(default_factory=dict)
    codes: dict[str, str] = Field(default_factory=dict)
    text: dict[str, str]
    evidence: str
    #: Short label per language, for the table listing the institutions of long findings.
    label: dict[str, str] = Field(default_factory=dict)
    #: ``confirmed`` or ``corrected`` once the national workshop validated it (None before).
    validation: Literal["confirmed", "corrected"] | None = None

    def get_text(self, lang: str) -> str:
        """Return the sentence in ``lang`` (French, the default language, if it is missing)."""
        return self.text.get(lang) or self.text.get("fr") or next(iter(self.text.values()), "")


# ----------------------------------------------------------------------------- the catalogue


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SeverityRule(_Model):
    at_least: float | None = None
    below: float | None = None
    level: Severity

    @model_validator(mode="after")
    def _one_bound(self) -> SeverityRule:
        if (self.at_least is None) == (self.below is None):
            raise ValueError("a rule needs exactly one of 'at_least' or 'below'")
        return self

    def matches(self, value: float) -> bool:
        return value >= self.at_least if self.at_least is not None else value < self.below


class SeverityRules(_Model):
    by: str
    rules: list[SeverityRule]
    otherwise: Severity


class FindingKind(_Model):
    """One kind of finding as described in ``findings.yaml``."""

    chapter: str
    evidence: str
    severity: Severity | SeverityRules
    text: dict[str, str]
    settings: dict[str, float] = Field(default_factory=dict)
    percent: list[str] = Field(default_factory=list)
    #: Short label of the finding in the table of named institutions (placeholders as in ``text``).
    list_label: dict[str, str] = Field(default_factory=dict)


class FindingCatalogue(_Model):
    """The whole ``findings.yaml``: kinds plus the shared wording (severity labels, the table of
    each chapter that lists the institutions of a finding too long to name in a sentence)."""

    chapters: dict[str, str]
    code_lists: dict[str, str]
    languages: list[str] = Field(min_length=1)
    named_tables: dict[str, str] = Field(default_factory=dict)
    severity_labels: dict[Severity, dict[str, str]]
    kinds: dict[str, FindingKind]

    @model_validator(mode="after")
    def _same_languages(self) -> FindingCatalogue:
        languages = set(self.languages)
        for kind, spec in self.kinds.items():
            if set(spec.text) != languages:
                raise ValueError(f"kind '{kind}' has texts in {sorted(spec.text)}, "
                                 f"other texts in {sorted(languages)}")
            if spec.chapter not in self.chapters:
                raise ValueError(f"kind '{kind}': chapter '{spec.chapter}' is not under 'chapters'")
        for level, labels in self.severity_labels.items():
            if set(labels) != languages:
                raise ValueError(f"severity label '{level}' has texts in {sorted(labels)}, "
                                 f"other texts in {sorted(languages)}")
        return self

    def get_named_table(self, chapter: str) -> str | None:
        """Return the id of the table that lists the institutions of chapter ``chapter``'s findings.

        >>> load_finding_catalogue().get_named_table("II")
        'network_named_institutions'
        """
        return self.named_tables.get(chapter)


@lru_cache(maxsize=None)
def _load_catalogue(path: str) -> FindingCatalogue:
    file = Path(path)
    data = read_reference_yaml(file, "the findings catalogue", expect_mapping=False)
    try:
        return FindingCatalogue.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"])
        where = f"{file}, key '{key}'" if key else str(file)
        raise ReferenceDataError(f"{where}: {error['msg'].removeprefix('Value error, ')}") from None


def load_finding_catalogue(path: str | Path | None = None) -> FindingCatalogue:
    """Return the finding kinds of ``data/reference/findings.yaml`` (validated, cached).

    >>> catalogue = load_finding_catalogue()
    >>> catalogue.kinds["cut_vertex"].chapter, catalogue.languages
    ('II', ['fr', 'en', 'pt'])
    """
    return _load_catalogue(str(path or reference_dir() / "findings.yaml"))


# ----------------------------------------------------------------------------- rendering


def rate_severity(kind: FindingKind, numbers: dict[str, int | float]) -> str:
    """Return the severity of a finding of ``kind`` with these numbers (first matching rule).

    >>> k = load_finding_catalogue().kinds["formal_share"]
    >>> rate_severity(k, {"formal_share": 0.2}), rate_severity(k, {"formal_share": 0.9})
    ('high', 'info')
    """
    if isinstance(kind.severity, str):
        return kind.severity
    value = numbers.get(kind.severity.by)
    if value is not None:
        for rule in kind.severity.rules:
            if rule.matches(float(value)):
                return rule.level
    return kind.severity.otherwise


def render_sentence(template: str, lang: str, *, numbers: dict[str, int | float] | None = None,
                    codes: dict[str, str] | None = None, names: list[str] | None = None,
                    percent: Iterable[str] = (), catalogue: FindingCatalogue | None = None,
                    table: str | None = None, where: str = "findings.yaml") -> str:
    """Fill a sentence template of ``findings.yaml`` in one language.

    ``{name}`` is the first institution, ``{names}`` all of them (:class:`NameList`: more than
    :data:`~mpanalysis.wording.templates.MAX_NAMES` are counted and ``table`` cited); both take a
    preposition (``{names:de}``, ``{name:Le}``).

    >>> render_sentence("{n} {n|source|sources} on “{domain}”: {names}.", "en",
    ...                 numbers={"n": 2}, codes={"domain": "crisis"}, names=["A", "B"])
    '2 sources on “Migration in crisis situations”: A and B.'
    >>> render_sentence("Data held by {names:the}.", "en", names=["W", "X", "Y", "Z"], table="t9")
    'Data held by the 4 institutions (listed in {ref:t9}).'
    """
    catalogue = catalogue or load_finding_catalogue()
    percent = list(percent)
    context: dict[str, object] = dict(numbers or {})
    for key, code in (codes or {}).items():
        list_name = catalogue.code_lists.get(key)
        try:
            context[key] = get_label(list_name, code, lang) if list_name else code
        except ReferenceDataError:  # the list has no labels in this language yet
            context[key] = code
    names = list(names or [])
    context["names"] = NameList(names, table=table, max_names=MAX_NAMES if table else max(len(names), 1))
    context["name"] = names[0] if names else ""
    return fill_template(template, lang, context, where=where,
                         format_value=lambda key, value, lang: format_number(key, value, lang, percent))


def make_finding(kind: str, key: str | None = None, *, entities: Iterable[str] = (),
                 names: dict[str, str] | None = None, numbers: dict[str, int | float] | None = None,
                 codes: dict[str, str] | None = None,
                 catalogue: FindingCatalogue | None = None) -> Finding:
    """Return a finding of ``kind``: id, severity and sentences in every language of the catalogue.

    ``key`` completes the id (``network.cut_vertex.<key>``); ``names`` maps entity ids to the
    names the sentences use (:class:`~mpanalysis.wording.EntityName`, or plain names).

    >>> f = make_finding("cut_vertex", "SEN-B", entities=["SEN-B"], names={"SEN-B": "Bureau"},
    ...                  numbers={"n_cut_off": 1})
    >>> f.id, f.severity
    ('network.cut_vertex.SEN-B', 'medium')
    >>> f.text["fr"]
    'Le Bureau est un point de défaillance unique, un passage obligé : sans cette institution, 1 institution serait coupée du reste du réseau.'
    """
    catalogue = catalogue or load_finding_catalogue()
    if kind not in catalogue.kinds:
        raise ReferenceDataError(f"findings.yaml: no finding kind '{kind}'")
    spec = catalogue.kinds[kind]
    entities = tuple(entities)
    numbers = {k: v for k, v in (numbers or {}).items() if v is not None}
    names = names or {}
    entity_names = [names.get(e, e) for e in entities]
    text = {}
    for lang in catalogue.languages:
        text[lang] = render_sentence(spec.text[lang], lang, numbers=numbers, codes=codes,
                                     names=entity_names, percent=spec.percent, catalogue=catalogue,
                                     table=catalogue.get_named_table(spec.chapter),
                                     where=f"findings.yaml, key 'kinds.{kind}.text.{lang}'")
    label = {lang: render_sentence(template, lang, numbers=numbers, codes=codes, catalogue=catalogue,
                                   where=f"findings.yaml, key 'kinds.{kind}.list_label.{lang}'")
             for lang, template in spec.list_label.items()}
    prefix = catalogue.chapters[spec.chapter]
    return Finding(label=label,
        id=".".join(p for p in (prefix, kind, key) if p),
        kind=kind, severity=rate_severity(spec, numbers), chapter=spec.chapter,
        entities=entities, numbers=numbers, codes=dict(codes or {}), text=text,
        evidence=spec.evidence,
    )


# ----------------------------------------------------------------------------- chapter I


def _entity_names(entities: pd.DataFrame, country: str | None = None,
                  params: CountryParams | None = None) -> dict[str, EntityName]:
    return name_entities(entities, load_name_overrides(country, params))


def _ids_by_name(ids: Iterable[str], names: dict[str, str]) -> list[str]:
    return sorted(set(ids), key=lambda i: (names.get(i, i).casefold(), i))


def find_source_findings(dataset: CountryDataset, params: CountryParams | None = None, *,
                         analysis: SourcesAnalysis | None = None) -> list[Finding]:
    """Return chapter I's findings: overview, coverage gaps, restricted-only domains, domains
    without exchange, stale sources and sources without an update year.

    ``analysis`` (from :func:`mpanalysis.analysis.sources.build_sources_analysis`) avoids recomputing it.

    >>> from mpanalysis.ingest.dataset import CountryDataset
    >>> from mpanalysis.ingest.schemas import make_empty_table
    >>> t = {n: make_empty_table(n) for n in ["respondents", "entities", "sources", "flows",
    ...      "stages", "challenges", "needs", "mp_use", "issues", "counts"]}
    >>> [f.id for f in find_source_findings(CountryDataset("SEN", **t))][:2]
    ['sources.sources_overview', 'sources.coverage_gap.trends']
    """
    from mpanalysis.analysis.sources import build_sources_analysis

    analysis = analysis or build_sources_analysis(dataset, params)
    catalogue = load_finding_catalogue()
    names = _entity_names(dataset.entities, dataset.country, params)
    sources = dataset.sources
    status = sources["status"].astype(object)
    domain = sources["domain"].astype(object)
    entity = sources["entity_id"].astype(object)
    gaps = analysis.gaps
    findings = [make_finding("sources_overview", numbers={
        "n_entities": int(entity.nunique()), "n_existing": int((status == "existing").sum()),
        "n_potential": int((status == "potential").sum()),
        "n_domains_covered": int((gaps["n_existing"] > 0).sum()), "n_domains": len(gaps),
        "n_domains_uncovered": int((gaps["n_existing"] == 0).sum()),
    }, catalogue=catalogue)]

    staleness = analysis.staleness
    for code, row in gaps.iterrows():
        in_domain = domain == code
        existing_holders = _ids_by_name(entity[in_domain & (status == "existing")], names)
        codes = {"domain": str(code)}
        if row["has_no_existing"]:
            potential_holders = _ids_by_name(entity[in_domain & (status == "potential")], names)
            findings.append(make_finding(
                "coverage_gap", str(code), entities=potential_holders, names=names, codes=codes,
                numbers={"n_potential": int(row["n_potential"]), "is_core": int(bool(row["is_core"]))},
                catalogue=catalogue))
        if row["is_restricted_only"]:
            findings.append(make_finding(
                "restricted_only", str(code), entities=existing_holders, names=names, codes=codes,
                numbers={"n_existing": int(row["n_existing"]), "n_entities": len(existing_holders)},
                catalogue=catalogue))
        if row["has_no_exchange"]:
            findings.append(make_finding(
                "no_exchange", str(code), entities=existing_holders, names=names, codes=codes,
                numbers={"n_existing": int(row["n_existing"]), "n_entities": len(existing_holders)},
                catalogue=catalogue))
        in_staleness = staleness[staleness["domain"] == code]
        stale = in_staleness[in_staleness["freshness"] == "stale"]
        if len(stale):
            holders = _ids_by_name(stale["entity_id"], names)
            findings.append(make_finding(
                "stale_sources", str(code), entities=holders, names=names, codes=codes,
                numbers={"n_stale": len(stale), "n_existing": len(in_staleness),
                         "stale_share": len(stale) / len(in_staleness),
                         "staleness_years": analysis.staleness_years,
                         "reference_year": analysis.reference_year,
                         "oldest_year": int(stale["last_update"].min()), "n_entities": len(holders)},
                catalogue=catalogue))

    unknown = staleness[staleness["freshness"] == "unknown_year"]
    if len(unknown):
        holders = _ids_by_name(unknown["entity_id"], names)
        findings.append(make_finding(
            "unknown_update_year", entities=holders, names=names,
            numbers={"n_unknown": len(unknown), "n_existing": len(staleness),
                     "unknown_share": len(unknown) / len(staleness), "n_entities": len(holders)},
            catalogue=catalogue))
    return findings


# ----------------------------------------------------------------------------- chapter II


def find_network_findings(G: nx.DiGraph, summary: NetworkSummary,
                          dataset: CountryDataset | None = None) -> list[Finding]:
    """Return chapter II's findings: overview, central brokers, producers sharing with nobody,
    users receiving nothing, cut vertices, bridges between groups, silos, the coordinator's
    reach, the share of formal exchanges, the confirmation rate, stages receiving no data.

    Thresholds come from ``settings`` in ``findings.yaml``: a cut vertex gets its own finding when
    it would cut off at least ``min_cut_off`` entities, the others are grouped in one
    ``minor_cut_vertices`` finding; each bridge of ``summary.bridges`` (a tie between two
    groups of at least two entities each, :data:`~mpanalysis.analysis.network.MIN_BRIDGE_SIDE`)
    gets a finding, pendant links (the only tie of a lone entity, whose partner is already a cut
    vertex) none; a community is a silo when
    less than ``max_external_share`` of its flows cross its border. ``dataset`` gives the
    sources table when ``summary`` was computed without it.

    >>> from mpanalysis.analysis.network import summarize_network
    >>> G = nx.DiGraph([("A", "B"), ("B", "C")], country="SEN")
    >>> nx.set_node_attributes(G, {"A": "Alpha", "B": "Bravo", "C": "Charlie"}, "name")
    >>> [f.id for f in find_network_findings(G, summarize_network(G))][1:4]
    ['network.central_broker.B', 'network.minor_cut_vertices', 'network.no_coordinator']
    """
    from mpanalysis.analysis.network import find_silent_producers

    catalogue = load_finding_catalogue()
    overrides = load_name_overrides(G.graph.get("country") or getattr(dataset, "country", None))
    names = {str(v): make_entity_name(d.get("name") or v, d.get("acronym"),
                                      override=overrides.get(str(v)) or overrides.get(str(d.get("name"))))
             for v, d in G.nodes(data=True)}
    if dataset is not None:
        names = {**_entity_names(dataset.entities, dataset.country), **names}
    nodes = summary.nodes

    def make(kind: str, key: str | None = None, **kwargs) -> Finding:
        return make_finding(kind, key, names=names, catalogue=catalogue, **kwargs)

    findings = [make("network_overview", numbers={
        "n_entities": summary.n_nodes, "n_respondents": summary.n_respondents,
        "n_edges": summary.n_edges, "density": summary.density, "n_isolated": summary.n_isolated,
        "n_groups": sum(1 for c in summary.components if len(c) >= 2),
    })]

    settings = catalogue.kinds["central_broker"].settings
    top = int(settings.get("top", 3))
    threshold = float(settings.get("min_betweenness", 0.0))
    ranked = sorted(nodes.index, key=lambda v: (-float(nodes.at[v, "betweenness"]), names.get(v, v)))
    for v in ranked[:top]:
        betweenness = float(nodes.at[v, "betweenness"])
        if betweenness <= 0 or betweenness < threshold:
            break
        findings.append(make("central_broker", v, entities=[v], numbers={
            "betweenness": betweenness, "brokerage": int(nodes.at[v, "brokerage"]),
            "in_degree": int(nodes.at[v, "in_degree"]), "out_degree": int(nodes.at[v, "out_degree"]),
            "is_sampled": int(summary.betweenness_method == "sampled")}))

    silent = summary.silent_producers
    if silent is None and dataset is not None:
        silent = find_silent_producers(G, dataset.sources)
    if silent:
        findings.append(make("silent_producers", entities=silent, numbers={"n_entities": len(silent)}))
    if summary.unreached_users:
        findings.append(make("unreached_users", entities=summary.unreached_users,
                             numbers={"n_entities": len(summary.unreached_users)}))

    min_cut_off = int(catalogue.kinds["cut_vertex"].settings.get("min_cut_off", 1))
    minor = []
    for v in sorted(summary.cut_vertices, key=lambda v: (-summary.cut_vertices[v], names.get(v, v))):
        if summary.cut_vertices[v] < min_cut_off:
            minor.append(v)
            continue
        findings.append(make("cut_vertex", v, entities=[v], numbers={
            "n_cut_off": summary.cut_vertices[v], "degree": int(G.degree(v))}))
    if minor:
        minor = _ids_by_name(minor, names)
        findings.append(make("minor_cut_vertices", entities=minor, numbers={"n_entities": len(minor)}))

    for (u, v), sides in summary.bridges.items():
        findings.append(make("bridge", f"{u}.{v}", entities=[u, v], numbers={
            "small_side": min(sides), "large_side": max(sides)}))

    silo_settings = catalogue.kinds["silo"].settings
    max_external_share = float(silo_settings.get("max_external_share", 1.0))
    silo_members = {frozenset(members) for members in summary.silos}
    for community, row in summary.community_table.iterrows():
        members = str(row["members"]).split()
        if frozenset(members) not in silo_members or row["external_share"] >= max_external_share:
            continue
        by_degree = sorted(members, key=lambda v: (-G.degree(v), names.get(v, v)))
        findings.append(make("silo", by_degree[0], entities=by_degree, numbers={
            "n_members": int(row["n_members"]), "n_internal": int(row["n_internal"]),
            "n_external": int(row["n_external"]), "external_share": float(row["external_share"])}))

    if summary.coordinators:
        if summary.coordinator_reach is not None:
            findings.append(make("coordinator_reach", entities=summary.coordinators, numbers={
                "reach_share": summary.coordinator_reach,
                "out_reach_share": summary.coordinator_out_reach,
                "n_others": summary.n_nodes - len(summary.coordinators)}))
    else:
        findings.append(make("no_coordinator"))

    if summary.n_edges:
        findings.append(make("formal_share", numbers={
            "formal_share": summary.formal_share, "n_formal": summary.n_formal,
            "n_edges": summary.n_edges}))
    if summary.n_confirmable:
        findings.append(make("confirmation_rate", numbers={
            "confirmation_rate": summary.confirmation_rate, "confirmed_share": summary.confirmed_share,
            "n_confirmable": summary.n_confirmable, "n_confirmed": summary.n_confirmed}))

    for stage in summary.stages_without_inflow:
        actors = str(summary.stages.at[stage, "actors"]).split()
        findings.append(make("stage_without_data", stage, entities=actors, codes={"stage": stage},
                             numbers={"n_actors": len(actors)}))
    return findings


# ----------------------------------------------------------------------------- display and storage


def get_named_table_for(finding: object) -> str | None:
    """Return the id of the table that lists the institutions of ``finding`` (from its id's
    chapter prefix: ``network.silo.X`` → chapter II's table).

    >>> from types import SimpleNamespace
    >>> get_named_table_for(SimpleNamespace(id="profile.expressed_need.training"))
    'profile_named_institutions'
    """
    catalogue = load_finding_catalogue()
    chapters = {prefix: chapter for chapter, prefix in catalogue.chapters.items()}
    chapter = chapters.get(str(getattr(finding, "id", "")).split(".")[0])
    return catalogue.get_named_table(chapter) if chapter else None


def list_named_institutions(findings: Iterable[Finding], names: Mapping[str, str], lang: str,
                            *, max_names: int = MAX_NAMES) -> pd.DataFrame:
    """Return the findings whose institutions are too many to name in a sentence, with all their
    names: columns ``finding`` (the finding's label), ``n``, ``institutions`` (names, comma-separated).

    The chapters show it as the table their sentences cite ("les 16 institutions (voir
    Tableau II.4)").

    >>> f = make_finding("silent_producers", entities=list("ABCD"), names={}, numbers={"n_entities": 4})
    >>> list_named_institutions([f], {"A": "Alpha"}, "en").iloc[0].astype(str).tolist()
    ['Hold sources but share nothing', '4', 'Alpha, B, C, D']
    """
    rows = [{"finding": f.label.get(lang) or f.kind, "n": len(f.entities),
             "institutions": ", ".join(str(names.get(e, e)) for e in f.entities)}
            for f in findings if len(f.entities) > max_names]
    return pd.DataFrame(rows, columns=["finding", "n", "institutions"])



def findings_to_frame(findings: Iterable[Finding], lang: str = "fr") -> pd.DataFrame:
    """Return findings as a table for display, most severe first within each chapter.

    Columns: ``id, chapter, kind, severity, severity_label, text, entities, evidence``.

    >>> f = make_finding("no_coordinator")
    >>> findings_to_frame([f], "en").loc[0, ["severity_label", "evidence"]].tolist()
    ['High', 'figure II.1']
    """
    catalogue = load_finding_catalogue()
    rank = {s: n for n, s in enumerate(SEVERITIES)}
    rows = [{
        "id": f.id, "chapter": f.chapter, "kind": f.kind, "severity": f.severity,
        "severity_label": catalogue.severity_labels.get(f.severity, {}).get(lang, f.severity),
        "text": strip_marks(f.get_text(lang), lang), "entities": " ".join(f.entities), "evidence": f.evidence,
    } for f in findings]
    columns = ["id", "chapter", "kind", "severity", "severity_label", "text", "entities", "evidence"]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    order = sorted(range(len(frame)), key=lambda i: (frame.at[i, "chapter"], -rank[frame.at[i, "severity"]]))
    return frame.iloc[order].reset_index(drop=True)


def findings_to_json(findings: Iterable[Finding]) -> str:
    """Return findings as a JSON array (UTF-8 text, accents kept) for saving.

    >>> findings_from_json(findings_to_json([make_finding("no_coordinator")]))[0].kind
    'no_coordinator'
    """
    return json.dumps([f.model_dump(mode="json") for f in findings], ensure_ascii=False, indent=2)


def findings_from_json(text: str, source: str | Path | None = None) -> list[Finding]:
    """Return the findings saved by :func:`findings_to_json`; ``source`` names the file in errors."""
    where = f"{source}: " if source else ""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MpanalysisError(f"{where}not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    if not isinstance(data, list):
        raise MpanalysisError(f"{where}expected a list of findings")
    findings = []
    for position, item in enumerate(data, start=1):
        try:
            findings.append(Finding.model_validate(item))
        except ValidationError as exc:
            error = exc.errors()[0]
            key = ".".join(str(p) for p in error["loc"])
            raise MpanalysisError(f"{where}finding {position}, key '{key}': {error['msg']}") from None
    return findings
