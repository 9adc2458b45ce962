"""Plotly figures of chapters I–II, readable in print and drawn offline.

Every ``plot_…`` function returns a :class:`plotly.graph_objects.Figure` whose values are written
on the figure (not only in hovers), in the language ``lang``, with labels from the reference lists
(:func:`mpanalysis.reference.get_labels`) and from ``data/reference/figures.yaml`` (titles, notes,
legends, alt-text templates, colours, symbols, line styles). Each figure carries a short alt text
generated from the data in ``fig.layout.meta["alt"]`` (plain text: the renderer escapes it), next
to ``meta["figure"]`` (the figure kind), ``meta["lang"]`` and ``meta["title"]``.

Respondents' text (institution names, acronyms, domain codes outside the lists) is escaped before it
reaches plotly, whose text supports a few HTML tags: a name such as ``<b>X</b>`` shows literally.
The same data always give the same figure JSON (sorted inputs, seeded layout, rounded positions).

Static images of these figures (PDF, DOCX) are made by :mod:`mpanalysis.render.static`.
"""

from __future__ import annotations

import html
import math
import os
import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from babel.lists import format_list
from babel.numbers import format_decimal
from plotly.subplots import make_subplots

from .errors import ReferenceDataError
from .findings import fill_template
from .form import split_multi
from .paths import reference_dir
from .reference import get_attribute, get_codes, get_labels

CONFIG_FILE_NAME = "figures.yaml"

#: Columns of the per-stage summary drawn by :func:`plot_policy_cycle`
#: (:func:`mpanalysis.network.build_stage_table`, whose ``n_senders`` are the producers feeding a stage).
STAGE_SUMMARY_COLUMNS = ["stage", "n_actors", "n_inflows", "n_producers_feeding"]

_UNKNOWN = "unknown"
_UNSPECIFIED = "__unspecified__"


# --------------------------------------------------------------------------------------------
# Configuration and text helpers


@lru_cache(maxsize=None)
def _load_config_cached(folder: str) -> dict[str, Any]:
    from .reference import read_reference_yaml

    path = Path(folder) / CONFIG_FILE_NAME
    config = read_reference_yaml(path, "figure texts and styles", expect_mapping=False)
    for key in ("style", "colors", "symbols", "channels", "network", "texts"):
        if not isinstance(config, dict) or key not in config:
            raise ReferenceDataError(f"{path}: missing top-level key '{key}'")
    return config


@lru_cache(maxsize=8)
def _reference_dir_for(cwd: str, root_env: str | None) -> str:
    return str(reference_dir())


def _config() -> dict[str, Any]:
    # finding the project root walks the file system; labels of big graphs ask thousands of times
    return _load_config_cached(_reference_dir_for(os.getcwd(), os.environ.get("MPANALYSIS_ROOT")))


def find_config_text(texts: Mapping[str, Any], key: str, lang: str, path: Path) -> str:
    """Return ``texts.<key>`` in ``lang`` from the ``texts`` section of a figure configuration
    file (``path``, named in the error when the key or the language is missing).

    >>> find_config_text({"a": {"b": {"fr": "Texte"}}}, "a.b", "fr", Path("figures.yaml"))
    'Texte'
    >>> find_config_text({"a": {"b": {"fr": "Texte"}}}, "a.b", "pt", Path("figures.yaml"))
    Traceback (most recent call last):
    ...
    mpanalysis.errors.ReferenceDataError: figures.yaml, key 'texts.a.b': no text in language 'pt'
    """
    node: Any = texts
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ReferenceDataError(f"{path}: no text 'texts.{key}'")
        node = node[part]
    if not isinstance(node, dict) or lang not in node:
        raise ReferenceDataError(f"{path}, key 'texts.{key}': no text in language '{lang}'")
    return str(node[lang])


def get_figure_text(key: str, lang: str) -> str:
    """Return the text ``texts.<key>`` of ``data/reference/figures.yaml`` in ``lang``.

    >>> get_figure_text("actor_network.coordinator", "fr")
    'Coordinateur'
    >>> get_figure_text("flows_sankey.column_domains", "en")
    'Domains'
    """
    return find_config_text(_config()["texts"], key, lang, reference_dir() / CONFIG_FILE_NAME)


def fill_figure_text(key: str, lang: str, **values: Any) -> str:
    """Return the text ``texts.<key>`` of ``figures.yaml`` in ``lang``, filled in.

    Numbers are written the language's way and ``{n|one|other}`` picks the word form agreeing
    with the number ``n`` (:func:`mpanalysis.findings.fill_template`); texts are inserted as given.

    >>> fill_figure_text("policy_cycle.actors", "fr", n=1), fill_figure_text("policy_cycle.actors", "fr", n=12)
    ('1 acteur', '12 acteurs')
    """
    return fill_template(get_figure_text(key, lang), lang, values,
                         where=f"{reference_dir() / CONFIG_FILE_NAME}, key 'texts.{key}' ({lang})")


def _style(key: str) -> Any:
    return _config()["style"][key]


def _escape(text: object) -> str:
    """Make data safe for plotly's pseudo-HTML text: it shows literally, never as markup."""
    return html.escape(str(text), quote=False)


def _wrap(text: str, width: int | None = None) -> str:
    """Escape ``text`` and break it on several lines (plotly does not wrap labels itself)."""
    lines = textwrap.wrap(str(text), width or int(_style("wrap_chars"))) or [""]
    return "<br>".join(_escape(line) for line in lines)


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        if pd.isna(value):
            return True
    except (TypeError, ValueError):  # list-like values are never "missing" here
        return False
    return isinstance(value, str) and not value.strip()


def _is_true(value: object) -> bool:
    if _is_missing(value):
        return False
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _format_int(value: int, lang: str) -> str:
    return format_decimal(int(value), locale=lang)


def _format_names(names: list[str], lang: str) -> str:
    if not names:
        return get_figure_text("none", lang)
    return format_list(names, locale=lang)


def _shorten(text: str, max_chars: int | None = None) -> str:
    limit = max_chars or int(_style("label_max_chars"))
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _entity_label(entity_id: object, name: object = None, acronym: object = None) -> str:
    """Short plain-text label of an institution: its acronym, else its (shortened) name."""
    if not _is_missing(acronym):
        return _shorten(str(acronym))
    if not _is_missing(name):
        return _shorten(str(name))
    return _shorten(str(entity_id))


def _hex_to_rgba(color: str, alpha: float) -> str:
    color = color.lstrip("#")
    red, green, blue = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red},{green},{blue},{alpha})"


def _ordered_codes(reference_codes: list[str], seen: Iterable[str]) -> list[str]:
    """Reference-list order first, then codes seen in the data that the list lacks, sorted."""
    extra = sorted({str(code) for code in seen} - set(reference_codes))
    return list(reference_codes) + extra


def _domain_colors(domains: list[str]) -> dict[str, str]:
    colors = _config()["colors"]
    known = colors["domains"]
    extras = iter(colors["extra_domains"] * (1 + len(domains) // max(1, len(colors["extra_domains"]))))
    result = {}
    for domain in domains:
        if domain == _UNSPECIFIED:
            result[domain] = colors["unspecified"]
        else:
            result[domain] = known.get(domain) or next(extras)
    return result


def _base_layout(title: str, subtitle: str | None, height_px: int) -> dict[str, Any]:
    style = _config()["style"]
    title_spec: dict[str, Any] = {
        "text": _escape(title), "x": 0.0, "xanchor": "left", "xref": "container",
        "y": 1.0, "yref": "container", "yanchor": "top", "pad": {"t": 14, "l": 6},
        "font": {"size": style["title_font_size"]},
    }
    if subtitle:
        title_spec["subtitle"] = {
            "text": _wrap(subtitle, 110),
            "font": {"size": style["small_font_size"], "color": style["muted_text_color"]},
        }
    return {
        "template": style["template"],
        "title": title_spec,
        "font": {"family": style["font_family"], "size": style["font_size"], "color": style["text_color"]},
        "height": height_px,
        "margin": {"l": 20, "r": 20, "t": 110 if subtitle else 70, "b": 40},
        "hoverlabel": {"font": {"family": style["font_family"]}},
    }


def _finish(fig: go.Figure, kind: str, lang: str, title: str, alt: str) -> go.Figure:
    fig.update_layout(meta={"figure": kind, "lang": lang, "title": title, "alt": " ".join(alt.split())})
    return fig


def _empty_figure(kind: str, lang: str, title: str, message: str, alt: str) -> go.Figure:
    fig = go.Figure(layout=_base_layout(title, None, 300))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=_escape(message), x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False, font={"size": _style("font_size") + 2})
    return _finish(fig, kind, lang, title, alt)


def _check_language(lang: str) -> None:
    # get_labels raises a ReferenceDataError naming the list when the language is unknown
    get_labels("domains", lang)
    get_figure_text("none", lang)


# --------------------------------------------------------------------------------------------
# Chapter I: coverage heatmap and source profile


def _split_status_matrix(coverage_matrix: pd.DataFrame,
                         potential_matrix: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    if isinstance(coverage_matrix.columns, pd.MultiIndex):
        statuses = set(coverage_matrix.columns.get_level_values(0))
        if "existing" not in statuses:
            raise ValueError("a coverage matrix with two column levels needs an 'existing' level")
        existing = coverage_matrix["existing"]
        if potential_matrix is None and "potential" in statuses:
            potential_matrix = coverage_matrix["potential"]
    else:
        existing = coverage_matrix
    if potential_matrix is None:
        potential_matrix = pd.DataFrame(index=existing.index)
    return existing, potential_matrix


def plot_coverage_heatmap(coverage_matrix: pd.DataFrame, entities: pd.DataFrame | None,
                          lang: str = "fr", potential_matrix: pd.DataFrame | None = None,
                          *, is_empty_rows_shown: bool = False) -> go.Figure:
    """Draw the entity × domain coverage map: who collects data in which domain.

    Parameters
    ----------
    coverage_matrix
        Counts of **existing** sources: index ``entity_id``, one column per domain code. A matrix
        with two column levels ``(status, domain)`` (``existing``/``potential``) is accepted too.
    entities
        The canonical ``entities`` table (``entity_id, name, acronym, sector``…) for row labels and
        the split into governmental and other entities; ``None`` labels rows by entity id.
    lang
        Language of the labels (``"fr"``, ``"en"``).
    potential_matrix
        Counts of **potential** sources, same shape (optional).
    is_empty_rows_shown
        Keep entities that report no source at all (hidden by default).

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap per sector; each cell writes ``existing (+potential)``; every domain of
        ``domains.csv`` is a column, and a domain without any existing source is framed with a
        dashed line and marked "gap" on its axis label.

    Examples
    --------
    >>> existing = pd.DataFrame({"trends": [2, 0], "border_management": [1, 0]}, index=["A", "B"])
    >>> fig = plot_coverage_heatmap(existing, None, "en",
    ...                             potential_matrix=pd.DataFrame({"trends": [0, 1]}, index=["A", "B"]))
    >>> fig.layout.meta["alt"].split(". ")[0]
    'Coverage map: 2 entities report 3 existing sources and 1 potential source across 4 domains'
    >>> [list(row) for row in fig.data[0].text]
    [['2', '1', '', ''], ['(+1)', '', '', '']]
    """
    _check_language(lang)
    texts = "coverage_heatmap"
    title = get_figure_text(f"{texts}.title", lang)
    existing, potential = _split_status_matrix(coverage_matrix, potential_matrix)
    domains = _ordered_codes(get_codes("domains"), [*existing.columns, *potential.columns])
    rows = sorted({str(i) for i in existing.index} | {str(i) for i in potential.index})
    existing = (existing.rename(index=str).reindex(index=rows, columns=domains)
                .apply(pd.to_numeric, errors="coerce").fillna(0).astype(int))
    potential = (potential.rename(index=str).reindex(index=rows, columns=domains)
                 .apply(pd.to_numeric, errors="coerce").fillna(0).astype(int))
    if not is_empty_rows_shown:
        keep = (existing.sum(axis=1) + potential.sum(axis=1)) > 0
        existing, potential = existing.loc[keep], potential.loc[keep]
    if existing.empty:
        return _empty_figure("coverage_heatmap", lang, title, get_figure_text(f"{texts}.empty", lang),
                             get_figure_text(f"{texts}.alt_empty", lang))

    domain_labels = get_labels("domains", lang)
    gap_domains = [d for d in domains if existing[d].sum() == 0]
    gap_tick = get_figure_text(f"{texts}.gap_tick", lang)
    x_ticks = []
    for domain in domains:
        tick = _wrap(domain_labels.get(domain, domain), 16)
        if domain in gap_domains:
            tick += f"<br><b>({_escape(gap_tick)})</b>"
        x_ticks.append(tick)

    info = _entity_info(entities)
    sector_labels = get_labels("sectors", lang)
    sector_order = _ordered_codes(get_codes("sectors"), [])
    groups: dict[str, list[str]] = defaultdict(list)
    for entity_id in existing.index:
        sector = info.get(entity_id, {}).get("sector", _UNKNOWN)
        groups[sector if sector in sector_order else _UNKNOWN].append(entity_id)
    group_keys = [s for s in [*sector_order, _UNKNOWN] if groups.get(s)]
    labels = _unique_labels({e: info.get(e, {}).get("label") or _entity_label(e) for e in existing.index})
    for key in group_keys:
        groups[key].sort(key=lambda e: (-int(existing.loc[e].sum()), -int(potential.loc[e].sum()),
                                        labels[e].casefold(), e))

    n_rows_total = sum(len(groups[k]) for k in group_keys)
    height = 200 + 32 * n_rows_total + 55 * len(group_keys)
    fig = make_subplots(
        rows=len(group_keys), cols=1, shared_xaxes=True,
        row_heights=[len(groups[k]) for k in group_keys],
        vertical_spacing=min(0.3 / max(1, len(group_keys)), 55 / height),
        subplot_titles=[_escape(sector_labels.get(k) or get_figure_text("unknown_sector", lang))
                        for k in group_keys],
    )
    cell = {k: get_figure_text(f"{texts}.{k}", lang)
            for k in ("cell_existing", "cell_both", "cell_potential_only")}
    hover = get_figure_text(f"{texts}.hover", lang).format(existing="%{z}", potential="%{customdata}")
    for row, key in enumerate(group_keys, start=1):
        ids = groups[key]
        z = existing.loc[ids, domains].to_numpy().tolist()
        pot = potential.loc[ids, domains].to_numpy().tolist()
        text = [[_format_cell(e, p, cell, lang) for e, p in zip(z_row, p_row)]
                for z_row, p_row in zip(z, pot)]
        fig.add_trace(go.Heatmap(
            z=z, x=x_ticks, y=[_escape(labels[e]) for e in ids], text=text, customdata=pot,
            texttemplate="%{text}", textfont={"size": _style("font_size")}, coloraxis="coloraxis",
            xgap=2, ygap=2, hovertemplate="%{y} — %{x}<br>" + hover + "<extra></extra>",
        ), row=row, col=1)
        fig.update_yaxes(autorange="reversed", row=row, col=1, tickfont={"size": _style("small_font_size")})
    layout = _base_layout(title, get_figure_text(f"{texts}.subtitle", lang), height)
    fig.update_layout(**layout)
    fig.update_layout(coloraxis={"colorscale": _config()["colors"]["heatmap_scale"], "cmin": 0,
                                 "cmax": max(1, int(existing.to_numpy().max())), "showscale": False},
                      margin={"l": 20, "r": 20, "t": 120, "b": 40})
    fig.update_xaxes(side="bottom", tickangle=0, showgrid=False)
    fig.update_xaxes(title_text=_escape(get_figure_text(f"{texts}.x_title", lang)),
                     row=len(group_keys), col=1)
    for domain in gap_domains:
        i = domains.index(domain)
        for row in range(1, len(group_keys) + 1):
            suffix = "" if row == 1 else str(row)
            fig.add_shape(type="rect", xref=f"x{suffix}", yref=f"y{suffix} domain",
                          x0=i - 0.5, x1=i + 0.5, y0=0, y1=1, fillcolor="rgba(0,0,0,0)", layer="above",
                          line={"color": _style("gap_color"), "width": 2.5, "dash": "dash"})

    gap_sentence = (get_figure_text(f"{texts}.alt_gaps", lang).format(
        domains=_format_names([domain_labels.get(d, d) for d in gap_domains], lang))
        if gap_domains else get_figure_text(f"{texts}.alt_no_gap", lang))
    alt = fill_figure_text(f"{texts}.alt", lang, n_entities=len(existing),
                           n_existing=int(existing.to_numpy().sum()), n_potential=int(potential.to_numpy().sum()),
                           n_domains=len(domains), gap_sentence=gap_sentence)
    return _finish(fig, "coverage_heatmap", lang, title, alt)


def _format_cell(existing: int, potential: int, templates: dict[str, str], lang: str) -> str:
    values = {"existing": _format_int(existing, lang), "potential": _format_int(potential, lang)}
    if existing and potential:
        return templates["cell_both"].format(**values)
    if existing:
        return templates["cell_existing"].format(**values)
    if potential:
        return templates["cell_potential_only"].format(**values)
    return ""


def _entity_info(entities: pd.DataFrame | None) -> dict[str, dict[str, str]]:
    """``{entity_id: {"label", "sector"}}`` from the canonical entities table."""
    if entities is None or entities.empty:
        return {}
    type_sector = get_attribute("institution_types", "sector")
    frame = entities.set_index("entity_id", drop=False) if "entity_id" in entities.columns else entities
    result = {}
    for entity_id, row in frame.iterrows():
        sector = row.get("sector")
        if _is_missing(sector) or sector == _UNKNOWN:
            sector = type_sector.get(row.get("institution_type"), _UNKNOWN)
        result[str(entity_id)] = {
            "label": _entity_label(entity_id, row.get("name"), row.get("acronym")),
            "sector": str(sector),
        }
    return result


def _unique_labels(labels: dict[str, str]) -> dict[str, str]:
    """Two institutions sharing a label would merge on a category axis: suffix them with their id."""
    counts = Counter(labels.values())
    return {key: (f"{label} [{key}]" if counts[label] > 1 else label) for key, label in labels.items()}


def plot_source_profile(sources: pd.DataFrame, lang: str = "fr") -> go.Figure:
    """Draw how often, in which format and with which access the sources are kept.

    Three horizontal bar charts (periodicity, format, access), one bar per status (existing,
    potential) for every category of the reference lists, zero included, with the count written at
    the end of each bar. Missing answers form a "not stated" category.

    Parameters
    ----------
    sources
        The canonical ``sources`` table (``status, periodicity, format, access`` are used).
    lang
        Language of the labels.

    Examples
    --------
    >>> sources = pd.DataFrame({"status": ["existing", "existing", "potential"],
    ...                         "periodicity": ["annual", "annual", None],
    ...                         "format": ["database", "paper", "paper"],
    ...                         "access": ["public", "restricted", "internal"]})
    >>> fig = plot_source_profile(sources, "en")
    >>> fig.layout.meta["alt"].split(";")[0]
    '3 sources (2 existing, 1 potential). Most frequent periodicity: Annual (2)'
    >>> [trace.name for trace in fig.data if trace.showlegend]
    ['Potential', 'Existing']
    """
    _check_language(lang)
    texts = "source_profile"
    title = get_figure_text(f"{texts}.title", lang)
    if sources is None or sources.empty:
        return _empty_figure("source_profile", lang, title, get_figure_text(f"{texts}.empty", lang),
                             get_figure_text(f"{texts}.alt_empty", lang))
    not_stated = get_figure_text("not_stated", lang)
    facets = [("periodicity", "periodicities"), ("format", "source_formats"), ("access", "source_access")]
    status = sources["status"].map(lambda v: _UNKNOWN if _is_missing(v) else str(v))
    statuses = [s for s in _ordered_codes(get_codes("source_statuses"), status) if (status == s).any()]
    status_labels = get_labels("source_statuses", lang)
    status_colors = _config()["colors"]["statuses"]

    facet_categories: list[list[str]] = []
    for column, list_name in facets:
        values = sources[column].map(lambda v: _UNSPECIFIED if _is_missing(v) else str(v))
        categories = _ordered_codes(get_codes(list_name), set(values) - {_UNSPECIFIED})
        if (values == _UNSPECIFIED).any():
            categories.append(_UNSPECIFIED)
        facet_categories.append(categories)
    height = 170 + sum(26 * len(c) * max(1, len(statuses)) / 1.6 + 70 for c in facet_categories)
    fig = make_subplots(rows=3, cols=1, row_heights=[len(c) for c in facet_categories],
                        vertical_spacing=0.09,
                        subplot_titles=[_escape(get_figure_text(f"{texts}.facet_{c}", lang)) for c, _ in facets])
    hover = get_figure_text(f"{texts}.hover", lang)
    top: dict[str, tuple[str, int]] = {}
    max_count = 1
    for row, ((column, list_name), categories) in enumerate(zip(facets, facet_categories), start=1):
        labels = get_labels(list_name, lang)
        values = sources[column].map(lambda v: _UNSPECIFIED if _is_missing(v) else str(v))
        names = [not_stated if c == _UNSPECIFIED else labels.get(c, c) for c in categories]
        totals = values.value_counts()
        stated = [i for i, c in enumerate(categories) if c != _UNSPECIFIED and totals.get(c, 0)]
        # most frequent stated category; ties go to the first in reference-list order
        best = min(stated, key=lambda i: -int(totals[categories[i]]), default=None)
        top[column] = ((names[best], int(totals[categories[best]])) if best is not None
                       else (not_stated, int(totals.get(_UNSPECIFIED, 0))))
        y = [_wrap(n, 26) for n in names]
        # reverse-ordered bars so the reference order reads top to bottom
        for s_index, code in enumerate(reversed(statuses)):
            counts = values[status == code].value_counts()
            x = [int(counts.get(c, 0)) for c in categories]
            max_count = max(max_count, *x)
            label = status_labels.get(code) or not_stated
            fig.add_trace(go.Bar(
                x=x, y=y, orientation="h", name=_escape(label), legendgroup=code,
                showlegend=(row == 1), legendrank=len(statuses) - s_index,
                marker={"color": status_colors.get(code, _config()["colors"]["unspecified"])},
                text=[_format_int(v, lang) for v in x], textposition="outside", cliponaxis=False,
                textfont={"size": _style("small_font_size")},
                hovertext=[_escape(hover.format(category=n, count=v, status=label.lower()))
                           for n, v in zip(names, x)],
                hoverinfo="text",
            ), row=row, col=1)
        fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(y)), row=row, col=1,
                         tickfont={"size": _style("small_font_size")})
    fig.update_layout(**_base_layout(title, None, int(height)))
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05,
                      legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom",
                              "traceorder": "normal"},
                      margin={"l": 20, "r": 40, "t": 110, "b": 50})
    fig.update_xaxes(range=[0, max_count * 1.18 + 0.5], showgrid=True, zeroline=True, dtick=_nice_dtick(max_count))
    fig.update_xaxes(title_text=_escape(get_figure_text(f"{texts}.x_title", lang)), row=3, col=1)

    access = sources["access"].map(lambda v: None if _is_missing(v) else str(v))
    is_open = get_attribute("source_access", "is_open")
    alt = fill_figure_text(
        f"{texts}.alt", lang, n_sources=len(sources), n_existing=int((status == "existing").sum()),
        n_potential=int((status == "potential").sum()),
        top_periodicity=top["periodicity"][0], n_top_periodicity=int(top["periodicity"][1]),
        top_format=top["format"][0], n_top_format=int(top["format"][1]),
        n_open=sum(bool(is_open.get(a, False)) for a in access))
    return _finish(fig, "source_profile", lang, title, alt)


def _nice_dtick(max_count: int) -> int:
    """A tick step giving at most about six integer ticks (counts are whole numbers)."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if max_count / step <= 6:
                return step
        magnitude *= 10


# --------------------------------------------------------------------------------------------
# Chapter II: the actor network


def _node_label(G: nx.DiGraph, node: object) -> str:
    data = G.nodes[node]
    return _entity_label(node, data.get("name"), data.get("acronym"))


def _node_type(data: Mapping[str, Any]) -> str:
    value = data.get("institution_type")
    return _UNKNOWN if _is_missing(value) else str(value)


def _node_sector(data: Mapping[str, Any], type_sector: Mapping[str, object]) -> str:
    sector = data.get("sector")
    if _is_missing(sector) or sector not in _config()["symbols"]["sectors"]:
        sector = type_sector.get(_node_type(data), _UNKNOWN)
    return str(sector)


def _edge_channel(data: Mapping[str, Any]) -> str:
    value = data.get("channel")
    return _UNKNOWN if _is_missing(value) else str(value)


def _is_formal_edge(data: Mapping[str, Any], formal_channels: Mapping[str, object]) -> bool:
    if "is_formal" in data and not _is_missing(data["is_formal"]):
        return _is_true(data["is_formal"])
    return bool(formal_channels.get(_edge_channel(data), False))


def compute_node_centrality(G: nx.DiGraph) -> tuple[dict[Any, float], str]:
    """Return the value sizing each node and its kind (``"betweenness"`` or ``"degree"``).

    Exact betweenness up to ``network.max_nodes_betweenness`` nodes (figures.yaml), else the
    total degree, which is linear; degree too when no node lies on any path (all betweenness 0).

    >>> kind = compute_node_centrality(nx.DiGraph([("a", "b"), ("b", "c")]))
    >>> kind[1], kind[0]["b"]
    ('betweenness', 0.5)
    """
    limit = int(_config()["network"]["max_nodes_betweenness"])
    if 0 < G.number_of_nodes() <= limit:
        betweenness = nx.betweenness_centrality(G)
        if max(betweenness.values()) > 0:
            return {n: round(float(v), 6) for n, v in betweenness.items()}, "betweenness"
    return {n: float(G.degree(n)) for n in G.nodes}, "degree"


def compute_network_layout(G: nx.Graph) -> dict[Any, tuple[float, float]]:
    """Return deterministic node positions in [-1, 1]² (same graph → same positions).

    Connected components (ignoring direction) are laid out separately so that a few isolated
    institutions do not squeeze the main network into a corner: components of three nodes or more
    share the upper area side by side (width growing with their size), isolated nodes and pairs
    line up in rows along the bottom. Inside a component: Kamada–Kawai up to
    ``network.max_nodes_kamada_kawai`` nodes (figures.yaml), else force-directed
    (Fruchterman–Reingold, fixed seed) while the graph has at most ``network.max_nodes_spring``
    nodes; above, a spectral layout (a circle if the eigensolver fails) for components up to
    ``network.max_nodes_spectral`` nodes, and seeded random positions beyond (linear time).

    >>> pos = compute_network_layout(nx.DiGraph([("a", "b"), ("b", "c")]))
    >>> sorted(pos) == ["a", "b", "c"] and pos == compute_network_layout(nx.DiGraph([("b", "c"), ("a", "b")]))
    True
    >>> pos = compute_network_layout(nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("x", "y")]))
    >>> pos["x"][1] < min(pos[n][1] for n in "abc")  # the lone pair sits under the main component
    True
    """
    settings = _config()["network"]
    nodes = sorted(G.nodes, key=str)
    if not nodes:
        return {}
    undirected = nx.Graph()
    undirected.add_nodes_from(nodes)
    undirected.add_edges_from(sorted(((u, v) for u, v in G.edges if u != v), key=lambda e: (str(e[0]), str(e[1]))))
    components = sorted((sorted(c, key=str) for c in nx.connected_components(undirected)),
                        key=lambda c: (-len(c), str(c[0])))
    large = [c for c in components if len(c) >= 3]
    small = [n for c in components if len(c) < 3 for n in c]  # isolates, then pairs side by side
    is_big_graph = len(nodes) > int(settings["max_nodes_spring"])

    positions: dict[Any, tuple[float, float]] = {}
    per_row = max(12, math.ceil(math.sqrt(len(small) * 6))) if large else max(1, math.ceil(math.sqrt(len(small) * 1.5)))
    n_rows = math.ceil(len(small) / per_row) if small else 0
    band = min(0.6, 0.22 * n_rows) if large else 2.0
    for i, node in enumerate(small):
        row, col = divmod(i, per_row)
        in_row = min(per_row, len(small) - row * per_row)
        if large:  # a row of loners from the left, evenly spaced whatever their number
            x = -1 + 2 * col / (per_row - 1)
        else:
            x = 0.0 if in_row == 1 else -1 + 2 * col / (in_row - 1)
        if large:
            y = -1 + band * (row + 0.5) / n_rows
        elif n_rows == 1:
            y = 0.0
        else:
            y = 1 - 2 * row / (n_rows - 1)
        positions[node] = (round(x * 0.9, 4), round(y, 4))
    if large:
        top, bottom = 1.0, -1.0 + (band + 0.08 if small else 0.0)
        weights = [math.sqrt(len(c)) for c in large]
        left = -1.0
        for component, weight in zip(large, weights):
            width = 2.0 * weight / sum(weights)
            raw = _layout_component(component, undirected, settings, is_big_graph)
            margin = 0.06 * width if len(large) > 1 else 0.0
            # smaller components get a smaller box, centred, instead of being stretched tall
            half_height = (top - bottom) / 2 * weight / weights[0]
            middle = (top + bottom) / 2
            xs = _rescale([raw[n][0] for n in component], left + margin, left + width - margin)
            ys = _rescale([raw[n][1] for n in component], middle - half_height, middle + half_height)
            positions.update({n: (x, y) for n, x, y in zip(component, xs, ys)})
            left += width
    return {n: positions[n] for n in nodes}


def _layout_component(component: list[Any], undirected: nx.Graph, settings: Mapping[str, Any],
                      is_big_graph: bool) -> dict[Any, tuple[float, float]]:
    sub = nx.Graph()
    sub.add_nodes_from(component)
    sub.add_edges_from(sorted(undirected.subgraph(component).edges, key=lambda e: (str(e[0]), str(e[1]))))
    seed = int(settings["layout_seed"])
    if len(component) <= int(settings["max_nodes_kamada_kawai"]):
        # spaces nodes more evenly than a spring layout (readable labels); O(n²), and much
        # faster from a seeded spring start than from a circle
        start = nx.spring_layout(sub, seed=seed, iterations=50)
        raw = nx.kamada_kawai_layout(sub, pos=start)
    elif not is_big_graph:
        raw = nx.spring_layout(sub, seed=seed, iterations=int(settings["layout_iterations"]))
    elif len(component) <= int(settings["max_nodes_spectral"]):
        try:
            raw = nx.spectral_layout(sub)
        except Exception:  # noqa: BLE001 — eigensolver failures on odd graphs; a circle still draws
            raw = nx.circular_layout(sub)
    else:
        # the eigensolver gets slow beyond a few thousand nodes, and such a drawing is only a texture
        raw = nx.random_layout(sub, seed=seed)
    return {n: (float(raw[n][0]), float(raw[n][1])) for n in component}


def _rescale(values: list[float], low_out: float = -1.0, high_out: float = 1.0) -> list[float]:
    """Map values linearly onto [low_out, high_out]: each axis fills its box on the page."""
    low, high = min(values), max(values)
    if high - low < 1e-9:
        return [round((low_out + high_out) / 2, 4) for _ in values]
    return [round(low_out + (high_out - low_out) * (v - low) / (high - low), 4) for v in values]


def plot_actor_network(G: nx.DiGraph, lang: str = "fr", label_top_n: int = 12,
                       centrality: Mapping[Any, float] | None = None,
                       centrality_kind: str = "betweenness") -> go.Figure:
    """Draw the actor network: who passes information to whom.

    Node size follows centrality (betweenness, or degree on big graphs), colour and legend the
    institution type (the sector also by symbol: circle = governmental, diamond = other; open
    symbol = non-respondent), edge line style the channel (formal agreement solid, official request
    dashed, publication dash-dot, informal dotted; second legend), arrowheads the direction. The
    coordinator is circled in black and always labelled; the ``label_top_n`` most central actors
    are labelled with their acronym (or short name).

    Parameters
    ----------
    G
        The actor network (node and edge attributes of docs/architecture.md "The actor network").
    lang
        Language of the labels.
    label_top_n
        How many of the most central actors get a label.
    centrality, centrality_kind
        Precomputed ``{node: value}`` sizing the nodes and what it is (``"betweenness"`` or
        ``"degree"``); computed with :func:`compute_node_centrality` when omitted.

    Returns
    -------
    plotly.graph_objects.Figure
        Node traces carry ``meta={"kind": "nodes"}`` (one per institution type), the coordinator
        ring ``{"kind": "coordinator"}``, edge lines ``{"kind": "edges", "channel": …}``.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("SEN-ANSD", name="Agence nationale de la statistique", acronym="ANSD",
    ...            institution_type="statistics_office", sector="governmental",
    ...            is_respondent=True, is_coordinator=True)
    >>> G.add_node("SEN-DGPN", name="Police nationale", acronym="DGPN", institution_type="police_border",
    ...            sector="governmental", is_respondent=False, is_coordinator=False)
    >>> G.add_edge("SEN-DGPN", "SEN-ANSD", channel="formal_agreement", is_formal=True,
    ...            domains="border_management", stages="implementation")
    >>> fig = plot_actor_network(G, "en")
    >>> sum(len(t.x) for t in fig.data if t.meta and t.meta["kind"] == "nodes")
    2
    >>> fig.layout.meta["alt"]  # doctest: +NORMALIZE_WHITESPACE
    'Network of 2 institutions linked by 1 information exchange, 1 of them under a formal
    agreement. Most central actors: ANSD and DGPN. The coordinator, ANSD, is circled; it has 1
    exchange.'
    """
    _check_language(lang)
    texts = "actor_network"
    title = get_figure_text(f"{texts}.title", lang)
    nodes = sorted(G.nodes, key=str)
    if not nodes:
        return _empty_figure("actor_network", lang, title, get_figure_text(f"{texts}.empty", lang),
                             get_figure_text(f"{texts}.alt_empty", lang))
    config = _config()
    settings, colors, style = config["network"], config["colors"], config["style"]
    if centrality is None:
        centrality, centrality_kind = compute_node_centrality(G)
    values = {n: float(centrality.get(n, 0.0) or 0.0) for n in nodes}
    top_value = max(values.values()) or 1.0
    size_min, size_max = float(settings["node_size_min_px"]), float(settings["node_size_max_px"])
    sizes = {n: round(size_min + (size_max - size_min) * math.sqrt(max(values[n], 0.0) / top_value), 2)
             for n in nodes}
    stretch = float(settings["layout_aspect"])
    # a wide drawing area fits an A4 page better than a square: stretch the layout horizontally
    pos = {n: (round(x * stretch, 4), y) for n, (x, y) in compute_network_layout(G).items()}
    labels = {n: _node_label(G, n) for n in nodes}
    ranking = sorted(nodes, key=lambda n: (-values[n], -G.degree(n), str(n)))
    coordinators = [n for n in nodes if _is_true(G.nodes[n].get("is_coordinator"))]
    labelled = set(ranking[: max(0, label_top_n)]) | set(coordinators)

    fig = go.Figure()
    edges = sorted(((u, v, d) for u, v, d in G.edges(data=True) if u != v), key=lambda e: (str(e[0]), str(e[1])))
    _add_edge_traces(fig, G, edges, pos, labels, lang, len(edges) <= int(settings["max_edges_arrows"]))

    type_labels = get_labels("institution_types", lang)
    type_colors = colors["institution_types"]
    sector_symbols = config["symbols"]["sectors"]
    type_sector = get_attribute("institution_types", "sector")
    node_hover = get_figure_text(f"{texts}.node_hover", lang)
    by_type: dict[str, list[Any]] = defaultdict(list)
    # respondents first: a legend entry shows the symbol of its trace's first point
    for n in sorted(nodes, key=lambda n: (not _is_true(G.nodes[n].get("is_respondent", True)), str(n))):
        by_type[_node_type(G.nodes[n])].append(n)
    has_non_respondent = False
    for type_code in _ordered_codes(get_codes("institution_types"), set(by_type) - {_UNKNOWN}) + [_UNKNOWN]:
        members = by_type.get(type_code)
        if not members:
            continue
        color = type_colors.get(type_code, colors["unknown_institution_type"])
        symbols, line_widths, line_colors = [], [], []
        for n in members:
            data = G.nodes[n]
            symbol = sector_symbols.get(_node_sector(data, type_sector), sector_symbols[_UNKNOWN])
            is_respondent = _is_true(data.get("is_respondent", True))
            has_non_respondent |= not is_respondent
            symbols.append(symbol if is_respondent else f"{symbol}-open")
            line_widths.append(1.0 if is_respondent else 3.0)
            line_colors.append("#FFFFFF" if is_respondent else color)
        type_name = type_labels.get(type_code) or get_figure_text("unknown_type", lang)
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in members], y=[pos[n][1] for n in members], mode="markers+text",
            name=_wrap(type_name), legend="legend", legendgroup=f"type-{type_code}",
            marker={"size": [sizes[n] for n in members], "color": color, "symbol": symbols,
                    "line": {"width": line_widths, "color": line_colors}, "opacity": 0.95},
            # the coordinator's label goes on its ring, above it, so the ring does not cross it
            text=[_escape(labels[n]) if n in labelled and n not in coordinators else "" for n in members],
            # the halo keeps labels readable where edges cross them
            textposition="top center", textfont={"size": style["small_font_size"], "shadow": "auto"},
            hovertext=[node_hover.format(
                name=_escape(G.nodes[n].get("name") or labels[n]), type=_escape(type_name),
                n_in=G.in_degree(n), n_out=G.out_degree(n)) for n in members],
            hoverinfo="text", meta={"kind": "nodes", "institution_type": type_code},
        ))
    if coordinators:
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in coordinators], y=[pos[n][1] for n in coordinators], mode="markers+text",
            name=_escape(get_figure_text(f"{texts}.coordinator", lang)), legend="legend",
            marker={"symbol": "circle-open", "size": [sizes[n] + 14 for n in coordinators],
                    "color": colors["coordinator_ring"], "line": {"width": 3}},
            text=[f"<b>{_escape(labels[n])}</b>" for n in coordinators], textposition="top center",
            textfont={"size": style["small_font_size"] + 1, "shadow": "auto"},
            hoverinfo="skip", meta={"kind": "coordinator"},
        ))
    if has_non_respondent:
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", legend="legend",
            name=_escape(get_figure_text(f"{texts}.non_respondent", lang)),
            marker={"symbol": "circle-open", "size": 12, "color": "#555555", "line": {"width": 3}},
            meta={"kind": "legend"},
        ))

    subtitle_key = "subtitle_betweenness" if centrality_kind == "betweenness" else "subtitle_degree"
    layout = _base_layout(title, get_figure_text(f"{texts}.{subtitle_key}", lang), 900)
    fig.update_layout(**layout)
    fig.update_layout(
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": -0.02, "yanchor": "top", "itemsizing": "constant",
                "title": {"text": _escape(get_figure_text(f"{texts}.legend_types", lang)), "side": "top"},
                "font": {"size": style["small_font_size"]}},
        legend2={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "itemwidth": 60,
                 "title": {"text": _escape(get_figure_text(f"{texts}.legend_channels", lang))},
                 "font": {"size": style["small_font_size"]}},
        margin={"l": 10, "r": 10, "t": 150, "b": 20},
    )
    fig.update_xaxes(visible=False, range=[-stretch - 0.12, stretch + 0.12])
    fig.update_yaxes(visible=False, range=[-1.1, 1.12], scaleanchor="x", scaleratio=1)

    formal_channels = get_attribute("channels", "is_formal")
    n_formal = sum(_is_formal_edge(d, formal_channels) for _, _, d in G.edges(data=True))
    if coordinators:
        coordinator = coordinators[0]
        coordinator_sentence = fill_figure_text(f"{texts}.alt_coordinator", lang, coordinator=labels[coordinator],
                                                n_coordinator=int(G.degree(coordinator)))
    else:
        coordinator_sentence = get_figure_text(f"{texts}.alt_no_coordinator", lang)
    alt = fill_figure_text(
        f"{texts}.alt", lang, n_nodes=len(nodes), n_edges=G.number_of_edges(), n_formal=int(n_formal),
        top_actors=_format_names([labels[n] for n in ranking[:3]], lang),
        coordinator_sentence=coordinator_sentence)
    return _finish(fig, "actor_network", lang, title, alt)


def _add_edge_traces(fig: go.Figure, G: nx.DiGraph, edges: list[tuple[Any, Any, dict]],
                     pos: Mapping[Any, tuple[float, float]], labels: Mapping[Any, str], lang: str,
                     is_arrowed: bool) -> None:
    """One line trace per channel (its dash style in the legend) and, on readable graphs, arrowheads."""
    styles = _config()["channels"]
    arrow_opacity = _config()["colors"]["edge_arrow_opacity"]
    channel_labels = get_labels("channels", lang)
    yes, no = get_figure_text("actor_network.yes_text", lang), get_figure_text("actor_network.no_text", lang)
    domain_labels = get_labels("domains", lang)
    edge_hover = get_figure_text("actor_network.edge_hover", lang)
    by_channel: dict[str, list[tuple[Any, Any, dict]]] = defaultdict(list)
    for edge in edges:
        channel = _edge_channel(edge[2])
        by_channel[channel if channel in styles else _UNKNOWN].append(edge)
    for channel in [c for c in get_codes("channels") if c in styles] + [_UNKNOWN]:
        members = by_channel.get(channel)
        if not members:
            continue
        style = styles[channel]
        name = channel_labels.get(channel) or get_figure_text("unknown_channel", lang)
        xs: list[float] = []
        ys: list[float] = []
        ax, ay, angles, hovers = [], [], [], []
        for u, v, data in members:
            (x0, y0), (x1, y1) = pos[u], pos[v]
            dx, dy = x1 - x0, y1 - y0
            length = math.hypot(dx, dy) or 1.0
            # both directions of a pair would overlap: shift each to its own right-hand side
            shift = 0.012 if G.has_edge(v, u) else 0.0
            ox, oy = dy / length * shift, -dx / length * shift
            xs += [round(x0 + ox, 4), round(x1 + ox, 4), math.nan]
            ys += [round(y0 + oy, 4), round(y1 + oy, 4), math.nan]
            if not is_arrowed:
                continue
            ax.append(round(x0 + ox + 0.62 * dx, 4))
            ay.append(round(y0 + oy + 0.62 * dy, 4))
            angles.append(round(math.degrees(math.atan2(dx, dy)), 2))
            domains = [domain_labels.get(d, d) for d in split_multi(data.get("domains"))]
            hovers.append(edge_hover.format(
                source=_escape(labels[u]), target=_escape(labels[v]), channel=_escape(name),
                domains=_escape(", ".join(domains) or "—"),
                confirmed=yes if _is_true(data.get("confirmed")) else no))
        # numpy arrays (NaN = gap between segments) validate fast and serialise compactly
        fig.add_trace(go.Scatter(
            x=np.asarray(xs, dtype=float), y=np.asarray(ys, dtype=float), mode="lines",
            name=_escape(name), legend="legend2", legendgroup=f"channel-{channel}",
            line={"dash": style["dash"], "width": style["width"], "color": style["color"]},
            hoverinfo="skip", meta={"kind": "edges", "channel": channel},
        ))
        if is_arrowed:
            fig.add_trace(go.Scatter(
                x=ax, y=ay, mode="markers", showlegend=False, legend="legend2",
                legendgroup=f"channel-{channel}",
                marker={"symbol": "arrow", "angle": angles, "size": 11, "color": style["color"],
                        "opacity": arrow_opacity, "line": {"width": 0}},
                hovertext=hovers, hoverinfo="text", meta={"kind": "arrows", "channel": channel},
            ))


# --------------------------------------------------------------------------------------------
# Chapter II: flows from producers through domains to policy stages


def plot_flows_sankey(G: nx.DiGraph, lang: str = "fr", top_n_producers: int = 12) -> go.Figure:
    """Draw a Sankey diagram: producers → domains → policy stages.

    Each exchange (edge ``u → v``) is one unit leaving its sender ``u``; it is split evenly
    between the domains it carries (edge ``domains``) and then between the stages where it is
    used (edge ``stages``), so every column sums to the number of exchanges. An exchange without
    domain or stage goes to "not stated". Node labels write the number of exchanges touching the
    node (an exchange on two domains counts once for each). Senders beyond ``top_n_producers`` are
    grouped. Stages that receive nothing are named under the diagram.

    Parameters
    ----------
    G
        The actor network (edge attributes ``domains`` and ``stages``, space-separated codes).
    lang
        Language of the labels.
    top_n_producers
        How many senders get their own node (ranked by exchanges sent).

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_edge("A", "B", domains="trends border_management", stages="elaboration")
    >>> G.add_edge("A", "C", domains="trends", stages="")
    >>> fig = plot_flows_sankey(G, "en")
    >>> [round(v, 2) for v in fig.data[0].link.value]
    [1.5, 0.5, 0.5, 1.0, 0.5]
    >>> list(fig.data[0].node.label)
    ['A (2)', 'Migration trends (2)', 'Border management (1)', 'Elaboration (1)', 'Stage not stated (1)']
    """
    _check_language(lang)
    texts = "flows_sankey"
    title = get_figure_text(f"{texts}.title", lang)
    edges = sorted(((u, v, d) for u, v, d in G.edges(data=True)), key=lambda e: (str(e[0]), str(e[1])))
    if not edges:
        return _empty_figure("flows_sankey", lang, title, get_figure_text(f"{texts}.empty", lang),
                             get_figure_text(f"{texts}.alt_empty", lang))
    sent = Counter(u for u, _, _ in edges)
    labels = {n: _node_label(G, n) for n in sent}
    producers = sorted(sent, key=lambda n: (-sent[n], labels[n].casefold(), str(n)))
    other_key = ("producer", _UNSPECIFIED)
    if len(producers) > top_n_producers + 1:
        shown, grouped = producers[:top_n_producers], producers[top_n_producers:]
    else:
        shown, grouped = producers, []
    producer_node = {p: ("producer", p) for p in shown} | {p: other_key for p in grouped}

    domain_links: dict[tuple, Fraction] = defaultdict(Fraction)
    stage_links: dict[tuple, Fraction] = defaultdict(Fraction)
    domain_count: Counter = Counter()
    stage_count: Counter = Counter()
    for u, _, data in edges:
        domains = list(dict.fromkeys(split_multi(data.get("domains")))) or [_UNSPECIFIED]
        stages = list(dict.fromkeys(split_multi(data.get("stages")))) or [_UNSPECIFIED]
        for domain in domains:
            domain_links[(producer_node[u], ("domain", domain))] += Fraction(1, len(domains))
            domain_count[domain] += 1
            for stage in stages:
                stage_links[(("domain", domain), ("stage", stage))] += Fraction(1, len(domains) * len(stages))
        for stage in stages:
            stage_count[stage] += 1

    reference_stages = get_codes("policy_stages")
    domain_order = [d for d in _ordered_codes(get_codes("domains"), set(domain_count) - {_UNSPECIFIED})
                    + [_UNSPECIFIED] if domain_count[d]]
    stage_order = [s for s in _ordered_codes(reference_stages, set(stage_count) - {_UNSPECIFIED})
                   + [_UNSPECIFIED] if stage_count[s]]
    node_template = get_figure_text(f"{texts}.node_label", lang)
    domain_labels, stage_labels = get_labels("domains", lang), get_labels("policy_stages", lang)
    colors = _config()["colors"]
    domain_colors = _domain_colors(domain_order)
    type_colors = colors["institution_types"]

    keys: list[tuple] = []
    node_labels: list[str] = []
    node_colors: list[str] = []
    for p in shown:
        keys.append(("producer", p))
        node_labels.append(node_template.format(label=_escape(labels[p]), n=_format_int(sent[p], lang)))
        node_colors.append(type_colors.get(_node_type(G.nodes[p]), colors["unknown_institution_type"]))
    if grouped:
        keys.append(other_key)
        node_labels.append(_escape(get_figure_text(f"{texts}.other_producers", lang).format(
            n=_format_int(len(grouped), lang))))
        node_colors.append(colors["unspecified"])
    for d in domain_order:
        keys.append(("domain", d))
        label = get_figure_text("unspecified_domain", lang) if d == _UNSPECIFIED else domain_labels.get(d, d)
        # middle-column labels sit right of their node: short lines keep them off the stage labels
        node_labels.append(node_template.format(label=_wrap(label, 18), n=_format_int(domain_count[d], lang)))
        node_colors.append(domain_colors[d])
    for s in stage_order:
        keys.append(("stage", s))
        label = get_figure_text("unspecified_stage", lang) if s == _UNSPECIFIED else stage_labels.get(s, s)
        node_labels.append(node_template.format(label=_wrap(label, 18), n=_format_int(stage_count[s], lang)))
        node_colors.append(colors["unspecified"] if s == _UNSPECIFIED else colors["stage_node"])
    index = {key: i for i, key in enumerate(keys)}

    sources, targets, values, link_colors = [], [], [], []
    for links in (domain_links, stage_links):
        for (a, b), value in sorted(links.items(), key=lambda item: (index[item[0][0]], index[item[0][1]])):
            sources.append(index[a])
            targets.append(index[b])
            values.append(round(float(value), 6))
            domain = a[1] if a[0] == "domain" else b[1]
            link_colors.append(_hex_to_rgba(domain_colors[domain], 0.45))

    n_column_max = max(len(shown) + bool(grouped), len(domain_order), len(stage_order))
    height = max(480, 170 + 44 * n_column_max)
    fig = go.Figure(go.Sankey(
        arrangement="snap", valueformat=".1f",
        node={"label": node_labels, "color": node_colors, "pad": 14, "thickness": 16,
              "line": {"color": "#FFFFFF", "width": 0.5},
              "hovertemplate": "%{label}<extra></extra>"},
        link={"source": sources, "target": targets, "value": values, "color": link_colors,
              "hovertemplate": "%{source.label} → %{target.label}: %{value:.1f}<extra></extra>"},
        textfont={"size": _style("small_font_size") + 1, "color": _style("text_color")},
    ))
    layout = _base_layout(title, get_figure_text(f"{texts}.subtitle", lang), height)
    fig.update_layout(**layout)
    fig.update_layout(margin={"l": 20, "r": 20, "t": 150, "b": 60})
    for x, anchor, key in ((0.0, "left", "column_producers"), (0.5, "center", "column_domains"),
                           (1.0, "right", "column_stages")):
        fig.add_annotation(text=f"<b>{_escape(get_figure_text(f'{texts}.{key}', lang))}</b>",
                           x=x, xanchor=anchor, y=1.0, yanchor="bottom", xref="paper", yref="paper",
                           showarrow=False, font={"size": _style("font_size")})
    empty_stages = [stage_labels.get(s, s) for s in reference_stages if not stage_count[s]]
    if empty_stages:
        fig.add_annotation(
            text=_escape(get_figure_text("policy_cycle.alt_gaps", lang).format(
                stages=_format_names(empty_stages, lang))),
            x=1.0, xanchor="right", y=-0.02, yanchor="top", xref="paper", yref="paper", showarrow=False,
            font={"size": _style("small_font_size"), "color": _style("gap_color")})

    # the alt text names a real domain and stage; "not stated" only when nothing else exists
    domain_candidates = [d for d in domain_order if d != _UNSPECIFIED] or domain_order
    top_domain = max(domain_candidates, key=lambda d: (domain_count[d], -domain_candidates.index(d)))
    stage_candidates = [s for s in stage_order if s != _UNSPECIFIED] or stage_order
    top_stage = max(stage_candidates, key=lambda s: (stage_count[s], -stage_candidates.index(s)))
    alt = fill_figure_text(
        f"{texts}.alt", lang, n_edges=len(edges), n_producers=len(producers),
        top_domain=(get_figure_text("unspecified_domain", lang) if top_domain == _UNSPECIFIED
                    else domain_labels.get(top_domain, top_domain)),
        n_top_domain=int(domain_count[top_domain]),
        top_stage=(get_figure_text("unspecified_stage", lang) if top_stage == _UNSPECIFIED
                   else stage_labels.get(top_stage, top_stage)),
        n_top_stage=int(stage_count[top_stage]),
        empty_stages=_format_names(empty_stages, lang))
    return _finish(fig, "flows_sankey", lang, title, alt)


# --------------------------------------------------------------------------------------------
# Chapter II: the policy cycle


def _normalise_stage_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Accept ``stage`` as a column or as the index, and ``n_senders`` for ``n_producers_feeding``."""
    if "stage" not in summary.columns and summary.index.name == "stage":
        summary = summary.reset_index()
    if "n_producers_feeding" not in summary.columns and "n_senders" in summary.columns:
        summary = summary.assign(n_producers_feeding=summary["n_senders"])
    missing = [c for c in STAGE_SUMMARY_COLUMNS if c not in summary.columns]
    if missing:
        raise ValueError(f"stage_summary lacks the column(s) {missing}; expected {STAGE_SUMMARY_COLUMNS}")
    return summary


def plot_policy_cycle(G: nx.DiGraph, stage_summary: pd.DataFrame | None = None, lang: str = "fr",
                      top_actors_n: int = 3) -> go.Figure:
    """Draw the policy cycle: each stage with its actors and the information reaching it.

    The stages of ``policy_stages.csv`` sit on a circle in their order (arrows close the cycle).
    Each stage writes its number of actors, its number of inflows and up to ``top_actors_n`` of
    its most connected actors; its shade follows the inflows. A stage that receives no information
    is drawn with a dashed vermillion outline and says so in words.

    Parameters
    ----------
    G
        The actor network (node ``stages`` names the actors shown per stage).
    stage_summary
        DataFrame with columns ``stage, n_actors, n_inflows, n_producers_feeding``; by default
        :func:`mpanalysis.network.build_stage_table` of ``G``. ``stage`` may be the index and
        ``n_senders`` may stand for ``n_producers_feeding`` (as in that table). Stages missing
        from it count zero; other columns are ignored.
    lang
        Language of the labels.
    top_actors_n
        How many actor names are written under each stage.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("A", acronym="ANSD", stages="needs_identification elaboration")
    >>> G.add_node("B", acronym="DGPN", stages="implementation")
    >>> G.add_edge("A", "B", stages="implementation")
    >>> fig = plot_policy_cycle(G, lang="en")
    >>> fig.layout.meta["alt"].split(". ")[-1]
    'No information reaches: Identification of needs, Elaboration, Monitoring and evaluation, and Reformulation.'
    >>> sum(1 for s in fig.layout.shapes if s.line.dash == "dash")
    4
    """
    _check_language(lang)
    texts = "policy_cycle"
    title = get_figure_text(f"{texts}.title", lang)
    if stage_summary is None:
        from .network import build_stage_table

        stage_summary = build_stage_table(G)
    summary = _normalise_stage_summary(stage_summary)
    by_stage = {str(row["stage"]): row for _, row in summary.iterrows()}
    stages = _ordered_codes(get_codes("policy_stages"), by_stage)
    stage_labels = get_labels("policy_stages", lang)

    def count(stage: str, column: str) -> int:
        value = by_stage[stage][column] if stage in by_stage else 0
        return 0 if _is_missing(value) else int(value)

    members: dict[str, list[Any]] = defaultdict(list)
    for n in sorted(G.nodes, key=str):
        for stage in set(split_multi(G.nodes[n].get("stages"))):
            members[stage].append(n)
    colors, style = _config()["colors"], _config()["style"]
    fills = colors["stage_fill_scale"]
    max_inflow = max([count(s, "n_inflows") for s in stages] + [1])
    radius_ring, radius_stage = 1.0, 0.42
    fig = go.Figure()
    shapes, annotations = [], []
    positions = {}
    for k, stage in enumerate(stages):
        angle = math.radians(90 - 360 * k / len(stages))
        positions[stage] = (round(radius_ring * math.cos(angle), 4), round(radius_ring * math.sin(angle), 4))
    for k, stage in enumerate(stages):
        x, y = positions[stage]
        n_inflows, n_actors = count(stage, "n_inflows"), count(stage, "n_actors")
        is_gap = n_inflows == 0
        fill = "#FFFFFF" if is_gap else fills[1 + round((len(fills) - 2) * n_inflows / max_inflow)]
        shapes.append({"type": "circle", "xref": "x", "yref": "y", "x0": x - radius_stage,
                       "x1": x + radius_stage, "y0": y - radius_stage, "y1": y + radius_stage,
                       "fillcolor": fill, "layer": "below",
                       "line": {"color": style["gap_color"] if is_gap else "#4D4D4D",
                                "width": 3 if is_gap else 1.5, "dash": "dash" if is_gap else "solid"}})
        ranked = sorted(members.get(stage, []), key=lambda n: (-G.degree(n), _node_label(G, n).casefold(), str(n)))
        names = [_node_label(G, n) for n in ranked[:top_actors_n]]
        more = len(ranked) - len(names)
        lines = [f"<b>{_wrap(stage_labels.get(stage, stage), 16)}</b>",
                 _escape(fill_figure_text(f"{texts}.actors", lang, n=int(n_actors))),
                 _escape(fill_figure_text(f"{texts}.inflows", lang, n=int(n_inflows)))]
        if is_gap:
            lines.append(f"<span style='color:{style['gap_color']}'><b>"
                         f"{_escape(get_figure_text(f'{texts}.no_inflow', lang))}</b></span>")
        if names:
            lines.append(f"<i>{_escape(', '.join(_shorten(n, 12) for n in names))}"
                         f"{' +' + _format_int(more, lang) if more else ''}</i>")
        annotations.append({"x": x, "y": y, "xref": "x", "yref": "y", "text": "<br>".join(lines),
                            "showarrow": False, "font": {"size": style["small_font_size"]}, "align": "center"})
        # arrow from this stage to the next one, from rim to rim
        nx_, ny_ = positions[stages[(k + 1) % len(stages)]]
        dx, dy = nx_ - x, ny_ - y
        length = math.hypot(dx, dy) or 1.0
        gap = (radius_stage + 0.03) / length
        if len(stages) > 1:
            annotations.append({"x": round(nx_ - dx * gap, 4), "y": round(ny_ - dy * gap, 4),
                                "ax": round(x + dx * gap, 4), "ay": round(y + dy * gap, 4),
                                "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "text": "",
                                "showarrow": True, "arrowhead": 2, "arrowsize": 1.3, "arrowwidth": 2,
                                "arrowcolor": "#4D4D4D"})
    annotations.append({"x": 0, "y": 0, "xref": "x", "yref": "y", "showarrow": False,
                        "text": f"<b>{get_figure_text(f'{texts}.center', lang)}</b>",
                        "font": {"size": style["font_size"], "color": style["muted_text_color"]}})
    hover = get_figure_text(f"{texts}.hover", lang)
    fig.add_trace(go.Scatter(
        x=[positions[s][0] for s in stages], y=[positions[s][1] for s in stages], mode="markers",
        marker={"size": 60, "opacity": 0}, showlegend=False, hoverinfo="text",
        hovertext=[hover.format(stage=_escape(stage_labels.get(s, s)),
                                actors=_escape(", ".join(_node_label(G, n) for n in members.get(s, [])) or "—"),
                                n_producers=_format_int(count(s, "n_producers_feeding"), lang))
                   for s in stages],
        meta={"kind": "stages"},
    ))
    layout = _base_layout(title, get_figure_text(f"{texts}.subtitle", lang), 720)
    fig.update_layout(**layout)
    fig.update_layout(shapes=shapes, annotations=annotations, margin={"l": 10, "r": 10, "t": 110, "b": 10})
    span = radius_ring + radius_stage + 0.06
    fig.update_xaxes(visible=False, range=[-span, span])
    fig.update_yaxes(visible=False, range=[-span, span], scaleanchor="x", scaleratio=1)

    gaps = [stage_labels.get(s, s) for s in stages if count(s, "n_inflows") == 0]
    stage_list = get_figure_text("list_separator", lang).join(fill_figure_text(
        f"{texts}.alt_stage", lang, stage=stage_labels.get(s, s), n_actors=int(count(s, "n_actors")),
        n_inflows=int(count(s, "n_inflows"))) for s in stages)
    gap_sentence = (get_figure_text(f"{texts}.alt_gaps", lang).format(stages=_format_names(gaps, lang))
                    if gaps else get_figure_text(f"{texts}.alt_no_gap", lang))
    alt = fill_figure_text(f"{texts}.alt", lang, n_stages=len(stages), stage_list=stage_list,
                           gap_sentence=gap_sentence)
    return _finish(fig, "policy_cycle", lang, title, alt)
