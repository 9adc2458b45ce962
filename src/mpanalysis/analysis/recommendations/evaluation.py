"""Evaluating the rules on a country: which fire, their text and indicator, who leads and with whom."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from mpanalysis.analysis.findings import format_entity_name, get_named_table_for
from mpanalysis.analysis.recommendations.rules import (
    _MEASURE_PLACEHOLDER,
    _PLACEHOLDER,
    _PLURAL,
    CODE_FILTERS,
    CODE_PLACEHOLDERS,
    RULES_FILE,
    SEVERITIES,
    FindingLike,
    Rule,
    Selector,
    _evaluate,
    _Match,
    _rules_error,
    get_finding_codes,
    get_rule_labels,
)
from mpanalysis.params import CountryParams
from mpanalysis.reference import DEFAULT_LANGUAGE, get_labels
from mpanalysis.wording.templates import MAX_NAMES, NameList, format_name_list
from mpanalysis.wording.rules import babel_locale

#: How many institutions of a type a ``partners`` selector names (the best placed).
MAX_PARTNERS = 4

#: Columns of the actors table the lead and partner selectors read (:func:`build_actor_table`).
ACTOR_COLUMNS = ["entity_id", "name", "institution_type", "is_respondent", "is_coordinator", "is_wg_member",
                 "n_existing_sources", "n_exchanges"]


@dataclass(frozen=True)
class Recommendation:
    """A recommendation in one language, with what triggered it and who carries it out.

    ``origin`` is ``rule`` (from the analysis) or ``workshop`` (adopted at the national
    workshop). ``evidence`` lists the keys of the tables and figures the guide cites ("figure
    II.1"); ``finding_ids``, ``entities`` (entity ids) and ``measures`` are what triggered it.
    ``lead`` is the display name of the lead institution (``lead_id`` its entity id when it is
    one), ``partners`` the partners' display names; ``timeframe`` is ``short``, ``medium`` or
    ``long``; ``indicator`` says how to know it was done; ``addresses`` the recurring problems it
    answers. ``merged_ids`` are the rules a workshop recommendation absorbed as duplicates.
    ``number`` is set by :func:`~mpanalysis.analysis.recommendations.number_recommendations`.
    """

    id: str
    category: str
    priority: str
    text: str
    lang: str
    origin: str = "rule"
    finding_ids: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    measures: Mapping[str, float] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    merged_ids: tuple[str, ...] = ()
    order: int = 0
    number: str | None = None
    lead: str = ""
    lead_id: str | None = None
    partners: tuple[str, ...] = ()
    partner_ids: tuple[str, ...] = ()
    timeframe: str = "medium"
    indicator: str = ""
    addresses: tuple[str, ...] = ()
    severity: str = "info"

    @property
    def is_adopted_at_workshop(self) -> bool:
        return self.origin == "workshop"


def build_actor_table(dataset) -> pd.DataFrame:
    """Return the institutions a lead or partner can be chosen from: one row per entity with its
    type, roles, existing sources and reported exchanges (``ACTOR_COLUMNS``).

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> actors = build_actor_table(make_example_dataset())
    >>> actors[["entity_id", "institution_type", "n_existing_sources"]].values.tolist()[:2]
    [['SEN-MINT', 'ministry', 2], ['SEN-ANSD', 'statistics_office', 1]]
    """
    entities = dataset.entities
    sources = dataset.sources
    existing = sources[sources["status"] == "existing"].groupby("entity_id").size() if len(sources) else pd.Series()
    flows = dataset.flows
    exchanges = pd.concat([flows["entity_id"], flows["partner_entity_id"]]).value_counts() if len(flows) else pd.Series()
    frame = pd.DataFrame({
        "entity_id": entities["entity_id"].astype(str),
        "name": [format_entity_name(n, a) for n, a in zip(entities["name"], entities["acronym"])],
        "institution_type": entities["institution_type"].astype("object").where(entities["institution_type"].notna(), None),
        "is_respondent": entities["is_respondent"].astype("boolean").fillna(False).astype(bool),
        "is_coordinator": entities["is_coordinator"].astype("boolean").fillna(False).astype(bool),
        "is_wg_member": entities["is_wg_member"].astype("boolean").fillna(False).astype(bool),
    })
    frame["n_existing_sources"] = frame["entity_id"].map(existing).fillna(0).astype(int)
    frame["n_exchanges"] = frame["entity_id"].map(exchanges).fillna(0).astype(int)
    return frame[ACTOR_COLUMNS].reset_index(drop=True)


def _rank(actors: pd.DataFrame) -> pd.DataFrame:
    # the institution best placed to act first: most existing sources, most exchanges, then by name
    return actors.sort_values(["n_existing_sources", "n_exchanges", "name"], ascending=[False, False, True],
                              kind="stable")


def select_actors(actors: pd.DataFrame, selector: Selector, triggering: Sequence[str] = ()) -> list[str]:
    """Return the entity ids a selector designates, best placed first.

    >>> actors = pd.DataFrame({"entity_id": ["A", "B", "C"], "name": ["Alpha", "Beta", "Gamma"],
    ...     "institution_type": ["ministry", "statistics_office", "statistics_office"],
    ...     "is_respondent": [True, True, True], "is_coordinator": [True, False, False],
    ...     "is_wg_member": [True, True, False], "n_existing_sources": [0, 1, 4], "n_exchanges": [3, 2, 1]})
    >>> select_actors(actors, Selector(types=("statistics_office",)))
    ['C', 'B']
    >>> select_actors(actors, Selector(role="triggering"), ["B", "Z"]), select_actors(actors, Selector(role="coordinator"))
    (['B'], ['A'])
    """
    if actors is None or actors.empty:
        return []
    if selector.role == "coordinator":
        chosen = actors[actors["is_coordinator"]]
    elif selector.role == "working_group":
        chosen = actors[actors["is_wg_member"] | actors["is_coordinator"]]
    elif selector.role == "triggering":
        known = set(actors["entity_id"])
        order = [e for e in dict.fromkeys(triggering) if e in known]
        return order
    else:
        chosen = actors[actors["is_respondent"] & actors["institution_type"].isin(selector.types)]
    return _rank(chosen)["entity_id"].tolist()


def resolve_lead(rule_lead: Sequence[Selector], actors: pd.DataFrame | None, params: CountryParams,
                 lang: str, triggering: Sequence[str] = ()) -> tuple[str, str | None]:
    """Return ``(display name, entity id or None)`` of the lead institution: the first selector
    that designates someone, then the coordinator, the parameters' coordinator, the coordinating
    authority, and last the national working group (never empty).

    >>> resolve_lead((), None, CountryParams(country="SEN"), "en")
    ('National working group on the migration profile', None)
    >>> resolve_lead((), None, CountryParams(country="SEN", coordinator="Direction générale des migrations"), "fr")
    ('Direction générale des migrations', None)
    """
    names = dict(zip(actors["entity_id"], actors["name"])) if actors is not None and not actors.empty else {}
    for selector in (*rule_lead, Selector(role="coordinator")):
        found = select_actors(actors, selector, triggering) if actors is not None else []
        if found:
            return names[found[0]], found[0]
    for text in (params.coordinator, params.endorsement.authority):
        if text and text.strip():
            return text.strip(), None
    return get_rule_labels("fallback", lang)["lead"], None


def resolve_partners(rule_partners: Sequence[Selector], actors: pd.DataFrame | None, lead_id: str | None,
                     triggering: Sequence[str] = (), *, limit: int = MAX_PARTNERS
                     ) -> tuple[list[str], list[str]]:
    """Return the partners' ``(display names, entity ids)``, the lead left out, in selector order.

    A selector of institution types contributes its ``limit`` best-placed institutions (most
    existing sources, then most exchanges): a recommendation names the partners who matter, not
    every ministry. The institutions the triggering findings name are all partners.
    """
    if actors is None or actors.empty:
        return [], []
    names = dict(zip(actors["entity_id"], actors["name"]))
    ids: list[str] = []
    for selector in rule_partners:
        found = [e for e in select_actors(actors, selector, triggering) if e != lead_id and e not in ids]
        ids += found if selector.role == "triggering" else found[:limit]
    return [names[e] for e in ids], ids


# --------------------------------------------------------------------------------------------
# Texts


def _is_share(name: str) -> bool:
    return name.endswith(("_share", "_rate")) or name.rsplit(".", 1)[-1] in {"share", "prevalence", "rate"} \
        or name.rsplit(".", 1)[-1].startswith("share_")


def fill_rule_text(rule: Rule, template: str, lang: str, match: _Match, names: Mapping[str, str],
                   file: str = RULES_FILE, measures: Mapping[str, float] | None = None) -> str:
    """Fill a rule's text or indicator with what triggered it and the country's ``measures``
    (placeholders: see the rules file; a measure the country lacks reads "not measured").

    >>> from mpanalysis.analysis.recommendations.rules import parse_rules
    >>> rule = parse_rules({"rules": [{"id": "r", "category": "cooperation", "priority": "high",
    ...     "timeframe": "short", "when": {"measure": "network.formal_share", "below": 0.5},
    ...     "text": {"fr": "Formaliser.", "en": "Formalise."},
    ...     "indicator": {"fr": "Part formelle : {measure:network.formal_share}.", "en": "x"}}]}, languages=("fr", "en"))[0]
    >>> fill_rule_text(rule, rule.indicator["fr"], "fr", _Match(), {}, measures={"network.formal_share": 0.11})
    'Part formelle : 11\xa0%.'
    """
    measures = measures or {}
    entity_ids = list(dict.fromkeys(e for f in match.findings for e in f.entities))

    def share_value() -> float | None:
        for value in match.measures.values():
            return value
        for finding in match.findings:
            for name, value in finding.numbers.items():
                if _is_share(name) and value is not None:
                    return float(value)
        return None

    def replace_one(m: re.Match) -> str:
        name = m.group(1)
        measure = _MEASURE_PLACEHOLDER.fullmatch(name)
        if measure:
            value = measures.get(measure.group(1))
            if value is None or value != value:
                return get_rule_labels("fallback", lang)["unmeasured"]
            if _is_share(measure.group(1)):
                return format_percent(value, locale=babel_locale(lang))
            return format_decimal(round(value, 2), locale=babel_locale(lang))
        if name == "entities":
            if not entity_ids:
                return get_rule_labels("fallback", lang)["entities"]
            # the findings' wording: at most three names, else how many and the table listing them
            table = next((get_named_table_for(f) for f in match.findings if len(f.entities) > MAX_NAMES), None)
            return format_name_list(NameList([names.get(e, e) for e in entity_ids], table=table), lang)
        if name == "n_entities":
            return format_decimal(len(entity_ids), locale=babel_locale(lang))
        if name in CODE_PLACEHOLDERS:
            key = CODE_PLACEHOLDERS[name]
            labels = get_labels(CODE_FILTERS[key], lang)
            codes = list(dict.fromkeys(c for f in match.findings for c in get_finding_codes(f, key)))
            return format_list([labels.get(c, c) for c in codes], locale=babel_locale(lang)) if codes else ""
        if name == "share":
            value = share_value()
            if value is None:
                raise _rules_error(Path(file), rule.id, "{share} is used but neither a measure nor a "
                                   "finding with a share or rate triggered the rule")
            return format_percent(value, locale=babel_locale(lang))
        if name == "value":
            if not match.measures:
                raise _rules_error(Path(file), rule.id, "{value} is used but no measure triggered the rule")
            return format_decimal(round(next(iter(match.measures.values())), 2), locale=babel_locale(lang))
        return m.group(0)

    def choose_form(m: re.Match) -> str:
        # With no institution named, the text says "the institutions concerned": plural.
        count = len(entity_ids) or 2
        return m.group(2) if Locale.parse(babel_locale(lang)).plural_form(count) == "one" else m.group(3)

    return _PLACEHOLDER.sub(replace_one, _PLURAL.sub(choose_form, template))


def _in_language(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()))


def evaluate_rules(rules: Sequence[Rule], findings: Sequence[FindingLike], measures: Mapping[str, float],
                   lang: str = DEFAULT_LANGUAGE, *, names: Mapping[str, str] | None = None,
                   actors: pd.DataFrame | None = None, params: CountryParams | None = None,
                   rules_file: str = RULES_FILE) -> list[Recommendation]:
    """Return one recommendation per rule whose condition holds, in rule order.

    ``names`` maps entity ids to the names shown in ``{entities}`` (ids are shown otherwise);
    ``actors`` (:func:`build_actor_table`) is where leads and partners are chosen. Evidence is the
    triggering findings' keys, in order, then the rule's own ``evidence``.

    >>> from types import SimpleNamespace as F
    >>> from mpanalysis.analysis.recommendations.rules import parse_rules
    >>> rules = parse_rules({"rules": [{"id": "r1", "category": "crisis_information", "priority": "high",
    ...     "timeframe": "medium", "when": {"finding_kind": "coverage_gap", "domain": "crisis"},
    ...     "text": {"fr": "Collecter des données sur « {domains} ».", "en": "Collect data on {domains}."},
    ...     "indicator": {"fr": "Une source existante.", "en": "An existing source."}}]}, languages=("fr", "en"))
    >>> gap = F(id="sources.coverage_gap.crisis", kind="coverage_gap", severity="high", entities=[],
    ...         numbers={}, evidence="table I.2", codes={"domain": "crisis"})
    >>> [(r.id, r.text, r.evidence, r.lead) for r in evaluate_rules(rules, [gap], {}, "en")]
    [('r1', 'Collect data on Migration in crisis situations.', ('table I.2',), 'National working group on the migration profile')]
    >>> evaluate_rules(rules, [], {}, "en")
    []
    """
    names = names or {}
    params = params or CountryParams(country="SEN")
    recommendations = []
    for rule in rules:
        match = _evaluate(rule.condition, findings, measures)
        if match is None:
            continue
        evidence = list(dict.fromkeys(f.evidence for f in match.findings if f.evidence))
        if rule.evidence and rule.evidence not in evidence:
            evidence.append(rule.evidence)
        triggering = list(dict.fromkeys(e for f in match.findings for e in f.entities))
        lead, lead_id = resolve_lead(rule.lead, actors, params, lang, triggering)
        partners, partner_ids = resolve_partners(rule.partners, actors, lead_id, triggering)
        severities = [f.severity for f in match.findings if f.severity in SEVERITIES]
        recommendations.append(Recommendation(
            id=rule.id, category=rule.category, priority=rule.priority,
            text=fill_rule_text(rule, _in_language(rule.text, lang), lang, match, names, rules_file, measures),
            lang=lang, origin="rule",
            finding_ids=tuple(dict.fromkeys(f.id for f in match.findings)),
            entities=tuple(triggering), measures=dict(match.measures), evidence=tuple(evidence),
            order=rule.order, lead=lead, lead_id=lead_id, partners=tuple(partners),
            partner_ids=tuple(partner_ids), timeframe=rule.timeframe,
            indicator=fill_rule_text(rule, _in_language(rule.indicator, lang), lang, match, names, rules_file,
                                     measures),
            addresses=rule.addresses,
            severity=max(severities, key=SEVERITIES.index) if severities else "medium"))
    return recommendations
