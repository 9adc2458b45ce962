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
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import networkx as nx
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mpanalysis.errors import MpanalysisError, ReferenceDataError
from mpanalysis.paths import reference_dir
from mpanalysis.reference import get_label, read_reference_yaml

if TYPE_CHECKING:
    from mpanalysis.analysis.network import NetworkSummary
    from mpanalysis.analysis.sources import SourcesAnalysis
    from mpanalysis.ingest.dataset import CountryDataset
    from mpanalysis.params import CountryParams

Severity = Literal["info", "low", "medium", "high"]

#: Severity levels from the mildest to the most serious.
SEVERITIES: tuple[str, ...] = ("info", "low", "medium", "high")

# {n|one form|other form}: a form may itself hold simple placeholders such as {n} or {domain}.
_FORM = r"(?:[^{}|]|\{\w+\})*"
_PLURAL = re.compile(r"\{(\w+)\|(" + _FORM + r")\|(" + _FORM + r")\}")
# {name}; anything else between braces ({ref:id}, {num:id}) is left for the guide's renderers.
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


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


class FindingCatalogue(_Model):
    """The whole ``findings.yaml``: kinds plus the shared wording (severity labels, "N others")."""

    chapters: dict[str, str]
    code_lists: dict[str, str]
    max_names: int = Field(ge=1)
    more_names: dict[str, str]
    severity_labels: dict[Severity, dict[str, str]]
    kinds: dict[str, FindingKind]

    @model_validator(mode="after")
    def _same_languages(self) -> FindingCatalogue:
        languages = set(self.more_names)
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

    @property
    def languages(self) -> list[str]:
        return sorted(self.more_names)


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
    ('II', ['en', 'fr'])
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


def format_number(key: str, value: int | float, lang: str, percent: Iterable[str] = ()) -> str:
    """Return a number as ``lang`` writes it; the key's name says what kind of number it is.

    >>> format_number("formal_share", 0.42, "fr"), format_number("formal_share", 0.42, "en")
    ('42\\xa0%', '42%')
    >>> format_number("n_edges", 1234, "fr"), format_number("reference_year", 2024, "en")
    ('1\\u202f234', '2024')
    """
    from babel.numbers import format_decimal, format_percent

    if key in set(percent) or key.endswith(("_share", "_rate")):
        return format_percent(value, locale=lang)
    if key.endswith("year"):
        return str(int(value))
    if isinstance(value, int) or float(value).is_integer():
        return format_decimal(int(value), locale=lang)
    return format_decimal(value, format="#,##0.##", locale=lang)


def format_names(names: list[str], lang: str, catalogue: FindingCatalogue | None = None) -> str:
    """Return names as a list in ``lang``, cut after the catalogue's ``max_names``.

    >>> format_names(["A", "B", "C"], "fr"), format_names(["A", "B", "C"], "en")
    ('A, B et C', 'A, B, and C')
    >>> format_names([f"N{i}" for i in range(8)], "en")
    'N0, N1, N2, N3, N4, and 3 others'
    >>> format_names([f"N{i}" for i in range(6)], "en"), format_names([f"N{i}" for i in range(6)], "fr")
    ('N0, N1, N2, N3, N4, and 1 other', 'N0, N1, N2, N3, N4 et 1 autre')
    """
    from babel.lists import format_list

    catalogue = catalogue or load_finding_catalogue()
    if not names:
        return ""
    shown = list(names[:catalogue.max_names])
    if len(names) > catalogue.max_names:
        more = catalogue.more_names.get(lang) or catalogue.more_names.get("fr") or "+{n}"
        shown.append(fill_template(more, lang, {"n": len(names) - catalogue.max_names},
                                   where="findings.yaml, key 'more_names'"))
    return format_list(shown, locale=lang)


def format_entity_name(name: object, acronym: object = None) -> str:
    """Return how a sentence names an entity: "name (ACRONYM)", or the name alone when the
    acronym is already one of its words (case aside).

    >>> format_entity_name("Agence nationale de la statistique", "ANSD")
    'Agence nationale de la statistique (ANSD)'
    >>> format_entity_name("ANSD", "ANSD"), format_entity_name("Direction (DGPN)", "dgpn")
    ('ANSD', 'Direction (DGPN)')

    An acronym hidden inside a longer word is not a mention of it:

    >>> format_entity_name("Institut national de la statistique", "INS")
    'Institut national de la statistique (INS)'
    >>> format_entity_name("Ministère de l'Intérieur", "MI")
    "Ministère de l'Intérieur (MI)"
    """
    name = "" if name is None or pd.isna(name) else str(name)
    acronym = "" if acronym is None or pd.isna(acronym) else str(acronym)
    if acronym and not _has_word(name, acronym):
        return f"{name} ({acronym})" if name else acronym
    return name or acronym


def _has_word(text: str, word: str) -> bool:
    """True when ``word`` appears in ``text`` as a whole word (not inside a longer one), case aside."""
    pattern = r"(?<!\w)" + re.escape(word.casefold()) + r"(?!\w)"
    return re.search(pattern, text.casefold()) is not None


def choose_word_forms(template: str, numbers: Mapping[str, object], lang: str, *,
                      where: str = "text") -> str:
    """Replace every ``{n|one form|other form}`` by the form agreeing with the number ``n``.

    The language's CLDR plural rules decide: French treats 0 and 1 as singular, English only 1.
    A form may hold placeholders (``{n}``, ``{domain}``); they are left for :func:`fill_template`.

    >>> choose_word_forms("{n} {n|autre|autres}", {"n": 1}, "fr"), choose_word_forms("{n|other|others}", {"n": 3}, "en")
    ('{n} autre', 'others')
    >>> choose_word_forms("{n|source|sources}", {}, "en", where="figures.yaml, key 'alt'")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: figures.yaml, key 'alt': chooses a word form on {n} but no number n was given
    """
    from babel import Locale

    plural_form = Locale.parse(lang).plural_form

    def choose(match: re.Match) -> str:
        value = numbers.get(match.group(1))
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ReferenceDataError(f"{where}: chooses a word form on {{{match.group(1)}}} "
                                     f"but no number {match.group(1)} was given")
        return match.group(2) if plural_form(abs(value)) == "one" else match.group(3)

    return _PLURAL.sub(choose, template)


def fill_template(template: str, lang: str, values: Mapping[str, object], *, where: str = "text",
                  format_value: Callable[[str, float, str], str] | None = None) -> str:
    """Fill a text of the reference data: word forms, numbers written the language's way, texts.

    ``{n|one|other}`` agrees with the number ``n`` (:func:`choose_word_forms`); a number is
    written by ``format_value(name, value, lang)`` (default :func:`format_number`, which reads the
    name: ``…_share`` is a percentage, ``…year`` a plain year); any other value is inserted as
    text and never parsed again. Braces that are not a ``{name}`` placeholder — ``{ref:id}``,
    ``{num:id}`` — stay for the guide's renderers. A placeholder without a value is an error
    naming ``where``.

    >>> fill_template("{n} {n|source|sources} in {domain} ({ref:t1}), {open_share} open.", "en",
    ...               {"n": 1234, "domain": "{ref:x}", "open_share": 0.5})
    '1,234 sources in {ref:x} ({ref:t1}), 50% open.'
    >>> import numpy as np
    >>> fill_template("{n} {n|autre|autres}", "fr", {"n": 1}), fill_template("{n} {n|autre|autres}", "fr", {"n": np.int64(3)})
    ('1 autre', '3 autres')
    >>> fill_template("{names}", "en", {}, where="sources.yaml, text 'gaps'")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: sources.yaml, text 'gaps': needs a value for {names}
    """
    format_value = format_value or format_number
    # numpy counts (a DataFrame's sums) are numbers too
    values = {name: value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value
              for name, value in values.items()}
    text = choose_word_forms(template, values, lang, where=where)

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise ReferenceDataError(f"{where}: needs a value for {{{name}}}")
        value = values[name]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return format_value(name, value, lang)
        return str(value)

    return _PLACEHOLDER.sub(fill, text)


def render_sentence(template: str, lang: str, *, numbers: dict[str, int | float] | None = None,
                    codes: dict[str, str] | None = None, names: list[str] | None = None,
                    percent: Iterable[str] = (), catalogue: FindingCatalogue | None = None,
                    where: str = "findings.yaml") -> str:
    """Fill a sentence template of ``findings.yaml`` in one language.

    >>> render_sentence("{n} {n|source|sources} on “{domain}”: {names}.", "en",
    ...                 numbers={"n": 2}, codes={"domain": "crisis"}, names=["A", "B"])
    '2 sources on “Migration in crisis situations”: A and B.'
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
    names = names or []
    context["names"] = format_names(names, lang, catalogue)
    context["name"] = names[0] if names else ""
    return fill_template(template, lang, context, where=where,
                         format_value=lambda key, value, lang: format_number(key, value, lang, percent))


def make_finding(kind: str, key: str | None = None, *, entities: Iterable[str] = (),
                 names: dict[str, str] | None = None, numbers: dict[str, int | float] | None = None,
                 codes: dict[str, str] | None = None,
                 catalogue: FindingCatalogue | None = None) -> Finding:
    """Return a finding of ``kind``: id, severity and sentences in every language of the catalogue.

    ``key`` completes the id (``network.cut_vertex.<key>``); ``names`` maps entity ids to the
    names the sentences use.

    >>> f = make_finding("cut_vertex", "SEN-B", entities=["SEN-B"], names={"SEN-B": "Bureau"},
    ...                  numbers={"n_cut_off": 1})
    >>> f.id, f.severity
    ('network.cut_vertex.SEN-B', 'medium')
    >>> f.text["en"]
    'Bureau is a single point of failure: without it, 1 institution would be cut off from the rest of the network.'
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
                                     where=f"findings.yaml, key 'kinds.{kind}.text.{lang}'")
    prefix = catalogue.chapters[spec.chapter]
    return Finding(
        id=".".join(p for p in (prefix, kind, key) if p),
        kind=kind, severity=rate_severity(spec, numbers), chapter=spec.chapter,
        entities=entities, numbers=numbers, codes=dict(codes or {}), text=text,
        evidence=spec.evidence,
    )


# ----------------------------------------------------------------------------- chapter I


def _entity_names(entities: pd.DataFrame) -> dict[str, str]:
    return {str(row["entity_id"]): format_entity_name(row.get("name"), row.get("acronym"))
            for row in entities.to_dict("records") if row.get("entity_id") is not None}


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
    names = _entity_names(dataset.entities)
    sources = dataset.sources
    status = sources["status"].astype(object)
    domain = sources["domain"].astype(object)
    entity = sources["entity_id"].astype(object)
    gaps = analysis.gaps
    findings = [make_finding("sources_overview", numbers={
        "n_entities": int(entity.nunique()), "n_existing": int((status == "existing").sum()),
        "n_potential": int((status == "potential").sum()),
        "n_domains_covered": int((gaps["n_existing"] > 0).sum()), "n_domains": len(gaps),
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
    ``minor_cut_vertices`` finding; a bridge is reported only when each side holds at least two
    entities (the link to a lone entity is already a cut vertex); a community is a silo when
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
    names = {str(v): format_entity_name(d.get("name") or v, d.get("acronym")) for v, d in G.nodes(data=True)}
    if dataset is not None:
        names = {**_entity_names(dataset.entities), **names}
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
        if min(sides) >= 2:
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
        "text": f.get_text(lang), "entities": " ".join(f.entities), "evidence": f.evidence,
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
