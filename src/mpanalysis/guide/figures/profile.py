"""Plotly figures of chapter III (the migration profile process), readable in print, drawn offline.

Every ``plot_…`` function takes a table of :mod:`mpanalysis.analysis.profile` and returns a
:class:`plotly.graph_objects.Figure` whose values are written on the bars (not only in hovers), in
the language ``lang``, with labels from the reference lists and from
``data/reference/figures_profile.yaml`` (titles, legends, alt-text templates, colours). The alt text
generated from the data sits in ``fig.layout.meta["alt"]`` (plain text), next to
``meta["figure"]``, ``meta["lang"]`` and ``meta["title"]``.

Labels reaching plotly are escaped: plotly's text understands a few HTML tags, and a label must
show literally.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from babel.numbers import format_decimal, format_percent

from mpanalysis.analysis.findings import fill_template
from mpanalysis.errors import ReferenceDataError
from mpanalysis.guide.figures import find_config_text
from mpanalysis.guide.figures.style import _escape, collapse_spaces
from mpanalysis.guide.figures.style import _wrap as wrap_label
from mpanalysis.paths import reference_dir
from mpanalysis.wording.rules import babel_locale

CONFIG_FILE_NAME = "figures_profile.yaml"

#: Severity codes (data/reference/severities.csv) and the matrix columns holding their counts.
SEVERITY_COLUMNS = {"0": "n_none", "1": "n_minor", "2": "n_moderate", "3": "n_major"}

# --------------------------------------------------------------------------------------------
# Configuration and text helpers


@lru_cache(maxsize=None)
def _load_config_cached(path: str) -> dict[str, Any]:
    from mpanalysis.reference import read_reference_yaml

    file = Path(path)
    config = read_reference_yaml(file, "chapter III figure texts", expect_mapping=False)
    for key in ("style", "colors", "texts"):
        if not isinstance(config, dict) or key not in config:
            raise ReferenceDataError(f"{file}: missing top-level key '{key}'")
    return config


def _config() -> dict[str, Any]:
    return _load_config_cached(str(reference_dir() / CONFIG_FILE_NAME))


def get_profile_figure_text(key: str, lang: str, **values: Any) -> str:
    """Return the text ``texts.<key>`` of ``figures_profile.yaml`` in ``lang``, filled in.

    Numbers are written the language's way and ``{n|one|other}`` picks the word form agreeing
    with the number ``n`` (:func:`mpanalysis.analysis.findings.fill_template`); texts are inserted as given.

    >>> get_profile_figure_text("use_by_type.aware", "en")
    'Know the profile'
    >>> get_profile_figure_text("functions.subtitle", "en", n_users=1)[-26:]
    '1 institution has used it.'
    """
    path = reference_dir() / CONFIG_FILE_NAME
    return fill_template(find_config_text(_config()["texts"], key, lang, path), lang, values,
                         where=f"{path}, key 'texts.{key}' ({lang})")


def _style(key: str) -> Any:
    return _config()["style"][key]


def _wrap(text: str, width: int | None = None) -> str:
    # the same escaping and wrapping as the chapter I–II figures, with this file's line width
    return wrap_label(text, width or int(_style("wrap_chars")))


def _count(value: object, lang: str) -> str:
    return format_decimal(int(value), locale=babel_locale(lang))


def _percent(value: float, lang: str) -> str:
    return format_percent(value, locale=babel_locale(lang)) if value == value else "–"


def _layout(title: str, subtitle: str | None, height_px: int) -> dict[str, Any]:
    title_spec: dict[str, Any] = {
        "text": _escape(title), "x": 0.0, "xanchor": "left", "xref": "container",
        "y": 1.0, "yref": "container", "yanchor": "top", "pad": {"t": 14, "l": 6},
        "font": {"size": _style("title_font_size")},
    }
    if subtitle:
        title_spec["subtitle"] = {"text": _wrap(subtitle, 110),
                                  "font": {"size": _style("small_font_size"),
                                           "color": _style("muted_text_color")}}
    return {
        "template": _style("template"),
        "title": title_spec,
        "font": {"family": _style("font_family"), "size": _style("font_size"), "color": _style("text_color")},
        "height": height_px,
        "margin": {"l": 20, "r": 40, "t": 120 if subtitle else 70, "b": 50},
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
    }


def _finish(fig: go.Figure, kind: str, lang: str, title: str, alt: str) -> go.Figure:
    fig.update_layout(meta={"figure": kind, "lang": lang, "title": title, "alt": collapse_spaces(alt)})
    return fig


def _empty_figure(kind: str, lang: str) -> go.Figure:
    title = get_profile_figure_text(f"{kind}.title", lang)
    fig = go.Figure(layout=_layout(title, None, 260))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=_escape(get_profile_figure_text(f"{kind}.empty", lang)), x=0.5, y=0.5,
                       xref="paper", yref="paper", showarrow=False, font={"size": _style("font_size") + 2})
    return _finish(fig, kind, lang, title, get_profile_figure_text(f"{kind}.alt_empty", lang))


def _height(n_rows: int, bars_per_row: int, subtitle: bool) -> int:
    return int(170 + (50 if subtitle else 0) + n_rows * _style("bar_height_px") * max(1, bars_per_row * 0.8))


# --------------------------------------------------------------------------------------------
# Awareness and use


def plot_profile_use_by_type(use_by_type: pd.DataFrame, lang: str = "fr") -> go.Figure:
    """Draw the share of institutions of each type that know the profile and that have used it.

    Parameters
    ----------
    use_by_type
        :func:`mpanalysis.analysis.profile.build_use_by_type` (its ``total`` row goes to the alt text).
    lang
        Language of the labels.

    Examples
    --------
    >>> from mpanalysis.analysis.profile import build_use_by_type; from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> fig = plot_profile_use_by_type(build_use_by_type(make_example_dataset(), "en"), "en")
    >>> fig.layout.meta["alt"][:96]
    'Bar chart: of 4 responding institutions, 3 (75%) know the migration profile and 2 (50%) have use'
    >>> [trace.name for trace in fig.data]
    ['Have used it', 'Know the profile']
    """
    kind = "use_by_type"
    rows = use_by_type[use_by_type["institution_type"] != "total"]
    rows = rows[rows["n_respondents"] > 0]
    if rows.empty:
        return _empty_figure(kind, lang)
    total = use_by_type[use_by_type["institution_type"] == "total"]
    total = total.iloc[0] if len(total) else rows.sum(numeric_only=True)
    title = get_profile_figure_text(f"{kind}.title", lang)
    subtitle = get_profile_figure_text(f"{kind}.subtitle", lang)
    labels = [_wrap(get_profile_figure_text(f"{kind}.type_label", lang, label=r.label, n=int(r.n_respondents)))
              for r in rows.itertuples()]
    fig = go.Figure(layout=_layout(title, subtitle, _height(len(rows), 2, True)))
    # horizontal groups draw their first trace at the bottom: "used" first puts "aware" on top
    for measure, count_column, color in (("used", "n_used", "used"), ("aware", "n_aware", "aware")):
        shares = [(getattr(r, count_column) / r.n_respondents) for r in rows.itertuples()]
        texts = [get_profile_figure_text(f"{kind}.bar_text", lang, share=_percent(s, lang),
                                         count=int(getattr(r, count_column)), total=int(r.n_respondents))
                 for s, r in zip(shares, rows.itertuples())]
        fig.add_trace(go.Bar(
            x=shares, y=labels, orientation="h", name=_escape(get_profile_figure_text(f"{kind}.{measure}", lang)),
            # an empty bar writes nothing (the hover still says "0 %")
            marker={"color": _config()["colors"][color]},
            text=[_escape(t) if share else "" for t, share in zip(texts, shares)],
            textposition="outside", cliponaxis=False, textfont={"size": _style("small_font_size")},
            hovertext=[_escape(t) for t in texts], hoverinfo="y+text"))
    fig.update_layout(barmode="group", bargap=0.3, bargroupgap=0.05, legend_traceorder="reversed")
    # the longest bar text ("100 % (12/12)") needs room to the right of a full bar
    ticks = [0, 0.25, 0.5, 0.75, 1.0]  # written the language's way ("50 %" in French)
    fig.update_xaxes(range=[0, 1.35], tickvals=ticks, ticktext=[_percent(t, lang) for t in ticks],
                     title_text=_escape(get_profile_figure_text(f"{kind}.x_title", lang)),
                     showgrid=True, zeroline=True)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)),
                     tickfont={"size": _style("small_font_size")})
    by_type = get_profile_figure_text("list_separator", lang).join(
        get_profile_figure_text(f"{kind}.alt_type", lang, label=r.label, n=int(r.n_respondents),
                                n_aware=int(r.n_aware), n_used=int(r.n_used))
        for r in rows.itertuples())
    alt = get_profile_figure_text(
        f"{kind}.alt", lang, n_respondents=int(total["n_respondents"]),
        n_aware=int(total["n_aware"]), n_used=int(total["n_used"]),
        share_aware=_percent(total["n_aware"] / total["n_respondents"], lang),
        share_used=_percent(total["n_used"] / total["n_respondents"], lang), by_type=by_type)
    return _finish(fig, kind, lang, title, alt)


def plot_profile_functions(functions: pd.DataFrame, lang: str = "fr") -> go.Figure:
    """Draw how many of the profile's users say it serves each function.

    Parameters
    ----------
    functions
        :func:`mpanalysis.analysis.profile.build_functions_table` (every function, zero included).
    lang
        Language of the labels.

    Examples
    --------
    >>> from mpanalysis.analysis.profile import build_functions_table; from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> fig = plot_profile_functions(build_functions_table(make_example_dataset(), "en"), "en")
    >>> fig.layout.meta["alt"]
    'Bar chart of the functions cited by the 2 institutions that used the profile: Dialogue tool: 2; Information package: 0; Policy and programme development and evaluation: 1; Capacity building: 0.'
    >>> list(fig.data[0].text)  # an empty bar writes nothing
    ['2 (100%)', '', '1 (50%)', '']
    """
    kind = "functions"
    n_users = int(functions["n_users"].max()) if len(functions) else 0
    if n_users == 0:
        return _empty_figure(kind, lang)
    title = get_profile_figure_text(f"{kind}.title", lang)
    subtitle = get_profile_figure_text(f"{kind}.subtitle", lang, n_users=n_users)
    labels = [_wrap(label) for label in functions["label"]]
    texts = [get_profile_figure_text(f"{kind}.bar_text", lang, count=int(r.n),
                                     share=_percent(r.share_of_users, lang)) for r in functions.itertuples()]
    fig = go.Figure(layout=_layout(title, subtitle, _height(len(functions), 1, True)))
    fig.add_trace(go.Bar(
        x=functions["n"].astype(int).tolist(), y=labels, orientation="h", showlegend=False,
        marker={"color": _config()["colors"]["functions"]},
        text=[_escape(t) if n else "" for t, n in zip(texts, functions["n"].astype(int))],
        textposition="outside", cliponaxis=False, textfont={"size": _style("small_font_size")},
        hovertext=[_escape(t) for t in texts], hoverinfo="y+text"))
    n_max = int(functions["n"].max())
    fig.update_xaxes(range=[0, n_max * 1.3 + 1], title_text=_escape(get_profile_figure_text(f"{kind}.x_title", lang)),
                     showgrid=True, zeroline=True, dtick=max(1, round(n_max / 5)))
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)),
                     tickfont={"size": _style("small_font_size")})
    by_function = get_profile_figure_text("list_separator", lang).join(
        get_profile_figure_text(f"{kind}.alt_function", lang, label=r.label, count=int(r.n))
        for r in functions.itertuples())
    alt = get_profile_figure_text(f"{kind}.alt", lang, n_users=n_users, by_function=by_function)
    return _finish(fig, kind, lang, title, alt)


# --------------------------------------------------------------------------------------------
# Challenges


def plot_challenge_severity(matrix: pd.DataFrame, lang: str = "fr",
                            severity_labels: dict[str, str] | None = None) -> go.Figure:
    """Draw, for each rated challenge, how many institutions rate it none, minor, moderate, major.

    Stacked horizontal bars in the rank order of the problem/solution matrix (most pressing on
    top), each segment with its count written on it. Challenges nobody rated, and the "other"
    challenges written by respondents (they have no severity), are left out.

    Parameters
    ----------
    matrix
        :func:`mpanalysis.analysis.profile.build_problem_matrix`.
    lang
        Language of the labels.
    severity_labels
        Severity code ("0"…"3") → label; default ``data/reference/severities.csv``.

    Examples
    --------
    >>> from mpanalysis.params import CountryParams
    >>> from mpanalysis.analysis.profile import build_problem_matrix; from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> m = build_problem_matrix(make_example_dataset(), CountryParams(country="SEN"), "en")
    >>> fig = plot_challenge_severity(m, "en")
    >>> [trace.name for trace in fig.data]
    ['None', 'Minor', 'Moderate', 'Major']
    >>> fig.layout.meta["alt"][:122]
    'Stacked bars of the severity of each challenge, from the most to the least pressing: Rarely updated (major: 4, moderate: 0'
    """
    from mpanalysis.reference import get_labels

    kind = "challenge_severity"
    rated = matrix[~matrix["is_other"].astype(bool) & (matrix["n_answered"] > 0)]
    rated = rated.sort_values("rank", kind="stable")
    if rated.empty:
        return _empty_figure(kind, lang)
    labels_by_code = severity_labels or {str(k): v for k, v in get_labels("severities", lang).items()}
    title = get_profile_figure_text(f"{kind}.title", lang)
    subtitle = get_profile_figure_text(f"{kind}.subtitle", lang)
    rows = [_wrap(get_profile_figure_text(f"{kind}.row_label", lang, rank=int(r["rank"]), label=r["label"]))
            for r in rated.to_dict("records")]
    fig = go.Figure(layout=_layout(title, subtitle, _height(len(rated), 1, True)))
    colors = _config()["colors"]
    for code, column in SEVERITY_COLUMNS.items():
        counts = [int(v) if v == v and v is not pd.NA else 0 for v in rated[column].tolist()]
        name = labels_by_code.get(code, code)
        fig.add_trace(go.Bar(
            x=counts, y=rows, orientation="h", name=_escape(name),
            marker={"color": colors["severities"][code], "line": {"color": "#FFFFFF", "width": 1}},
            text=[_count(c, lang) if c else "" for c in counts], textposition="inside",
            insidetextanchor="middle", textfont={"color": colors["severity_text"][code]},
            hovertext=[_escape(f"{name}: {_count(c, lang)}") for c in counts], hoverinfo="y+text"))
    fig.update_layout(barmode="stack", bargap=0.3)
    fig.update_xaxes(title_text=_escape(get_profile_figure_text(f"{kind}.x_title", lang)), showgrid=True,
                     zeroline=True)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows)),
                     tickfont={"size": _style("small_font_size")})
    by_challenge = get_profile_figure_text("list_separator", lang).join(
        get_profile_figure_text(f"{kind}.alt_challenge", lang, label=r["label"],
                                **{column: int(r[column]) for column in SEVERITY_COLUMNS.values()})
        for r in rated.to_dict("records"))
    alt = get_profile_figure_text(f"{kind}.alt", lang, by_challenge=by_challenge)
    return _finish(fig, kind, lang, title, alt)
