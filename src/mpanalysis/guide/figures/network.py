"""Chapter II: the actor network figure and its deterministic layout."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from mpanalysis.guide.figures.style import (
    _UNKNOWN,
    _base_layout,
    _check_language,
    _config,
    _empty_figure,
    _entity_label,
    _escape,
    _finish,
    _format_names,
    _is_missing,
    _is_true,
    _ordered_codes,
    _wrap,
    fill_figure_text,
    get_figure_text,
)
from mpanalysis.ingest.form import split_multi
from mpanalysis.reference import get_attribute, get_codes, get_labels

# --------------------------------------------------------------------------------------------
# Chapter II: the actor network


def _node_label(G: nx.DiGraph, node: object) -> str:
    data = G.nodes[node]
    return _entity_label(node, data.get("name"), data.get("acronym"))


def _node_full_label(G: nx.DiGraph, node: object) -> str:
    """An institution as a printed label names it: its acronym, else its whole name (wrapped
    where it is drawn, never cut short)."""
    data = G.nodes[node]
    for key in ("acronym", "name"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return str(node)


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
    edges = sorted(((u, v) for u, v in G.edges if u != v), key=lambda e: (str(e[0]), str(e[1])))
    # the same network is drawn for each language, on screen and in print: laid out once
    key = (tuple(nodes), tuple(edges), repr(sorted(settings.items())))
    if key not in _LAYOUTS:
        if len(_LAYOUTS) >= 16:
            _LAYOUTS.clear()
        _LAYOUTS[key] = _compute_layout(nodes, edges, settings)
    return dict(_LAYOUTS[key])


#: layouts already computed by this process (a kernel draws a country's network in each language)
_LAYOUTS: dict[tuple, dict[Any, tuple[float, float]]] = {}


def _compute_layout(nodes: list[Any], edges: list[tuple[Any, Any]],
                    settings: Mapping[str, Any]) -> dict[Any, tuple[float, float]]:
    undirected = nx.Graph()
    undirected.add_nodes_from(nodes)
    undirected.add_edges_from(edges)
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
    settings = config["network"]
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
    _add_edge_traces(fig, G, edges, pos, labels, lang, len(edges) <= int(settings["max_edges_arrows"]),
                     pair_shift=0.012)

    # the coordinator's label goes on its ring, above it, so the ring does not cross it
    _add_node_traces(fig, G, nodes, pos, sizes, lang,
                     texts={n: _escape(labels[n]) for n in labelled if n not in coordinators},
                     coordinator_texts={n: f"<b>{_escape(labels[n])}</b>" for n in coordinators})

    subtitle_key = "subtitle_betweenness" if centrality_kind == "betweenness" else "subtitle_degree"
    layout = _base_layout(title, get_figure_text(f"{texts}.{subtitle_key}", lang), 900)
    fig.update_layout(**layout)
    fig.update_layout(showlegend=True, **build_network_legends(lang, top_y=1.0, bottom_y=-0.02),
                      margin={"l": 10, "r": 10, "t": 150, "b": 20})
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


#: Width in pixels of each entry's text in the institution types' legend (plotly adds the
#: symbol's 30 px and a gap): four entries fit the 700 px of a printed figure's width.
TYPE_LEGEND_ENTRY_PX = 128
TYPE_LEGEND_ENTRIES_PER_ROW = 4
#: The same for the channels' legend (a wider line sample, 40 px, shows each dash pattern).
CHANNEL_LEGEND_ENTRY_PX = 118
CHANNEL_LEGEND_ENTRIES_PER_ROW = 4


def build_network_legends(lang: str, *, top_y: float, bottom_y: float,
                          yref: str = "paper") -> dict[str, Any]:
    """The two legends of a network drawing: exchange channels above it (``legend2``, bottom at
    ``top_y``), institution types below it (``legend``, top at ``bottom_y``), in ``yref``
    coordinates. Each title sits on its own line and the entries four to a row, each as wide as
    the others (type names wrapped to fit), so no entry runs past the figure's edge whatever the
    language, and the rows are known before plotly draws them."""
    style = _config()["style"]
    font = {"size": style["small_font_size"]}
    return {
        "legend": {"orientation": "h", "x": 0, "y": bottom_y, "yanchor": "top", "yref": yref,
                   "itemsizing": "constant", "itemwidth": 30, "entrywidth": TYPE_LEGEND_ENTRY_PX,
                   "entrywidthmode": "pixels",
                   "font": font, "tracegroupgap": 0,
                   "title": {"text": _escape(get_figure_text("actor_network.legend_types", lang)), "side": "top"}},
        "legend2": {"orientation": "h", "x": 0, "y": top_y, "yanchor": "bottom", "yref": yref,
                    "itemwidth": 40, "entrywidth": CHANNEL_LEGEND_ENTRY_PX, "entrywidthmode": "pixels",
                    "font": font,
                    "title": {"text": _escape(get_figure_text("actor_network.legend_channels", lang)),
                              "side": "top"}},
    }


def _add_node_traces(fig: go.Figure, G: nx.DiGraph, nodes: list[Any], pos: Mapping[Any, tuple[float, float]],
                     sizes: Mapping[Any, float], lang: str, *, texts: Mapping[Any, str],
                     textpositions: Mapping[Any, str] | None = None,
                     coordinator_texts: Mapping[Any, str] | None = None) -> None:
    """Draw ``nodes``: one marker trace per institution type (its colour and legend entry), the
    sector as the symbol (open when the institution did not answer), the coordinator's black
    ring, and a legend entry for "did not answer" when one did not.

    ``texts`` are the labels (plotly text, already escaped; missing = no label), at
    ``textpositions`` (default above the node); ``coordinator_texts`` go above the ring.
    """
    config = _config()
    colors, style = config["colors"], config["style"]
    coordinator_texts = coordinator_texts or {}
    coordinators = [n for n in nodes if _is_true(G.nodes[n].get("is_coordinator"))]
    type_labels = get_labels("institution_types", lang)
    type_colors = colors["institution_types"]
    sector_symbols = config["symbols"]["sectors"]
    type_sector = get_attribute("institution_types", "sector")
    node_hover = get_figure_text("actor_network.node_hover", lang)
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
            # four entries a row: a name wraps before it reaches the next entry
            name=_wrap(type_name, 19), legend="legend", legendgroup=f"type-{type_code}",
            marker={"size": [sizes[n] for n in members], "color": color, "symbol": symbols,
                    "line": {"width": line_widths, "color": line_colors}, "opacity": 0.95},
            text=[texts.get(n, "") for n in members],
            # the halo keeps labels readable where edges cross them
            textposition=([textpositions.get(n, "top center") for n in members] if textpositions
                          else "top center"),
            textfont={"size": style["small_font_size"], "shadow": "auto"},
            hovertext=[node_hover.format(
                name=_escape(G.nodes[n].get("name") or _node_label(G, n)), type=_escape(type_name),
                n_in=G.in_degree(n), n_out=G.out_degree(n)) for n in members],
            hoverinfo="text", meta={"kind": "nodes", "institution_type": type_code},
        ))
    if coordinators:
        fig.add_trace(go.Scatter(
            x=[pos[n][0] for n in coordinators], y=[pos[n][1] for n in coordinators], mode="markers+text",
            name=_escape(get_figure_text("actor_network.coordinator", lang)), legend="legend",
            marker={"symbol": "circle-open", "size": [sizes[n] + 14 for n in coordinators],
                    "color": colors["coordinator_ring"], "line": {"width": 3}},
            text=[coordinator_texts.get(n, "") for n in coordinators], textposition="top center",
            textfont={"size": style["small_font_size"] + 1, "shadow": "auto"},
            hoverinfo="skip", meta={"kind": "coordinator"},
        ))
    if has_non_respondent:
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", legend="legend",
            name=_escape(get_figure_text("actor_network.non_respondent", lang)),
            marker={"symbol": "circle-open", "size": 12, "color": "#555555", "line": {"width": 3}},
            meta={"kind": "legend"},
        ))


def _add_edge_traces(fig: go.Figure, G: nx.DiGraph, edges: list[tuple[Any, Any, dict]],
                     pos: Mapping[Any, tuple[float, float]], labels: Mapping[Any, str], lang: str,
                     is_arrowed: bool, *, pair_shift: float) -> None:
    """One line trace per channel (its dash style in the legend) and, on readable graphs, arrowheads;
    the two directions of a pair are drawn ``pair_shift`` apart (in the positions' unit)."""
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
            shift = pair_shift if G.has_edge(v, u) else 0.0
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
