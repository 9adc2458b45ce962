"""Chapter IV: recommendations from declarative rules over the findings, merged with the workshop's.

The rules are data (``data/reference/recommendation_rules.yaml``): an id, one of the five
categories of ``data/reference/recommendation_categories.csv``, a priority, a condition and a
French and English text with placeholders. Conditions are a small closed language — nothing in
the file is ever executed:

- ``{finding_kind: cut_vertex}``: some finding of that kind (or of one of a list of kinds);
  filters narrow it: ``domain: crisis`` / ``domain: [trends, development]`` (also ``stage``,
  ``challenge``, ``need``), ``domain_not: [crisis]``, ``min_severity: medium``;
- ``{measure: network.formal_share, below: 0.3}``: a measure compared with ``below``,
  ``at_most``, ``above`` or ``at_least`` (a missing measure never fires);
- ``{any: [...]}``, ``{all: [...]}``, ``{not: {...}}``.

A rule gives at most one recommendation, however many findings trigger it: their institutions are
listed in ``{entities}`` and their evidence keys ("figure II.1"…) are cited. Text placeholders:
``{entities}``, ``{n_entities}``, ``{domains}``, ``{stages}``, ``{challenges}``, ``{needs}``,
``{share}`` (the triggering measure, or the triggering finding's share or rate, as a percentage),
``{value}`` (the triggering measure as a number) and ``{n_entities|one|other}`` (the word form
agreeing with the number of institutions, by the language's CLDR plural rules).
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from rapidfuzz import fuzz

from mpanalysis.analysis.findings import get_named_table_for
from mpanalysis.errors import ReferenceDataError
from mpanalysis.params import CountryParams
from mpanalysis.paths import reference_dir
from mpanalysis.reference import DEFAULT_LANGUAGE, get_labels, load_reference
from mpanalysis.wording.names import attach_preposition
from mpanalysis.wording.templates import MAX_NAMES, NameList, format_name_list

RULES_FILE = "recommendation_rules.yaml"
CATEGORY_LIST = "recommendation_categories"
PRIORITIES = ("high", "medium", "low")
SEVERITIES = ("info", "low", "medium", "high")
ORIGINS = ("workshop", "rule")

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
class Rule:
    """One recommendation rule, validated. ``order`` is its position in the rules file."""

    id: str
    category: str
    priority: str
    condition: Condition
    text: Mapping[str, str]
    evidence: str | None = None
    order: int = 0


@dataclass(frozen=True)
class Recommendation:
    """A recommendation in one language, with what triggered it.

    ``origin`` is ``rule`` (from the analysis) or ``workshop`` (adopted at the national
    workshop). ``evidence`` lists the keys of the tables and figures the guide cites ("figure
    II.1"); ``finding_ids``, ``entities`` (entity ids) and ``measures`` are what triggered it.
    ``merged_ids`` are the rules a workshop recommendation absorbed as duplicates. ``number`` is
    set by :func:`number_recommendations` ("R1", "R2"…).
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

    @property
    def is_adopted_at_workshop(self) -> bool:
        return self.origin == "workshop"


def _rules_error(file: Path, rule_id: object, message: str) -> ReferenceDataError:
    where = f"{file}, rule '{rule_id}'" if rule_id is not None else str(file)
    return ReferenceDataError(f"{where}: {message}")


def _as_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return (str(value),)


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
    for placeholder in _PLACEHOLDER.findall(text):
        # {entities:par}: the institutions after a preposition, with their articles
        name, _, preposition = placeholder.partition(":")
        if name not in PLACEHOLDERS or (preposition and name != "entities"):
            raise ValueError(f"unknown placeholder {{{placeholder}}} (allowed: {', '.join(sorted(PLACEHOLDERS))}"
                             ", and {entities:<preposition>})")
    if _PLACEHOLDER.sub("", text).count("{") or _PLACEHOLDER.sub("", text).count("}"):
        raise ValueError("unbalanced braces")


def get_category_codes() -> list[str]:
    """Return the five recommendation categories in the guide's order.

    >>> get_category_codes()
    ['cooperation', 'training_hr', 'collection', 'border_information', 'crisis_information']
    """
    frame = load_reference(CATEGORY_LIST).sort_values("order", kind="stable")
    return frame["code"].tolist()


def parse_rules(data: object, file: str | Path = "<rules>", languages: Iterable[str] = ("fr", "en")) -> list[Rule]:
    """Validate the content of a rules file; errors name the file and the rule id.

    >>> parse_rules({"rules": [{"id": "r1", "category": "cooperation", "priority": "high",
    ...     "when": {"finding_kind": "silo"}, "text": {"fr": "Relier {entities}.", "en": "Link {entities}."}}]})[0].id
    'r1'
    >>> parse_rules({"rules": [{"id": "r2", "category": "weather", "priority": "high",
    ...     "when": {"finding_kind": "silo"}, "text": {"fr": "a", "en": "b"}}]}, "rules.yaml")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: rules.yaml, rule 'r2': category 'weather' is not one of ['cooperation', 'training_hr', 'collection', 'border_information', 'crisis_information']
    """
    file = Path(file)
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise _rules_error(file, None, "expected a mapping with a list under 'rules'")
    categories = get_category_codes()
    languages = list(languages)
    allowed_keys = {"id", "category", "priority", "when", "text", "evidence"}
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
        rules.append(Rule(rule_id, item["category"], item["priority"], condition,
                          {str(k): str(v) for k, v in text.items()}, evidence, order))
    return rules


@lru_cache(maxsize=None)
def _read_rules_file(path: str) -> dict:
    from mpanalysis.reference import read_reference_yaml

    return read_reference_yaml(path, "recommendation rules", expect_mapping=False)


def load_rules(path: str | Path | None = None) -> list[Rule]:
    """Load and validate the recommendation rules (default ``data/reference/recommendation_rules.yaml``).

    >>> rules = load_rules()
    >>> len(rules) >= 15, {r.category for r in rules} == set(get_category_codes())
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


# --------------------------------------------------------------------------------------------
# Evaluation


def _is_share(name: str) -> bool:
    return name.endswith(("_share", "_rate")) or name.rsplit(".", 1)[-1] in {"share", "prevalence", "rate"} \
        or name.rsplit(".", 1)[-1].startswith("share_")


def _fill(rule: Rule, lang: str, match: _Match, names: Mapping[str, str], file: str) -> str:
    template = rule.text.get(lang) or rule.text.get(DEFAULT_LANGUAGE) or next(iter(rule.text.values()))
    entity_ids = list(dict.fromkeys(e for f in match.findings for e in f.entities))

    def share_value() -> float | None:
        for name, value in match.measures.items():
            return value
        for finding in match.findings:
            for name, value in finding.numbers.items():
                if _is_share(name) and value is not None:
                    return float(value)
        return None

    def replace_one(m: re.Match) -> str:
        name, _, preposition = m.group(1).partition(":")
        if name == "entities":
            if not entity_ids:
                return attach_preposition(get_rule_labels("fallback", lang)["entities"], lang, preposition or None)
            # Same wording as the findings: at most MAX_NAMES names with their articles, else how
            # many and the table of the finding that lists them
            table = next((get_named_table_for(f) for f in match.findings if len(f.entities) > MAX_NAMES), None)
            listed = NameList([names.get(e, e) for e in entity_ids], table=table)
            return format_name_list(listed, lang, preposition or None)
        if name == "n_entities":
            return format_decimal(len(entity_ids), locale=lang)
        if name in CODE_PLACEHOLDERS:
            key = CODE_PLACEHOLDERS[name]
            labels = get_labels(CODE_FILTERS[key], lang)
            codes = list(dict.fromkeys(c for f in match.findings for c in get_finding_codes(f, key)))
            return format_list([labels.get(c, c) for c in codes], locale=lang) if codes else ""
        if name == "share":
            value = share_value()
            if value is None:
                raise _rules_error(Path(file), rule.id, "{share} is used but neither a measure nor a "
                                   "finding with a share or rate triggered the rule")
            return format_percent(value, locale=lang)
        if name == "value":
            if not match.measures:
                raise _rules_error(Path(file), rule.id, "{value} is used but no measure triggered the rule")
            return format_decimal(round(next(iter(match.measures.values())), 2), locale=lang)
        return m.group(0)

    def choose_form(m: re.Match) -> str:
        # With no institution named, the text says "the institutions concerned": plural.
        count = len(entity_ids) or 2
        return m.group(2) if Locale.parse(lang).plural_form(count) == "one" else m.group(3)

    return _PLACEHOLDER.sub(replace_one, _PLURAL.sub(choose_form, template))


def evaluate_rules(rules: Sequence[Rule], findings: Sequence[FindingLike], measures: Mapping[str, float],
                   lang: str = DEFAULT_LANGUAGE, *, names: Mapping[str, str] | None = None,
                   rules_file: str = RULES_FILE) -> list[Recommendation]:
    """Return one recommendation per rule whose condition holds, in rule order.

    ``names`` maps entity ids to the names shown in ``{entities}`` (ids are shown otherwise).
    Evidence is the triggering findings' keys, in order, then the rule's own ``evidence``.

    >>> from types import SimpleNamespace as F
    >>> rules = parse_rules({"rules": [{"id": "r1", "category": "crisis_information", "priority": "high",
    ...     "when": {"finding_kind": "coverage_gap", "domain": "crisis"},
    ...     "text": {"fr": "Collecter des données sur « {domains} ».", "en": "Collect data on {domains}."}}]})
    >>> gap = F(id="sources.coverage_gap.crisis", kind="coverage_gap", severity="high", entities=[],
    ...         numbers={}, evidence="table I.2", codes={"domain": "crisis"})
    >>> [(r.id, r.text, r.evidence) for r in evaluate_rules(rules, [gap], {}, "en")]
    [('r1', 'Collect data on Migration in crisis situations.', ('table I.2',))]
    >>> evaluate_rules(rules, [], {}, "en")
    []
    """
    names = names or {}
    recommendations = []
    for rule in rules:
        match = _evaluate(rule.condition, findings, measures)
        if match is None:
            continue
        evidence = list(dict.fromkeys(f.evidence for f in match.findings if f.evidence))
        if rule.evidence and rule.evidence not in evidence:
            evidence.append(rule.evidence)
        recommendations.append(Recommendation(
            id=rule.id, category=rule.category, priority=rule.priority,
            text=_fill(rule, lang, match, names, rules_file), lang=lang, origin="rule",
            finding_ids=tuple(dict.fromkeys(f.id for f in match.findings)),
            entities=tuple(dict.fromkeys(e for f in match.findings for e in f.entities)),
            measures=dict(match.measures), evidence=tuple(evidence), order=rule.order))
    return recommendations


# --------------------------------------------------------------------------------------------
# Workshop, numbering, selection


def _content_words(text: str) -> str:
    """Case- and accent-folded words of 4 letters or more: short function words ("de", "the",
    "des", "and") would make any two sentences of a language look alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(w for w in re.sub(r"[^\w]+", " ", folded).split() if len(w) > 3)


def merge_workshop_recommendations(recommendations: Sequence[Recommendation], params: CountryParams,
                                   lang: str = DEFAULT_LANGUAGE, *,
                                   threshold: float = DUPLICATE_THRESHOLD) -> list[Recommendation]:
    """Add the recommendations adopted at the workshop and drop rule-based ones that say the same.

    A rule-based recommendation is a duplicate of a workshop one when both are in the same
    category and their texts are at least ``threshold`` similar (rapidfuzz ``token_sort_ratio``
    on case- and accent-folded words of four letters or more, see :data:`DUPLICATE_THRESHOLD`). The workshop's wording wins and inherits the duplicate's
    evidence, so the guide still cites what supports it. Workshop recommendations come first.

    >>> p = CountryParams(country="SEN", workshop={"recommendations": [{"category": "cooperation",
    ...     "text": {"fr": "Signer des accords de partage de données.", "en": "Sign data-sharing agreements."}}]})
    >>> rule = Recommendation("coop.x", "cooperation", "high", "Sign data sharing agreements", "en",
    ...                       evidence=("table II.2",))
    >>> merged = merge_workshop_recommendations([rule], p, "en")
    >>> [(r.id, r.origin, r.evidence, r.merged_ids) for r in merged]
    [('workshop.1', 'workshop', ('table II.2',), ('coop.x',))]
    """
    workshop = []
    for index, adopted in enumerate(params.workshop.recommendations, start=1):
        text = adopted.text.get(lang) or adopted.text.get(DEFAULT_LANGUAGE) or next(iter(adopted.text.values()))
        workshop.append(Recommendation(id=f"workshop.{index}", category=adopted.category,
                                       priority=adopted.priority, text=text, lang=lang,
                                       origin="workshop", order=index))
    kept = []
    for recommendation in recommendations:
        duplicate_of = None
        for index, adopted in enumerate(workshop):
            if adopted.category != recommendation.category:
                continue
            if fuzz.token_sort_ratio(_content_words(adopted.text), _content_words(recommendation.text)) >= threshold:
                duplicate_of = index
                break
        if duplicate_of is None:
            kept.append(recommendation)
            continue
        adopted = workshop[duplicate_of]
        workshop[duplicate_of] = replace(
            adopted,
            finding_ids=tuple(dict.fromkeys([*adopted.finding_ids, *recommendation.finding_ids])),
            entities=tuple(dict.fromkeys([*adopted.entities, *recommendation.entities])),
            measures={**recommendation.measures, **adopted.measures},
            evidence=tuple(dict.fromkeys([*adopted.evidence, *recommendation.evidence])),
            merged_ids=(*adopted.merged_ids, recommendation.id))
    return workshop + kept


def _sort_key(recommendation: Recommendation, categories: list[str]) -> tuple:
    category = categories.index(recommendation.category) if recommendation.category in categories else len(categories)
    return (category, ORIGINS.index(recommendation.origin), PRIORITIES.index(recommendation.priority),
            recommendation.order, recommendation.id)


def number_recommendations(recommendations: Sequence[Recommendation]) -> list[Recommendation]:
    """Sort into the fixed category order and number "R1", "R2"… continuously.

    Within a category: adopted at the workshop first, then by priority (high, medium, low), then
    in the order of the workshop list or the rules file. The result does not depend on the order
    of the input.

    >>> recs = [Recommendation("b", "collection", "high", "…", "en", order=2),
    ...         Recommendation("a", "cooperation", "low", "…", "en", order=1),
    ...         Recommendation("workshop.1", "collection", "low", "…", "en", origin="workshop", order=1)]
    >>> [(r.number, r.id) for r in number_recommendations(recs)]
    [('R1', 'a'), ('R2', 'workshop.1'), ('R3', 'b')]
    """
    categories = get_category_codes()
    ordered = sorted(recommendations, key=lambda r: _sort_key(r, categories))
    return [replace(r, number=f"R{index}") for index, r in enumerate(ordered, start=1)]


def select_top_recommendations(recommendations: Sequence[Recommendation], n: int = 5) -> list[Recommendation]:
    """Return the ``n`` recommendations for the brief guide: high priority first.

    Ties keep workshop recommendations first, then the numbering order (call it on numbered
    recommendations so the brief guide shows the same numbers as the full one).

    >>> recs = number_recommendations([Recommendation("a", "cooperation", "low", "…", "en"),
    ...     Recommendation("b", "collection", "high", "…", "en")])
    >>> [r.number for r in select_top_recommendations(recs, n=1)]
    ['R2']
    """
    position = {id(r): index for index, r in enumerate(recommendations)}
    ranked = sorted(recommendations, key=lambda r: (PRIORITIES.index(r.priority), ORIGINS.index(r.origin),
                                                   position[id(r)]))
    return ranked[:n]


def build_recommendations(findings: Sequence[FindingLike], measures: Mapping[str, float],
                          params: CountryParams, lang: str = DEFAULT_LANGUAGE, *,
                          names: Mapping[str, str] | None = None,
                          rules: Sequence[Rule] | None = None) -> list[Recommendation]:
    """Evaluate the rules, merge the workshop's recommendations and number them: chapter IV.

    >>> p = CountryParams(country="SEN")
    >>> recs = build_recommendations([], {"profile.share_aware": 0.2}, p, "fr")
    >>> [(r.number, r.category) for r in recs][:1]
    [('R1', 'training_hr')]
    """
    rules = load_rules() if rules is None else rules
    evaluated = evaluate_rules(rules, findings, measures, lang, names=names)
    return number_recommendations(merge_workshop_recommendations(evaluated, params, lang))


def recommendations_to_frame(recommendations: Sequence[Recommendation], lang: str = DEFAULT_LANGUAGE):
    """Return a display table: number, category, priority, text, evidence, origin (labels in ``lang``).

    Column headers in the language: ``frame.rename(columns=get_rule_labels("columns", lang))``.

    >>> recs = number_recommendations([Recommendation("a", "cooperation", "high", "Relier.", "fr",
    ...                                               evidence=("figure II.1",))])
    >>> recommendations_to_frame(recs, "fr").iloc[0].tolist()
    ['R1', 'Coopération', 'Élevée', 'Relier.', 'figure II.1', 'Analyse des réponses au questionnaire']
    """
    import pandas as pd

    categories = get_labels(CATEGORY_LIST, lang)
    priorities = get_rule_labels("priority", lang)
    origins = get_rule_labels("origin", lang)
    rows = [{"number": r.number, "category": categories.get(r.category, r.category),
             "priority": priorities.get(r.priority, r.priority), "text": r.text,
             "evidence": ", ".join(r.evidence), "origin": origins.get(r.origin, r.origin)}
            for r in recommendations]
    return pd.DataFrame(rows, columns=["number", "category", "priority", "text", "evidence", "origin"])
