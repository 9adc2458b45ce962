"""Chapter II: the actor network as printed — the coordinator's and the main brokers'
neighbourhoods, with every institution labelled.

On paper a network of forty institutions is a hairball: most nodes cannot carry a label, and
nobody can hover or zoom. The printed view keeps what a reader needs: the coordinator and the
main intermediaries in the middle column (their names boxed), each of their direct partners in a
column on either side with its name beside it, and only the exchanges that touch the middle
column. Institutions outside these neighbourhoods and institutions with no exchange at all are
named under the drawing, so every institution of the network appears somewhere. The interactive
HTML guide keeps the whole network.

Positions are computed in pixels of the printed figure (its width is fixed), so label boxes can be
checked for overlap before anything is drawn (:func:`find_label_overlaps`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import plotly.graph_objects as go

from mpanalysis.guide.figures.network import (
    _add_edge_traces,
    _add_node_traces,
    _node_full_label,
    _node_label,
    build_network_legends,
    compute_node_centrality,
    plot_actor_network,
)
from mpanalysis.guide.figures.style import (
    _base_layout,
    _check_language,
    _config,
    _escape,
    _finish,
    _format_names,
    _is_true,
    _wrap,
    estimate_text_size_px,
    fill_figure_text,
    get_figure_text,
    wrap_label,
)

#: Pixels between a marker's edge and its label, and between two stacked labels.
_LABEL_GAP_PX = 5.0
_ROW_GAP_PX = 4.0


@dataclass(frozen=True)
class LabelBox:
    """A label's box in the drawing's pixels (origin bottom left, y upwards)."""

    node: Any
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: LabelBox) -> bool:
        """Whether two boxes share more than a hairline."""
        return (min(self.x1, other.x1) - max(self.x0, other.x0) > 0.5
                and min(self.y1, other.y1) - max(self.y0, other.y0) > 0.5)


@dataclass(frozen=True)
class PrintNetworkLayout:
    """Where the printed view puts everything, in pixels of its drawing area.

    ``focus``: the coordinator and the brokers (middle column), ``partners``: their direct
    partners (side columns), ``hidden``: institutions with exchanges outside these
    neighbourhoods, ``isolated``: institutions with no exchange; ``positions`` of the drawn
    nodes, ``label_sides`` (``left``/``right``/``above``) and ``label_boxes`` of their labels.
    """

    focus: list[Any]
    partners: list[Any]
    hidden: list[Any]
    isolated: list[Any]
    width_px: float
    height_px: float
    positions: dict[Any, tuple[float, float]]
    label_sides: dict[Any, str]
    label_boxes: list[LabelBox]


def select_print_focus(G: nx.DiGraph, centrality: Mapping[Any, float], n_brokers: int,
                       max_nodes: int) -> list[Any]:
    """Return the institutions the printed view centres on: the coordinator(s), then up to
    ``n_brokers`` other institutions in decreasing centrality, fewer while their neighbourhoods
    together hold more than ``max_nodes`` institutions (the coordinator always stays).

    Without a coordinator, the most central institution stands in for it; with no exchange at all
    there is nothing to centre on (empty list).

    >>> G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d"), ("x", "b")])
    >>> G.nodes["d"]["is_coordinator"] = True
    >>> select_print_focus(G, nx.betweenness_centrality(G), 2, 10)
    ['d', 'b', 'c']
    >>> select_print_focus(G, nx.betweenness_centrality(G), 2, 3)
    ['d']
    """
    undirected = G.to_undirected(as_view=True)
    coordinators = sorted((n for n in G.nodes if _is_true(G.nodes[n].get("is_coordinator"))), key=str)
    ranking = sorted((n for n in G.nodes if undirected.degree(n) > 0 and n not in coordinators),
                     key=lambda n: (-float(centrality.get(n, 0.0) or 0.0), -undirected.degree(n), str(n)))
    if not coordinators and not ranking:
        return []
    brokers = ranking[: max(0, n_brokers)] if coordinators else ranking[: max(1, n_brokers)]
    minimum = 0 if coordinators else 1
    while True:
        focus = coordinators + brokers
        view = set(focus).union(*(set(undirected[f]) for f in focus))
        if len(view) <= max_nodes or len(brokers) <= minimum:
            return focus
        brokers = brokers[:-1]


def compute_print_layout(G: nx.DiGraph, focus: list[Any], labels: Mapping[Any, list[str]],
                         sizes: Mapping[Any, float], *, width_px: float, min_height_px: float,
                         font_size_px: float) -> PrintNetworkLayout:
    """Place the printed view: focus institutions in a middle column (alternately a little left
    and right, so that the exchanges between them do not run through each other), their partners
    in two side columns with their labels outside, each partner level with the focus institutions
    it exchanges with. The height grows when the partners need more room than ``min_height_px``.

    ``labels`` are each node's label lines, ``sizes`` its marker diameter in pixels.

    >>> G = nx.DiGraph([("c", "a"), ("b", "c"), ("c", "d"), ("e", "f")])
    >>> lay = compute_print_layout(G, ["c"], {n: [n.upper()] for n in G}, {n: 10 for n in G},
    ...                            width_px=400, min_height_px=200, font_size_px=12)
    >>> lay.focus, lay.partners, lay.hidden, lay.isolated
    (['c'], ['a', 'b', 'd'], ['e', 'f'], [])
    >>> find_label_overlaps(lay)
    []
    """
    undirected = G.to_undirected(as_view=True)
    view = set(focus).union(*(set(undirected[f]) for f in focus)) if focus else set()
    partners = sorted(view - set(focus), key=str)
    isolated = sorted((n for n in G.nodes if undirected.degree(n) == 0 and n not in view), key=str)
    hidden = sorted((n for n in G.nodes if n not in view and n not in isolated), key=str)

    def text_size(node: Any) -> tuple[float, float]:
        return estimate_text_size_px(labels[node], font_size_px)

    def row_height(node: Any) -> float:
        return max(text_size(node)[1], sizes[node]) + _ROW_GAP_PX

    # each partner is drawn level with the focus institutions it exchanges with
    focus_rank = {f: i for i, f in enumerate(focus)}
    n_focus = max(1, len(focus))

    def target(node: Any) -> float:
        ranks = [focus_rank[f] for f in focus if undirected.has_edge(node, f)]
        return sum(ranks) / len(ranks) if ranks else 0.0

    ordered = sorted(partners, key=lambda n: (target(n), labels[n][0].casefold(), str(n)))
    columns: dict[str, list[Any]] = {"left": [], "right": []}
    heights = {"left": 0.0, "right": 0.0}
    for node in ordered:  # fill the shorter column: both stay in target order
        side = "left" if heights["left"] <= heights["right"] else "right"
        columns[side].append(node)
        heights[side] += row_height(node)
    focus_boxes = {f: text_size(f) for f in focus}
    focus_need = sum(h + sizes[f] + 2 * _ROW_GAP_PX for f, (_, h) in focus_boxes.items())
    height = max(min_height_px, heights["left"], heights["right"], focus_need) + 2 * _ROW_GAP_PX

    positions: dict[Any, tuple[float, float]] = {}
    sides: dict[Any, str] = {}
    boxes: list[LabelBox] = []
    margin = 4.0
    column_x = {}
    for side, members in columns.items():
        reach = max((text_size(n)[0] + sizes[n] / 2 + _LABEL_GAP_PX for n in members), default=0.0)
        column_x[side] = margin + reach if side == "left" else width_px - margin - reach
    for side, members in columns.items():
        # spread the rows evenly over the height, the first at the top
        total = sum(row_height(n) for n in members)
        spare = (height - total) / (len(members) + 1) if members else 0.0
        top = height - spare
        for node in members:
            w, h = text_size(node)
            y = top - row_height(node) / 2
            x = column_x[side]
            positions[node] = (round(x, 2), round(y, 2))
            sides[node] = side
            reach = sizes[node] / 2 + _LABEL_GAP_PX
            x0 = x - reach - w if side == "left" else x + reach
            boxes.append(LabelBox(node, x0, y - h / 2, x0 + w, y + h / 2))
            top -= row_height(node) + spare
    middle = (column_x["left"] + column_x["right"]) / 2 if partners else width_px / 2
    offset = 0.09 * (column_x["right"] - column_x["left"]) if partners else 0.0
    for i, node in enumerate(focus):
        w, h = focus_boxes[node]
        # evenly from top to bottom; the label box sits above the node
        y = height * (1 - (i + 0.5) / n_focus) - (h + sizes[node] / 2) / 2 + h / 2
        x = middle + (offset if i % 2 else -offset) * (len(focus) > 1)
        positions[node] = (round(x, 2), round(y, 2))
        sides[node] = "above"
        bottom = y + sizes[node] / 2 + 2
        boxes.append(LabelBox(node, x - w / 2 - 3, bottom, x + w / 2 + 3, bottom + h + 4))
    return PrintNetworkLayout(focus=list(focus), partners=ordered, hidden=hidden, isolated=isolated,
                              width_px=width_px, height_px=height, positions=positions,
                              label_sides=sides, label_boxes=boxes)


def find_label_overlaps(layout: PrintNetworkLayout) -> list[tuple[Any, Any]]:
    """Return the pairs of nodes whose labels overlap, or whose label covers another node's
    marker, or leave the drawing (a pair ``(node, None)``).

    >>> a, b = LabelBox("a", 0, 0, 10, 10), LabelBox("b", 5, 5, 20, 20)
    >>> lay = PrintNetworkLayout([], [], [], [], 30, 30, {"a": (2, 2), "b": (25, 25)}, {}, [a, b])
    >>> find_label_overlaps(lay)
    [('a', 'b')]
    """
    found = []
    boxes = layout.label_boxes
    for i, box in enumerate(boxes):
        if box.x0 < -0.5 or box.y0 < -0.5 or box.x1 > layout.width_px + 0.5 or box.y1 > layout.height_px + 0.5:
            found.append((box.node, None))
        for other in boxes[i + 1:]:
            if box.overlaps(other):
                found.append((box.node, other.node))
        for node, (x, y) in layout.positions.items():
            if node != box.node and box.x0 < x < box.x1 and box.y0 < y < box.y1:
                found.append((box.node, node))
    return found


def plot_actor_network_print(G: nx.DiGraph, lang: str = "fr",
                             centrality: Mapping[Any, float] | None = None,
                             centrality_kind: str = "betweenness") -> go.Figure:
    """Draw the actor network for paper: the coordinator's and the main brokers' neighbourhoods,
    every institution labelled, the others named under the drawing.

    Same encodings as :func:`~mpanalysis.guide.figures.network.plot_actor_network` (colour =
    type, symbol = sector, open = did not answer, line style = channel, arrow = direction, size =
    centrality, black ring = coordinator). How many brokers (``network.print.n_brokers``) and
    institutions (``network.print.max_nodes``) it shows is set in figures.yaml. A network without
    any exchange is drawn as the screen figure draws it.

    Examples
    --------
    >>> G = nx.DiGraph([("A", "B"), ("B", "C"), ("C", "D"), ("D", "E"), ("E", "F")])
    >>> G.add_node("Z", name="Zone")
    >>> fig = plot_actor_network_print(G, "en")
    >>> sorted(x for t in fig.data if t.meta and t.meta["kind"] == "nodes" for x in t.text if x)
    ['A', 'E']
    >>> fig.layout.annotations[-2].text
    'Outside these neighbourhoods (1): F.<br>With no exchange (1): Zone.'
    >>> fig.layout.meta["alt"]  # doctest: +NORMALIZE_WHITESPACE
    'Printed view of the network centred on C, D, and B: 5 institutions and the 4 exchanges that
    link them to these institutions. 1 other institution, linked elsewhere in the network, is
    listed under the drawing. 1 institution with no exchange is listed under the drawing.'
    """
    _check_language(lang)
    texts = "actor_network"
    if G.number_of_edges() == 0:
        return plot_actor_network(G, lang, centrality=centrality, centrality_kind=centrality_kind)
    config = _config()
    settings, style = config["network"], config["style"]
    printed = settings["print"]
    if centrality is None:
        centrality, centrality_kind = compute_node_centrality(G)
    nodes = sorted(G.nodes, key=str)
    values = {n: float(centrality.get(n, 0.0) or 0.0) for n in nodes}
    top_value = max(values.values()) or 1.0
    size_min, size_max = float(printed["node_size_min_px"]), float(printed["node_size_max_px"])
    sizes = {n: round(size_min + (size_max - size_min) * math.sqrt(max(values[n], 0.0) / top_value), 2)
             for n in nodes}
    focus = select_print_focus(G, values, int(printed["n_brokers"]), int(printed["max_nodes"]))
    coordinators = [n for n in focus if _is_true(G.nodes[n].get("is_coordinator"))]
    for n in coordinators:  # the ring drawn around the coordinator is its outer edge
        sizes[n] += 14
    font_size = float(style["small_font_size"])
    labels = {n: wrap_label(_node_full_label(G, n), int(printed["label_chars"])) for n in nodes}
    width_px = float(printed["width_px"])
    margin_lr = 10
    layout = compute_print_layout(G, focus, labels, sizes, width_px=width_px - 2 * margin_lr,
                                  min_height_px=float(printed["min_height_px"]), font_size_px=font_size)
    for n in coordinators:
        sizes[n] -= 14
    drawn = [*layout.focus, *layout.partners]
    pos = layout.positions
    short = {n: _node_label(G, n) for n in nodes}

    fig = go.Figure()
    edges = sorted(((u, v, d) for u, v, d in G.edges(data=True)
                    if u != v and (u in layout.focus or v in layout.focus)),
                   key=lambda e: (str(e[0]), str(e[1])))
    _add_edge_traces(fig, G, edges, pos, short, lang, True, pair_shift=3.0)
    partner_text = {n: "<br>".join(_escape(line) for line in labels[n]) for n in layout.partners}
    positions = {n: "middle left" if layout.label_sides[n] == "left" else "middle right" for n in layout.partners}
    _add_node_traces(fig, G, drawn, pos, sizes, lang, texts=partner_text, textpositions=positions)
    annotations = []
    for n in layout.focus:
        x, y = pos[n]
        annotations.append({
            "x": x, "y": y + sizes[n] / 2 + (9 if n in coordinators else 2), "xref": "x", "yref": "y",
            "yanchor": "bottom", "showarrow": False, "borderpad": 2, "bgcolor": "rgba(255,255,255,0.92)",
            "bordercolor": "#4D4D4D", "borderwidth": 1, "font": {"size": font_size},
            "text": "<br>".join(f"<b>{_escape(line)}</b>" for line in labels[n]),
        })

    # under the drawing: who is not in it, so that every institution is named somewhere
    note_lines: list[str] = []
    for key, members in (("print_hidden", layout.hidden), ("print_isolated", layout.isolated)):
        if members:
            note = fill_figure_text(f"{texts}.{key}", lang, n=len(members),
                                    names=", ".join(_node_full_label(G, n) for n in members))
            note_lines += _wrap(note, int(printed["note_chars"])).split("<br>")
    line_px = 1.3 * font_size
    notes_px = len(note_lines) * line_px + (8 if note_lines else 0)
    if note_lines:
        annotations.append({"x": 0, "y": 0, "xref": "paper", "yref": "paper", "xanchor": "left",
                            "yanchor": "top", "yshift": -6, "align": "left", "showarrow": False,
                            "text": "<br>".join(note_lines),
                            "font": {"size": font_size, "color": style["muted_text_color"]}})
    # under the lists, side by side: the institution types three to a row, the channels in a column
    n_channels = sum(1 for t in fig.data if t.legend == "legend2" and t.showlegend is not False and t.name)
    legend_px = 26 + max(_estimate_legend_rows_px(fig), 20 * n_channels)
    n_brokers = len(layout.focus) - len(coordinators)
    subtitle = fill_figure_text(f"{texts}.print_subtitle", lang, n=n_brokers,
                                size=get_figure_text(f"{texts}.print_size_{centrality_kind}", lang))
    title = get_figure_text(f"{texts}.title", lang)
    # no title over the drawing: on paper the caption under it says the same, and the room goes
    # to the drawing; the subtitle's explanations stay, at the top
    base = _base_layout(title, None, 100)
    base.pop("title")
    subtitle_lines = _wrap(subtitle, int(printed["note_chars"])).split("<br>")
    top_px = round(14 + line_px * len(subtitle_lines) + 10)
    annotations.append({"x": 0, "y": 1, "xref": "paper", "yref": "paper", "xanchor": "left",
                        "yanchor": "top", "yshift": top_px - 4, "align": "left", "showarrow": False,
                        "text": "<br>".join(subtitle_lines),
                        "font": {"size": font_size, "color": style["muted_text_color"]}})
    bottom_px = round(notes_px + legend_px + 6)
    height = round(top_px + layout.height_px + bottom_px)
    fig.update_layout(**base)
    fig.update_layout(
        width=width_px, height=height, annotations=annotations, showlegend=True,
        # legends placed on the whole figure ("container"): outside the plot area, plotly would
        # shrink the drawing to make room, and the positions computed in pixels would drift
        **_build_print_legends(lang, top_y=(bottom_px - notes_px - 2) / height),
        margin={"l": margin_lr, "r": margin_lr, "t": top_px, "b": bottom_px},
    )
    fig.update_xaxes(visible=False, range=[0, width_px - 2 * margin_lr], fixedrange=True)
    fig.update_yaxes(visible=False, range=[0, layout.height_px], fixedrange=True)

    focus_names = [short[n] for n in layout.focus]
    alt = fill_figure_text(f"{texts}.print_alt", lang, focus=_format_names(focus_names, lang),
                           n_view=len(drawn), n_edges=len(edges))
    if layout.hidden:
        alt += " " + fill_figure_text(f"{texts}.print_alt_hidden", lang, n=len(layout.hidden))
    if layout.isolated:
        alt += " " + fill_figure_text(f"{texts}.print_alt_isolated", lang, n=len(layout.isolated))
    return _finish(fig, "actor_network_print", lang, title, alt)


#: The printed view's legends: institution types three to a row on the left (a fourth entry
#: never fits beside them), the channels in a column on the right.
_PRINT_TYPE_ENTRY_PX, _PRINT_TYPES_PER_ROW, _PRINT_CHANNELS_X = 131, 3, 0.755


def _build_print_legends(lang: str, *, top_y: float) -> dict[str, Any]:
    """The two legends side by side under the drawing, their tops at ``top_y`` of the figure's
    height (legends placed on the whole figure: outside the plot area plotly would shrink the
    drawing to make room, and the positions computed in pixels would drift)."""
    legends = build_network_legends(lang, top_y=top_y, bottom_y=top_y, yref="container")
    legends["legend"].update(entrywidth=_PRINT_TYPE_ENTRY_PX)
    legends["legend2"].update(orientation="v", x=_PRINT_CHANNELS_X, yanchor="top", entrywidth=None,
                              entrywidthmode=None)
    return legends


def _estimate_legend_rows_px(fig: go.Figure) -> float:
    """Height of the types' legend rows, three entries a row, each row as tall as its entry with
    the most lines."""
    names = [t.name or "" for t in fig.data if t.showlegend is not False and t.legend in (None, "legend")
             and t.name]
    per_row = _PRINT_TYPES_PER_ROW
    rows = [names[i:i + per_row] for i in range(0, len(names), per_row)]
    return sum(8 + 15 * max(name.count("<br>") + 1 for name in row) for row in rows)
