"""Chapter III's measures and findings, as the recommendation rules read them."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import ValidationError

from mpanalysis.errors import ReferenceDataError
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.reconcile import normalize_text
from mpanalysis.params import CountryParams
from mpanalysis.paths import reference_dir
from mpanalysis.reference import DEFAULT_LANGUAGE

if TYPE_CHECKING:
    from mpanalysis.analysis.findings import Finding
from mpanalysis.analysis.profile.common import (
    PROFILE_FINDINGS_FILE,
    _bool_series,
    _load_yaml_cached,
    load_profile_texts,
)
from mpanalysis.analysis.profile.problems import build_needs_table, build_problem_matrix
from mpanalysis.analysis.profile.use import build_working_group, measure_profile_use

# --------------------------------------------------------------------------------------------
# Measures for the recommendation rules


def build_profile_measures(dataset: CountryDataset, params: CountryParams) -> dict[str, float]:
    """Return chapter III's measures, named as the recommendation rules refer to them.

    ``profile.*`` (awareness and use, number of editions, years since the latest edition),
    ``challenge.<code>.prevalence|mean_severity``, ``needs.<code>.share``,
    ``working_group.n_members|n_declared_coordinators|has_coordinator``. Undefined measures
    (NaN) are left out, so a rule never fires on a missing value.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> m = build_profile_measures(make_example_dataset(), CountryParams(country="SEN"))
    >>> m["profile.share_aware"], m["challenge.update.prevalence"], m["needs.training.share"]
    (0.75, 1.0, 0.75)
    """
    use = measure_profile_use(dataset)
    measures: dict[str, float] = {f"profile.{k}": float(v) for k, v in vars(use).items()}
    measures["profile.n_editions"] = float(len(params.profiles))
    if params.profiles:
        year = params.reference_year or dt.date.today().year
        measures["profile.years_since_last_edition"] = float(year - max(p.year for p in params.profiles))
    matrix = build_problem_matrix(dataset, params, DEFAULT_LANGUAGE)
    for row in matrix[~matrix["is_other"]].itertuples():
        measures[f"challenge.{row.challenge}.prevalence"] = row.prevalence
        measures[f"challenge.{row.challenge}.mean_severity"] = row.mean_severity
    for row in build_needs_table(dataset).itertuples():
        measures[f"needs.{row.need}.share"] = row.share
    group = build_working_group(dataset, params)
    measures["working_group.n_members"] = float(group.members["entity_id"].notna().sum())
    declared = _bool_series(dataset.respondents["wg_coordinator"]).fillna(False)
    measures["working_group.n_declared_coordinators"] = float(dataset.respondents.loc[declared, "entity_id"].nunique())
    measures["working_group.has_coordinator"] = float(bool(group.coordinator_ids or params.coordinator))
    return {k: float(v) for k, v in measures.items() if v == v}


# --------------------------------------------------------------------------------------------
# Findings


@lru_cache(maxsize=None)
def _finding_catalogue(path: str):
    """The chapters I–II catalogue with chapter III's kinds (profile_findings.yaml) in place of its own."""
    from mpanalysis.analysis.findings import FindingCatalogue, load_finding_catalogue

    base = load_finding_catalogue()
    texts = _load_yaml_cached(path)
    data = base.model_dump()
    try:
        return FindingCatalogue.model_validate({
            **data, "chapters": {**data["chapters"], "III": "profile"},
            "named_tables": {**data["named_tables"], **texts.get("named_tables", {})},
            "code_lists": {**data["code_lists"], **texts.get("code_lists", {})},
            "kinds": texts["kinds"]})
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(p) for p in error["loc"])
        raise ReferenceDataError(f"{path}, key '{key}': {error['msg']}") from None


def get_profile_setting(name: str) -> float:
    """Return a threshold of chapter III's findings (``settings`` in ``profile_findings.yaml``).

    >>> get_profile_setting("low_awareness_share")
    0.5
    """
    settings = load_profile_texts().get("settings", {})
    if name not in settings:
        raise ReferenceDataError(f"{reference_dir() / PROFILE_FINDINGS_FILE}: no setting '{name}'")
    return float(settings[name])


def find_profile_findings(dataset: CountryDataset, params: CountryParams) -> list[Finding]:
    """Return chapter III's findings (:class:`mpanalysis.analysis.findings.Finding`).

    Kinds (data/reference/profile_findings.yaml): ``no_profile_edition``, ``outdated_profile``,
    ``mp_awareness`` and ``mp_use`` (always, when someone answered; their severity says whether
    awareness or use is low), ``top_challenge``, ``major_challenge`` (one per challenge rated
    moderate or major by at least ``major_challenge_prevalence`` of those who answered),
    ``no_wg_coordinator``, ``several_coordinators``, ``coordinator_not_respondent``,
    ``coordinator_mismatch``, ``members_not_respondents``, ``params_names_unmatched`` and
    ``expressed_need`` (one per need expressed by at least ``need_share`` of respondents).
    Ids start with ``profile.``; codes carry ``challenge`` / ``need``.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> p = CountryParams(country="SEN", coordinator="ANSD", reference_year=2025)
    >>> found = find_profile_findings(make_example_dataset(), p)
    >>> [f.id for f in found][:4]
    ['profile.no_profile_edition', 'profile.mp_awareness', 'profile.mp_use', 'profile.top_challenge']
    >>> next(f for f in found if f.kind == "major_challenge").text["en"]
    '“Rarely updated” is a moderate or major challenge for 4 of the 4 institutions that answered (100%).'
    """
    from mpanalysis.analysis.findings import make_finding
    from mpanalysis.wording.names import load_name_overrides, name_entities

    catalogue = _finding_catalogue(str(reference_dir() / PROFILE_FINDINGS_FILE))
    names = name_entities(dataset.entities, load_name_overrides(dataset.country, params))

    def by_name(ids) -> list[str]:
        return sorted(set(ids), key=lambda i: (normalize_text(names.get(i, i)), i))

    def make(kind: str, key: str | None = None, **kwargs):
        return make_finding(kind, key, names=names, catalogue=catalogue, **kwargs)

    findings = []
    if not params.profiles:
        findings.append(make("no_profile_edition"))
    else:
        last_year = max(p.year for p in params.profiles)
        reference_year = params.reference_year or dt.date.today().year
        if reference_year - last_year >= get_profile_setting("outdated_profile_years"):
            findings.append(make("outdated_profile", numbers={
                "last_year": last_year, "years_since": reference_year - last_year,
                "reference_year": reference_year}))

    use = measure_profile_use(dataset)
    if use.n_respondents:
        findings.append(make("mp_awareness", numbers={
            "n_respondents": use.n_respondents, "n_aware": use.n_aware, "aware_share": use.share_aware}))
    if use.n_aware:
        findings.append(make("mp_use", numbers={
            "n_aware": use.n_aware, "n_used": use.n_used,
            "used_among_aware_share": use.share_used_among_aware}))

    matrix = build_problem_matrix(dataset, params, DEFAULT_LANGUAGE)
    ranked = matrix[matrix["rank"].notna()].sort_values("rank")
    threshold = get_profile_setting("major_challenge_prevalence")
    for position, row in enumerate(ranked.to_dict("records")):
        numbers = {"n_prevalent": int(row["n_moderate"] + row["n_major"]), "n_answered": int(row["n_answered"]),
                   "prevalence_share": float(row["prevalence"]), "mean_severity": round(float(row["mean_severity"]), 2)}
        codes = {"challenge": row["challenge"]}
        entities = by_name(row["entity_ids"])
        if position == 0:
            findings.append(make("top_challenge", entities=entities, numbers=numbers, codes=codes))
        if row["prevalence"] >= threshold:
            findings.append(make("major_challenge", row["challenge"], entities=entities,
                                 numbers=numbers, codes=codes))

    group = build_working_group(dataset, params)
    kinds = {"no_coordinator": "no_wg_coordinator", "several_coordinators": "several_coordinators",
             "coordinator_not_respondent": "coordinator_not_respondent",
             "coordinator_mismatch": "coordinator_mismatch", "member_not_respondent": "members_not_respondents"}
    for flag in group.flags:
        if flag.code == "names_unmatched":
            findings.append(make("params_names_unmatched", numbers={"n_names": len(flag.names)}))
        else:
            findings.append(make(kinds[flag.code], entities=by_name(flag.entity_ids),
                                 numbers={"n_entities": len(flag.entity_ids)}))

    n_respondents = dataset.respondents["entity_id"].nunique()
    for row in build_needs_table(dataset).to_dict("records"):
        if row["n"] and row["share"] >= get_profile_setting("need_share"):
            findings.append(make("expressed_need", row["need"], entities=by_name(row["entity_ids"]),
                                 codes={"need": row["need"]}, numbers={
                                     "n_entities": row["n"], "n_respondents": n_respondents,
                                     "need_share": row["share"]}))
    return findings
