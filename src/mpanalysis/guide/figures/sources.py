"""Chapter I figures: the coverage heatmap and the profile of sources."""

from __future__ import annotations

from collections import Counter, defaultdict

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from mpanalysis.guide.figures.style import (
    _UNKNOWN,
    _UNSPECIFIED,
    _base_layout,
    _check_language,
    _config,
    _empty_figure,
    _entity_label,
    _escape,
    _finish,
    _format_int,
    _format_names,
    _is_missing,
    _ordered_codes,
    _style,
    _wrap,
    fill_figure_text,
    get_figure_text,
)
from mpanalysis.reference import get_attribute, get_codes, get_labels

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
    # rows of 24 px: a country's thirty-odd institutions and the caption fit one printed page
    height = 175 + 24 * n_rows_total + 50 * len(group_keys)
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
            texttemplate="%{text}", textfont={"size": _style("small_font_size")}, coloraxis="coloraxis",
            xgap=2, ygap=2, hovertemplate="%{y} — %{x}<br>" + hover + "<extra></extra>",
        ), row=row, col=1)
        fig.update_yaxes(autorange="reversed", row=row, col=1, tickfont={"size": _style("small_font_size")})
    layout = _base_layout(title, get_figure_text(f"{texts}.subtitle", lang), height)
    fig.update_layout(**layout)
    fig.update_layout(coloraxis={"colorscale": _config()["colors"]["heatmap_scale"], "cmin": 0,
                                 "cmax": max(1, int(existing.to_numpy().max())), "showscale": False},
                      margin={"l": 20, "r": 20, "t": 110, "b": 30})
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
                # an empty bar writes nothing: a lone "0" reads as a stray mark on paper
                text=[_format_int(v, lang) if v else "" for v in x], textposition="outside", cliponaxis=False,
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
