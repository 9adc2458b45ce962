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


def resolve_institution(value: str | None, actors: pd.DataFrame | None) -> tuple[str, str | None]:
    """Return ``(name as the guide prints it, entity id or None)`` of an institution the workshop
    named: an entity id (what the worksheets' drop-down choices are read as) gives the entity's
    current name, its official one once the workshop gave it; any other text is kept as written.

    >>> actors = pd.DataFrame({"entity_id": ["SEN-ANSD"], "name": ["Agence nationale de la statistique (ANSD)"]})
    >>> resolve_institution("SEN-ANSD", actors), resolve_institution("Un comité ad hoc", actors)
    (('Agence nationale de la statistique (ANSD)', 'SEN-ANSD'), ('Un comité ad hoc', None))
    """
    if not value:
        return "", None
    if actors is not None:
        hits = actors.loc[actors["entity_id"].astype(str) == value, "name"]
        if len(hits):
            return str(hits.iloc[0]), value
    return value, _find_entity_id(value, actors)


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
            changes["lead"], changes["lead_id"] = resolve_institution(decision.lead, actors)
        if decision.partners:
            partners = [resolve_institution(p, actors) for p in decision.partners]
            changes["partners"] = tuple(name for name, _ in partners)
            changes["partner_ids"] = tuple(i for _, i in partners if i)
        if decision.timeframe:
            changes["timeframe"] = decision.timeframe
        if decision.priority:
            changes["priority"] = decision.priority
        if decision.indicator:
            changes["indicator"] = pick_language(decision.indicator, lang)
        result.append(replace(recommendation, **changes))
    return result
