"""Chapter III: how the migration profile is known and used, who coordinates it, what hinders it.

Pure functions of a :class:`~mpanalysis.dataset.CountryDataset` and the country's
:class:`~mpanalysis.params.CountryParams`:

- the profile's editions (parameters) and the chapter I sources feeding each of its modules;
- awareness and use of the profile, and the functions it serves, by institution type;
- the working group and its coordinator, from the answers and the parameters, with flags when the
  two disagree;
- good practices and examples of use (respondents' free text and the workshop's);
- the problem/solution matrix: severity, prevalence and rank of each challenge, with the solutions
  retained at the workshop or, failing that, suggested from ``data/reference/solutions.yaml``;
- the measures (``profile.share_aware``…) and findings (:func:`find_profile_findings`) that
  chapter IV's recommendation rules read.

Shares are floats in [0, 1]; the guide formats them. Respondents' free text is returned as plain
strings: escaping is the renderers' job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from babel.lists import format_list
from pydantic import ValidationError
from rapidfuzz import fuzz, process

from .dataset import CountryDataset
from .errors import ReferenceDataError
from .form import split_multi
from .params import CountryParams
from .paths import reference_dir
from .reconcile import normalize_name, normalize_text
from .reference import DEFAULT_LANGUAGE, get_codes, get_labels

if TYPE_CHECKING:
    from .findings import Finding

#: Severity codes (data/reference/severities.csv) and the column names of their counts.
SEVERITY_COLUMNS = {0: "n_none", 1: "n_minor", 2: "n_moderate", 3: "n_major"}

#: A challenge is "prevalent" for a respondent who rates it at least this (moderate or major).
PREVALENT_SEVERITY = 2

#: Code of the total row of the tables broken down by institution type.
TOTAL = "total"

SOLUTIONS_FILE = "solutions.yaml"
PROFILE_FINDINGS_FILE = "profile_findings.yaml"


# --------------------------------------------------------------------------------------------
# Small helpers


def pick_text(texts: dict[str, str] | None, lang: str) -> str:
    """Return the text in ``lang``, else in the default language, else the first one given.

    A workshop entry written in French only still shows in the English guide rather than
    vanishing.

    >>> pick_text({"fr": "Former", "en": "Train"}, "en")
    'Train'
    >>> pick_text({"fr": "Former"}, "en")
    'Former'
    >>> pick_text(None, "fr")
    ''
    """
    if not texts:
        return ""
    if texts.get(lang):
        return texts[lang]
    if texts.get(DEFAULT_LANGUAGE):
        return texts[DEFAULT_LANGUAGE]
    return next(iter(texts.values()))


def _is_blank(value: object) -> bool:
    return normalize_text(value) == ""


def _share(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def _bool_series(series: pd.Series) -> pd.Series:
    return series.astype("boolean")


def _respondent_types(dataset: CountryDataset) -> pd.DataFrame:
    """One row per responding entity: entity_id, institution_name, institution_type."""
    respondents = dataset.respondents
    frame = respondents[["entity_id", "institution_name", "institution_type"]].drop_duplicates(
        "entity_id", keep="last")
    frame = frame.astype({"institution_type": "object"})
    frame["institution_type"] = frame["institution_type"].where(frame["institution_type"].notna(), "other")
    return frame


def _type_order(types: pd.Series) -> list[str]:
    reference = get_codes("institution_types")
    present = set(types.dropna())
    return [c for c in reference if c in present] + sorted(present - set(reference))


@lru_cache(maxsize=None)
def _load_yaml_cached(path: str) -> dict:
    from .reference import read_reference_yaml

    return read_reference_yaml(path, "reference file")


def load_profile_texts(path: Path | None = None) -> dict:
    """Return ``data/reference/profile_findings.yaml``: thresholds, labels and finding templates.

    >>> texts = load_profile_texts()
    >>> texts["labels"]["solution_origin"]["workshop"]["en"]
    'Retained at the workshop'
    """
    return _load_yaml_cached(str(path or reference_dir() / PROFILE_FINDINGS_FILE))


def get_profile_label(group: str, code: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Return a chapter III label (column header, origin…) from ``profile_findings.yaml``.

    >>> get_profile_label("columns", "prevalence", "fr")
    'Prévalence (modéré ou majeur)'
    >>> get_profile_label("solution_origin", "suggested", "en")
    'Suggested'
    """
    labels = load_profile_texts()["labels"]
    try:
        return pick_text(labels[group][code], lang)
    except KeyError:
        raise ReferenceDataError(
            f"{reference_dir() / PROFILE_FINDINGS_FILE}: no label '{group}.{code}'") from None


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
                     "modules_label": format_list([domains.get(m, m) for m in modules], locale=lang)
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

    >>> p = CountryParams(country="SEN", profiles=[{"title": "Profil 2018", "year": 2018,
    ...     "publisher": "ANSD", "kind": "extended", "modules": ["trends"]}])
    >>> t = build_module_sources(_make_example_dataset(), p, "en")
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
                     "institutions": format_list(holders, locale=lang) if holders else ""})
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

    >>> import pandas as pd
    >>> from mpanalysis.dataset import make_empty_table
    >>> ds = _make_example_dataset()
    >>> use = measure_profile_use(ds)
    >>> use.n_respondents, use.n_aware, use.n_used, round(use.share_used_among_aware, 2)
    (4, 3, 2, 0.67)
    """
    return ProfileUse(**_use_counts(_use_frame(dataset)))


def build_use_by_type(dataset: CountryDataset, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return awareness and use of the profile per institution type, with a total row last.

    Columns: ``institution_type, label, n_respondents, n_aware, n_used, share_aware, share_used,
    share_used_among_aware``. Types follow data/reference/institution_types.csv order.

    >>> table = build_use_by_type(_make_example_dataset(), "en")
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

    >>> build_functions_table(_make_example_dataset(), "en")[["function", "n", "share_of_users"]].values.tolist()
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

    >>> t = build_functions_by_type(_make_example_dataset(), "en")
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


def find_entity(name: str, entities: pd.DataFrame, threshold: float = 88.0) -> str | None:
    """Return the entity id a name from the parameters designates, or None.

    Tried in order: the entity id itself, the acronym, the name or one of its variants once
    normalised as reconciliation does (:func:`mpanalysis.reconcile.normalize_name`), then the
    closest name (rapidfuzz ``token_sort_ratio`` ≥ ``threshold``, the parameters'
    ``match_threshold``).

    >>> import pandas as pd
    >>> ents = pd.DataFrame({"entity_id": ["SEN-ANSD", "SEN-DGPN"],
    ...     "name": ["Agence nationale de la statistique", "Direction générale de la police nationale"],
    ...     "acronym": ["ANSD", "DGPN"], "name_variants": ["", "DG Police nationale"]})
    >>> find_entity("ansd", ents), find_entity("Agence Nationale de la Statistique", ents)
    ('SEN-ANSD', 'SEN-ANSD')
    >>> find_entity("Direction generale de la police nationale", ents)
    'SEN-DGPN'
    >>> find_entity("Ministère de la Santé", ents) is None
    True
    """
    if _is_blank(name) or entities.empty:
        return None
    folded = normalize_text(name)
    key = normalize_name(name)
    ids = entities["entity_id"].astype(str).tolist()
    for entity_id in ids:
        if normalize_text(entity_id) == folded:
            return entity_id
    acronyms = [normalize_text(a) for a in entities["acronym"]]
    if folded in acronyms:
        return ids[acronyms.index(folded)]
    variants = entities["name_variants"] if "name_variants" in entities else [""] * len(ids)
    choices: dict[int, str] = {}
    for index, (entity_name, joined) in enumerate(zip(entities["name"], variants)):
        for candidate in [entity_name, *(str(joined).split(" | ") if not _is_blank(joined) else [])]:
            if normalize_name(str(candidate)) == key:
                return ids[index]
        choices[index] = normalize_name(str(entity_name))
    best = process.extractOne(key, choices, scorer=fuzz.token_sort_ratio, score_cutoff=threshold)
    return ids[best[2]] if best else None


def build_working_group(dataset: CountryDataset, params: CountryParams,
                        lang: str = DEFAULT_LANGUAGE) -> WorkingGroup:
    """Return the working group from the answers (wg_member/wg_coordinator) and the parameters.

    >>> wg = build_working_group(_make_example_dataset(), CountryParams(country="SEN", coordinator="ANSD"))
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

    >>> p = CountryParams(country="SEN", workshop={"good_practices": [{"fr": "Comité mensuel", "en": "Monthly committee"}]})
    >>> table = build_good_practices(_make_example_dataset(), p, "en")
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


# --------------------------------------------------------------------------------------------
# Problem/solution matrix


def load_solutions(path: Path | None = None) -> dict[str, list[dict[str, str]]]:
    """Return the suggested solutions per challenge code from ``data/reference/solutions.yaml``.

    Every challenge of data/reference/challenges.csv must have at least one solution and every
    solution a text in each language of the reference lists.

    >>> sorted(load_solutions())
    ['dissemination', 'ownership', 'understanding', 'update', 'use']
    >>> load_solutions()["update"][0]["en"][:25]
    'Set an update schedule (f'
    """
    file = Path(path or reference_dir() / SOLUTIONS_FILE)
    data = _load_yaml_cached(str(file))
    languages = {"fr", "en"}
    for code in get_codes("challenges"):
        if not data.get(code):
            raise ReferenceDataError(f"{file}: challenge '{code}' has no suggested solution")
    for code, solutions in data.items():
        if not isinstance(solutions, list):
            raise ReferenceDataError(f"{file}, challenge '{code}': expected a list of solutions")
        for index, solution in enumerate(solutions, start=1):
            if not isinstance(solution, dict) or not all(
                    isinstance(solution.get(lang), str) and solution[lang].strip() for lang in languages):
                raise ReferenceDataError(
                    f"{file}, challenge '{code}', solution {index}: needs a text in {sorted(languages)}")
    return data


def _other_challenges(dataset: CountryDataset) -> list[dict]:
    """Group respondents' "other" challenges by normalised text, most cited first."""
    known = set(get_codes("challenges"))
    challenges = dataset.challenges
    others = challenges[~challenges["challenge"].isin(known)]
    texts = [(row["entity_id"], row["comment"] if not _is_blank(row["comment"]) else row["challenge"])
             for _, row in others.iterrows()]
    if not texts:
        # The dataset may keep "other" answers only in respondents.challenge_other.
        texts = [(row["entity_id"], row["challenge_other"]) for _, row in dataset.respondents.iterrows()]
    groups: dict[str, dict] = {}
    for entity_id, text in texts:
        key = normalize_text(text)
        if not key or key == "other":
            continue
        group = groups.setdefault(key, {"text": str(text).strip(), "entities": []})
        if entity_id not in group["entities"]:
            group["entities"].append(entity_id)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]["entities"]), item[0]))
    return [group for _, group in ordered]


def build_problem_matrix(dataset: CountryDataset, params: CountryParams,
                         lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return the problem/solution matrix: each challenge, how severe, how widespread, what to do.

    For each of the five challenges of data/reference/challenges.csv, over the respondents who
    rated it: the distribution of severities (``n_none … n_major``), ``mean_severity`` (0–3) and
    ``prevalence``, the share rating it moderate or major (≥ 2). ``score = prevalence ×
    mean_severity`` (0–3) ranks them: a challenge counts more when many find it serious *and* it
    is serious on average, so one loud respondent cannot top the list. ``rank`` 1 is the most
    pressing; ties are broken by mean severity, then number of "major", then catalogue order.

    ``n_mentions`` counts respondents rating it at least minor; ``entity_ids`` those rating it
    moderate or major. "Other" challenges written by respondents follow, grouped by text
    (``n_mentions`` and ``entity_ids``: who wrote it), then workshop problems outside the five;
    they have no severity and no rank.
    ``solutions`` holds the solutions retained at the workshop for that challenge when there are
    any (``solution_origin`` = ``workshop``), else those of data/reference/solutions.yaml
    (``suggested``), else none (``none``).

    >>> m = build_problem_matrix(_make_example_dataset(), CountryParams(country="SEN"), "en")
    >>> m[["challenge", "mean_severity", "prevalence", "rank"]].head(3).values.tolist()
    [['update', 3.0, 1.0, 1], ['use', 2.0, 0.75, 2], ['understanding', 1.0, 0.25, 3]]
    >>> other = m.iloc[-1]
    >>> m.loc[0, "solution_origin"], other["challenge"], other["label"], int(other["n_mentions"])
    ('suggested', 'other_1', 'manque de financement', 2)
    """
    labels = get_labels("challenges", lang)
    suggested = load_solutions()
    workshop: dict[str, list] = {}
    for problem in params.workshop.problems:
        workshop.setdefault(problem.challenge, []).append(problem)

    def solutions_for(code: str) -> tuple[list[str], str, str]:
        problems = workshop.get(code, [])
        retained = [pick_text(s, lang) for p in problems for s in p.solutions]
        description = " ".join(pick_text(p.description, lang) for p in problems if p.description)
        if retained:
            return retained, "workshop", description
        if code in suggested:
            return [pick_text(s, lang) for s in suggested[code]], "suggested", description
        return [], "none", description

    challenges = dataset.challenges
    entity_ids = challenges["entity_id"]
    rows = []
    for order, code in enumerate(get_codes("challenges")):
        ratings = pd.to_numeric(challenges.loc[challenges["challenge"] == code, "severity"],
                                errors="coerce").dropna().astype(int)
        n = len(ratings)
        counts = {column: int((ratings == value).sum()) for value, column in SEVERITY_COLUMNS.items()}
        mean = float(ratings.mean()) if n else float("nan")
        prevalence = _share(int((ratings >= PREVALENT_SEVERITY).sum()), n)
        solutions, origin, description = solutions_for(code)
        rows.append({"challenge": code, "label": labels[code], "is_other": False, "n_answered": n,
                     **counts, "mean_severity": mean, "prevalence": prevalence,
                     "score": prevalence * mean if n else float("nan"), "rank": pd.NA,
                     "n_mentions": int((ratings >= 1).sum()),
                     "entity_ids": tuple(sorted(set(entity_ids.loc[ratings.index[ratings >= PREVALENT_SEVERITY]]))),
                     "workshop_description": description, "solutions": solutions,
                     "solution_origin": origin, "_order": order})
    ranked = sorted((r for r in rows if r["n_answered"]),
                    key=lambda r: (-r["score"], -r["mean_severity"], -r["n_major"], r["_order"]))
    for rank, row in enumerate(ranked, start=1):
        row["rank"] = rank
    rows = ranked + [r for r in rows if not r["n_answered"]]

    empty_counts = {column: pd.NA for column in SEVERITY_COLUMNS.values()}
    for index, group in enumerate(_other_challenges(dataset), start=1):
        rows.append({"challenge": f"other_{index}", "label": group["text"], "is_other": True,
                     "n_answered": 0, **empty_counts, "mean_severity": float("nan"),
                     "prevalence": float("nan"), "score": float("nan"), "rank": pd.NA,
                     "n_mentions": len(group["entities"]), "entity_ids": tuple(group["entities"]),
                     "workshop_description": "", "solutions": [], "solution_origin": "none"})
    for code in workshop:
        if code in labels:
            continue
        solutions, origin, description = solutions_for(code)
        rows.append({"challenge": code, "label": description or code, "is_other": True,
                     "n_answered": 0, **empty_counts, "mean_severity": float("nan"),
                     "prevalence": float("nan"), "score": float("nan"), "rank": pd.NA,
                     "n_mentions": 0, "entity_ids": (), "workshop_description": description,
                     "solutions": solutions, "solution_origin": origin})
    matrix = pd.DataFrame(rows).drop(columns="_order", errors="ignore")
    matrix["rank"] = matrix["rank"].astype("Int64")
    for column in SEVERITY_COLUMNS.values():
        matrix[column] = matrix[column].astype("Int64")
    return matrix


def format_problem_matrix(matrix: pd.DataFrame, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return the matrix as the guide shows it: headers and values written in ``lang``.

    Columns (labels from ``profile_findings.yaml``): rank, challenge, answers, mean severity,
    prevalence, solutions (one per line) and their origin. Missing values are empty strings.

    >>> m = build_problem_matrix(_make_example_dataset(), CountryParams(country="SEN"), "fr")
    >>> table = format_problem_matrix(m, "fr")
    >>> table.columns.tolist()[:3], table.iloc[0, :5].tolist()
    (['Rang', 'Difficulté', 'Réponses'], ['1', 'Mises à jour rares', '4', '3', '100\xa0%'])
    """
    from babel.numbers import format_decimal, format_percent

    def number(value: object, kind: str) -> str:
        if value is None or pd.isna(value):
            return ""
        if kind == "percent":
            return format_percent(float(value), locale=lang)
        return format_decimal(round(float(value), 2), locale=lang)

    rows = [[number(row["rank"], "int"), str(row["label"]), number(row["n_answered"] or None, "int"),
             number(row["mean_severity"], "decimal"), number(row["prevalence"], "percent"),
             "\n".join(row["solutions"]), get_profile_label("solution_origin", row["solution_origin"], lang)]
            for row in matrix.to_dict("records")]
    keys = ["rank", "challenge", "n_answered", "mean_severity", "prevalence", "solutions", "solution_origin"]
    return pd.DataFrame(rows, columns=[get_profile_label("columns", k, lang) for k in keys])


# --------------------------------------------------------------------------------------------
# Needs


def build_needs_table(dataset: CountryDataset, lang: str = DEFAULT_LANGUAGE) -> pd.DataFrame:
    """Return each need of data/reference/needs.csv: how many respondents expressed it, and who.

    ``share`` is over all respondents. Columns: ``need, label, n, share, entity_ids``.

    >>> build_needs_table(_make_example_dataset(), "en")[["need", "n", "share"]].head(2).values.tolist()
    [['cooperation', 0, 0.0], ['training', 3, 0.75]]
    """
    n_respondents = dataset.respondents["entity_id"].nunique()
    labels = get_labels("needs", lang)
    needs = dataset.needs
    rows = []
    for code in get_codes("needs"):
        ids = tuple(sorted(set(needs.loc[needs["need"] == code, "entity_id"])))
        rows.append({"need": code, "label": labels[code], "n": len(ids),
                     "share": _share(len(ids), n_respondents), "entity_ids": ids})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Measures for the recommendation rules


def build_profile_measures(dataset: CountryDataset, params: CountryParams) -> dict[str, float]:
    """Return chapter III's measures, named as the recommendation rules refer to them.

    ``profile.*`` (awareness and use, number of editions, years since the latest edition),
    ``challenge.<code>.prevalence|mean_severity``, ``needs.<code>.share``,
    ``working_group.n_members|n_declared_coordinators|has_coordinator``. Undefined measures
    (NaN) are left out, so a rule never fires on a missing value.

    >>> m = build_profile_measures(_make_example_dataset(), CountryParams(country="SEN"))
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
    from .findings import FindingCatalogue, load_finding_catalogue

    base = load_finding_catalogue()
    texts = _load_yaml_cached(path)
    data = base.model_dump()
    try:
        return FindingCatalogue.model_validate({
            **data, "chapters": {**data["chapters"], "III": "profile"},
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
    """Return chapter III's findings (:class:`mpanalysis.findings.Finding`).

    Kinds (data/reference/profile_findings.yaml): ``no_profile_edition``, ``outdated_profile``,
    ``mp_awareness`` and ``mp_use`` (always, when someone answered; their severity says whether
    awareness or use is low), ``top_challenge``, ``major_challenge`` (one per challenge rated
    moderate or major by at least ``major_challenge_prevalence`` of those who answered),
    ``no_wg_coordinator``, ``several_coordinators``, ``coordinator_not_respondent``,
    ``coordinator_mismatch``, ``members_not_respondents``, ``params_names_unmatched`` and
    ``expressed_need`` (one per need expressed by at least ``need_share`` of respondents).
    Ids start with ``profile.``; codes carry ``challenge`` / ``need``.

    >>> p = CountryParams(country="SEN", coordinator="ANSD", reference_year=2025)
    >>> found = find_profile_findings(_make_example_dataset(), p)
    >>> [f.id for f in found][:4]
    ['profile.no_profile_edition', 'profile.mp_awareness', 'profile.mp_use', 'profile.top_challenge']
    >>> next(f for f in found if f.kind == "major_challenge").text["en"]
    '“Rarely updated” is a moderate or major challenge for 4 of the 4 institutions that answered (100%).'
    """
    from .findings import format_entity_name, make_finding

    catalogue = _finding_catalogue(str(reference_dir() / PROFILE_FINDINGS_FILE))
    names = {str(row["entity_id"]): format_entity_name(row["name"], row["acronym"])
             for row in dataset.entities.to_dict("records")}

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


# --------------------------------------------------------------------------------------------
# The tiny dataset of the examples above (and nothing else)


def _make_example_dataset() -> CountryDataset:
    """Return the four-institution dataset of this module's doctests."""
    from .dataset import make_empty_table

    ids = ["SEN-MINT", "SEN-ANSD", "SEN-MAE", "SEN-ONG"]
    names = ["Ministère de l’Intérieur", "Agence nationale de la statistique",
             "Ministère des Affaires étrangères", "ONG Migrants"]
    types = ["ministry", "statistics_office", "ministry", "civil_society"]
    respondents = make_empty_table("respondents").reindex(range(4))
    respondents["submission_id"] = ["s1", "s2", "s3", "s4"]
    respondents["entity_id"] = ids
    respondents["institution_name"] = names
    respondents["institution_type"] = types
    respondents["wg_member"] = pd.array([True, True, False, False], dtype="boolean")
    respondents["wg_coordinator"] = pd.array([True, False, False, False], dtype="boolean")
    respondents["good_practice"] = [None, "Bulletin trimestriel partagé", None, " "]
    respondents["challenge_other"] = ["manque de financement", None, None, "Manque de financement."]
    entities = make_empty_table("entities").reindex(range(4))
    entities["entity_id"] = ids
    entities["name"] = names
    entities["acronym"] = ["MINT", "ANSD", "MAE", pd.NA]
    entities["institution_type"] = types
    entities["is_respondent"] = True
    entities["name_variants"] = ""
    mp_use = pd.DataFrame({
        "entity_id": ids,
        "mp_aware": pd.array([True, True, True, False], dtype="boolean"),
        "mp_used": pd.array([True, True, False, pd.NA], dtype="boolean"),
        "functions": ["dialogue policy_programme", "dialogue", "", ""],
        "use_example": ["Note au ministre", None, None, None],
    })
    severities = {"understanding": [0, 1, 2, 1], "update": [3, 3, 3, 3], "use": [3, 2, 1, 2],
                  "dissemination": [1, 1, 1, 1], "ownership": [0, 0, 0, pd.NA]}
    challenges = pd.DataFrame(
        [{"entity_id": e, "challenge": c, "severity": s[i], "comment": None}
         for c, s in severities.items() for i, e in enumerate(ids)])
    challenges["severity"] = challenges["severity"].astype("Int64")
    needs = pd.DataFrame({"entity_id": ["SEN-MINT", "SEN-ANSD", "SEN-ONG", "SEN-ONG"],
                          "need": ["training", "training", "training", "equipment"]})
    sources = make_empty_table("sources").reindex(range(4))
    sources["source_id"] = ["src1", "src2", "src3", "src4"]
    sources["entity_id"] = ["SEN-ANSD", "SEN-MINT", "SEN-MINT", "SEN-ONG"]
    sources["domain"] = ["trends", "trends", "border_management", "crisis"]
    sources["status"] = ["existing", "existing", "existing", "potential"]
    empty = {name: make_empty_table(name) for name in ("flows", "stages", "issues", "counts")}
    return CountryDataset(country="SEN", respondents=respondents, entities=entities, sources=sources,
                          challenges=challenges, needs=needs, mp_use=mp_use, **empty)
