"""Figures of the regional synthesis: timeline, coverage, network indicators, challenges, recommendations."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from babel.numbers import format_decimal, format_percent

from mpanalysis.publish.regional.data import (
    SHARE_INDICATORS,
    RegionData,
    build_region_milestones,
)
from mpanalysis.publish.regional.texts import _escape, _t, _tn, format_value
from mpanalysis.reference import get_labels
from mpanalysis.wording.rules import babel_locale
from mpanalysis.wording.typography import plotly_separators, punctuate

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
#: A stage past its date and not done: the guide's draft red, beside the timeline's blue, orange, grey.
OVERDUE_COLOUR = "#B3132B"
#: Sequential single-hue scales (light to dark) that read in grey scale too.
COVERAGE_SCALE = [[0.0, "#F7FBFF"], [0.35, "#9ECAE1"], [0.7, "#4292C6"], [1.0, "#08306B"]]
SEVERITY_SCALE = [[0.0, "#FFF5EB"], [0.33, "#FDD0A2"], [0.66, "#F16913"], [1.0, "#7F2704"]]
FONT_FAMILY = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"


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
    state (done, ongoing, to come, overdue at the synthesis' date), countries in alphabetical order.

    >>> from mpanalysis.publish.regional.data import make_example_region
    >>> [t.name for t in plot_region_timeline(make_example_region(), "en").data if t.type == "bar"]
    ['done', 'to come', 'overdue']
    """
    from mpanalysis.guide.figures.timeline import plot_exercise_timeline

    names = region.names(lang)
    order = {s.country: i for i, s in enumerate(region.ordered(lang))}
    milestones = build_region_milestones(region)
    milestones = milestones.assign(_pos=milestones["country"].map(order)).sort_values(
        ["_pos", "order", "start"], kind="stable").reset_index(drop=True)
    stage_labels = get_labels("milestones", lang)
    labels = pd.Series([f"{_escape(names[c])} — {_escape(stage_labels.get(s, s))}"
                        for c, s in zip(milestones["country"], milestones["stage"])], dtype=object)
    # an overdue stage gets a state of its own, in red; with one row per country and stage, start
    # dates written beside every bar would collide and run off the chart: they stay in the hover
    # and on the axis. Short stages are diamonds.
    milestones["state"] = milestones["state"].where(~milestones["is_overdue"].astype(bool), "overdue")
    fig = plot_exercise_timeline(milestones.drop(columns="_pos"), lang, row_labels=labels, is_dated=False,
                                 extra_states={"overdue": (OVERDUE_COLOUR, _t("exercise.overdue_legend", lang))})
    starts = pd.to_datetime(milestones["start"])
    ends = pd.to_datetime(milestones["end"])
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
                annotations.append({"x": x[j], "y": y[i], "text": f"<b>{format_decimal(n, locale=babel_locale(lang))}</b>",
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
        return format_percent(value, locale=babel_locale(lang))
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
    layout["separators"] = plotly_separators(lang)
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
                            f"<b>{format_decimal(round(float(s), 1), format='0.0', locale=babel_locale(lang))}</b>"
                            f"<br>{format_percent(float(p), locale=babel_locale(lang))}")
        z.append(z_row)
        text.append(text_row)
    rank_prefix = [f"{int(ranking.at[c, 'rank'])}. {_escape(labels.get(c, c))}" for c in challenges]
    fig = go.Figure(go.Heatmap(
        z=z, x=[_escape(names[c]) for c in countries], y=rank_prefix, text=text, texttemplate="%{text}",
        textfont={"size": 13}, zmin=0, zmax=3, colorscale=SEVERITY_SCALE, xgap=3, ygap=3,
        colorbar={"title": {"text": _t("challenges.colorbar", lang)}, "tickvals": [0, 1, 2, 3],
                  "thickness": 14, "len": 0.9},
        customdata=[[format_percent(float(prevalence.at[ch, c]), locale=babel_locale(lang))
                     if c in prevalence.columns and prevalence.at[ch, c] == prevalence.at[ch, c] else "–"
                     for c in countries] for ch in challenges],
        hovertemplate=("%{y} · %{x}<br>" + _t("challenges.hover_severity", lang) + punctuate(":", lang)
                       + " %{z:.1f}<br>" + _t("challenges.hover_prevalence", lang) + punctuate(":", lang)
                       + " %{customdata}<extra></extra>")))
    fig.update_layout(_layout(120 + 68 * len(challenges), separators=plotly_separators(lang),
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
