"""One :class:`CountrySnapshot` per country and the region's comparison tables computed from them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from mpanalysis.analysis.recommendations import Recommendation
from mpanalysis.errors import MpanalysisError
from mpanalysis.params import CountryParams
from mpanalysis.paths import params_path
from mpanalysis.publish.regional.texts import _PLACEHOLDER, _PLURAL, _fold, _pick, _read_texts, _texts_path
from mpanalysis.reference import get_codes

#: How many of the most widespread rule-based recommendations the comparison lists.
N_COMMON_RECOMMENDATIONS = 10

#: Columns of :func:`build_network_comparison`, in the table's order.
NETWORK_INDICATORS = ("n_institutions", "n_respondents", "response_rate", "density", "formal_share",
                      "confirmation_rate", "coordinator_reach", "n_cut_vertices", "n_silos")
#: Indicators shown as percentages (the others are counts, and density a number from 0 to 1).
SHARE_INDICATORS = ("response_rate", "formal_share", "confirmation_rate", "coordinator_reach")


# --------------------------------------------------------------------------------------------
# Gathering the region


@dataclass(frozen=True)
class CountrySnapshot:
    """What the regional comparison needs from one country, in no particular language.

    ``milestones``: :func:`mpanalysis.guide.figures.timeline.build_milestone_table`; ``gaps``:
    :func:`mpanalysis.analysis.sources.find_source_gaps` (index ``domain``); ``network``: the values of
    :data:`NETWORK_INDICATORS` (None when undefined); ``challenges``: the five catalogue
    challenges of :func:`mpanalysis.analysis.profile.build_problem_matrix` (``challenge, n_answered,
    mean_severity, prevalence, score, rank``); ``recommendations``: chapter IV's, numbered.
    """

    country: str
    params: CountryParams
    milestones: pd.DataFrame
    gaps: pd.DataFrame
    network: dict[str, float | int | None]
    challenges: pd.DataFrame
    recommendations: tuple[Recommendation, ...]
    n_sources: int
    n_links: int
    input_hashes: dict[str, str] = field(default_factory=dict)
    params_hash: str = ""

    def get_name(self, lang: str) -> str:
        """Return the country's name in ``lang``."""
        return self.params.get_country_name(lang)

    @property
    def is_demo(self) -> bool:
        return self.params.is_demo

    @property
    def is_final(self) -> bool:
        """True when the country's guide is endorsed or published."""
        return self.params.endorsement.is_final

    @property
    def rule_ids(self) -> set[str]:
        """Ids of the rules that apply in this country (kept, or merged into a workshop one)."""
        ids = {r.id for r in self.recommendations if r.origin == "rule"}
        for recommendation in self.recommendations:
            ids.update(recommendation.merged_ids)
        return ids


@dataclass(frozen=True)
class RegionData:
    """The countries of a synthesis: their snapshots (in the order asked), those left out with the
    reason (``{ISO3: message}``), and the date the stages' states are judged at."""

    snapshots: tuple[CountrySnapshot, ...]
    skipped: dict[str, str]
    today: dt.date

    @property
    def countries(self) -> list[str]:
        return [s.country for s in self.snapshots]

    def ordered(self, lang: str) -> list[CountrySnapshot]:
        """Return the snapshots in the alphabetical order of the countries' names in ``lang``."""
        return sorted(self.snapshots, key=lambda s: (_fold(s.get_name(lang)), s.country))

    def names(self, lang: str) -> dict[str, str]:
        """Return ``{ISO3: name in lang}``."""
        return {s.country: s.get_name(lang) for s in self.snapshots}


def parse_countries(countries: str | Iterable[str] | None) -> list[str]:
    """Return the ISO3 codes asked for: a list, or a text such as ``"SEN, civ"``; empty means
    every country with a parameters file.

    >>> parse_countries("sen, CIV SEN")
    ['SEN', 'CIV']
    >>> parse_countries(["GHA"])
    ['GHA']
    >>> parse_countries("SENE")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.MpanalysisError: countries: 'SENE' is not a three-letter ISO 3166-1 code (write e.g. "SEN, CIV")
    """
    if countries is None:
        items: list[str] = []
    elif isinstance(countries, str):
        items = [c for c in re.split(r"[\s,;]+", countries) if c]
    else:
        items = [str(c).strip() for c in countries if str(c).strip()]
    codes = []
    for item in items:
        if not re.fullmatch(r"[A-Za-z]{3}", item):
            raise MpanalysisError(f"countries: '{item}' is not a three-letter ISO 3166-1 code "
                                  '(write e.g. "SEN, CIV")')
        if item.upper() not in codes:
            codes.append(item.upper())
    if codes:
        return codes
    from mpanalysis.params import list_region_countries

    return list_region_countries()


def build_country_snapshot(country: str | CountryParams, today: dt.date | None = None) -> CountrySnapshot:
    """Compute one country's snapshot from its parameters and (cached) validated answers.

    Raises :class:`mpanalysis.errors.MpanalysisError` (naming the file) when the parameters or
    the answers cannot be read.
    """
    from mpanalysis.analysis.findings import find_network_findings, find_source_findings, format_entity_name
    from mpanalysis.analysis.network import build_actor_network, summarize_network
    from mpanalysis.analysis.profile import (
        build_problem_matrix,
        build_profile_measures,
        find_profile_findings,
    )
    from mpanalysis.analysis.recommendations import build_recommendations
    from mpanalysis.analysis.sources import build_sources_analysis, summarize_response
    from mpanalysis.guide.chapters.policy_cycle import build_network_measures
    from mpanalysis.guide.figures.timeline import build_milestone_table
    from mpanalysis.ingest.cache import list_input_files, load_country_dataset_cached
    from mpanalysis.ingest.dataset import get_input_folder
    from mpanalysis.params import load_params
    from mpanalysis.provenance import hash_file, hash_object

    params = country if isinstance(country, CountryParams) else load_params(country)
    lang = params.languages[0]
    dataset = load_country_dataset_cached(params, lang)
    analysis = build_sources_analysis(dataset, params)
    graph = build_actor_network(dataset)
    summary = summarize_network(graph, sources=dataset.sources)
    network_findings = find_network_findings(graph, summary, dataset)
    findings = [*find_source_findings(dataset, params, analysis=analysis), *network_findings,
                *find_profile_findings(dataset, params)]
    # the measures chapters II and III hand to chapter IV's rules (chapter I's are read by none)
    measures = {**build_network_measures(summary, network_findings), **build_profile_measures(dataset, params)}
    names = {str(row["entity_id"]): format_entity_name(row["name"], row["acronym"])
             for row in dataset.entities.to_dict("records")}
    recommendations = build_recommendations(findings, measures, params, lang, names=names, dataset=dataset)

    response = summarize_response(dataset, params)
    network = {
        "n_institutions": response.n_respondents + response.n_named,
        "n_respondents": response.n_respondents,
        # against the institutions invited; None (shown "–") when the parameters do not list them
        "response_rate": response.response_rate,
        "density": summary.density,
        "formal_share": summary.formal_share,
        "confirmation_rate": summary.confirmation_rate,
        "coordinator_reach": summary.coordinator_reach,
        "n_cut_vertices": len(summary.cut_vertices),
        # the silos the guide names: communities whose exchanges mostly stay inside
        "n_silos": sum(1 for f in network_findings if f.kind == "silo"),
    }
    matrix = build_problem_matrix(dataset, params, lang)
    challenges = matrix.loc[~matrix["is_other"].astype(bool),
                            ["challenge", "n_answered", "mean_severity", "prevalence", "score", "rank"]]
    folder = get_input_folder(params)
    # the same fingerprint as the country's guide prints (pipeline: the YAML file's bytes)
    params_file = params_path(params.country)
    return CountrySnapshot(
        country=params.country, params=params,
        milestones=build_milestone_table(params, today),
        gaps=analysis.gaps.copy(),
        network=network,
        challenges=challenges.reset_index(drop=True),
        recommendations=tuple(recommendations),
        n_sources=len(dataset.sources), n_links=summary.n_edges,
        input_hashes={p.name: hash_file(p) for p in list_input_files(folder)},
        params_hash=hash_file(params_file) if params_file.is_file() else hash_object(params),
    )


def collect_region(countries: str | Iterable[str] | None = None, today: dt.date | None = None) -> RegionData:
    """Return the snapshots of the countries asked for (default: every country with parameters).

    A country that fails (bad parameters, unreadable answers) is left out and recorded in
    ``skipped`` with the reason; the synthesis names it. Raises :class:`MpanalysisError` when no
    country at all can be compared.
    """
    today = today or dt.date.today()
    snapshots, skipped = [], {}
    for code in parse_countries(countries):
        try:
            snapshots.append(build_country_snapshot(code, today))
        except MpanalysisError as exc:
            skipped[code] = str(exc)
        except Exception as exc:  # one country's surprise must not take the region down with it
            skipped[code] = f"{type(exc).__name__}: {exc}"
    if not snapshots:
        reasons = "; ".join(f"{c}: {m}" for c, m in skipped.items()) or "no parameters file in params/"
        raise MpanalysisError(f"regional synthesis: no country could be compared ({reasons})")
    return RegionData(snapshots=tuple(snapshots), skipped=skipped, today=today)


# --------------------------------------------------------------------------------------------
# Comparison tables (codes, not labels; one row or column per country, ISO3)


def build_region_milestones(region: RegionData) -> pd.DataFrame:
    """Return every country's milestones: ``country, stage, order, start, end, state, due,
    is_overdue``, one row per country × recorded stage, countries in the order of ``region``,
    stages in exercise order.

    ``due`` is the date a stage should be done by (its end, else its start); a stage is
    *overdue* when it is not done and its due date is before the synthesis' date.

    >>> table = build_region_milestones(make_example_region())
    >>> table.groupby("country", sort=False)["state"].agg(list).to_dict()
    {'SEN': ['done', 'done', 'done'], 'GMB': ['done', 'planned', 'planned']}
    >>> table.loc[table["is_overdue"], ["country", "stage"]].values.tolist()
    [['GMB', 'workshop']]
    """
    frames = [s.milestones.assign(country=s.country) for s in region.snapshots if len(s.milestones)]
    columns = ["country", "stage", "order", "start", "end", "state", "due", "is_overdue"]
    if not frames:
        return pd.DataFrame(columns=columns)
    table = pd.concat(frames, ignore_index=True)
    table["due"] = [start if end is None or pd.isna(end) else end for start, end in zip(table["start"], table["end"])]
    table["is_overdue"] = (table["state"] == "planned") & (table["due"] < region.today)
    return table[columns]


def list_overdue_milestones(region: RegionData) -> pd.DataFrame:
    """Return the overdue stages (:func:`build_region_milestones`), the longest overdue first.

    >>> list_overdue_milestones(make_example_region())[["country", "stage", "due"]].values.tolist()
    [['GMB', 'workshop', datetime.date(2025, 9, 9)]]
    """
    table = build_region_milestones(region)
    return table[table["is_overdue"]].sort_values(["due", "order"], kind="stable").reset_index(drop=True)


def build_coverage_comparison(region: RegionData) -> pd.DataFrame:
    """Return one row per country × domain: ``country, domain, n_existing, n_potential, has_gap``.

    Domains are the reference list's, then any other a country reported; ``has_gap`` is a
    coverage gap (no existing source), as chapter I defines it.
    """
    domains = list(get_codes("domains"))
    for snapshot in region.snapshots:
        domains += [d for d in snapshot.gaps.index if d not in domains]
    rows = []
    for snapshot in region.snapshots:
        gaps = snapshot.gaps
        for domain in domains:
            n_existing = int(gaps.at[domain, "n_existing"]) if domain in gaps.index else 0
            n_potential = int(gaps.at[domain, "n_potential"]) if domain in gaps.index else 0
            rows.append({"country": snapshot.country, "domain": domain, "n_existing": n_existing,
                         "n_potential": n_potential, "has_gap": n_existing == 0})
    return pd.DataFrame(rows, columns=["country", "domain", "n_existing", "n_potential", "has_gap"])


def build_network_comparison(region: RegionData) -> pd.DataFrame:
    """Return the network indicators side by side: index ``country``, columns
    :data:`NETWORK_INDICATORS` (NaN where an indicator is undefined, e.g. no coordinator)."""
    rows = [{"country": s.country, **{k: s.network.get(k) for k in NETWORK_INDICATORS}}
            for s in region.snapshots]
    frame = pd.DataFrame(rows, columns=["country", *NETWORK_INDICATORS]).set_index("country")
    for column in NETWORK_INDICATORS:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def build_challenge_comparison(region: RegionData) -> pd.DataFrame:
    """Return one row per country × challenge: ``country, challenge, n_answered, mean_severity,
    prevalence, score, rank`` (the country's own problem matrix)."""
    frames = [s.challenges.assign(country=s.country) for s in region.snapshots]
    columns = ["country", "challenge", "n_answered", "mean_severity", "prevalence", "score", "rank"]
    return pd.concat(frames, ignore_index=True)[columns]


def build_challenge_ranking(comparison: pd.DataFrame) -> pd.DataFrame:
    """Rank the challenges across countries, each country counting once.

    Returns index ``challenge`` (ranked, then unanswered ones) with ``mean_severity``,
    ``prevalence`` and ``score`` (means of the countries' values), ``n_countries`` (countries
    where someone rated it), ``n_top`` (countries where it ranks first) and ``rank`` (by mean
    score, then mean severity, then catalogue order).

    >>> c = pd.DataFrame({"country": ["A", "A", "B", "B"], "challenge": ["use", "update"] * 2,
    ...                   "n_answered": [4, 4, 2, 2], "mean_severity": [3.0, 1.0, 2.0, 2.0],
    ...                   "prevalence": [1.0, 0.25, 0.5, 1.0], "score": [3.0, 0.25, 1.0, 2.0],
    ...                   "rank": [1, 2, 2, 1]})
    >>> r = build_challenge_ranking(c)
    >>> r[["score", "n_top", "rank"]].loc[["use", "update"]].values.tolist()
    [[2.0, 1.0, 1.0], [1.125, 1.0, 2.0]]
    """
    order = {code: i for i, code in enumerate(get_codes("challenges"))}
    answered = comparison[pd.to_numeric(comparison["n_answered"], errors="coerce").fillna(0) > 0]
    rows = []
    for code in list(dict.fromkeys([*order, *comparison["challenge"]])):
        part = answered[answered["challenge"] == code]
        if part.empty:
            rows.append({"challenge": code, "mean_severity": float("nan"), "prevalence": float("nan"),
                         "score": float("nan"), "n_countries": 0, "n_top": 0})
            continue
        rows.append({"challenge": code,
                     "mean_severity": float(part["mean_severity"].astype(float).mean()),
                     "prevalence": float(part["prevalence"].astype(float).mean()),
                     "score": float(part["score"].astype(float).mean()),
                     "n_countries": int(part["country"].nunique()),
                     "n_top": int((pd.to_numeric(part["rank"], errors="coerce") == 1).sum())})
    ranked = sorted((r for r in rows if r["n_countries"]),
                    key=lambda r: (-r["score"], -r["mean_severity"], order.get(r["challenge"], len(order))))
    for rank, row in enumerate(ranked, start=1):
        row["rank"] = rank
    rows = ranked + [dict(r, rank=float("nan")) for r in rows if not r["n_countries"]]
    columns = ["challenge", "mean_severity", "prevalence", "score", "n_countries", "n_top", "rank"]
    return pd.DataFrame(rows, columns=columns).set_index("challenge")


def build_recommendation_counts(region: RegionData) -> pd.DataFrame:
    """Return the number of recommendations per category (rows, guide order) and country (columns).

    Every recommendation of the national guide counts: rule-based and adopted at the workshop.
    """
    categories = list(get_codes("recommendation_categories"))
    for snapshot in region.snapshots:
        categories += [r.category for r in snapshot.recommendations if r.category not in categories]
    frame = pd.DataFrame(0, index=pd.Index(categories, name="category"),
                         columns=pd.Index(region.countries, name="country"), dtype="int64")
    for snapshot in region.snapshots:
        for recommendation in snapshot.recommendations:
            frame.at[recommendation.category, snapshot.country] += 1
    return frame


def build_common_recommendations(region: RegionData) -> pd.DataFrame:
    """Return the rule-based recommendations by how many countries they apply in.

    Columns ``rule_id, category, priority, n_countries, countries`` (ISO3 codes, in region
    order), ``priority_order`` (0 = high) and ``order`` (position in the rules file); most
    widespread first, then in the rules file's order.
    """
    from mpanalysis.analysis.recommendations import PRIORITIES, load_rules

    rows = []
    for order, rule in enumerate(load_rules()):
        countries = tuple(s.country for s in region.snapshots if rule.id in s.rule_ids)
        if countries:
            rows.append({"rule_id": rule.id, "category": rule.category, "priority": rule.priority,
                         "n_countries": len(countries), "countries": countries,
                         "priority_order": PRIORITIES.index(rule.priority), "order": order})
    columns = ["rule_id", "category", "priority", "n_countries", "countries", "priority_order", "order"]
    frame = pd.DataFrame(rows, columns=columns)
    frame = frame.sort_values(["n_countries", "order"], ascending=[False, True], kind="stable")
    return frame.reset_index(drop=True)


def get_rule_label(rule_id: str, lang: str) -> str:
    """Return the short name of a recommendation rule for the comparison.

    A rule without a short name in ``regional.yaml`` shows its text with generic placeholders.

    >>> get_rule_label("coop_formalise_exchanges", "en")
    'Formalise exchanges through agreements'
    """
    labels = _read_texts(str(_texts_path())).get("rule_labels", {})
    if rule_id in labels:
        return _pick(labels[rule_id], f"rule_labels.{rule_id}", lang)
    from mpanalysis.analysis.recommendations import get_rule_labels, load_rules
    from mpanalysis.wording.names import attach_preposition

    rule = next((r for r in load_rules() if r.id == rule_id), None)
    if rule is None:
        return rule_id
    text = rule.text.get(lang) or next(iter(rule.text.values()))
    text = _PLURAL.sub(lambda m: m.group(3), text)
    fallback = get_rule_labels("fallback", lang)["entities"]
    def fill(match: re.Match) -> str:
        name, _, preposition = match.group(1).partition(":")
        return attach_preposition(fallback, lang, preposition or None) if name == "entities" else "…"

    return _PLACEHOLDER.sub(fill, text)


def make_example_region() -> RegionData:
    """Two tiny countries for the examples: Senegal (endorsed) and The Gambia (draft, no
    existing crisis source), both demo data."""
    def snapshot(code: str, name: dict, status: str, milestones: list, existing: dict,
                 network: dict, severities: dict, categories: list) -> CountrySnapshot:
        params = CountryParams(country=code, country_name=name, is_demo=True,
                               endorsement={"status": status}, milestones=milestones)
        gaps = pd.DataFrame({"n_existing": existing, "n_potential": {d: 1 for d in existing}})
        gaps.index.name = "domain"
        rows = [{"challenge": c, "n_answered": 4, "mean_severity": m, "prevalence": p, "score": m * p}
                for c, (m, p) in severities.items()]
        challenges = pd.DataFrame(rows).sort_values("score", ascending=False, kind="stable")
        challenges["rank"] = range(1, len(challenges) + 1)
        recommendations = tuple(Recommendation(id=rule, category=category, priority="high", text="…", lang="fr")
                                for rule, category in categories)
        return CountrySnapshot(country=code, params=params,
                               milestones=build_milestone_table(params, dt.date(2025, 11, 1)), gaps=gaps,
                               network=network, challenges=challenges.reset_index(drop=True),
                               recommendations=recommendations, n_sources=sum(existing.values()), n_links=12)

    from mpanalysis.guide.figures.timeline import build_milestone_table

    network = {"n_institutions": 12, "n_respondents": 9, "response_rate": 0.75, "density": 0.12,
               "formal_share": 0.2, "confirmation_rate": 0.4, "coordinator_reach": 0.8,
               "n_cut_vertices": 2, "n_silos": 1}
    severities = {"understanding": (1.0, 0.25), "dissemination": (2.0, 0.5), "ownership": (1.5, 0.5),
                  "update": (2.5, 1.0), "use": (2.0, 0.75)}
    senegal = snapshot(
        "SEN", {"fr": "Sénégal", "en": "Senegal"}, "endorsed",
        [{"stage": "questionnaire", "start": "2025-02-03", "end": "2025-03-21"},
         {"stage": "workshop", "start": "2025-05-14", "end": "2025-05-15"},
         {"stage": "endorsement", "start": "2025-09-30"}],
        {"trends": 4, "border_management": 2, "crisis": 1, "development": 2}, network, severities,
        [("coop_share_data", "cooperation"), ("training_data_use", "training_hr")])
    gambia = snapshot(
        "GMB", {"fr": "Gambie", "en": "The Gambia"}, "draft",
        [{"stage": "questionnaire", "start": "2025-05-05", "end": "2025-06-13"},
         {"stage": "workshop", "start": "2025-09-09", "done": False},
         {"stage": "drafting", "start": "2025-12-01", "done": False}],
        {"trends": 2, "border_management": 3, "crisis": 0, "development": 1},
        {**network, "density": 0.2, "coordinator_reach": None, "n_silos": 0},
        {**severities, "use": (3.0, 1.0)},
        [("coop_share_data", "cooperation"), ("crisis_information", "crisis_information")])
    return RegionData(snapshots=(senegal, gambia), skipped={}, today=dt.date(2025, 11, 1))
