"""The workshop's decisions on names applied to a reconciliation: official names, acronyms, merges.

The worksheet's ``names`` sheet names entities by their stable id. A merge sends every written
name, submission and partner mention of an entity to another one, so the network, the counts,
the tables and the open data all see one institution; an official name or acronym replaces the
display name the answers gave. Entity ids do not change (the decisions are keyed by them); the
name an entity had before is kept among its ``name_variants``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from mpanalysis.decisions import NameDecision
from mpanalysis.ingest.reconcile.matching import Reconciliation


def resolve_merges(names: Sequence[NameDecision]) -> dict[str, str]:
    """Return ``{merged entity id: entity id it ends in}``, following chains (A→B, B→C gives A→C).

    A cycle (A→B, B→A) merges nothing: the worksheet reader refuses it, a hand edit is ignored.

    >>> resolve_merges([NameDecision(entity_id="A", merge_into="B"), NameDecision(entity_id="B", merge_into="C")])
    {'A': 'C', 'B': 'C'}
    """
    direct = {n.entity_id: n.merge_into for n in names if n.merge_into and n.merge_into != n.entity_id}
    resolved: dict[str, str] = {}
    for source in direct:
        seen = {source}
        target = direct[source]
        while target in direct and target not in seen:
            seen.add(target)
            target = direct[target]
        if target not in seen:
            resolved[source] = target
    return resolved


def apply_name_decisions(reconciliation: Reconciliation, names: Sequence[NameDecision]
                         ) -> tuple[Reconciliation, list[str]]:
    """Return the reconciliation with the merges and official names applied, and the entity ids
    the decisions name that this edition's answers do not have (reported, not applied).

    >>> import pandas as pd
    >>> from mpanalysis.ingest.reconcile.matching import ENTITY_COLUMNS
    >>> entities = pd.DataFrame([["X-A", "Agence A", None, None, "other", True, "Agence A", 1],
    ...                          ["X-B", "Bureau B", "BB", None, "other", False, "Bureau B", 2]], columns=ENTITY_COLUMNS)
    >>> rec = Reconciliation({"s1": "X-A"}, {"Bureau B": "X-B", "agence a": "X-A"}, entities,
    ...                      pd.DataFrame(columns=["name", "entity_id", "entity_name", "score", "method"]),
    ...                      pd.DataFrame(columns=["name", "best_candidate", "best_score", "entity_id"]))
    >>> out, missing = apply_name_decisions(rec, [NameDecision(entity_id="X-B", merge_into="X-A"),
    ...     NameDecision(entity_id="X-A", official_name="Agence nationale A", acronym="ANA"),
    ...     NameDecision(entity_id="X-Z", official_name="Gone")])
    >>> out.entities[["entity_id", "name", "acronym", "n_mentions"]].values.tolist(), missing
    ([['X-A', 'Agence nationale A', 'ANA', 3]], ['X-Z'])
    >>> out.partner_entity["Bureau B"], out.entities.loc[0, "name_variants"]
    ('X-A', 'Agence A | Bureau B')
    """
    if not names:
        return reconciliation, []
    entities = reconciliation.entities.copy()
    known = set(entities["entity_id"].astype(str))
    missing = sorted({n.entity_id for n in names if n.entity_id not in known}
                     | {n.merge_into for n in names if n.merge_into and n.merge_into not in known})
    merges = {s: t for s, t in resolve_merges(names).items() if s in known and t in known}

    def remap(entity_id: str) -> str:
        return merges.get(entity_id, entity_id)

    if merges:
        entities["entity_id"] = entities["entity_id"].map(remap)
        by_id = entities.groupby("entity_id", sort=False)
        merged_rows = []
        for entity_id, group in by_id:
            # the target's own row gives the name, acronym and type; the others add what it lacks
            group = group.assign(_is_target=group.index.isin(
                reconciliation.entities.index[reconciliation.entities["entity_id"] == entity_id]))
            group = group.sort_values("_is_target", ascending=False, kind="stable")
            row = group.iloc[0].drop("_is_target").to_dict()
            for column in ("acronym", "institution_type"):
                if row[column] is None or pd.isna(row[column]):
                    values = group[column].dropna()
                    row[column] = values.iloc[0] if len(values) else row[column]
            variants = {v for text in group["name_variants"].dropna() for v in str(text).split(" | ") if v}
            row["name_variants"] = " | ".join(sorted(variants, key=lambda v: (v.casefold(), v)))
            row["is_respondent"] = bool(group["is_respondent"].fillna(False).astype(bool).any())
            row["n_mentions"] = int(group["n_mentions"].sum())
            merged_rows.append(row)
        entities = pd.DataFrame(merged_rows, columns=reconciliation.entities.columns)
    for decision in names:
        if decision.entity_id in merges or decision.entity_id not in known:
            continue
        is_row = entities["entity_id"] == decision.entity_id
        if decision.official_name:
            old = entities.loc[is_row, "name"].astype(str).tolist()
            entities.loc[is_row, "name"] = decision.official_name
            for index in entities.index[is_row]:
                variants = {v for v in str(entities.at[index, "name_variants"] or "").split(" | ") if v}
                variants |= set(old)
                entities.at[index, "name_variants"] = " | ".join(sorted(variants, key=lambda v: (v.casefold(), v)))
        if decision.acronym:
            entities.loc[is_row, "acronym"] = decision.acronym
    entities = entities.sort_values("entity_id", ignore_index=True)
    entities["is_respondent"] = entities["is_respondent"].astype("boolean")
    entities["n_mentions"] = entities["n_mentions"].astype("int64")
    names_by_id = dict(zip(entities["entity_id"], entities["name"]))
    matches = reconciliation.matches.copy()
    if len(matches):
        matches["entity_id"] = matches["entity_id"].map(lambda e: remap(e) if isinstance(e, str) else e)
        matches["entity_name"] = [names_by_id.get(e, n) for e, n in zip(matches["entity_id"], matches["entity_name"])]
    unresolved = reconciliation.unresolved.copy()
    if len(unresolved):
        unresolved["entity_id"] = unresolved["entity_id"].map(lambda e: remap(e) if isinstance(e, str) else e)
    return replace(
        reconciliation,
        submission_entity={k: remap(v) for k, v in reconciliation.submission_entity.items()},
        partner_entity={k: remap(v) for k, v in reconciliation.partner_entity.items()},
        entities=entities, matches=matches, unresolved=unresolved), missing
