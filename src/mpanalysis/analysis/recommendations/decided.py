"""The national workshop's decisions on the candidate recommendations, by their stable ids.

``adopt`` keeps a recommendation as it is, now adopted at the workshop; ``amend`` replaces its
text (and the lead, partners, time frame, priority and indicator the worksheet gives) and keeps
its evidence; ``drop`` removes it. New recommendations are added to the parameters' workshop
recommendations (:func:`mpanalysis.decisions.apply_decisions_to_params`), so they are merged and
completed like those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from mpanalysis.analysis.decided import pick_language
from mpanalysis.analysis.recommendations.evaluation import Recommendation
from mpanalysis.decisions import Decisions


def _find_entity_id(name: str, actors: pd.DataFrame | None) -> str | None:
    if actors is None or not name:
        return None
    folded = name.casefold()
    hits = actors.loc[actors["name"].astype(str).str.casefold() == folded, "entity_id"]
    return str(hits.iloc[0]) if len(hits) else None


def apply_recommendation_decisions(recommendations: Sequence[Recommendation], decisions: Decisions | None,
                                   lang: str, *, actors: pd.DataFrame | None = None) -> list[Recommendation]:
    """Return the recommendations with the workshop's adopt / amend / drop decisions applied.

    >>> recs = [Recommendation("coop.x", "cooperation", "low", "Old.", "en", evidence=("table II.2",)),
    ...         Recommendation("train.y", "training_hr", "low", "Train.", "en")]
    >>> d = Decisions(country="SEN", workshop={"recommendations": [
    ...     {"id": "coop.x", "decision": "amend", "text": {"en": "New."}, "timeframe": "short", "lead": "DGM"},
    ...     {"id": "train.y", "decision": "drop"}]})
    >>> [(r.id, r.text, r.origin, r.evidence, r.timeframe, r.lead) for r in apply_recommendation_decisions(recs, d, "en")]
    [('coop.x', 'New.', 'workshop', ('table II.2',), 'short', 'DGM')]
    """
    if decisions is None or decisions.workshop is None or not decisions.workshop.recommendations:
        return list(recommendations)
    by_id = {d.id: d for d in decisions.workshop.recommendations if d.decision != "new"}
    result: list[Recommendation] = []
    for recommendation in recommendations:
        decision = by_id.get(recommendation.id)
        if decision is None:
            result.append(recommendation)
            continue
        if decision.decision == "drop":
            continue
        changes: dict = {"origin": "workshop"}
        if decision.decision == "amend" and decision.text:
            changes["text"] = pick_language(decision.text, lang)
        if decision.lead:
            changes["lead"] = decision.lead
            changes["lead_id"] = _find_entity_id(decision.lead, actors)
        if decision.partners:
            changes["partners"] = tuple(decision.partners)
            changes["partner_ids"] = tuple(i for i in (_find_entity_id(p, actors) for p in decision.partners) if i)
        if decision.timeframe:
            changes["timeframe"] = decision.timeframe
        if decision.priority:
            changes["priority"] = decision.priority
        if decision.indicator:
            changes["indicator"] = pick_language(decision.indicator, lang)
        result.append(replace(recommendation, **changes))
    return result
