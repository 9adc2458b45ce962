"""The recommendation rules: their closed condition language, their fields, and their validation.

A rule (``data/reference/recommendation_rules.yaml``) says when to recommend what, who should lead
it, with whom, in what time frame, and how to know it was done:

- ``id``, ``category`` (``recommendation_categories.csv``), ``priority`` (high, medium, low) and
  ``timeframe`` (short: within a year; medium: one to three years; long: beyond);
- ``when``: a condition (see below); ``text`` and ``indicator``: one sentence per language;
- ``lead``: who leads, as a list of selectors tried in order; ``partners``: selectors whose
  institutions are all partners. Selectors: ``coordinator`` (the coordinating institution),
  ``working_group`` (its members), ``triggering`` (the institutions the triggering findings
  name), ``{type: statistics_office}`` / ``{type: [police_border, …]}`` (respondents of those
  types, the one holding most existing sources first). The lead always resolves: after the
  selectors come the coordinator, the parameters' coordinator, the coordinating authority and,
  last, the national working group;
- ``addresses``: which of the five recurring problems of migration profiles the recommendation
  answers (``understanding``, ``dissemination``, ``ownership``, ``update``, ``use``: the challenge
  codes of ``challenges.csv``), so that every problem the answers show gets a recommendation.

Conditions are a small closed language — nothing in the file is ever executed:

- ``{finding_kind: cut_vertex}``: some finding of that kind (or of one of a list of kinds);
  filters narrow it: ``domain: crisis`` / ``domain: [trends, development]`` (also ``stage``,
  ``challenge``, ``need``), ``domain_not: [crisis]``, ``min_severity: medium``;
- ``{measure: network.formal_share, below: 0.3}``: a measure compared with ``below``,
  ``at_most``, ``above`` or ``at_least`` (a missing measure never fires);
- ``{any: [...]}``, ``{all: [...]}``, ``{not: {...}}``.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from mpanalysis.errors import ReferenceDataError
from mpanalysis.paths import reference_dir
from mpanalysis.reference import DEFAULT_LANGUAGE, get_codes, get_languages, load_reference

RULES_FILE = "recommendation_rules.yaml"
CATEGORY_LIST = "recommendation_categories"
PRIORITIES = ("high", "medium", "low")
SEVERITIES = ("info", "low", "medium", "high")
ORIGINS = ("workshop", "rule")
TIMEFRAMES = ("short", "medium", "long")
#: The five recurring problems of migration profiles (challenge codes of ``challenges.csv``).
PROBLEMS = ("understanding", "dissemination", "ownership", "update", "use")
#: Selectors of a rule's ``lead`` and ``partners``.
SELECTOR_NAMES = ("coordinator", "working_group", "triggering")

#: Finding filters a condition may use, and the reference list that labels their codes.
CODE_FILTERS = {"domain": "domains", "stage": "policy_stages", "challenge": "challenges",
                "need": "needs"}
#: Placeholder name in the text → the filter whose codes it lists.
CODE_PLACEHOLDERS = {"domains": "domain", "stages": "stage", "challenges": "challenge",
                     "needs": "need"}
PLACEHOLDERS = {"entities", "n_entities", "share", "value", *CODE_PLACEHOLDERS}
COMPARATORS = {"below": lambda v, t: v < t, "at_most": lambda v, t: v <= t,
               "above": lambda v, t: v > t, "at_least": lambda v, t: v >= t}

#: Two texts of the same category at least this similar (rapidfuzz token_sort_ratio, 0–100, on
#: the words of 4 letters or more, case and accents folded) say the same thing: the workshop's
#: wording is kept. Measured on the demo: a reworded duplicate scores 65–68, the closest distinct
#: recommendation 59. Paraphrases with other words are not caught; two distinct recommendations
#: are never merged.
DUPLICATE_THRESHOLD = 65.0

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
#: {measure:network.formal_share}: a measure of the country, as a percentage when it is a share.
_MEASURE_PLACEHOLDER = re.compile(r"measure:([a-z0-9_.]+)")
#: {n_entities|one form|other form}: the form agreeing with the number of institutions listed.
_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")


class FindingLike(Protocol):
    """What the rules read from a finding (see :mod:`mpanalysis.analysis.findings`)."""

    id: str
    kind: str
    severity: str
    entities: Sequence[str]
    numbers: Mapping[str, float]
    evidence: str


# --------------------------------------------------------------------------------------------
# Conditions


@dataclass(frozen=True)
class FindingCondition:
    """True when at least one finding has one of ``kinds`` and passes every filter."""

    kinds: tuple[str, ...]
    codes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    excluded: tuple[tuple[str, tuple[str, ...]], ...] = ()
    min_severity: str | None = None

    def select(self, findings: Sequence[FindingLike]) -> list[FindingLike]:
        selected = []
        for finding in findings:
            if finding.kind not in self.kinds:
                continue
            if self.min_severity and SEVERITIES.index(finding.severity) < SEVERITIES.index(self.min_severity):
                continue
            if any(not set(get_finding_codes(finding, key)) & set(values) for key, values in self.codes):
                continue
            if any(set(get_finding_codes(finding, key)) & set(values) for key, values in self.excluded):
                continue
            selected.append(finding)
        return selected


@dataclass(frozen=True)
class MeasureCondition:
    """True when the measure exists and passes its comparison."""

    measure: str
    comparator: str
    threshold: float


@dataclass(frozen=True)
class Combination:
    """``any`` / ``all`` of several conditions, or ``not`` of one."""

    operator: str
    items: tuple[Any, ...]


Condition = FindingCondition | MeasureCondition | Combination


@dataclass
class _Match:
    findings: list = field(default_factory=list)
    measures: dict[str, float] = field(default_factory=dict)


def _evaluate(condition: Condition, findings: Sequence[FindingLike],
              measures: Mapping[str, float]) -> _Match | None:
    """Return what made the condition true, or None when it is false."""
    if isinstance(condition, FindingCondition):
        selected = condition.select(findings)
        return _Match(findings=selected) if selected else None
    if isinstance(condition, MeasureCondition):
        value = measures.get(condition.measure)
        if value is None or value != value:
            return None
        return (_Match(measures={condition.measure: float(value)})
                if COMPARATORS[condition.comparator](float(value), condition.threshold) else None)
    if condition.operator == "not":
        return _Match() if _evaluate(condition.items[0], findings, measures) is None else None
    results = [_evaluate(item, findings, measures) for item in condition.items]
    if condition.operator == "all" and any(r is None for r in results):
        return None
    true_results = [r for r in results if r is not None]
    if not true_results:
        return None
    merged = _Match()
    for result in true_results:
        merged.findings += [f for f in result.findings if all(f is not g for g in merged.findings)]
        merged.measures.update(result.measures)
    return merged


def get_finding_codes(finding: object, key: str) -> tuple[str, ...]:
    """Return the codes of one kind (``domain``, ``stage``, ``challenge``, ``need``) a finding is about.

    Read from the finding's ``codes`` mapping (``{"domain": "crisis"}``), else from an attribute
    of that name, else from its ``code`` when the id names the key (``sources.coverage_gap.crisis``).

    >>> from types import SimpleNamespace as F
    >>> get_finding_codes(F(id="x", codes={"domain": "crisis"}), "domain")
    ('crisis',)
    >>> get_finding_codes(F(id="x", domain=["trends", "crisis"]), "domain")
    ('trends', 'crisis')
    >>> get_finding_codes(F(id="x"), "stage")
    ()
    """
    codes = getattr(finding, "codes", None)
    value = codes.get(key) if isinstance(codes, Mapping) else None
    if value is None:
        value = getattr(finding, key, None)
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    return tuple(str(v) for v in value)


# --------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Selector:
    """Who a rule's ``lead`` or ``partners`` designates: a named role, or respondents of some types.

    >>> parse_selector("coordinator"), parse_selector({"type": "statistics_office"}).types
    (Selector(role='coordinator', types=()), ('statistics_office',))
    """

    role: str | None = None
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    """One recommendation rule, validated. ``order`` is its position in the rules file."""

    id: str
    category: str
    priority: str
    condition: Condition
    text: Mapping[str, str]
    evidence: str | None = None
    order: int = 0
    timeframe: str = "medium"
    indicator: Mapping[str, str] = field(default_factory=dict)
    lead: tuple[Selector, ...] = ()
    partners: tuple[Selector, ...] = ()
    addresses: tuple[str, ...] = ()


def _rules_error(file: Path, rule_id: object, message: str) -> ReferenceDataError:
    where = f"{file}, rule '{rule_id}'" if rule_id is not None else str(file)
    return ReferenceDataError(f"{where}: {message}")


def _as_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


def parse_selector(data: object) -> Selector:
    """Parse one selector of ``lead`` / ``partners``; raise ``ValueError`` saying what is wrong.

    >>> parse_selector({"type": ["police_border", "judiciary"]}).types
    ('police_border', 'judiciary')
    >>> parse_selector("chief")
    Traceback (most recent call last):
    ...
    ValueError: unknown selector 'chief' (use coordinator, working_group, triggering or {type: <institution type>})
    """
    if isinstance(data, str):
        if data not in SELECTOR_NAMES:
            raise ValueError(f"unknown selector '{data}' (use {', '.join(SELECTOR_NAMES)} or {{type: <institution type>}})")
        return Selector(role=data)
    if isinstance(data, Mapping) and set(data) == {"type"}:
        types = _as_tuple(data["type"])
        allowed = get_codes("institution_types")
        unknown = [t for t in types if t not in allowed]
        if unknown:
            raise ValueError(f"institution type '{unknown[0]}' is not one of {allowed}")
        return Selector(types=types)
    raise ValueError(f"a selector is one of {', '.join(SELECTOR_NAMES)} or {{type: <institution type>}}, got {data!r}")


def _parse_selectors(value: object) -> tuple[Selector, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(parse_selector(item) for item in items)


def parse_condition(data: object) -> Condition:
    """Parse and check one condition mapping; raise ``ValueError`` saying what is wrong.

    >>> parse_condition({"measure": "profile.share_aware", "below": 0.5})
    MeasureCondition(measure='profile.share_aware', comparator='below', threshold=0.5)
    >>> parse_condition({"finding_kind": "coverage_gap", "domain": "crisis"}).codes
    (('domain', ('crisis',)),)
    >>> parse_condition({"finding_kind": "silo", "colour": "red"})
    Traceback (most recent call last):
    ...
    ValueError: unknown key 'colour' in a finding condition (allowed: challenge, challenge_not, domain, domain_not, finding_kind, min_severity, need, need_not, stage, stage_not)
    """
    if not isinstance(data, Mapping) or not data:
        raise ValueError(f"a condition must be a non-empty mapping, got {data!r}")
    keys = set(data)
    for operator in ("any", "all"):
        if operator in keys:
            if keys != {operator}:
                raise ValueError(f"'{operator}' must be alone in its condition, got {sorted(keys)}")
            items = data[operator]
            if not isinstance(items, list) or not items:
                raise ValueError(f"'{operator}' needs a non-empty list of conditions")
            return Combination(operator, tuple(parse_condition(item) for item in items))
    if "not" in keys:
        if keys != {"not"}:
            raise ValueError(f"'not' must be alone in its condition, got {sorted(keys)}")
        return Combination("not", (parse_condition(data["not"]),))
    if "measure" in keys:
        comparators = keys & set(COMPARATORS)
        if len(comparators) != 1 or keys - comparators != {"measure"}:
            raise ValueError("a measure condition is {measure: name, <one of "
                             f"{sorted(COMPARATORS)}>: number}}, got {sorted(keys)}")
        comparator = comparators.pop()
        threshold = data[comparator]
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
            raise ValueError(f"'{comparator}' needs a number, got {threshold!r}")
        return MeasureCondition(str(data["measure"]), comparator, float(threshold))
    if "finding_kind" in keys:
        allowed = {"finding_kind", "min_severity", *CODE_FILTERS, *(f"{k}_not" for k in CODE_FILTERS)}
        unknown = sorted(keys - allowed)
        if unknown:
            raise ValueError(f"unknown key '{unknown[0]}' in a finding condition (allowed: "
                             f"{', '.join(sorted(allowed))})")
        severity = data.get("min_severity")
        if severity is not None and severity not in SEVERITIES:
            raise ValueError(f"min_severity '{severity}' is not one of {list(SEVERITIES)}")
        codes = tuple((k, _as_tuple(data[k])) for k in CODE_FILTERS if k in data)
        excluded = tuple((k, _as_tuple(data[f"{k}_not"])) for k in CODE_FILTERS if f"{k}_not" in data)
        return FindingCondition(_as_tuple(data["finding_kind"]), codes, excluded, severity)
    raise ValueError(f"a condition needs 'finding_kind', 'measure', 'any', 'all' or 'not', got {sorted(keys)}")


def _check_text(text: str) -> None:
    for name, _, _ in _PLURAL.findall(text):
        if name != "n_entities":
            raise ValueError(f"only {{n_entities|…|…}} chooses a word form, not {{{name}|…}}")
    text = _PLURAL.sub("", text)
    for name in _PLACEHOLDER.findall(text):
        if _MEASURE_PLACEHOLDER.fullmatch(name):
            continue
        if name not in PLACEHOLDERS:
            raise ValueError(f"unknown placeholder {{{name}}} (allowed: {', '.join(sorted(PLACEHOLDERS))})")
    if _PLACEHOLDER.sub("", text).count("{") or _PLACEHOLDER.sub("", text).count("}"):
        raise ValueError("unbalanced braces")


def get_category_codes() -> list[str]:
    """Return the five recommendation categories in the guide's order.

    >>> get_category_codes()
    ['cooperation', 'training_hr', 'collection', 'border_information', 'crisis_information']
    """
    frame = load_reference(CATEGORY_LIST).sort_values("order", kind="stable")
    return frame["code"].tolist()


def parse_rules(data: object, file: str | Path = "<rules>", languages: Iterable[str] | None = None) -> list[Rule]:
    """Validate the content of a rules file; errors name the file and the rule id. Every rule
    needs a text and an indicator in each of ``languages`` (default: every language translated).

    >>> rule = {"id": "r1", "category": "cooperation", "priority": "high", "timeframe": "short",
    ...         "when": {"finding_kind": "silo"}, "lead": "coordinator", "partners": "triggering",
    ...         "text": {"fr": "Relier les groupes.", "en": "Link the groups."},
    ...         "indicator": {"fr": "Aucun groupe isolé.", "en": "No isolated group."}}
    >>> parse_rules({"rules": [rule]}, languages=("fr", "en"))[0].lead
    (Selector(role='coordinator', types=()),)
    >>> parse_rules({"rules": [{**rule, "id": "r2", "timeframe": "soon"}]}, "rules.yaml", ("fr", "en"))
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: rules.yaml, rule 'r2': timeframe 'soon' is not one of ['short', 'medium', 'long']
    >>> parse_rules({"rules": [{**rule, "id": "r3", "category": "weather"}]}, "rules.yaml", ("fr", "en"))
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: rules.yaml, rule 'r3': category 'weather' is not one of ['cooperation', 'training_hr', 'collection', 'border_information', 'crisis_information']
    """
    file = Path(file)
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise _rules_error(file, None, "expected a mapping with a list under 'rules'")
    categories = get_category_codes()
    languages = list(languages) if languages is not None else get_languages()
    allowed_keys = {"id", "category", "priority", "when", "text", "evidence", "timeframe", "indicator",
                    "lead", "partners", "addresses"}
    rules: list[Rule] = []
    seen: set[str] = set()
    for order, item in enumerate(data["rules"]):
        if not isinstance(item, Mapping):
            raise _rules_error(file, f"#{order + 1}", "a rule must be a mapping")
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z][a-z0-9_.]*", rule_id):
            raise _rules_error(file, rule_id if rule_id else f"#{order + 1}",
                               "needs an 'id' of lower-case letters, digits, '_' or '.'")
        if rule_id in seen:
            raise _rules_error(file, rule_id, "duplicated id")
        seen.add(rule_id)
        unknown = sorted(set(item) - allowed_keys)
        if unknown:
            raise _rules_error(file, rule_id, f"unknown key '{unknown[0]}' (allowed: {', '.join(sorted(allowed_keys))})")
        if item.get("category") not in categories:
            raise _rules_error(file, rule_id, f"category '{item.get('category')}' is not one of {categories}")
        if item.get("priority") not in PRIORITIES:
            raise _rules_error(file, rule_id, f"priority '{item.get('priority')}' is not one of {list(PRIORITIES)}")
        if "when" not in item:
            raise _rules_error(file, rule_id, "needs a condition under 'when'")
        try:
            condition = parse_condition(item["when"])
        except ValueError as exc:
            raise _rules_error(file, rule_id, f"condition: {exc}") from None
        text = item.get("text")
        if not isinstance(text, Mapping):
            raise _rules_error(file, rule_id, f"needs a 'text' with {languages}")
        for lang in languages:
            if not isinstance(text.get(lang), str) or not text[lang].strip():
                raise _rules_error(file, rule_id, f"text has no '{lang}' version")
        for lang, value in text.items():
            try:
                _check_text(str(value))
            except ValueError as exc:
                raise _rules_error(file, rule_id, f"text '{lang}': {exc}") from None
        evidence = item.get("evidence")
        if evidence is not None and not isinstance(evidence, str):
            raise _rules_error(file, rule_id, "'evidence' must be a text such as 'table III.2'")
        timeframe = item.get("timeframe")
        if timeframe not in TIMEFRAMES:
            raise _rules_error(file, rule_id, f"timeframe '{timeframe}' is not one of {list(TIMEFRAMES)}")
        indicator = item.get("indicator")
        if not isinstance(indicator, Mapping) or any(not str(indicator.get(lang) or "").strip() for lang in languages):
            raise _rules_error(file, rule_id, f"needs an 'indicator' (how to know it was done) with {languages}")
        for lang, value in indicator.items():
            try:
                _check_text(str(value))
            except ValueError as exc:
                raise _rules_error(file, rule_id, f"indicator '{lang}': {exc}") from None
        try:
            lead = _parse_selectors(item["lead"]) if "lead" in item else ()
            partners = _parse_selectors(item["partners"]) if "partners" in item else ()
        except ValueError as exc:
            raise _rules_error(file, rule_id, str(exc)) from None
        addresses = _as_tuple(item["addresses"]) if "addresses" in item else ()
        unknown_problems = [p for p in addresses if p not in PROBLEMS]
        if unknown_problems:
            raise _rules_error(file, rule_id, f"addresses '{unknown_problems[0]}', not one of {list(PROBLEMS)}")
        rules.append(Rule(rule_id, item["category"], item["priority"], condition,
                          {str(k): str(v) for k, v in text.items()}, evidence, order, timeframe,
                          {str(k): str(v) for k, v in indicator.items()}, lead, partners, addresses))
    return rules


@lru_cache(maxsize=None)
def _read_rules_file(path: str) -> dict:
    from mpanalysis.reference import read_reference_yaml

    return read_reference_yaml(path, "recommendation rules", expect_mapping=False)


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """Load and validate the recommendation rules (default ``data/reference/recommendation_rules.yaml``).

    >>> rules = load_rules()
    >>> {r.category for r in rules} == set(get_category_codes()), all(r.indicator for r in rules)
    (True, True)
    """
    file = Path(path or reference_dir() / RULES_FILE)
    return parse_rules(_read_rules_file(str(file)), file)


def get_rule_labels(group: str, lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Return the labels of the rules file (``priority``, ``origin``…) in one language.

    >>> get_rule_labels("priority", "fr")["high"]
    'Élevée'
    """
    file = reference_dir() / RULES_FILE
    labels = (_read_rules_file(str(file)) or {}).get("labels", {})
    if group not in labels:
        raise ReferenceDataError(f"{file}: no labels '{group}'")
    return {code: texts.get(lang) or texts.get(DEFAULT_LANGUAGE, code) for code, texts in labels[group].items()}


def get_rule_setting(name: str) -> Any:
    """Return one of the rules file's ``settings`` (e.g. ``max_recommendations``).

    >>> get_rule_setting("max_recommendations")
    12
    """
    file = reference_dir() / RULES_FILE
    settings = (_read_rules_file(str(file)) or {}).get("settings", {})
    if name not in settings:
        raise ReferenceDataError(f"{file}: no setting '{name}' under 'settings'")
    return settings[name]


def flatten_measures(prefix: str, values: object) -> dict[str, float]:
    """Return ``{"<prefix>.<name>": value}`` for the numeric scalars of a dataclass or mapping.

    Lists, tables, texts and missing values are left out, so a summary object (e.g. the network's
    ``NetworkSummary``) can be handed over as is: ``flatten_measures("network", summary)``.

    >>> from types import SimpleNamespace
    >>> flatten_measures("network", {"formal_share": 0.25, "n_edges": 12, "coordinator_reach": None,
    ...                              "silos": [["a", "b"]], "method": "exact"})
    {'network.formal_share': 0.25, 'network.n_edges': 12.0}
    """
    items = values.items() if isinstance(values, Mapping) else vars(values).items()
    # numbers.Real also covers numpy scalars and booleans (1.0 / 0.0); NaN is left out.
    return {f"{prefix}.{name}": float(value) for name, value in items
            if isinstance(value, numbers.Real) and value == value}


