"""Chapter IV: recommendations from declarative rules over the findings, merged with the workshop's.

The rules are data (``data/reference/recommendation_rules.yaml``, validated by :mod:`.rules`):
when the analysis shows X, recommend Y, led by whom, with whom, in what time frame, and how to
know it was done. :mod:`.evaluation` fires them on a country's findings and measures and chooses
the lead and partners among its institutions; :mod:`.selection` merges the recommendations adopted
at the national workshop, keeps at most a dozen (``settings.max_recommendations``) and numbers
them R1…Rn in the five categories' order.

A rule gives at most one recommendation, however many findings trigger it. Text and indicator
placeholders: ``{entities}``, ``{n_entities}``, ``{domains}``, ``{stages}``, ``{challenges}``,
``{needs}``, ``{share}`` (the triggering measure, or the triggering finding's share or rate, as a
percentage), ``{value}`` (the triggering measure as a number) and ``{n_entities|one|other}`` (the
word form agreeing with the number of institutions, by the language's CLDR plural rules).
"""

from mpanalysis.analysis.recommendations.evaluation import (
    ACTOR_COLUMNS,
    Recommendation,
    build_actor_table,
    evaluate_rules,
    resolve_lead,
    resolve_partners,
    select_actors,
)
from mpanalysis.analysis.recommendations.rules import (
    CATEGORY_LIST,
    DUPLICATE_THRESHOLD,
    ORIGINS,
    PRIORITIES,
    PROBLEMS,
    RULES_FILE,
    SEVERITIES,
    TIMEFRAMES,
    FindingLike,
    Rule,
    Selector,
    flatten_measures,
    get_category_codes,
    get_finding_codes,
    get_rule_labels,
    get_rule_setting,
    load_rules,
    parse_condition,
    parse_rules,
    parse_selector,
)
from mpanalysis.analysis.recommendations.selection import (
    OPEN_DATA_COLUMNS,
    build_open_recommendations,
    build_recommendations,
    limit_recommendations,
    merge_workshop_recommendations,
    number_recommendations,
    recommendations_to_frame,
    select_top_recommendations,
)

__all__ = [
    "ACTOR_COLUMNS", "CATEGORY_LIST", "DUPLICATE_THRESHOLD", "OPEN_DATA_COLUMNS", "ORIGINS", "PRIORITIES",
    "PROBLEMS", "RULES_FILE", "SEVERITIES", "TIMEFRAMES", "FindingLike", "Recommendation", "Rule", "Selector",
    "build_actor_table", "build_open_recommendations", "build_recommendations", "evaluate_rules",
    "flatten_measures", "get_category_codes", "get_finding_codes", "get_rule_labels", "get_rule_setting",
    "limit_recommendations", "load_rules", "merge_workshop_recommendations", "number_recommendations",
    "parse_condition", "parse_rules", "parse_selector", "recommendations_to_frame", "resolve_lead",
    "resolve_partners", "select_actors", "select_top_recommendations",
]
