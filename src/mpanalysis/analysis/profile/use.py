"""The profile's editions and modules, awareness and use, functions served, working group, good practices."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from babel.lists import format_list

from mpanalysis.analysis.profile.common import (
    TOTAL,
    _bool_series,
    _is_blank,
    _respondent_types,
    _share,
    _type_order,
    find_entity,
    get_profile_label,
    pick_text,
)
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.form import split_multi
from mpanalysis.ingest.reconcile import normalize_text
from mpanalysis.params import CountryParams
from mpanalysis.reference import DEFAULT_LANGUAGE, get_codes, get_labels
from mpanalysis.wording.rules import babel_locale

# --------------------------------------------------------------------------------------------
# The profile's editions and where each module's data come from


def build_profile_editions(params: CountryParams, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return the existing editions of the migration profile (parameters), latest first.

    Columns: ``title, year, publisher, kind, kind_label, modules`` (domain codes, space-separated
    as in the canonical tables), ``modules_label`` (labels joined as a list in the language).

    >>> p = CountryParams(country="SEN", profiles=[{"title": "Profil migratoire du Sénégal", "year": 2018,
    ...     "publisher": "ANSD", "kind": "extended", "modules": ["trends", "development"]}])
    >>> build_profile_editions(p, "en")[["year", "kind_label", "modules_label"]].values.tolist()
    [[2018, 'Extended profile', 'Migration trends and Migration and development']]
    """
    kinds = get_labels("profile_kinds", lang)
    domains = get_labels("domains", lang)
    order = get_codes("domains")
    rows = []
    for edition in sorted(params.profiles, key=lambda e: (-e.year, e.title)):
        modules = sorted(edition.modules, key=lambda m: order.index(m) if m in order else len(order))
        rows.append({"title": edition.title, "year": edition.year, "publisher": edition.publisher,
                     "kind": edition.kind, "kind_label": kinds.get(edition.kind, edition.kind),
                     "modules": " ".join(modules),
                     "modules_label": format_list([domains.get(m, m) for m in modules], locale=babel_locale(lang))
                     if modules else ""})
    return pd.DataFrame(rows, columns=["title", "year", "publisher", "kind", "kind_label", "modules",
                                       "modules_label"])


def build_module_sources(dataset: CountryDataset, params: CountryParams,
                         lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return, for each domain, the editions covering it and the chapter I sources that feed it.

    One row per domain of data/reference/domains.csv (plus any other module of the editions):
    ``domain, label, editions`` (titles of the editions with that module, latest first),
    ``n_existing, n_potential`` (sources), ``n_institutions`` and ``institutions`` (names of
    the entities holding an existing source, alphabetical). Readers see where each part of the
    profile can come from, and which modules have no source to be updated from.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> p = CountryParams(country="SEN", profiles=[{"title": "Profil 2018", "year": 2018,
    ...     "publisher": "ANSD", "kind": "extended", "modules": ["trends"]}])
    >>> t = build_module_sources(make_example_dataset(), p, "en")
    >>> t[["domain", "editions", "n_existing", "institutions"]].head(2).values.tolist()
    [['trends', 'Profil 2018', 2, 'Agence nationale de la statistique and Ministère de l’Intérieur'], ['border_management', '', 1, 'Ministère de l’Intérieur']]
    """
    labels = get_labels("domains", lang)
    domains = list(get_codes("domains"))
    for edition in params.profiles:
        domains += [m for m in edition.modules if m not in domains]
    sources = dataset.sources
    names = dataset.entities.drop_duplicates("entity_id").set_index("entity_id")["name"].to_dict()
    editions = sorted(params.profiles, key=lambda e: (-e.year, e.title))
    rows = []
    for domain in domains:
        in_domain = sources[sources["domain"] == domain]
        existing = in_domain[in_domain["status"] == "existing"]
        holders = sorted({str(names.get(e, e)) for e in existing["entity_id"]}, key=normalize_text)
        rows.append({"domain": domain, "label": labels.get(domain, domain),
                     "editions": "; ".join(e.title for e in editions if domain in e.modules),
                     "n_existing": len(existing), "n_potential": int((in_domain["status"] == "potential").sum()),
                     "n_institutions": len(holders),
                     "institutions": format_list(holders, locale=babel_locale(lang)) if holders else ""})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Awareness and use


@dataclass(frozen=True)
class ProfileUse:
    """Awareness and use of the migration profile over all respondents who answered.

    ``share_used`` is over everyone who answered (someone unaware of the profile cannot have used
    it); ``share_used_among_aware`` is over those aware of it. NaN when the denominator is 0.
    """

    n_respondents: int
    n_aware: int
    n_used: int
    share_aware: float
    share_used: float
    share_used_among_aware: float


def _use_frame(dataset: CountryDataset) -> pd.DataFrame:
    """mp_use joined to institution types; only respondents who answered ``mp_aware``."""
    use = dataset.mp_use[["entity_id", "mp_aware", "mp_used", "functions", "use_example"]].copy()
    use["mp_aware"] = _bool_series(use["mp_aware"])
    # mp_used is only asked of those aware: unanswered means "not used".
    use["mp_used"] = _bool_series(use["mp_used"]).fillna(False) & use["mp_aware"].fillna(False)
    use = use[use["mp_aware"].notna()]
    frame = use.merge(_respondent_types(dataset), on="entity_id", how="left")
    frame["institution_type"] = frame["institution_type"].where(frame["institution_type"].notna(), "other")
    return frame


def _use_counts(frame: pd.DataFrame) -> dict[str, float]:
    n = len(frame)
    n_aware = int(frame["mp_aware"].sum())
    n_used = int(frame["mp_used"].sum())
    return {"n_respondents": n, "n_aware": n_aware, "n_used": n_used,
            "share_aware": _share(n_aware, n), "share_used": _share(n_used, n),
            "share_used_among_aware": _share(n_used, n_aware)}


def measure_profile_use(dataset: CountryDataset) -> ProfileUse:
    """Return the awareness and use of the profile over all respondents.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> import pandas as pd
    >>> from mpanalysis.ingest.schemas import make_empty_table
    >>> ds = make_example_dataset()
    >>> use = measure_profile_use(ds)
    >>> use.n_respondents, use.n_aware, use.n_used, round(use.share_used_among_aware, 2)
    (4, 3, 2, 0.67)
    """
    return ProfileUse(**_use_counts(_use_frame(dataset)))


def build_use_by_type(dataset: CountryDataset, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return awareness and use of the profile per institution type, with a total row last.

    Columns: ``institution_type, label, n_respondents, n_aware, n_used, share_aware, share_used,
    share_used_among_aware``. Types follow data/reference/institution_types.csv order.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> table = build_use_by_type(make_example_dataset(), "en")
    >>> table[["label", "n_respondents", "n_aware", "n_used"]].values.tolist()
    [['Ministry', 2, 2, 1], ['National statistics office', 1, 1, 1], ['Civil society', 1, 0, 0], ['All institutions', 4, 3, 2]]
    """
    frame = _use_frame(dataset)
    labels = get_labels("institution_types", lang)
    rows = []
    for code in _type_order(frame["institution_type"]):
        rows.append({"institution_type": code, "label": labels.get(code, code),
                     **_use_counts(frame[frame["institution_type"] == code])})
    rows.append({"institution_type": TOTAL, "label": get_profile_label("rows", TOTAL, lang),
                 **_use_counts(frame)})
    return pd.DataFrame(rows)


def build_functions_table(dataset: CountryDataset, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return, for each function of the profile, how many users say it serves it.

    Counted among respondents who used the profile; ``share_of_users`` is over them.
    Columns: ``function, label, n, n_users, share_of_users`` in data/reference/mp_functions.csv
    order, every function listed even when nobody cites it.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> build_functions_table(make_example_dataset(), "en")[["function", "n", "share_of_users"]].values.tolist()
    [['dialogue', 2, 1.0], ['information_package', 0, 0.0], ['policy_programme', 1, 0.5], ['capacity_building', 0, 0.0]]
    """
    return _functions(_use_frame(dataset), lang)


def _functions(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    users = frame[frame["mp_used"]]
    cited = [set(split_multi(v)) for v in users["functions"]]
    labels = get_labels("mp_functions", lang)
    rows = []
    for code in get_codes("mp_functions"):
        n = sum(code in functions for functions in cited)
        rows.append({"function": code, "label": labels[code], "n": n, "n_users": len(users),
                     "share_of_users": _share(n, len(users))})
    return pd.DataFrame(rows)


def build_functions_by_type(dataset: CountryDataset, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return the functions served, per institution type (long table; pivot it for display).

    Columns: ``institution_type, institution_type_label, function, label, n, n_users,
    share_of_users``; a ``total`` block comes last.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> t = build_functions_by_type(make_example_dataset(), "en")
    >>> t[(t.function == "dialogue")][["institution_type", "n", "n_users"]].values.tolist()
    [['ministry', 1, 1], ['statistics_office', 1, 1], ['civil_society', 0, 0], ['total', 2, 2]]
    """
    frame = _use_frame(dataset)
    labels = get_labels("institution_types", lang)
    blocks = []
    for code in [*_type_order(frame["institution_type"]), TOTAL]:
        subset = frame if code == TOTAL else frame[frame["institution_type"] == code]
        block = _functions(subset, lang)
        block.insert(0, "institution_type", code)
        block.insert(1, "institution_type_label",
                     get_profile_label("rows", TOTAL, lang) if code == TOTAL else labels.get(code, code))
        blocks.append(block)
    return pd.concat(blocks, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Working group


@dataclass(frozen=True)
class WorkingGroupFlag:
    """An inconsistency about the working group: ``code`` names it, ``names`` the institutions.

    Codes: ``no_coordinator``, ``several_coordinators`` (several respondents say they coordinate),
    ``coordinator_not_respondent`` (the parameters' coordinator did not answer),
    ``coordinator_mismatch`` (respondents other than the parameters' coordinator say they
    coordinate), ``member_not_respondent`` (members listed in the parameters who did not answer),
    ``names_unmatched`` (names in the parameters that match no institution: ``entity_ids`` is
    empty and ``names`` holds them as written).
    """

    code: str
    entity_ids: tuple[str, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class WorkingGroup:
    """The national working group: members, coordinator(s) and inconsistencies.

    ``members`` columns: ``entity_id`` (NA for a name of the parameters that matches no entity),
    ``name, acronym, institution_type, institution_type_label, is_respondent, is_member_declared,
    is_member_params, is_coordinator_declared, is_coordinator_params, is_coordinator``.
    The coordinator retained is the parameters' one when it is known, else the self-declared ones.
    """

    members: pd.DataFrame
    coordinator_ids: tuple[str, ...]
    flags: tuple[WorkingGroupFlag, ...]

    def has_flag(self, code: str) -> bool:
        return any(flag.code == code for flag in self.flags)


def build_working_group(dataset: CountryDataset, params: CountryParams,
                        lang: str = DEFAULT_LANGUAGE) -> WorkingGroup:
    """Return the working group from the answers (wg_member/wg_coordinator) and the parameters.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> wg = build_working_group(make_example_dataset(), CountryParams(country="SEN", coordinator="ANSD"))
    >>> wg.coordinator_ids, [f.code for f in wg.flags]
    (('SEN-ANSD',), ['coordinator_mismatch'])
    """
    entities = dataset.entities
    respondents = dataset.respondents.drop_duplicates("entity_id", keep="last")
    declared_members = set(respondents.loc[_bool_series(respondents["wg_member"]).fillna(False), "entity_id"])
    declared_coordinators = set(
        respondents.loc[_bool_series(respondents["wg_coordinator"]).fillna(False), "entity_id"])
    respondent_ids = set(respondents["entity_id"])

    # The dataset reconciled the parameters' names with the partners' (aliases included): reuse
    # its decisions, and match only the names it did not see.
    matches = dataset.reconciliation.get("matches")
    reconciled = ({str(n).strip(): e for n, e in zip(matches["name"], matches["entity_id"])
                   if e in set(entities["entity_id"])}
                  if matches is not None and {"name", "entity_id"} <= set(matches.columns) else {})

    def resolve(name: str) -> str | None:
        return reconciled.get(name.strip()) or find_entity(name, entities, params.match_threshold)

    unmatched: list[str] = []
    params_members: set[str] = set()
    for name in params.working_group:
        entity_id = resolve(name)
        if entity_id is None:
            unmatched.append(name)
        else:
            params_members.add(entity_id)
    params_coordinator = resolve(params.coordinator) if params.coordinator else None
    if params.coordinator and params_coordinator is None and params.coordinator not in unmatched:
        unmatched.append(params.coordinator)

    coordinators = {params_coordinator} if params_coordinator else declared_coordinators
    in_group = declared_members | declared_coordinators | params_members | coordinators
    labels = get_labels("institution_types", lang)
    by_id = entities.drop_duplicates("entity_id").set_index("entity_id")
    rows = []
    for entity_id in sorted(in_group):
        entity = by_id.loc[entity_id] if entity_id in by_id.index else None
        institution_type = entity["institution_type"] if entity is not None else pd.NA
        rows.append({
            "entity_id": entity_id,
            "name": entity["name"] if entity is not None else entity_id,
            "acronym": entity["acronym"] if entity is not None else pd.NA,
            "institution_type": institution_type,
            "institution_type_label": labels.get(institution_type, pd.NA) if not pd.isna(institution_type) else pd.NA,
            "is_respondent": entity_id in respondent_ids,
            "is_member_declared": entity_id in declared_members,
            "is_member_params": entity_id in params_members,
            "is_coordinator_declared": entity_id in declared_coordinators,
            "is_coordinator_params": entity_id == params_coordinator,
            "is_coordinator": entity_id in coordinators,
        })
    for name in unmatched:
        is_coordinator = name == params.coordinator
        rows.append({"entity_id": pd.NA, "name": name, "acronym": pd.NA, "institution_type": pd.NA,
                     "institution_type_label": pd.NA, "is_respondent": False,
                     "is_member_declared": False, "is_member_params": True,
                     "is_coordinator_declared": False, "is_coordinator_params": is_coordinator,
                     "is_coordinator": is_coordinator})
    columns = ["entity_id", "name", "acronym", "institution_type", "institution_type_label",
               "is_respondent", "is_member_declared", "is_member_params", "is_coordinator_declared",
               "is_coordinator_params", "is_coordinator"]
    members = pd.DataFrame(rows, columns=columns)
    if not members.empty:
        members["_key"] = members["name"].map(normalize_text)
        members = (members.sort_values(["is_coordinator", "_key"], ascending=[False, True], kind="stable")
                   .drop(columns="_key").reset_index(drop=True))

    # Names from the parameters that match no entity are keyed by themselves.
    names = {(name if pd.isna(entity_id) else entity_id): name
             for entity_id, name in zip(members["entity_id"], members["name"])}

    def flag(code: str, ids: list[str]) -> WorkingGroupFlag:
        ids = sorted(ids, key=lambda i: normalize_text(names.get(i, i)))
        return WorkingGroupFlag(code, tuple(ids), tuple(str(names.get(i, i)) for i in ids))

    flags = []
    if not coordinators and not params.coordinator:
        flags.append(flag("no_coordinator", []))
    if len(declared_coordinators) > 1:
        flags.append(flag("several_coordinators", list(declared_coordinators)))
    if params_coordinator and params_coordinator not in respondent_ids:
        flags.append(flag("coordinator_not_respondent", [params_coordinator]))
    if params_coordinator and declared_coordinators - {params_coordinator}:
        flags.append(flag("coordinator_mismatch", list(declared_coordinators - {params_coordinator})))
    absent = [i for i in params_members if i not in respondent_ids and i != params_coordinator]
    if absent:
        flags.append(flag("member_not_respondent", absent))
    if unmatched:
        flags.append(WorkingGroupFlag("names_unmatched", (), tuple(unmatched)))
    coordinator_ids = tuple(sorted(c for c in coordinators if c))
    return WorkingGroup(members=members, coordinator_ids=coordinator_ids, flags=tuple(flags))


# --------------------------------------------------------------------------------------------
# Good practices and examples of use


def build_good_practices(dataset: CountryDataset, params: CountryParams,
                         lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return good practices and examples of use of the profile, workshop first.

    Columns: ``origin`` (``workshop`` | ``questionnaire``), ``kind`` (``good_practice`` |
    ``use_example``), ``entity_id, institution_name, text``. Respondents' texts are kept as
    written (plain text); blank answers are skipped.

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> p = CountryParams(country="SEN", workshop={"good_practices": [{"fr": "Comité mensuel", "en": "Monthly committee"}]})
    >>> table = build_good_practices(make_example_dataset(), p, "en")
    >>> table[["origin", "kind", "institution_name", "text"]].fillna("").values.tolist()
    [['workshop', 'good_practice', '', 'Monthly committee'], ['questionnaire', 'good_practice', 'Agence nationale de la statistique', 'Bulletin trimestriel partagé'], ['questionnaire', 'use_example', 'Ministère de l’Intérieur', 'Note au ministre']]
    """
    rows = [{"origin": "workshop", "kind": "good_practice", "entity_id": pd.NA,
             "institution_name": pd.NA, "text": pick_text(practice, lang)}
            for practice in params.workshop.good_practices]
    names = _respondent_types(dataset).set_index("entity_id")["institution_name"].to_dict()
    answers = []
    for _, row in dataset.respondents.iterrows():
        if not _is_blank(row["good_practice"]):
            answers.append(("good_practice", row["entity_id"], str(row["good_practice"]).strip()))
    for _, row in dataset.mp_use.iterrows():
        if not _is_blank(row["use_example"]):
            answers.append(("use_example", row["entity_id"], str(row["use_example"]).strip()))
    answers.sort(key=lambda a: (a[0], normalize_text(names.get(a[1], a[1])), a[2]))
    rows += [{"origin": "questionnaire", "kind": kind, "entity_id": entity_id,
              "institution_name": names.get(entity_id, entity_id), "text": text}
             for kind, entity_id, text in answers]
    return pd.DataFrame(rows, columns=["origin", "kind", "entity_id", "institution_name", "text"])
