"""From fired rules to chapter IV: the workshop's recommendations merged in, at most a dozen kept,
numbered; the tables for display and for the open data."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace

import pandas as pd
from rapidfuzz import fuzz

from mpanalysis.analysis.recommendations.decided import apply_recommendation_decisions, resolve_institution
from mpanalysis.analysis.recommendations.evaluation import (
    Recommendation,
    build_actor_table,
    evaluate_rules,
    resolve_lead,
)
from mpanalysis.analysis.recommendations.rules import (
    CATEGORY_LIST,
    DUPLICATE_THRESHOLD,
    ORIGINS,
    PRIORITIES,
    SEVERITIES,
    FindingLike,
    Rule,
    get_category_codes,
    get_rule_labels,
    get_rule_setting,
    load_rules,
)
from mpanalysis.params import CountryParams
from mpanalysis.reference import DEFAULT_LANGUAGE, get_labels

#: Columns of ``recommendations.csv`` in the open data.
OPEN_DATA_COLUMNS = ["id", "number", "category", "priority", "lead_institution", "partners", "timeframe",
                     "indicator", "evidence", "text", "origin", "addresses"]


def _content_words(text: str) -> str:
    """Case- and accent-folded words of 4 letters or more: short function words ("de", "the",
    "des", "and") would make any two sentences of a language look alike."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(w for w in re.sub(r"[^\w]+", " ", folded).split() if len(w) > 3)


def _in_language(texts: Mapping[str, str] | None, lang: str) -> str:
    if not texts:
        return ""
    return texts.get(lang) or texts.get(DEFAULT_LANGUAGE) or next(iter(texts.values()))


def merge_workshop_recommendations(recommendations: Sequence[Recommendation], params: CountryParams,
                                   lang: str = DEFAULT_LANGUAGE, *, threshold: float = DUPLICATE_THRESHOLD,
                                   actors: pd.DataFrame | None = None) -> list[Recommendation]:
    """Add the recommendations adopted at the workshop and drop rule-based ones that say the same.

    A rule-based recommendation is a duplicate of a workshop one when both are in the same
    category and their texts are at least ``threshold`` similar (rapidfuzz ``token_sort_ratio``
    on case- and accent-folded words of four letters or more, see
    :data:`~mpanalysis.analysis.recommendations.rules.DUPLICATE_THRESHOLD`). The workshop's wording
    wins and inherits the duplicate's evidence, and its lead, partners, time frame and indicator
    where the workshop gave none; without a duplicate, the lead is the coordinator, the time frame
    medium and the indicator the category's. Workshop recommendations come first.

    >>> p = CountryParams(country="SEN", workshop={"recommendations": [{"category": "cooperation",
    ...     "text": {"fr": "Signer des accords de partage de données.", "en": "Sign data-sharing agreements."}}]})
    >>> rule = Recommendation("coop.x", "cooperation", "high", "Sign data sharing agreements", "en",
    ...                       evidence=("table II.2",), lead="Ministry of the Interior", timeframe="short",
    ...                       indicator="Half of the exchanges rest on an agreement.")
    >>> merged = merge_workshop_recommendations([rule], p, "en")
    >>> [(r.id, r.origin, r.evidence, r.merged_ids, r.lead, r.timeframe) for r in merged]
    [('workshop.1', 'workshop', ('table II.2',), ('coop.x',), 'Ministry of the Interior', 'short')]
    """
    workshop = []
    for index, adopted in enumerate(params.workshop.recommendations, start=1):
        lead, lead_id = resolve_institution(adopted.lead, actors)
        partners = [resolve_institution(p, actors) for p in adopted.partners]
        workshop.append(Recommendation(
            id=f"workshop.{index}", category=adopted.category, priority=adopted.priority,
            text=_in_language(adopted.text, lang), lang=lang, origin="workshop", order=index,
            lead=lead, lead_id=lead_id, partners=tuple(name for name, _ in partners),
            partner_ids=tuple(i for _, i in partners if i), timeframe=adopted.timeframe or "",
            indicator=_in_language(adopted.indicator, lang), severity="high"))
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
            merged_ids=(*adopted.merged_ids, recommendation.id),
            lead=adopted.lead or recommendation.lead, lead_id=None if adopted.lead else recommendation.lead_id,
            partners=adopted.partners or recommendation.partners,
            partner_ids=() if adopted.partners else recommendation.partner_ids,
            timeframe=adopted.timeframe or recommendation.timeframe,
            indicator=adopted.indicator or recommendation.indicator,
            addresses=tuple(dict.fromkeys([*adopted.addresses, *recommendation.addresses])))
    indicators = get_rule_labels("category_indicator", lang)
    completed = []
    for adopted in workshop:
        lead, lead_id = (adopted.lead, adopted.lead_id) if adopted.lead else resolve_lead((), actors, params, lang)
        completed.append(replace(adopted, lead=lead, lead_id=lead_id, timeframe=adopted.timeframe or "medium",
                                 indicator=adopted.indicator or indicators[adopted.category]))
    return completed + kept


def _rank_key(recommendation: Recommendation, shown_problems: set[str]) -> tuple:
    # workshop decisions first, then what answers a problem the answers show, then priority and
    # the severity of what triggered it, then the rules file's order
    return (ORIGINS.index(recommendation.origin), not (set(recommendation.addresses) & shown_problems),
            PRIORITIES.index(recommendation.priority), -SEVERITIES.index(recommendation.severity),
            recommendation.order, recommendation.id)


def limit_recommendations(recommendations: Sequence[Recommendation], findings: Sequence[FindingLike] = (),
                          limit: int | None = None) -> tuple[list[Recommendation], list[Recommendation]]:
    """Return ``(kept, left out)``: at most ``limit`` recommendations (the rules file's
    ``max_recommendations``), so the guide asks for a few things people can do.

    Kept first: those adopted at the workshop, those answering one of the recurring problems the
    answers show (a ``major_challenge`` finding), then by priority and the severity of what
    triggered them. The order of the input is kept among those kept.

    >>> recs = [Recommendation(f"r{i}", "collection", "low", "…", "en", order=i) for i in range(3)]
    >>> recs.append(Recommendation("u", "training_hr", "low", "…", "en", addresses=("understanding",), order=9))
    >>> from types import SimpleNamespace as F
    >>> shown = F(id="x", kind="major_challenge", codes={"challenge": "understanding"})
    >>> kept, left_out = limit_recommendations(recs, [shown], limit=2)
    >>> [r.id for r in kept], [r.id for r in left_out]
    (['r0', 'u'], ['r1', 'r2'])
    """
    from mpanalysis.analysis.recommendations.rules import get_finding_codes

    limit = get_rule_setting("max_recommendations") if limit is None else limit
    shown = {c for f in findings if getattr(f, "kind", None) == "major_challenge"
             for c in get_finding_codes(f, "challenge")}
    ranked = sorted(recommendations, key=lambda r: _rank_key(r, shown))
    kept_ids = {id(r) for r in ranked[:limit]}
    return ([r for r in recommendations if id(r) in kept_ids], [r for r in recommendations if id(r) not in kept_ids])


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
                          names: Mapping[str, str] | None = None, actors: pd.DataFrame | None = None,
                          dataset=None, rules: Sequence[Rule] | None = None,
                          limit: int | None = None, decisions=None) -> list[Recommendation]:
    """Evaluate the rules, merge the workshop's recommendations, apply the workshop worksheets'
    decisions (``decisions``, :class:`mpanalysis.decisions.Decisions`: adopt, amend, drop), keep at
    most a dozen and number them: chapter IV. ``actors`` (or ``dataset``, from which they are
    built) is where leads and partners are chosen.

    >>> p = CountryParams(country="SEN")
    >>> recs = build_recommendations([], {"profile.share_aware": 0.2}, p, "fr")
    >>> [(r.number, r.category, r.timeframe) for r in recs][:1]
    [('R1', 'training_hr', 'short')]
    """
    rules = load_rules() if rules is None else rules
    if actors is None and dataset is not None:
        actors = build_actor_table(dataset)
    if actors is not None and names:
        # leads and partners named as the guide names them (the parameters' corrections and translations)
        actors = actors.assign(name=[str(names.get(e, n)) for e, n in zip(actors["entity_id"], actors["name"])])
    evaluated = evaluate_rules(rules, findings, measures, lang, names=names, actors=actors, params=params)
    merged = merge_workshop_recommendations(evaluated, params, lang, actors=actors)
    merged = apply_recommendation_decisions(merged, decisions, lang, actors=actors)
    kept, _ = limit_recommendations(merged, findings, limit)
    return number_recommendations(kept)


def recommendations_to_frame(recommendations: Sequence[Recommendation], lang: str = DEFAULT_LANGUAGE):
    """Return a display table: number, category, priority, text, lead, time frame, indicator,
    evidence, origin (labels in ``lang``).

    Column headers in the language: ``frame.rename(columns=get_rule_labels("columns", lang))``.

    >>> recs = number_recommendations([Recommendation("a", "cooperation", "high", "Relier.", "fr",
    ...     evidence=("figure II.1",), lead="Ministère de l’Intérieur", timeframe="short", indicator="Un accord.")])
    >>> recommendations_to_frame(recs, "fr").iloc[0].tolist()[:6]
    ['R1', 'Coopération', 'Élevée', 'Relier.', 'Ministère de l’Intérieur', 'Court terme (moins d’un an)']
    """
    categories = get_labels(CATEGORY_LIST, lang)
    priorities = get_rule_labels("priority", lang)
    origins = get_rule_labels("origin", lang)
    timeframes = get_rule_labels("timeframe", lang)
    rows = [{"number": r.number, "category": categories.get(r.category, r.category),
             "priority": priorities.get(r.priority, r.priority), "text": r.text, "lead": r.lead,
             "timeframe": timeframes.get(r.timeframe, r.timeframe), "indicator": r.indicator,
             "evidence": ", ".join(r.evidence), "origin": origins.get(r.origin, r.origin)}
            for r in recommendations]
    return pd.DataFrame(rows, columns=["number", "category", "priority", "text", "lead", "timeframe", "indicator",
                                       "evidence", "origin"])


def build_open_recommendations(recommendations: Sequence[Recommendation], lang: str) -> pd.DataFrame:
    """Return ``recommendations.csv`` of the open data: one row per recommendation of the guide,
    codes for category, priority and time frame, texts in ``lang`` (``OPEN_DATA_COLUMNS``).

    >>> recs = number_recommendations([Recommendation("coop_x", "cooperation", "high", "Relier.", "fr",
    ...     evidence=("figure II.1",), lead="A", partners=("B", "C"), timeframe="short", indicator="Un accord.")])
    >>> build_open_recommendations(recs, "fr").iloc[0][["id", "lead_institution", "partners", "timeframe"]].tolist()
    ['coop_x', 'A', 'B | C', 'short']
    """
    rows = [{"id": r.id, "number": r.number, "category": r.category, "priority": r.priority,
             "lead_institution": r.lead, "partners": " | ".join(r.partners), "timeframe": r.timeframe,
             "indicator": r.indicator, "evidence": ", ".join(r.evidence), "text": r.text, "origin": r.origin,
             "addresses": " ".join(r.addresses)} for r in recommendations]
    return pd.DataFrame(rows, columns=OPEN_DATA_COLUMNS)
