"""Chapter II: the flows Sankey (producers → domains → policy stages) and the policy cycle."""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from fractions import Fraction
from typing import Any

import networkx as nx
import pandas as pd
import plotly.graph_objects as go

from mpanalysis.guide.figures.network import _node_full_label, _node_label, _node_type
from mpanalysis.guide.figures.style import (
    _UNSPECIFIED,
    _base_layout,
    _check_language,
    _config,
    _domain_colors,
    _empty_figure,
    _escape,
    _finish,
    _format_int,
    _format_names,
    _hex_to_rgba,
    _is_missing,
    _ordered_codes,
    _shorten,
    _style,
    estimate_text_size_px,
    fill_figure_text,
    get_figure_text,
    wrap_label,
)
from mpanalysis.ingest.form import split_multi
from mpanalysis.reference import get_codes, get_labels

#: Columns of the per-stage summary drawn by :func:`plot_policy_cycle`
#: (:func:`mpanalysis.analysis.network.build_stage_table`, whose ``n_senders`` are the producers feeding a stage).
STAGE_SUMMARY_COLUMNS = ["stage", "n_actors", "n_inflows", "n_producers_feeding"]
#: Width of the printed Sankey (its static image's default width): labels are sized for it.
SANKEY_WIDTH_PX = 720


# --------------------------------------------------------------------------------------------
# Chapter II: flows from producers through domains to policy stages


def plot_flows_sankey(G: nx.DiGraph, lang: str = "fr", top_n_producers: int = 12) -> go.Figure:
    """Draw a Sankey diagram: producers → domains → policy stages.

    Each exchange (edge ``u → v``) is one unit leaving its sender ``u``; it is split evenly
    between the domains it carries (edge ``domains``) and then between the stages where it is
    used (edge ``stages``), so every column sums to the number of exchanges. An exchange without
    domain or stage goes to "not stated". Node labels write the number of exchanges touching the
    node (an exchange on two domains counts once for each); they are the nodes' ``customdata``,
    written beside the columns (producers and stages in the margins, never over the flows), and
    names are wrapped, never cut short. Senders beyond ``top_n_producers`` are grouped. Stages
    that receive nothing are named under the diagram.

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
    >>> list(fig.data[0].node.customdata)
    ['A (2)', 'Migration<br>trends (2)', 'Border<br>management (1)', 'Elaboration (1)', 'Stage not stated (1)']
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
    node_lines: list[list[str]] = []  # plain text, one list of lines per node
    node_colors: list[str] = []

    def with_count(lines: list[str], n: int) -> list[str]:
        # the count goes after the last line: "Ministry of Finance and" / "Economic Planning (3)"
        return [*lines[:-1], node_template.format(label=lines[-1], n=_format_int(n, lang))]

    side_chars, middle_chars = int(_style("sankey_label_chars")), int(_style("sankey_middle_label_chars"))
    for p in shown:
        keys.append(("producer", p))
        node_lines.append(with_count(wrap_label(_node_full_label(G, p), side_chars, 2), sent[p]))
        node_colors.append(type_colors.get(_node_type(G.nodes[p]), colors["unknown_institution_type"]))
    if grouped:
        keys.append(other_key)
        node_lines.append(wrap_label(get_figure_text(f"{texts}.other_producers", lang).format(
            n=_format_int(len(grouped), lang)), side_chars, 2))
        node_colors.append(colors["unspecified"])
    for d in domain_order:
        keys.append(("domain", d))
        label = get_figure_text("unspecified_domain", lang) if d == _UNSPECIFIED else domain_labels.get(d, d)
        node_lines.append(with_count(wrap_label(label, middle_chars), domain_count[d]))
        node_colors.append(domain_colors[d])
    for s in stage_order:
        keys.append(("stage", s))
        label = get_figure_text("unspecified_stage", lang) if s == _UNSPECIFIED else stage_labels.get(s, s)
        node_lines.append(with_count(wrap_label(label, side_chars), stage_count[s]))
        node_colors.append(colors["unspecified"] if s == _UNSPECIFIED else colors["stage_node"])
    index = {key: i for i, key in enumerate(keys)}
    node_labels = ["<br>".join(_escape(line) for line in lines) for lines in node_lines]

    sources, targets, values, link_colors = [], [], [], []
    for links in (domain_links, stage_links):
        for (a, b), value in sorted(links.items(), key=lambda item: (index[item[0][0]], index[item[0][1]])):
            sources.append(index[a])
            targets.append(index[b])
            values.append(round(float(value), 6))
            domain = a[1] if a[0] == "domain" else b[1]
            link_colors.append(_hex_to_rgba(domain_colors[domain], 0.45))

    # Nodes are placed here, not by plotly: in plotly the last column writes its labels over the
    # flows, and a label cannot sit outside the diagram. Each column is stacked in its own order
    # (biggest producers first, domains and stages in reference order); the labels of the outer
    # columns go in the margins beside them, those of the middle column on a white box.
    font_px = float(_style("small_font_size") + 1)
    columns = [[index[("producer", p)] for p in shown] + ([index[other_key]] if grouped else []),
               [index[("domain", d)] for d in domain_order], [index[("stage", s)] for s in stage_order]]
    node_value = [0.0] * len(keys)
    for source, target, value in zip(sources, targets, values):
        node_value[source] += value
    incoming = [0.0] * len(keys)
    for target, value in zip(targets, values):
        incoming[target] += value
    node_value = [max(out, into) for out, into in zip(node_value, incoming)]
    label_px = [estimate_text_size_px(lines, font_px) for lines in node_lines]
    pad_px, thickness_px = 14.0, 16.0
    # tall enough for every column's labels stacked without overlap
    need_px = max(sum(label_px[i][1] + 2 for i in column) for column in columns)
    plot_h = max(360.0, need_px, 30.0 * max(len(c) for c in columns))
    plot_w = float(SANKEY_WIDTH_PX - 40)
    left_px = max(label_px[i][0] for i in columns[0]) + 8
    right_px = max(label_px[i][0] for i in columns[2]) + 8
    x0, x1 = left_px / plot_w, 1 - right_px / plot_w
    sankey_w = plot_w * (x1 - x0)
    # plotly's scale (d3-sankey): the fullest column fills the height, pads between nodes
    ky = min((plot_h - (len(c) - 1) * pad_px) / sum(node_value[i] for i in c) for c in columns)
    node_x, node_y, centres = [0.0] * len(keys), [0.0] * len(keys), [0.0] * len(keys)
    for position, column in zip((0.0, 0.5, 1.0), columns):
        heights = [node_value[i] * ky for i in column]
        top = (plot_h - sum(heights) - (len(column) - 1) * pad_px) / 2
        for i, height in zip(column, heights):
            centres[i] = top + height / 2
            top += height + pad_px
            # plotly ignores a position of exactly 0: a node's centre sits half its thickness in
            x_px = thickness_px / 2 + position * (sankey_w - thickness_px)
            node_x[i] = round(x_px / sankey_w, 5)
            node_y[i] = round(centres[i] / plot_h, 5)

    fig = go.Figure(go.Sankey(
        arrangement="fixed", valueformat=".1f", domain={"x": [round(x0, 5), round(x1, 5)], "y": [0, 1]},
        node={"label": [""] * len(keys), "customdata": node_labels, "x": node_x, "y": node_y,
              "color": node_colors, "pad": pad_px, "thickness": thickness_px,
              "line": {"color": "#FFFFFF", "width": 0.5},
              "hovertemplate": "%{customdata}<extra></extra>"},
        link={"source": sources, "target": targets, "value": values, "color": link_colors,
              "customdata": [f"{node_labels[a]} → {node_labels[b]}".replace("<br>", " ")
                             for a, b in zip(sources, targets)],
              "hovertemplate": "%{customdata}: %{value:.1f}<extra></extra>"},
    ))
    annotations = []
    for position, column in zip((0.0, 0.5, 1.0), columns):
        ys = _spread_labels([centres[i] for i in column], [label_px[i][1] + 2 for i in column], plot_h)
        for i, y in zip(column, ys):
            spec = {"text": node_labels[i], "y": round(1 - y / plot_h, 5), "yanchor": "middle",
                    "xref": "paper", "yref": "paper", "showarrow": False,
                    "font": {"size": font_px, "color": _style("text_color")}}
            if position == 0.0:
                spec.update(x=x0, xanchor="right", xshift=-4, align="right")
            elif position == 1.0:
                spec.update(x=x1, xanchor="left", xshift=4, align="left")
            else:
                spec.update(x=(x0 + x1) / 2, xanchor="left", xshift=thickness_px / 2 + 3, align="left",
                            bgcolor="rgba(255,255,255,0.85)", borderpad=1)
            annotations.append(spec)
    layout = _base_layout(title, get_figure_text(f"{texts}.subtitle", lang), round(plot_h + 170))
    fig.update_layout(**layout)
    fig.update_layout(margin={"l": 20, "r": 20, "t": 130, "b": 40})
    for x, anchor, key in ((0.0, "left", "column_producers"), ((x0 + x1) / 2, "center", "column_domains"),
                           (1.0, "right", "column_stages")):
        fig.add_annotation(text=f"<b>{_escape(get_figure_text(f'{texts}.{key}', lang))}</b>",
                           x=x, xanchor=anchor, y=1.0, yanchor="bottom", yshift=6, xref="paper", yref="paper",
                           showarrow=False, font={"size": _style("font_size")})
    for spec in annotations:
        fig.add_annotation(**spec)
    empty_stages = [stage_labels.get(s, s) for s in reference_stages if not stage_count[s]]
    if empty_stages:
        fig.add_annotation(
            text=_escape(get_figure_text("policy_cycle.alt_gaps", lang).format(
                stages=_format_names(empty_stages, lang))),
            x=1.0, xanchor="right", y=0, yanchor="top", yshift=-6, xref="paper", yref="paper", showarrow=False,
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


def _fit_names(names: list[str], width_chars: int, max_lines: int) -> list[str]:
    """Return the first of ``names`` that, listed with commas, fit ``max_lines`` lines of
    ``width_chars`` whole words (the others are counted, not cut); at least the first name,
    shortened if nothing else fits.

    >>> _fit_names(["ANSD", "Université Cheikh Anta Diop", "MINT"], 16, 2)
    ['ANSD', 'Université Cheikh Anta Diop']
    >>> _fit_names(["ANSD", "Université Cheikh Anta Diop de Dakar", "MINT"], 16, 2)
    ['ANSD']
    >>> _fit_names(["MOI", "NBS", "IOM"], 16, 2)
    ['MOI', 'NBS', 'IOM']
    """
    for k in range(len(names), 0, -1):
        text = ", ".join(names[:k])
        lines = textwrap.wrap(text, width_chars, break_long_words=False)
        if len(lines) <= max_lines and max(len(line) for line in lines) <= width_chars:
            return names[:k]
    return [_shorten(names[0], width_chars)] if names else []


def _spread_labels(centres: list[float], heights: list[float], total: float) -> list[float]:
    """Return label centres as close to ``centres`` as they can be without two labels of
    ``heights`` overlapping, all within ``[0, total]`` (a column's labels, top to bottom).

    >>> _spread_labels([10, 12, 50], [10, 10, 10], 100)
    [6.0, 16.0, 50]
    >>> _spread_labels([2, 98], [10, 10], 100)
    [5.0, 95.0]
    """
    ys = list(centres)
    for _ in range(len(ys) + 1):  # push apart, then back inside, until nothing moves
        moved = False
        for k in range(1, len(ys)):
            gap = (heights[k - 1] + heights[k]) / 2 - (ys[k] - ys[k - 1])
            if gap > 1e-6:
                ys[k - 1] -= gap / 2
                ys[k] += gap / 2
                moved = True
        if ys and ys[0] < heights[0] / 2:
            shift = heights[0] / 2 - ys[0]
            ys = [y + shift for y in ys]
            moved = True
        if ys and ys[-1] > total - heights[-1] / 2:
            excess = ys[-1] - (total - heights[-1] / 2)
            ys[-1] -= excess
            for k in range(len(ys) - 2, -1, -1):
                ys[k] = min(ys[k], ys[k + 1] - (heights[k] + heights[k + 1]) / 2)
            moved = True
        if not moved:
            break
    return [round(y, 4) if y != c else c for y, c in zip(ys, centres)]


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

    The stages of ``policy_stages.csv`` stand side by side in their order, an arrow leading from
    each to the next and one running back under them from the last to the first (the cycle starts
    again). Each stage's box writes its number of actors, its number of inflows and up to
    ``top_actors_n`` of its most connected actors; its shade follows the inflows. A stage that
    receives no information is drawn with a dashed vermillion outline and says so in words.

    Parameters
    ----------
    G
        The actor network (node ``stages`` names the actors shown per stage).
    stage_summary
        DataFrame with columns ``stage, n_actors, n_inflows, n_producers_feeding``; by default
        :func:`mpanalysis.analysis.network.build_stage_table` of ``G``. ``stage`` may be the index and
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
        from mpanalysis.analysis.network import build_stage_table

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
    font_px = float(style["small_font_size"])
    texts_by_stage = {}
    for stage in stages:
        n_inflows, n_actors = count(stage, "n_inflows"), count(stage, "n_actors")
        ranked = sorted(members.get(stage, []), key=lambda n: (-G.degree(n), _node_label(G, n).casefold(), str(n)))
        names = _fit_names([_node_full_label(G, n) for n in ranked[:top_actors_n]], 16, 2)
        more = len(ranked) - len(names)
        # one style run per line: some SVG renderers misplace a style that spans a line break
        lines = [*(f"<b>{_escape(line)}</b>" for line in wrap_label(stage_labels.get(stage, stage), 15, 2)),
                 _escape(fill_figure_text(f"{texts}.actors", lang, n=int(n_actors))),
                 _escape(fill_figure_text(f"{texts}.inflows", lang, n=int(n_inflows)))]
        if n_inflows == 0:
            lines += [f"<span style='color:{style['gap_color']}'><b>{_escape(line)}</b></span>"
                      for line in wrap_label(get_figure_text(f"{texts}.no_inflow", lang), 15, 2)]
        if names:
            shown = wrap_label(", ".join(names), 16, 2)
            if more:
                shown.append(fill_figure_text(f"{texts}.more_actors", lang, n=more))
            lines += [f"<i>{_escape(line)}</i>" for line in shown]
        texts_by_stage[stage] = lines

    # The stages side by side in their order, an arrow from each to the next and one running back
    # under them from the last to the first: a cycle that takes a third of a printed page.
    # Positions are pixels of the 700 px wide drawing.
    width_px, gap_px, return_px = 700.0, 22.0, 34.0
    n_stages = max(1, len(stages))
    box_w = (width_px - gap_px * (n_stages - 1)) / n_stages
    box_h = max(len(lines) for lines in texts_by_stage.values()) * 1.3 * font_px + 18 if stages else 60.0
    fig = go.Figure()
    shapes, annotations = [], []
    centres = {stage: (round(k * (box_w + gap_px) + box_w / 2, 2), 0.0) for k, stage in enumerate(stages)}
    for k, stage in enumerate(stages):
        x, _ = centres[stage]
        n_inflows = count(stage, "n_inflows")
        is_gap = n_inflows == 0
        fill = "#FFFFFF" if is_gap else fills[1 + round((len(fills) - 2) * n_inflows / max_inflow)]
        shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": x - box_w / 2, "x1": x + box_w / 2,
                       "y0": -box_h / 2, "y1": box_h / 2, "fillcolor": fill, "layer": "below",
                       "line": {"color": style["gap_color"] if is_gap else "#4D4D4D",
                                "width": 3 if is_gap else 1.5, "dash": "dash" if is_gap else "solid"}})
        annotations.append({"x": x, "y": 0, "xref": "x", "yref": "y", "text": "<br>".join(texts_by_stage[stage]),
                            "showarrow": False, "font": {"size": font_px}, "align": "center"})
        if k + 1 < len(stages):
            annotations.append({"x": x + box_w / 2 + gap_px - 1, "y": 0, "ax": x + box_w / 2 + 1, "ay": 0,
                                "xref": "x", "yref": "y", "axref": "x", "ayref": "y", "text": "",
                                "showarrow": True, "arrowhead": 2, "arrowsize": 1.2, "arrowwidth": 2,
                                "arrowcolor": "#4D4D4D"})
    if len(stages) > 1:
        (first_x, _), (last_x, _) = centres[stages[0]], centres[stages[-1]]
        low = -box_h / 2 - return_px / 2
        shapes.append({"type": "path", "xref": "x", "yref": "y", "layer": "below",
                       "path": f"M {last_x},{-box_h / 2} L {last_x},{low} L {first_x},{low} L {first_x},{low + 2}",
                       "line": {"color": "#4D4D4D", "width": 2}})
        annotations.append({"x": first_x, "y": -box_h / 2 - 1, "ax": first_x, "ay": low, "xref": "x", "yref": "y",
                            "axref": "x", "ayref": "y", "text": "", "showarrow": True, "arrowhead": 2,
                            "arrowsize": 1.2, "arrowwidth": 2, "arrowcolor": "#4D4D4D"})
        annotations.append({"x": (first_x + last_x) / 2, "y": low, "xref": "x", "yref": "y", "showarrow": False,
                            "bgcolor": "#FFFFFF", "borderpad": 3,
                            "text": f"<b>{_escape(get_figure_text(f'{texts}.center', lang))}</b>",
                            "font": {"size": font_px, "color": style["muted_text_color"]}})
    hover = get_figure_text(f"{texts}.hover", lang)
    fig.add_trace(go.Scatter(
        x=[centres[s][0] for s in stages], y=[0.0 for _ in stages], mode="markers",
        marker={"size": 60, "opacity": 0}, showlegend=False, hoverinfo="text",
        hovertext=[hover.format(stage=_escape(stage_labels.get(s, s)),
                                actors=_escape(", ".join(_node_label(G, n) for n in members.get(s, [])) or "—"),
                                n_producers=_format_int(count(s, "n_producers_feeding"), lang))
                   for s in stages],
        meta={"kind": "stages"},
    ))
    top, bottom = box_h / 2 + 4, -box_h / 2 - return_px - 4
    layout = _base_layout(title, get_figure_text(f"{texts}.subtitle", lang), round(top - bottom) + 100)
    fig.update_layout(**layout)
    fig.update_layout(shapes=shapes, annotations=annotations, margin={"l": 10, "r": 10, "t": 90, "b": 10})
    fig.update_xaxes(visible=False, range=[-2, width_px + 2], fixedrange=True)
    fig.update_yaxes(visible=False, range=[bottom, top], fixedrange=True)

    gaps = [stage_labels.get(s, s) for s in stages if count(s, "n_inflows") == 0]
    stage_list = get_figure_text("list_separator", lang).join(fill_figure_text(
        f"{texts}.alt_stage", lang, stage=stage_labels.get(s, s), n_actors=int(count(s, "n_actors")),
        n_inflows=int(count(s, "n_inflows"))) for s in stages)
    gap_sentence = (get_figure_text(f"{texts}.alt_gaps", lang).format(stages=_format_names(gaps, lang))
                    if gaps else get_figure_text(f"{texts}.alt_no_gap", lang))
    alt = fill_figure_text(f"{texts}.alt", lang, n_stages=len(stages), stage_list=stage_list,
                           gap_sentence=gap_sentence)
    return _finish(fig, "policy_cycle", lang, title, alt)
