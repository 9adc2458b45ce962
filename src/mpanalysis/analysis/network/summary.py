""":class:`NetworkSummary`: every measure of the network in one object, and its node and edge tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from mpanalysis.analysis.network.graph import _EDGE_ATTRIBUTES, _NODE_ATTRIBUTES, _undirected
from mpanalysis.analysis.network.measures import (
    BROKERAGE_ROLES,
    BROKERAGE_UNCLASSIFIED,
    MAX_EXACT_NODES,
    MAX_LOUVAIN_EDGES,
    MIN_BRIDGE_SIDE,
    _by_name,
    _measure_modularity,
    build_stage_table,
    choose_betweenness_method,
    choose_community_method,
    find_bridges,
    find_communities,
    find_cut_vertices,
    find_silent_producers,
    find_unreached_users,
    measure_betweenness,
    measure_brokerage,
    measure_reach,
)

# ----------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class NetworkSummary:
    """The measures of one actor network (see the module docstring for the definitions).

    ``nodes`` holds one row per entity (index ``entity_id``): ``name, acronym, institution_type, sector,
    role, is_respondent, is_coordinator, in_degree, out_degree, betweenness, brokerage`` (open
    two-paths through the entity), ``brokerage_<role>`` per Gould–Fernandez role and
    ``brokerage_unclassified`` (two-paths touching an institution of unknown type, which get no
    role), ``community`` (1 = largest), ``is_cut_vertex, n_cut_off``. ``bridges`` are the ties
    whose removal would split the network into two groups of at least ``MIN_BRIDGE_SIDE``
    institutions each (with the size of each side); ``pendant_links`` the other bridges, each
    the only tie of one institution (that institution's partner is then a cut vertex, unless
    the pair is on its own). ``community_table`` has one row per community (index
    ``community``): ``n_members, members, n_internal, n_external`` (edges with both / one end in
    it), ``external_share``. ``silos`` are the communities of two or more entities when there are
    at least two of them (the findings keep those whose ``external_share`` is low).
    ``stages`` is :func:`build_stage_table`. Shares are floats in
    [0, 1], None when undefined (e.g. no edge at all). ``betweenness_method`` (``exact`` |
    ``sampled``, with ``betweenness_k`` pivots) and ``community_method`` (``louvain`` |
    ``label_propagation``) say how the two costly measures were obtained, with ``seed``. ``silent_producers`` is None when the
    sources table was not given.
    """

    country: str
    n_nodes: int
    n_edges: int
    n_respondents: int
    n_isolated: int
    density: float
    reciprocity: float | None
    n_components: int
    largest_component_share: float | None
    components: list[list[str]]
    betweenness_method: str
    betweenness_k: int | None
    seed: int
    nodes: pd.DataFrame
    cut_vertices: dict[str, int]
    bridges: dict[tuple[str, str], tuple[int, int]]
    pendant_links: dict[tuple[str, str], tuple[int, int]]
    community_method: str
    communities: list[list[str]]
    community_table: pd.DataFrame
    silos: list[list[str]]
    modularity: float | None
    coordinators: list[str]
    coordinator_reach: float | None
    coordinator_out_reach: float | None
    silent_producers: list[str] | None
    unreached_users: list[str]
    n_formal: int
    formal_share: float | None
    n_confirmed: int
    n_confirmable: int
    confirmed_share: float | None
    confirmation_rate: float | None
    stages: pd.DataFrame
    stages_without_inflow: list[str] = field(default_factory=list)


def _build_community_table(G: nx.DiGraph, communities: list[set[str]],
                           community_of: dict[str, int]) -> pd.DataFrame:
    internal = [0] * (len(communities) + 1)
    external = [0] * (len(communities) + 1)
    for u, v in G.edges():
        cu, cv = community_of[u], community_of[v]
        if cu == cv:
            internal[cu] += 1
        else:
            external[cu] += 1
            external[cv] += 1
    rows = [{"community": i, "n_members": len(c), "members": " ".join(_by_name(G, c)),
             "n_internal": internal[i], "n_external": external[i],
             "external_share": external[i] / (internal[i] + external[i]) if internal[i] + external[i] else 0.0}
            for i, c in enumerate(communities, start=1)]
    columns = ["community", "n_members", "members", "n_internal", "n_external", "external_share"]
    return pd.DataFrame(rows, columns=columns).set_index("community")


def summarize_network(G: nx.DiGraph, *, sources: pd.DataFrame | None = None, seed: int = 0,
                      max_exact_nodes: int = MAX_EXACT_NODES, k: int | None = None,
                      max_louvain_edges: int = MAX_LOUVAIN_EDGES) -> NetworkSummary:
    """Return every chapter II measure of ``G`` in one :class:`NetworkSummary`.

    ``sources`` (the canonical sources table) is needed only for the silent producers.

    >>> G = nx.DiGraph([("H", x) for x in "abc"] + [(x, "H") for x in "abc"], country="SEN")
    >>> nx.set_node_attributes(G, {"H": True}, "is_coordinator")
    >>> s = summarize_network(G)
    >>> s.coordinator_reach, float(s.nodes.loc["H", "betweenness"]), s.betweenness_method
    (1.0, 1.0, 'exact')
    """
    n, m = G.number_of_nodes(), G.number_of_edges()
    U = _undirected(G)
    method, k_used = choose_betweenness_method(G, max_exact_nodes=max_exact_nodes, k=k)
    betweenness = measure_betweenness(G, max_exact_nodes=max_exact_nodes, k=k, seed=seed)
    brokerage = measure_brokerage(G)
    cut_vertices = find_cut_vertices(U)
    every_bridge = find_bridges(U)
    bridges = {pair: sides for pair, sides in every_bridge.items() if min(sides) >= MIN_BRIDGE_SIDE}
    pendant_links = {pair: sides for pair, sides in every_bridge.items() if min(sides) < MIN_BRIDGE_SIDE}
    community_method = choose_community_method(U, max_louvain_edges=max_louvain_edges)
    communities = find_communities(U, seed=seed, max_louvain_edges=max_louvain_edges)
    community_of = {v: i for i, c in enumerate(communities, start=1) for v in c}
    modularity = _measure_modularity(U, community_of)
    sized = [c for c in communities if len(c) >= 2]
    silos = [sorted(c) for c in sized] if len(sized) >= 2 else []
    community_table = _build_community_table(G, communities, community_of)
    components = sorted((sorted(c) for c in nx.weakly_connected_components(G)),
                        key=lambda c: (-len(c), c[0]))

    rows = []
    for v, data in G.nodes(data=True):
        roles = brokerage.get(v, {})
        row = {
            "entity_id": v, "name": data.get("name", v), "acronym": data.get("acronym") or "",
            "institution_type": data.get("institution_type", ""),
            "sector": data.get("sector", "unknown"), "role": data.get("role", ""),
            "is_respondent": bool(data.get("is_respondent", False)),
            "is_coordinator": bool(data.get("is_coordinator", False)),
            "in_degree": G.in_degree(v), "out_degree": G.out_degree(v),
            "betweenness": float(betweenness.get(v, 0.0)),
            "brokerage": int(sum(roles.values())),
        }
        row.update({f"brokerage_{r}": int(roles.get(r, 0)) for r in (*BROKERAGE_ROLES, BROKERAGE_UNCLASSIFIED)})
        row.update({"community": community_of.get(v, 0), "is_cut_vertex": v in cut_vertices,
                    "n_cut_off": int(cut_vertices.get(v, 0))})
        rows.append(row)
    node_columns = ["entity_id", "name", "acronym", "institution_type", "sector", "role", "is_respondent",
                    "is_coordinator", "in_degree", "out_degree", "betweenness", "brokerage",
                    *[f"brokerage_{r}" for r in (*BROKERAGE_ROLES, BROKERAGE_UNCLASSIFIED)], "community",
                    "is_cut_vertex",
                    "n_cut_off"]
    nodes = pd.DataFrame(rows, columns=node_columns).set_index("entity_id")

    coordinators = _by_name(G, (v for v, c in G.nodes(data="is_coordinator") if c))
    n_formal = sum(1 for *_, f in G.edges(data="is_formal") if f)
    n_confirmed = sum(1 for *_, c in G.edges(data="confirmed") if c)
    respondent = {v for v, r in G.nodes(data="is_respondent") if r}
    n_confirmable = sum(1 for u, v in G.edges() if u in respondent and v in respondent)
    stages = build_stage_table(G)

    return NetworkSummary(
        country=str(G.graph.get("country", "")),
        n_nodes=n, n_edges=m, n_respondents=len(respondent),
        n_isolated=sum(1 for v in G if G.degree(v) == 0),
        density=float(nx.density(G)) if n > 1 else 0.0,
        reciprocity=float(nx.overall_reciprocity(G)) if m else None,
        n_components=len(components),
        largest_component_share=len(components[0]) / n if n else None,
        components=components,
        betweenness_method=method, betweenness_k=k_used, seed=seed,
        nodes=nodes,
        cut_vertices=cut_vertices, bridges=bridges, pendant_links=pendant_links,
        community_method=community_method,
        communities=[sorted(c) for c in communities], community_table=community_table,
        silos=silos, modularity=modularity,
        coordinators=coordinators,
        coordinator_reach=measure_reach(G, coordinators),
        coordinator_out_reach=measure_reach(G, coordinators, is_directed=True),
        silent_producers=find_silent_producers(G, sources) if sources is not None else None,
        unreached_users=find_unreached_users(G),
        n_formal=n_formal, formal_share=n_formal / m if m else None,
        n_confirmed=n_confirmed, n_confirmable=n_confirmable,
        confirmed_share=n_confirmed / m if m else None,
        confirmation_rate=n_confirmed / n_confirmable if n_confirmable else None,
        stages=stages,
        stages_without_inflow=[s for s in stages.index if stages.at[s, "has_no_inflow"]],
    )


# ----------------------------------------------------------------------------------- export


def build_node_table(G: nx.Graph) -> pd.DataFrame:
    """Return one row per node: ``entity_id`` then the node attributes.

    >>> G = nx.DiGraph(); G.add_node("A", name="Alpha")
    >>> build_node_table(G).values.tolist()
    [['A', 'Alpha']]
    """
    keys = list(dict.fromkeys([*_NODE_ATTRIBUTES, *(k for _, d in G.nodes(data=True) for k in d)]))
    keys = [k for k in keys if any(k in d for _, d in G.nodes(data=True))]
    rows = [{"entity_id": v, **{k: d.get(k) for k in keys}} for v, d in G.nodes(data=True)]
    return pd.DataFrame(rows, columns=["entity_id", *keys])


def build_edge_table(G: nx.Graph) -> pd.DataFrame:
    """Return one row per edge: ``source, target`` then the edge attributes.

    >>> build_edge_table(nx.DiGraph([("A", "B", {"channel": "informal"})])).values.tolist()
    [['A', 'B', 'informal']]
    """
    keys = list(dict.fromkeys([*_EDGE_ATTRIBUTES, *(k for *_, d in G.edges(data=True) for k in d)]))
    keys = [k for k in keys if any(k in d for *_, d in G.edges(data=True))]
    rows = [{"source": u, "target": v, **{k: d.get(k) for k in keys}} for u, v, d in G.edges(data=True)]
    return pd.DataFrame(rows, columns=["source", "target", *keys])
