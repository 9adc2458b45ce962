"""The regional synthesis for the senior officials' meeting: every participating country side by side.

One :class:`CountrySnapshot` per country holds what the comparison needs, computed by the same
functions as the national guides (:mod:`~mpanalysis.sources`, :mod:`~mpanalysis.network`,
:mod:`~mpanalysis.profile_use`, :mod:`~mpanalysis.findings`, :mod:`~mpanalysis.recommendations`,
:mod:`~mpanalysis.timeline`), so the synthesis and the guides print the same numbers.
:func:`collect_region` gathers them; a country whose parameters or answers cannot be read is left
out and named in the synthesis, never stopping the others.

:func:`build_regional_synthesis` returns a :class:`~mpanalysis.document.Guide` with five chapters
(the exercise and its timeline, source coverage, network indicators, challenges,
recommendations) and a method annex. Every sentence is a template of
``data/reference/chapters/regional.yaml`` filled with computed values. Definitions:

- each country counts once in regional averages and medians, whatever its size;
- a *coverage gap* is a domain where a country reports no existing source (as in chapter I);
- a challenge's regional score is the mean of the countries' scores (prevalence × mean severity,
  as :func:`mpanalysis.profile_use.build_problem_matrix` defines them); the regional rank follows it;
- a recommendation rule *applies* in a country when it produced a recommendation there, kept as
  is or merged into an equivalent one adopted at the national workshop.

The synthesis carries the DRAFT mark while any included country's guide is not endorsed or
published, and the synthetic-data mark when any country's data are the demo's.

:func:`write_regional_outputs` writes, per language, the HTML and PDF (through
:func:`mpanalysis.render.render_guide`) and a slide deck (:func:`build_slides_html`): one slide
per key figure or table (the blocks flagged ``in_brief``), self-contained, working offline, with
plotly.js inlined once and a small keyboard-driven slide engine
(``src/mpanalysis/templates/slides/``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import statistics
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from .document import BulletList, Callout, Chapter, Figure, Guide, Paragraph, Table
from .errors import MpanalysisError, ReferenceDataError
from .params import CountryParams
from .paths import outputs_dir, params_dir, params_path, reference_dir
from .recommendations import Recommendation
from .reference import get_codes, get_labels, read_reference_yaml

__all__ = [
    "CountrySnapshot", "RegionData", "build_challenge_comparison", "build_challenge_ranking",
    "build_common_recommendations", "build_country_snapshot", "build_coverage_comparison",
    "build_network_comparison", "build_recommendation_counts", "build_region_milestones",
    "build_regional_synthesis", "build_slides_html", "collect_region", "get_regional_text",
    "list_region_countries", "parse_countries", "plot_challenge_heatmap", "plot_coverage_comparison",
    "plot_network_comparison", "plot_recommendation_counts", "plot_region_timeline",
    "show_synthesis", "write_regional_outputs", "write_slides",
]

TEXTS_FILE = "regional.yaml"
#: ``Guide.country`` of the synthesis: a code of ISO 3166-1's user-assigned range (XAA–XZZ),
#: which no country will ever have, standing for "the region".
REGION_CODE = "XRG"
#: Up to this many countries the cover names them all; beyond, it says "12 countries".
MAX_NAMED_COUNTRIES = 8
#: A stage lasting this many days or fewer is drawn as a diamond on the regional timeline.
POINT_STAGE_DAYS = 7
#: How many of the most widespread rule-based recommendations the comparison lists.
N_COMMON_RECOMMENDATIONS = 10
#: How many of the recommendations common to every country a sentence names (the table has all).
MAX_LISTED_RECOMMENDATIONS = 3

#: Columns of :func:`build_network_comparison`, in the table's order.
NETWORK_INDICATORS = ("n_institutions", "n_respondents", "response_rate", "density", "formal_share",
                      "confirmation_rate", "coordinator_reach", "n_cut_vertices", "n_silos")
#: Indicators shown as percentages (the others are counts, and density a number from 0 to 1).
SHARE_INDICATORS = ("response_rate", "formal_share", "confirmation_rate", "coordinator_reach")
#: The six panels of the network figure.
FIGURE_INDICATORS = ("response_rate", "density", "formal_share", "confirmation_rate",
                     "coordinator_reach", "n_cut_vertices")

# Okabe–Ito colours (distinguishable with the common colour-vision deficiencies); every colour
# cue is doubled by a written value or a legend entry.
CATEGORY_COLOURS = {"cooperation": "#0072B2", "training_hr": "#E69F00", "collection": "#009E73",
                    "border_information": "#D55E00", "crisis_information": "#CC79A7"}
OTHER_CATEGORY_COLOUR = "#999999"
BAR_COLOUR = "#17365d"  # the guide's navy
GAP_COLOUR = "#D55E00"
#: Sequential single-hue scales (light to dark) that read in grey scale too.
COVERAGE_SCALE = [[0.0, "#F7FBFF"], [0.35, "#9ECAE1"], [0.7, "#4292C6"], [1.0, "#08306B"]]
SEVERITY_SCALE = [[0.0, "#FFF5EB"], [0.33, "#FDD0A2"], [0.66, "#F16913"], [1.0, "#7F2704"]]
FONT_FAMILY = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"

_PLURAL = re.compile(r"\{(\w+)\|([^{}|]*)\|([^{}|]*)\}")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


# --------------------------------------------------------------------------------------------
# Texts


@lru_cache(maxsize=None)
def _read_texts(path: str) -> dict:
    return read_reference_yaml(path, "the regional synthesis' texts")


def _texts_path() -> Path:
    return reference_dir() / "chapters" / TEXTS_FILE


def _node(key: str) -> Any:
    path = _texts_path()
    node: Any = _read_texts(str(path))
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ReferenceDataError(f"{path}: no text '{key}'")
        node = node[part]
    return node


def _pick(node: Any, key: str, lang: str) -> str:
    if not isinstance(node, dict) or lang not in node:
        raise ReferenceDataError(f"{_texts_path()}: text '{key}' has no '{lang}' translation")
    return str(node[lang])


def format_value(key: str, value: float | int, lang: str) -> str:
    """Write a number the way ``lang`` does; the key's name says what kind of number it is.

    Shares (``…_share``, ``…_rate``, ``…_reach``) become percentages, ``density`` keeps three
    decimals, other whole numbers are written without decimals.

    >>> format_value("formal_share", 0.125, "fr"), format_value("density", 0.0537, "en")
    ('12\\xa0%', '0.054')
    >>> format_value("n_total", 1234, "en"), format_value("mean_severity", 2.25, "fr")
    ('1,234', '2,2')
    """
    if key.endswith(("_share", "_rate", "_reach")):
        return format_percent(value, locale=lang)
    if key == "density":
        return format_decimal(round(float(value), 3), format="0.000", locale=lang)
    if isinstance(value, int) or float(value).is_integer():
        return format_decimal(int(value), locale=lang)
    return format_decimal(value, format="#,##0.0", locale=lang)


def get_regional_text(key: str, lang: str, *, numbers: Mapping[str, float] | None = None,
                      **texts: str) -> str:
    """Return a text of ``regional.yaml`` in ``lang``, its placeholders filled.

    ``numbers`` are written the way the language writes them (see :func:`format_value`) and
    choose the word forms ``{n|one|other}``; ``texts`` are inserted as given. ``{num:id}`` and
    ``{ref:id}`` stay for the renderers. A placeholder left without a value is an error.

    >>> get_regional_text("coverage.extremes", "en", numbers={"n_best": 31, "n_worst": 1},
    ...                   best="Migration trends", worst="Border management")
    'The best covered domain in the region is “Migration trends” (31 existing sources in all), the least covered “Border management” (1).'
    >>> get_regional_text("document.many_countries", "de")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: ...regional.yaml: text 'document.many_countries' has no 'de' translation
    """
    from .findings import fill_template

    template = _pick(_node(key), key, lang)
    values: dict[str, object] = dict(numbers or {})
    # texts are inserted as given, even one that looks like a number
    values.update((name, str(text)) for name, text in texts.items())
    return fill_template(template, lang, values, where=f"{_texts_path()}: text '{key}'",
                         format_value=format_value)


def _t(key: str, lang: str, **texts: str) -> str:
    return get_regional_text(key, lang, **texts)


def _tn(key: str, lang: str, numbers: Mapping[str, float], **texts: str) -> str:
    return get_regional_text(key, lang, numbers=numbers, **texts)


def _escape(text: object) -> str:
    """Plotly reads a few HTML tags in its texts: names from parameters must show literally."""
    return html.escape(str(text), quote=False)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _list(items: Sequence[str], lang: str) -> str:
    return format_list(list(items), locale=lang) if items else ""


# --------------------------------------------------------------------------------------------
# Gathering the region


@dataclass(frozen=True)
class CountrySnapshot:
    """What the regional comparison needs from one country, in no particular language.

    ``milestones``: :func:`mpanalysis.timeline.build_milestone_table`; ``gaps``:
    :func:`mpanalysis.sources.find_source_gaps` (index ``domain``); ``network``: the values of
    :data:`NETWORK_INDICATORS` (None when undefined); ``challenges``: the five catalogue
    challenges of :func:`mpanalysis.profile_use.build_problem_matrix` (``challenge, n_answered,
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
    n_flows: int
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


def list_region_countries(root: Path | None = None) -> list[str]:
    """Return every country that has a parameters file (``params/<ISO3>.yaml``), sorted.

    >>> "SEN" in list_region_countries()
    True
    """
    folder = params_dir(root)
    return sorted(p.stem.upper() for p in folder.glob("*.yaml") if re.fullmatch(r"[A-Za-z]{3}", p.stem))


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
    return codes or list_region_countries()


def build_country_snapshot(country: str | CountryParams, today: dt.date | None = None) -> CountrySnapshot:
    """Compute one country's snapshot from its parameters and (cached) validated answers.

    Raises :class:`mpanalysis.errors.MpanalysisError` (naming the file) when the parameters or
    the answers cannot be read.
    """
    from .cache import list_input_files, load_country_dataset_cached
    from .chapters.annexes import build_response_table
    from .dataset import get_input_folder
    from .chapters.base import ChapterContext
    from .chapters.policy_cycle import build_network_measures
    from .findings import find_network_findings, find_source_findings, format_entity_name
    from .network import build_actor_network, summarize_network
    from .params import load_params
    from .profile_use import build_problem_matrix, build_profile_measures, find_profile_findings
    from .provenance import hash_file, hash_object
    from .recommendations import build_recommendations
    from .sources import build_sources_analysis
    from .timeline import build_milestone_table

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
    recommendations = build_recommendations(findings, measures, params, lang, names=names)

    response = build_response_table(ChapterContext(dataset=dataset, params=params, lang=lang))
    total = response[response["type"] == "_total"].iloc[0]
    network = {
        "n_institutions": int(total["respondents"] + total["named"]),
        "n_respondents": int(total["respondents"]),
        "response_rate": float(total["rate"]) if total["respondents"] + total["named"] else None,
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
        n_sources=len(dataset.sources), n_flows=len(dataset.flows),
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
    """Return every country's milestones: ``country, stage, order, start, end, state``, one row per
    country × recorded stage, countries in the order of ``region``, stages in exercise order.

    >>> table = build_region_milestones(_make_example_region())
    >>> table.groupby("country", sort=False)["state"].agg(list).to_dict()
    {'SEN': ['done', 'done', 'done'], 'GMB': ['done', 'planned']}
    """
    frames = [s.milestones.assign(country=s.country) for s in region.snapshots if len(s.milestones)]
    columns = ["country", "stage", "order", "start", "end", "state"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


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
    from .recommendations import PRIORITIES, load_rules

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
    from .recommendations import get_rule_labels, load_rules

    rule = next((r for r in load_rules() if r.id == rule_id), None)
    if rule is None:
        return rule_id
    text = rule.text.get(lang) or next(iter(rule.text.values()))
    text = _PLURAL.sub(lambda m: m.group(3), text)
    fallback = get_rule_labels("fallback", lang)["entities"]
    return _PLACEHOLDER.sub(lambda m: fallback if m.group(1) == "entities" else "…", text)


# --------------------------------------------------------------------------------------------
# Figures


#: The look of plotly's "plotly_white" template, spelled out: a named template is deep-copied into
#: every figure (most of the time spent building them) and written whole into its JSON.
_AXIS_STYLE = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "ticks": "", "zerolinecolor": "#EBF0F8",
               "zerolinewidth": 2, "automargin": True, "title": {"standoff": 15}}
TEMPLATE = {"layout": {"paper_bgcolor": "white", "plot_bgcolor": "white", "hoverlabel": {"align": "left"},
                       "xaxis": _AXIS_STYLE, "yaxis": _AXIS_STYLE}}


def _layout(height: int, **extra: Any) -> dict[str, Any]:
    layout = {"template": TEMPLATE, "height": height,
              "font": {"family": FONT_FAMILY, "size": 13, "color": "#1f2933"},
              "margin": {"l": 10, "r": 20, "t": 30, "b": 30},
              "hoverlabel": {"font": {"family": FONT_FAMILY}}}
    layout.update(extra)
    return layout


def plot_region_timeline(region: RegionData, lang: str) -> go.Figure:
    """Return the Gantt chart of the exercise: one row per country × recorded stage, coloured by
    state, countries in alphabetical order."""
    from .timeline import STATE_COLOURS, plot_exercise_timeline

    names = region.names(lang)
    order = {s.country: i for i, s in enumerate(region.ordered(lang))}
    milestones = build_region_milestones(region)
    milestones = milestones.assign(_pos=milestones["country"].map(order)).sort_values(
        ["_pos", "order", "start"], kind="stable").reset_index(drop=True)
    stage_labels = get_labels("milestones", lang)
    labels = pd.Series([f"{_escape(names[c])} — {_escape(stage_labels.get(s, s))}"
                        for c, s in zip(milestones["country"], milestones["stage"])], dtype=object)
    fig = plot_exercise_timeline(milestones.drop(columns="_pos"), lang, row_labels=labels)
    # With one row per country and stage, the start dates written beside every bar collide and
    # run off the chart: the dates stay in the hover and on the axis.
    fig.update_traces(text=None, textposition="none", selector={"type": "bar"})
    # A stage of a few days (an endorsement, a two-day workshop) is a hairline as a bar on a
    # chart spanning months: a diamond marks it, in its state's colour.
    starts = pd.to_datetime(milestones["start"])
    ends = pd.to_datetime(milestones["end"])
    is_point = (ends.isna() | (ends - starts <= pd.Timedelta(days=POINT_STAGE_DAYS))).to_numpy()
    for state, colour in STATE_COLOURS.items():
        mask = is_point & (milestones["state"] == state).to_numpy()
        if mask.any():
            fig.add_trace(go.Scatter(
                x=[d.isoformat() for d in starts[mask].dt.date], y=list(labels[mask]), mode="markers",
                marker={"symbol": "diamond", "size": 11, "color": colour, "line": {"color": "#ffffff", "width": 1}},
                showlegend=False, hovertemplate="%{y}: %{x|%Y-%m-%d}<extra></extra>"))
    # Every other country on a tinted band, so the eye keeps each country's stages together.
    positions = milestones.groupby("_pos", sort=True).indices
    for band, (_, rows) in enumerate(sorted(positions.items())):
        if band % 2 == 0:
            fig.add_shape(type="rect", xref="paper", x0=0, x1=1, y0=min(rows) - 0.5, y1=max(rows) + 0.5,
                          fillcolor="#eef2f6", line={"width": 0}, layer="below")
    first, last = starts.min(), max(starts.max(), ends.max() if ends.notna().any() else starts.max())
    margin = pd.Timedelta(days=max(15, int((last - first).days * 0.03)))
    fig.update_layout(font={"family": FONT_FAMILY, "size": 12},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
                      margin={"l": 10, "r": 20, "t": 30, "b": 30})
    fig.update_xaxes(range=[(first - margin).date().isoformat(), (last + margin).date().isoformat()],
                     showgrid=True, gridcolor="#dde3ea")
    fig.update_yaxes(automargin=True, showgrid=False)
    return fig


def plot_coverage_comparison(coverage: pd.DataFrame, names: Mapping[str, str], lang: str) -> go.Figure:
    """Return the domains × countries heat map of existing sources, gaps outlined with dashes.

    ``coverage`` is :func:`build_coverage_comparison`; ``names`` maps ISO3 codes to the column
    labels, in display order.
    """
    countries = [c for c in names if c in set(coverage["country"])]
    domains = list(dict.fromkeys(coverage["domain"]))
    domain_labels = get_labels("domains", lang)
    existing = coverage.pivot(index="domain", columns="country", values="n_existing").loc[domains, countries]
    potential = coverage.pivot(index="domain", columns="country", values="n_potential").loc[domains, countries]
    x = [_escape(names[c]) for c in countries]
    y = [_escape(domain_labels.get(d, d)) for d in domains]
    z_max = max(1, int(existing.to_numpy().max()))
    hover = _t("coverage.hover", lang)
    gap_text = _t("coverage.gap_cell", lang)
    # annotations and shapes go in with the layout, at once: plotly validates each added one
    annotations, shapes = [], []
    for i, domain in enumerate(domains):
        for j, country in enumerate(countries):
            n = int(existing.at[domain, country])
            if n == 0:
                n_potential = int(potential.at[domain, country])
                text = f"<b>0 · {gap_text}</b>"
                if n_potential:
                    text += "<br>" + _tn("coverage.potential_cell", lang, {"n_potential": n_potential})
                shapes.append({"type": "rect", "x0": j - 0.46, "x1": j + 0.46, "y0": i - 0.44, "y1": i + 0.44,
                               "line": {"color": GAP_COLOUR, "width": 2.5, "dash": "dash"}})
                annotations.append({"x": x[j], "y": y[i], "text": text, "showarrow": False,
                                    "font": {"color": GAP_COLOUR, "size": 13}})
            else:
                dark = n / z_max > 0.55
                annotations.append({"x": x[j], "y": y[i], "text": f"<b>{format_decimal(n, locale=lang)}</b>",
                                    "showarrow": False,
                                    "font": {"size": 16, "color": "#ffffff" if dark else "#1f2933"}})
    heatmap = go.Heatmap(
        z=existing.to_numpy().tolist(), x=x, y=y, zmin=0, zmax=z_max, colorscale=COVERAGE_SCALE,
        showscale=False, xgap=3, ygap=3,
        hovertemplate="%{y} · %{x}<br>" + hover + " : %{z}<extra></extra>")
    layout = _layout(110 + 75 * len(domains), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                     annotations=annotations, shapes=shapes,
                     xaxis={"side": "top", "showgrid": False, "tickfont": {"size": 13}},
                     yaxis={"autorange": "reversed", "showgrid": False, "automargin": True, "tickfont": {"size": 13}})
    return go.Figure(data=[heatmap], layout=layout)


def _indicator_text(key: str, value: float | None, lang: str) -> str:
    if value is None or value != value:
        return _t("network.not_defined", lang)
    if key in SHARE_INDICATORS:
        return format_percent(value, locale=lang)
    return format_value(key, value if key == "density" else int(value), lang)


def plot_network_comparison(network: pd.DataFrame, names: Mapping[str, str], lang: str) -> go.Figure:
    """Return six small bar charts (one per :data:`FIGURE_INDICATORS`), one bar per country and a
    dashed line at the regional median; ``names`` gives the countries' labels, in display order."""
    countries = [c for c in names if c in network.index]
    labels = {k: _t(f"network.indicators.{k}", lang) for k in FIGURE_INDICATORS}
    n_cols = 3
    n_rows = -(-len(FIGURE_INDICATORS) // n_cols)
    h_gap, v_gap = 0.05, 0.16
    width, height = (1 - h_gap * (n_cols - 1)) / n_cols, (1 - v_gap * (n_rows - 1)) / n_rows
    y = [_escape(names[c]) for c in countries]
    # The grid is laid out by hand, in one layout: make_subplots and per-panel updates cost
    # seconds of plotly validation for six small charts.
    traces, annotations, shapes = [], [], []
    layout: dict[str, Any] = {}
    for index, key in enumerate(FIGURE_INDICATORS):
        row, col = index // n_cols, index % n_cols
        suffix = "" if index == 0 else str(index + 1)
        x0 = col * (width + h_gap)
        y1 = 1 - row * (height + v_gap)
        values = [network.at[c, key] for c in countries]
        defined = [v for v in values if v == v]
        traces.append(go.Bar(
            x=[v if v == v else 0 for v in values], y=y, orientation="h", marker_color=BAR_COLOUR,
            text=[_indicator_text(key, v, lang) for v in values], textposition="outside",
            cliponaxis=False, showlegend=False, name=labels[key], xaxis=f"x{suffix}", yaxis=f"y{suffix}",
            hovertemplate="%{y}: %{text}<extra>" + _escape(labels[key]) + "</extra>"))
        top = max(defined) if defined else 1.0
        if key in SHARE_INDICATORS:
            axis = {"range": [0, 1.32], "tickformat": ".0%", "dtick": 0.5}
        else:
            axis = {"range": [0, (top or 1) * 1.45], "nticks": 3}
            if key == "density":
                axis["tickformat"] = ".2f"
        layout[f"xaxis{suffix}"] = {"domain": [x0, x0 + width], "anchor": f"y{suffix}", "showgrid": True,
                                    "gridcolor": "#e6e9ee", "zeroline": True, "zerolinecolor": "#9aa5b1", **axis}
        layout[f"yaxis{suffix}"] = {"domain": [y1 - height, y1], "anchor": f"x{suffix}", "autorange": "reversed",
                                    "automargin": True, "showticklabels": col == 0, "tickfont": {"size": 12}}
        annotations.append({"text": _escape(labels[key]), "x": x0 + width / 2, "y": y1, "xref": "paper",
                            "yref": "paper", "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": 14, "color": BAR_COLOUR}})
        if defined:
            median = statistics.median(defined)
            shapes.append({"type": "line", "x0": median, "x1": median, "xref": f"x{suffix}",
                           "y0": 0, "y1": 1, "yref": f"y{suffix} domain", "layer": "below",
                           "line": {"color": "#52606d", "dash": "dash", "width": 1.5}})
    layout.update(_layout(120 + n_rows * (40 + 30 * len(countries)), margin={"l": 10, "r": 20, "t": 40, "b": 20},
                          bargap=0.3, annotations=annotations, shapes=shapes))
    if lang == "fr":
        layout["separators"] = ", "
    return go.Figure(data=traces, layout=layout)


def plot_challenge_heatmap(comparison: pd.DataFrame, ranking: pd.DataFrame, names: Mapping[str, str],
                           lang: str) -> go.Figure:
    """Return the challenges × countries heat map: colour = mean severity (0–3), text = mean
    severity and prevalence; rows in regional rank order."""
    countries = [c for c in names if c in set(comparison["country"])]
    challenges = [c for c in ranking.index if ranking.at[c, "n_countries"] > 0]
    labels = get_labels("challenges", lang)
    severity = comparison.pivot(index="challenge", columns="country", values="mean_severity")
    prevalence = comparison.pivot(index="challenge", columns="country", values="prevalence")
    z, text = [], []
    for challenge in challenges:
        z_row, text_row = [], []
        for country in countries:
            s = severity.at[challenge, country] if country in severity.columns else float("nan")
            p = prevalence.at[challenge, country] if country in prevalence.columns else float("nan")
            z_row.append(None if s != s else round(float(s), 3))
            text_row.append("–" if s != s else
                            f"<b>{format_decimal(round(float(s), 1), format='0.0', locale=lang)}</b>"
                            f"<br>{format_percent(float(p), locale=lang)}")
        z.append(z_row)
        text.append(text_row)
    rank_prefix = [f"{int(ranking.at[c, 'rank'])}. {_escape(labels.get(c, c))}" for c in challenges]
    fig = go.Figure(go.Heatmap(
        z=z, x=[_escape(names[c]) for c in countries], y=rank_prefix, text=text, texttemplate="%{text}",
        textfont={"size": 13}, zmin=0, zmax=3, colorscale=SEVERITY_SCALE, xgap=3, ygap=3,
        colorbar={"title": {"text": _t("challenges.colorbar", lang)}, "tickvals": [0, 1, 2, 3],
                  "thickness": 14, "len": 0.9},
        customdata=[[format_percent(float(prevalence.at[ch, c]), locale=lang)
                     if c in prevalence.columns and prevalence.at[ch, c] == prevalence.at[ch, c] else "–"
                     for c in countries] for ch in challenges],
        hovertemplate=("%{y} · %{x}<br>" + _t("challenges.hover_severity", lang) + " : %{z:.1f}<br>"
                       + _t("challenges.hover_prevalence", lang) + " : %{customdata}<extra></extra>")))
    fig.update_layout(_layout(120 + 68 * len(challenges), separators=", " if lang == "fr" else None,
                              margin={"l": 10, "r": 10, "t": 10, "b": 10}))
    fig.update_xaxes(side="top", showgrid=False, tickfont={"size": 13})
    fig.update_yaxes(autorange="reversed", showgrid=False, automargin=True, tickfont={"size": 13})
    return fig


def plot_recommendation_counts(counts: pd.DataFrame, names: Mapping[str, str], lang: str) -> go.Figure:
    """Return stacked bars: one bar per country, one segment per recommendation category, the
    total written above each bar."""
    countries = [c for c in names if c in counts.columns]
    category_labels = get_labels("recommendation_categories", lang)
    x = [_escape(names[c]) for c in countries]
    fig = go.Figure()
    for category in counts.index:
        values = [int(counts.at[category, c]) for c in countries]
        if not any(values):
            continue
        fig.add_trace(go.Bar(
            x=x, y=values, name=_escape(category_labels.get(category, category)),
            marker_color=CATEGORY_COLOURS.get(category, OTHER_CATEGORY_COLOUR),
            text=[str(v) if v else "" for v in values], textposition="inside", insidetextanchor="middle",
            textfont={"color": "#ffffff", "size": 13},
            hovertemplate="%{x} · " + _escape(category_labels.get(category, category)) + " : %{y}<extra></extra>"))
    totals = [int(counts[c].sum()) for c in countries]
    fig.add_trace(go.Scatter(x=x, y=totals, mode="text", text=[f"<b>{t}</b>" for t in totals],
                             textposition="top center", showlegend=False, hoverinfo="skip",
                             textfont={"size": 14}))
    fig.update_layout(_layout(470, barmode="stack", bargap=0.35,
                              legend={"orientation": "h", "y": -0.12, "x": 0, "traceorder": "normal"},
                              margin={"l": 10, "r": 10, "t": 20, "b": 20}))
    fig.update_yaxes(title={"text": _t("recommendations.axis_count", lang)},
                     range=[0, max(totals + [1]) * 1.12], gridcolor="#e6e9ee")
    return fig


# --------------------------------------------------------------------------------------------
# The synthesis document


def _describe_progress(milestones: pd.DataFrame, lang: str) -> tuple[str, str | None, str]:
    """Return (last stage completed, its date, current or next stage) written in ``lang``."""
    stage_labels = get_labels("milestones", lang)
    stage_order = list(get_codes("milestones"))
    done = milestones[milestones["state"] == "done"]
    if len(done):
        last = done.sort_values(["order", "start"], kind="stable").iloc[-1]
        last_date = last["start"] if pd.isna(last["end"]) else last["end"]
        last_label = stage_labels.get(last["stage"], last["stage"])
        last_text = format_date(last_date, "medium", locale=lang)
    else:
        last, last_label, last_text = None, _t("exercise.none", lang), None
    ongoing = milestones[milestones["state"] == "ongoing"]
    planned = milestones[milestones["state"] == "planned"].sort_values(["order", "start"], kind="stable")
    if len(ongoing):
        current = _t("exercise.ongoing_suffix", lang, stage=stage_labels[ongoing.iloc[0]["stage"]])
    elif len(planned):
        row = planned.iloc[0]
        current = _t("exercise.planned_suffix", lang, stage=stage_labels[row["stage"]],
                     date=format_date(row["start"], "medium", locale=lang))
    else:
        position = stage_order.index(last["stage"]) + 1 if last is not None else 0
        current = (stage_labels[stage_order[position]] if position < len(stage_order)
                   else _t("exercise.completed", lang))
    return last_label, last_text, current


def _build_exercise_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    status_labels = get_labels("endorsement_statuses", lang)
    statuses = []
    for status in reversed(get_codes("endorsement_statuses")):  # most advanced first
        names = [s.get_name(lang) for s in ordered if s.params.endorsement.status == status]
        if names:
            statuses.append(_t("exercise.status_group", lang, status=status_labels[status],
                               countries=_list(names, lang)))
    blocks: list = [Paragraph(in_brief=True, text=_tn("exercise.status", lang, {"n_countries": len(ordered)},
                                                      statuses=" ; ".join(statuses) if lang == "fr"
                                                      else "; ".join(statuses)))]
    milestones = build_region_milestones(region)
    if len(milestones):
        first = milestones.sort_values("start", kind="stable").iloc[0]
        n_published = int(((milestones["stage"] == "publication") & (milestones["state"] == "done")).sum())
        text = _tn("exercise.started", lang, {"n_published": n_published},
                   first_date=format_date(first["start"], "long", locale=lang),
                   country=region.names(lang)[first["country"]])
        months = []
        for snapshot in region.snapshots:
            table = snapshot.milestones.drop_duplicates("stage").set_index("stage")
            has_both = {"expression_of_interest", "workshop"} <= set(table.index)
            if has_both and table.at["workshop", "state"] != "planned":
                days = (table.at["workshop", "start"] - table.at["expression_of_interest", "start"]).days
                months.append(days / 30.44)
        if months:
            text += " " + _tn("exercise.median_months", lang,
                              {"n_months": round(statistics.median(months), 1), "n_with": len(months)})
        blocks.append(Paragraph(text=text))
    rows = []
    for snapshot in ordered:
        last, last_date, current = _describe_progress(snapshot.milestones, lang)
        rows.append([snapshot.get_name(lang), status_labels[snapshot.params.endorsement.status],
                     last, last_date, current])
    columns = [_t(f"exercise.col_{k}", lang) for k in ("country", "status", "last_stage", "last_date", "current")]
    blocks.append(Table(id="regional_status", caption=_t("exercise.status_caption", lang), columns=columns,
                        rows=rows, in_brief=True))
    if len(milestones):
        states = milestones["state"].value_counts()
        blocks.append(_figure(
            plot_region_timeline(region, lang), id="regional_timeline", in_brief=True,
            caption=_t("exercise.gantt_caption", lang),
            alt=_tn("exercise.gantt_alt", lang, {
                "n_rows": len(milestones), "n_countries": milestones["country"].nunique(),
                "n_done": int(states.get("done", 0)), "n_ongoing": int(states.get("ongoing", 0)),
                "n_planned": int(states.get("planned", 0))}),
            notes=[_t("exercise.gantt_note", lang)]))
    else:
        blocks.append(Paragraph(text=_t("exercise.no_milestone", lang)))
    return Chapter(number="I", key="regional_exercise", title=_t("exercise.title", lang),
                   intro=_t("exercise.intro", lang), blocks=blocks)


def _build_coverage_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    names = {s.country: s.get_name(lang) for s in ordered}
    coverage = build_coverage_comparison(region)
    domain_labels = get_labels("domains", lang)
    domains = list(dict.fromkeys(coverage["domain"]))
    gaps = coverage[coverage["has_gap"]]
    blocks: list = []
    if len(gaps):
        items = []
        for domain in domains:
            countries = [names[c] for c in names if c in set(gaps.loc[gaps["domain"] == domain, "country"])]
            if countries:
                items.append(_t("coverage.gap_item", lang, domain=domain_labels.get(domain, domain),
                                countries=_list(countries, lang)))
        text = _tn("coverage.gaps", lang, {"n_gap_countries": gaps["country"].nunique(), "n_countries": len(ordered)},
                   gap_list=(" ; " if lang == "fr" else "; ").join(items))
    else:
        text = _tn("coverage.no_gap", lang, {"n_domains": len(domains)})
    blocks.append(Paragraph(text=text, in_brief=True))
    totals = coverage.groupby("domain", sort=False)["n_existing"].sum().loc[domains]
    best, worst = totals.idxmax(), totals.idxmin()
    if best != worst:
        blocks.append(Paragraph(text=_tn("coverage.extremes", lang, {"n_best": int(totals[best]),
                                                                      "n_worst": int(totals[worst])},
                                         best=domain_labels.get(best, best), worst=domain_labels.get(worst, worst))))
    gap_descriptions = [f"{domain_labels.get(d, d)} – {names[c]}" for c in names for d in domains
                        if ((gaps["country"] == c) & (gaps["domain"] == d)).any()]
    blocks.append(_figure(
        plot_coverage_comparison(coverage, names, lang), id="regional_coverage_map", in_brief=True,
        caption=_t("coverage.figure_caption", lang),
        alt=_tn("coverage.figure_alt", lang, {"n_domains": len(domains), "n_countries": len(names),
                                               "n_min": int(coverage["n_existing"].min()),
                                               "n_max": int(coverage["n_existing"].max())},
                gaps=_list(gap_descriptions, lang) or _t("coverage.none_gap", lang)),
        notes=[_t("coverage.figure_note", lang)]))
    existing = coverage.pivot(index="domain", columns="country", values="n_existing").loc[domains, list(names)]
    rows = []
    for domain in domains:
        gap_countries = [names[c] for c in names if existing.at[domain, c] == 0]
        rows.append([domain_labels.get(domain, domain), *[int(existing.at[domain, c]) for c in names],
                     int(existing.loc[domain].sum()), ", ".join(gap_countries) or _t("coverage.none", lang)])
    columns = [_t("coverage.col_domain", lang), *names.values(), _t("coverage.col_total", lang),
               _t("coverage.col_gap_countries", lang)]
    blocks.append(Table(id="regional_coverage", caption=_t("coverage.table_caption", lang), columns=columns,
                        rows=rows, notes=[_t("coverage.table_note", lang)]))
    return Chapter(number="II", key="regional_coverage", title=_t("coverage.title", lang),
                   intro=_t("coverage.intro", lang), blocks=blocks)


def _figure(fig: go.Figure, **fields: Any) -> Figure:
    return Figure(plotly_json=fig.to_json(), **fields)


def _median(values: Iterable[float]) -> float | None:
    defined = [float(v) for v in values if v == v and v is not None]
    return statistics.median(defined) if defined else None


def _build_network_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    names = {s.country: s.get_name(lang) for s in ordered}
    network = build_network_comparison(region)
    not_defined = _t("network.not_defined", lang)

    def shown(key: str) -> str:
        value = _median(network[key])
        return not_defined if value is None else format_percent(value, locale=lang)

    blocks: list = [Paragraph(in_brief=True, text=_t(
        "network.median", lang, formal_share=shown("formal_share"),
        confirmation_rate=shown("confirmation_rate"), coordinator_rate=shown("coordinator_reach")))]
    blocks.append(Paragraph(text=_tn("network.fragility", lang, {
        "n_cut": int(network["n_cut_vertices"].sum()), "n_silos": int(network["n_silos"].sum())})))
    items, summaries = [], []
    for key in ("response_rate", "density", "formal_share", "confirmation_rate", "coordinator_reach"):
        column = network[key].dropna()
        label = _t(f"network.indicators.{key}", lang)
        if column.empty:
            continue
        low, high = column.idxmin(), column.idxmax()
        if column[low] == column[high]:
            item = _t("network.equal_item", lang, label=label, value=_indicator_text(key, column[low], lang))
        else:
            item = _t("network.range_item", lang, label=label,
                      low=_indicator_text(key, column[low], lang), low_country=names[low],
                      high=_indicator_text(key, column[high], lang), high_country=names[high])
        items.append(item)
        summaries.append(item)
    if items:
        blocks.append(BulletList(items=items))
    # One row per indicator, one column per country: ten indicators side by side would not fit
    # a page, countries do (and the coverage table reads the same way).
    rows = [[_t(f"network.indicators.{k}", lang), *[_table_indicator(k, network.at[c, k], lang) for c in names]]
            for k in NETWORK_INDICATORS]
    columns = [_t("network.col_indicator", lang), *names.values()]
    blocks.append(Table(id="regional_network", caption=_t("network.table_caption", lang), columns=columns,
                        rows=rows, in_brief=True, notes=[_t("network.table_note", lang)]))
    blocks.append(_figure(
        plot_network_comparison(network, names, lang), id="regional_network_indicators", in_brief=True,
        caption=_t("network.figure_caption", lang),
        alt=_t("network.figure_alt", lang, summary=("; ".join(summaries) or not_defined))))
    return Chapter(number="III", key="regional_network", title=_t("network.title", lang),
                   intro=_t("network.intro", lang), blocks=blocks)


def _table_indicator(key: str, value: float, lang: str) -> str | None:
    """A table cell: every indicator written as text, so a column mixing shares, counts and the
    density still reads the same way in every format."""
    if value != value:
        return None
    return _indicator_text(key, value if key in SHARE_INDICATORS or key == "density" else int(value), lang)


def _build_challenges_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    names = {s.country: s.get_name(lang) for s in ordered}
    comparison = build_challenge_comparison(region)
    ranking = build_challenge_ranking(comparison)
    labels = get_labels("challenges", lang)
    ranked = ranking[ranking["n_countries"] > 0]
    blocks: list = []
    if ranked.empty:
        return Chapter(number="IV", key="regional_challenges", title=_t("challenges.title", lang),
                       intro=_t("challenges.intro", lang))
    top = ranked.index[0]
    blocks.append(Paragraph(in_brief=True, text=_tn(
        "challenges.top", lang, {"mean_severity": round(float(ranked.at[top, "mean_severity"]), 1),
                                 "prevalence_share": float(ranked.at[top, "prevalence"]),
                                 "n_top": int(ranked.at[top, "n_top"]), "n_countries": len(ordered)},
        label=labels.get(top, top))))
    severities = comparison["mean_severity"].astype(float).dropna()
    blocks.append(_figure(
        plot_challenge_heatmap(comparison, ranking, names, lang), id="regional_challenges_map", in_brief=True,
        caption=_t("challenges.heatmap_caption", lang),
        alt=_tn("challenges.heatmap_alt", lang, {"n_challenges": len(ranked), "n_countries": len(names)},
                low=format_decimal(round(float(severities.min()), 1), locale=lang),
                high=format_decimal(round(float(severities.max()), 1), locale=lang),
                top=labels.get(top, top))))
    rows = []
    for code, row in ranked.iterrows():
        top_in = [names[c] for c in names
                  if ((comparison["country"] == c) & (comparison["challenge"] == code)
                      & (pd.to_numeric(comparison["rank"], errors="coerce") == 1)).any()]
        rows.append([int(row["rank"]), labels.get(code, code), round(float(row["mean_severity"]), 2),
                     format_percent(float(row["prevalence"]), locale=lang), round(float(row["score"]), 2),
                     ", ".join(top_in) or "–"])
    columns = [_t(f"challenges.col_{k}", lang) for k in ("rank", "challenge", "mean_severity", "prevalence",
                                                          "score", "top_in")]
    blocks.append(Table(id="regional_challenge_ranking", caption=_t("challenges.ranking_caption", lang),
                        columns=columns, rows=rows, in_brief=True, notes=[_t("challenges.ranking_note", lang)]))
    return Chapter(number="IV", key="regional_challenges", title=_t("challenges.title", lang),
                   intro=_t("challenges.intro", lang), blocks=blocks)


def _build_recommendations_chapter(region: RegionData, lang: str) -> Chapter:
    ordered = region.ordered(lang)
    names = {s.country: s.get_name(lang) for s in ordered}
    counts = build_recommendation_counts(region)
    category_labels = get_labels("recommendation_categories", lang)
    totals = counts.sum(axis=0)
    n_total = int(totals.sum())
    title, intro = _t("recommendations.title", lang), _t("recommendations.intro", lang)
    if n_total == 0:
        return Chapter(number="V", key="regional_recommendations", title=title, intro=intro,
                       blocks=[Paragraph(text=_t("recommendations.none", lang), in_brief=True)])
    low, high = totals.idxmin(), totals.idxmax()
    by_category = counts.sum(axis=1)
    category = by_category.idxmax()
    n_workshop = sum(1 for s in region.snapshots for r in s.recommendations if r.origin == "workshop")
    blocks: list = [Paragraph(in_brief=True, text=_tn(
        "recommendations.totals", lang,
        {"n_total": n_total, "n_low": int(totals[low]), "n_high": int(totals[high]), "n_workshop": n_workshop,
         "category_share": float(by_category[category]) / n_total},
        low_country=names[low], high_country=names[high], category=category_labels.get(category, category)))]
    common = build_common_recommendations(region)
    everywhere = common[common["n_countries"] == len(ordered)]
    if len(everywhere):
        quoted = [f"« {get_rule_label(r, lang)} »" if lang == "fr" else f"“{get_rule_label(r, lang)}”"
                  for r in everywhere.sort_values(["priority_order", "order"], kind="stable")["rule_id"]]
        key = "recommendations.common" if len(quoted) <= MAX_LISTED_RECOMMENDATIONS else "recommendations.common_many"
        blocks.append(Paragraph(text=_tn(key, lang, {"n_common": len(everywhere), "n_countries": len(ordered)},
                                         labels=_list(quoted[:MAX_LISTED_RECOMMENDATIONS], lang))))
    elif len(common):
        first = common.iloc[0]
        blocks.append(Paragraph(text=_tn(
            "recommendations.no_common", lang, {"n_top": int(first["n_countries"]), "n_countries": len(ordered)},
            label=get_rule_label(first["rule_id"], lang))))
    blocks.append(_figure(
        plot_recommendation_counts(counts, names, lang), id="regional_recommendation_counts", in_brief=True,
        caption=_t("recommendations.chart_caption", lang),
        alt=_tn("recommendations.chart_alt", lang,
                {"n_countries": len(names), "n_low": int(totals.min()), "n_high": int(totals.max()),
                 "n_categories": int((by_category > 0).sum())},
                category=category_labels.get(category, category))))
    if len(common):
        all_label = _t("document.all_countries", lang)
        rows = []
        # the first N, and every rule as widespread as the N-th: a cut inside a tie would be arbitrary
        cut = common["n_countries"].iloc[min(N_COMMON_RECOMMENDATIONS, len(common)) - 1]
        shown_rows = common[common["n_countries"] >= cut]
        for row in shown_rows.itertuples():
            shown = [names[c] for c in names if c in row.countries]
            rows.append([get_rule_label(row.rule_id, lang), category_labels.get(row.category, row.category),
                         f"{row.n_countries} / {len(ordered)}",
                         all_label if len(shown) == len(ordered) else ", ".join(shown)])
        columns = [_t(f"recommendations.col_{k}", lang) for k in ("recommendation", "category", "n_countries",
                                                                   "countries")]
        blocks.append(Table(id="regional_common_recommendations", caption=_t("recommendations.common_caption", lang),
                            columns=columns, rows=rows, in_brief=True,
                            notes=[_t("recommendations.common_note", lang)]))
    return Chapter(number="V", key="regional_recommendations", title=title, intro=intro, blocks=blocks)


def _build_method_annex(region: RegionData, lang: str) -> Chapter:
    points = _node("method.points")
    date = format_date(region.today, "long", locale=lang)
    items = [_pick(p, "method.points", lang).replace("{date}", date) for p in points]
    rows = [[s.get_name(lang), s.network["n_respondents"], s.n_sources, s.n_flows,
             _t("method.data_demo" if s.is_demo else "method.data_real", lang)] for s in region.ordered(lang)]
    columns = [_t(f"method.col_{k}", lang) for k in ("country", "respondents", "sources", "flows", "data")]
    return Chapter(number="A", key="regional_method", title=_t("method.title", lang),
                   blocks=[Paragraph(text=_t("method.intro", lang)), BulletList(items=items),
                           Table(id="regional_data", caption=_t("method.data_caption", lang),
                                 columns=columns, rows=rows)])


def _region_name(region: RegionData, lang: str) -> str:
    names = [s.get_name(lang) for s in region.ordered(lang)]
    if len(names) > MAX_NAMED_COUNTRIES:
        return _tn("document.many_countries", lang, {"n_countries": len(names)})
    return _list(names, lang)


def _notices(region: RegionData, lang: str) -> list[Callout]:
    """Say on the first page why the marks are there, and which countries are missing."""
    ordered = region.ordered(lang)
    callouts = []
    not_final = [s.get_name(lang) for s in ordered if not s.is_final]
    if not_final:
        callouts.append(Callout(kind="warning", title=_t("document.draft_title", lang), in_brief=True,
                                text=_t("document.draft", lang, countries=_list(not_final, lang))))
    demo = [s.get_name(lang) for s in ordered if s.is_demo]
    # when every country is the demo's, the cover's notice already says so
    if demo and len(demo) < len(ordered):
        callouts.append(Callout(kind="info", title=_t("document.synthetic_title", lang),
                                text=_t("document.synthetic", lang, countries=_list(demo, lang))))
    if region.skipped:
        from .params import get_country_name

        details = [_t("document.skipped_item", lang, country=get_country_name(code, lang), message=message)
                   for code, message in region.skipped.items()]
        callouts.append(Callout(kind="warning", title=_t("document.skipped_title", lang), in_brief=True,
                                text=_tn("document.skipped", lang, {"n_skipped": len(details)},
                                         details=(" ; " if lang == "fr" else "; ").join(details))))
    return callouts


def build_regional_synthesis(countries: str | Iterable[str] | None, lang: str, today: dt.date | None = None, *,
                             region: RegionData | None = None) -> Guide:
    """Return the regional synthesis in ``lang`` as a guide document (five chapters, one annex).

    ``countries``: ISO3 codes (a list or a text such as ``"SEN, CIV"``; empty = every country
    with parameters). ``region`` reuses snapshots already collected (e.g. for a second language);
    ``countries`` and ``today`` are then ignored.

    >>> guide = build_regional_synthesis(None, "en", region=_make_example_region())
    >>> [c.number for c in guide.chapters], guide.country_name, guide.is_draft, guide.is_synthetic
    (['I', 'II', 'III', 'IV', 'V'], 'Senegal and The Gambia', True, True)
    """
    from . import __version__

    region = region or collect_region(countries, today)
    chapters = [_build_exercise_chapter(region, lang), _build_coverage_chapter(region, lang),
                _build_network_chapter(region, lang), _build_challenges_chapter(region, lang),
                _build_recommendations_chapter(region, lang)]
    notices = _notices(region, lang)
    if notices:
        chapters[0] = chapters[0].model_copy(update={"blocks": [*notices, *chapters[0].blocks]})
    ordered = region.ordered(lang)
    provenance: dict[str, Any] = {
        "package_version": __version__,
        "generated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "endorsement_status": {s.country: s.params.endorsement.status for s in ordered},
        "params_hash": {s.country: s.params_hash for s in ordered},
        "input_hashes": {f"{s.country}/{name}": digest for s in ordered
                         for name, digest in sorted(s.input_hashes.items())},
    }
    if region.skipped:
        provenance["skipped"] = dict(region.skipped)
    return Guide(
        country=REGION_CODE, country_name=_region_name(region, lang), lang=lang,
        title=_t("document.title", lang), kind_label=_t("document.kind", lang),
        subtitle=_tn("document.subtitle", lang, {"n_countries": len(ordered)}),
        date=region.today, is_draft=any(not s.is_final for s in ordered),
        is_synthetic=any(s.is_demo for s in ordered), chapters=chapters,
        annexes=[_build_method_annex(region, lang)], provenance=provenance)


# --------------------------------------------------------------------------------------------
# Slides


SLIDES_DIR = Path(__file__).parent / "templates" / "slides"


@dataclass(frozen=True)
class Slide:
    """One slide: ``kind`` is ``title``, ``messages``, ``figure`` or ``table``."""

    kind: str
    title: str
    chapter: str = ""
    label: str = ""
    block: Any = None
    items: tuple[str, ...] = ()


def build_slides(guide: Guide) -> list[Slide]:
    """Return the deck's slides: the title, the key messages (paragraphs flagged ``in_brief``),
    then one slide per figure or table flagged ``in_brief``, in the guide's order.

    >>> guide = build_regional_synthesis(None, "fr", region=_make_example_region())
    >>> [(s.kind, s.label) for s in build_slides(guide)][:4]
    [('title', ''), ('messages', ''), ('table', 'Tableau I.1'), ('figure', 'Figure I.1')]
    """
    from .document import iter_blocks, number_guide, resolve_refs
    from .render.common import chapter_heading, load_texts

    numbering = number_guide(guide)
    texts = load_texts(guide.lang)
    slides = [Slide(kind="title", title=guide.title)]
    messages = [resolve_refs(b.text, numbering) for c in guide.chapters for b in iter_blocks(c)
                if isinstance(b, Paragraph) and b.in_brief]
    if messages:
        slides.append(Slide(kind="messages", title=_t("slides.key_messages", guide.lang), items=tuple(messages)))
    for chapter in guide.chapters:
        heading = chapter_heading(chapter, texts)
        for block in iter_blocks(chapter):
            if isinstance(block, (Figure, Table)) and block.in_brief:
                slides.append(Slide(kind=block.type, title=resolve_refs(block.caption, numbering),
                                    chapter=heading, label=numbering.labels[block.id], block=block))
    return slides


def build_slides_html(guide: Guide) -> str:
    """Return the slide deck of a guide as one self-contained HTML page that works offline.

    One ``<section class="slide">`` per slide; figures are drawn by ``Plotly.newPlot`` from JSON
    (plotly.js inlined once); arrows, Page Up/Down, Space, Home/End move between slides, Esc
    shows the overview; the address ends in ``#n`` for slide ``n``. The DRAFT and
    synthetic-data marks are on every slide.

    >>> page = build_slides_html(build_regional_synthesis(None, "en", region=_make_example_region()))
    >>> page.count('<section class="slide '), "<script src=" in page, page.count("Plotly.newPlot(")
    (11, False, 1)
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    from .document import number_guide, resolve_refs
    from .render import common
    from .display import read_plotly_js
    from .render.html import dump_script_json
    from .render.static import apply_house_style, read_geo_stub

    lang = guide.lang
    texts = common.load_texts(lang)
    env = Environment(loader=FileSystemLoader(str(SLIDES_DIR)), autoescape=True, undefined=StrictUndefined)
    numbering = number_guide(guide)
    env.filters.update(
        typeset=lambda text: common.typeset(text, lang),
        plain=lambda text: common.typeset(resolve_refs(text, numbering), lang),
        cell=lambda value: common.format_cell(value, texts),
        figure_json=lambda figure: dump_script_json(_slide_figure(apply_house_style(figure.figure_dict(), lang))),
    )
    slides = build_slides(guide)
    slide_texts = {k: _t(f"slides.{k}", lang) for k in ("previous", "next", "hint", "deck_label", "overview")}
    return env.get_template("deck.html.j2").render(
        guide=guide, slides=slides, texts=texts, slide_texts=slide_texts,
        slide_of=_pick(_node("slides.slide_of"), "slides.slide_of", lang),
        kind_label=_t("slides.occasion", lang),
        date=common.format_guide_date(guide, texts),
        numeric_columns=lambda table: [common.is_numeric_column(table, i) for i in range(len(table.columns))],
        css=Markup((SLIDES_DIR / "deck.css").read_text(encoding="utf-8")),
        script=Markup((SLIDES_DIR / "deck.js").read_text(encoding="utf-8")),
        geo_stub=Markup(read_geo_stub()), plotly_js=Markup(read_plotly_js()),
    )


def _slide_figure(figure: dict[str, Any]) -> dict[str, Any]:
    """A slide gives its figure the room left under the title: the figure's own size goes."""
    layout = dict(figure.get("layout", {}))
    layout.pop("height", None)
    layout.pop("width", None)
    layout["autosize"] = True
    return {"data": figure.get("data", []), "layout": layout}


def write_slides(guide: Guide, path: str | Path) -> Path:
    """Write the slide deck of a guide (:func:`build_slides_html`) atomically; return its path."""
    from .fileio import write_text_atomic

    return write_text_atomic(path, build_slides_html(guide))


# --------------------------------------------------------------------------------------------
# Outputs and notebook display


def write_regional_outputs(countries: str | Iterable[str] | None = None, langs: Sequence[str] = ("fr", "en"),
                           output_dir: str | Path | None = None, *, today: dt.date | None = None,
                           region: RegionData | None = None,
                           formats: Sequence[str] = ("html", "pdf")) -> list[Path]:
    """Write the synthesis per language: ``regional_synthesis_<lang>.html`` / ``.pdf`` and the
    slide deck ``regional_slides_<lang>.html`` in ``output_dir`` (default ``outputs/regional``).

    The countries are collected once for every language (or ``region`` is reused). Every file is
    written atomically. Returns the paths written.
    """
    from .render import render_guide

    folder = Path(output_dir) if output_dir else outputs_dir() / "regional"
    region = region or collect_region(countries, today)
    written: list[Path] = []
    for lang in langs:
        guide = build_regional_synthesis(None, lang, region=region)
        if formats:
            written += list(render_guide(guide, folder, f"regional_synthesis_{lang}", tuple(formats)).values())
        written.append(write_slides(guide, folder / f"regional_slides_{lang}.html"))
    return written


def show_synthesis(guide: Guide) -> None:
    """Display the synthesis in JupyterLab: headings, sentences, tables and interactive figures.

    Texts are escaped: nothing from the parameters is read as markup.
    """
    from IPython.display import HTML, display

    from .display import display_figure
    from .document import iter_blocks, number_guide, resolve_refs

    numbering = number_guide(guide)

    def text(value: str) -> str:
        return html.escape(resolve_refs(value, numbering))

    for chapter in [*guide.chapters, *guide.annexes]:
        display(HTML(f"<h2>{html.escape(chapter.number)}. {text(chapter.title)}</h2>"
                     + (f"<p><em>{text(chapter.intro)}</em></p>" if chapter.intro else "")))
        for block in iter_blocks(chapter):
            if isinstance(block, Paragraph):
                display(HTML(f"<p>{text(block.text)}</p>"))
            elif isinstance(block, BulletList):
                display(HTML("<ul>" + "".join(f"<li>{text(i)}</li>" for i in block.items) + "</ul>"))
            elif isinstance(block, Callout):
                title = f"<strong>{text(block.title)}</strong> " if block.title else ""
                display(HTML(f"<blockquote>{title}{text(block.text)}</blockquote>"))
            elif isinstance(block, (Table, Figure)):
                label = html.escape(numbering.labels[block.id])
                display(HTML(f"<p><strong>{label}</strong> – {text(block.caption)}</p>"))
                if isinstance(block, Table):
                    display(pd.DataFrame(block.rows, columns=block.columns))
                else:
                    display_figure(block.figure_dict())


def _make_example_region() -> RegionData:
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
                               recommendations=recommendations, n_sources=sum(existing.values()), n_flows=12)

    from .timeline import build_milestone_table

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
        [("coop_silent_producers", "cooperation"), ("training_need", "training_hr")])
    gambia = snapshot(
        "GMB", {"fr": "Gambie", "en": "The Gambia"}, "draft",
        [{"stage": "questionnaire", "start": "2025-05-05", "end": "2025-06-13"},
         {"stage": "drafting", "start": "2025-12-01", "done": False}],
        {"trends": 2, "border_management": 3, "crisis": 0, "development": 1},
        {**network, "density": 0.2, "coordinator_reach": None, "n_silos": 0},
        {**severities, "use": (3.0, 1.0)},
        [("coop_silent_producers", "cooperation"), ("crisis_coverage_gap", "crisis_information")])
    return RegionData(snapshots=(senegal, gambia), skipped={}, today=dt.date(2025, 11, 1))
