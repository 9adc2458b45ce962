"""Network measures: betweenness, brokerage, cut vertices, bridges, communities, reach, stages (``{node: value}``)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import chain

import networkx as nx
import pandas as pd

from mpanalysis.analysis.network.graph import _ordered, _text, _undirected
from mpanalysis.ingest.form import split_multi
from mpanalysis.reference import get_codes

#: Gould–Fernandez brokerage roles (see the module docstring).
BROKERAGE_ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")

#: Open two-paths with an institution of unknown type at one end or in the middle: no role.
BROKERAGE_UNCLASSIFIED = "unclassified"

#: A bridge is reported when it separates two groups of at least this many institutions each; a
#: bridge to a single institution is a *pendant link* (that institution's only tie).
MIN_BRIDGE_SIDE = 2

NODE_ROLES = ("producer", "user", "both", "isolated")

#: Betweenness is exact up to this many nodes, sampled above.
MAX_EXACT_NODES = 2000

#: Communities: Louvain up to this many (undirected) ties, label propagation above.
MAX_LOUVAIN_EDGES = 50_000

#: Sampled betweenness costs about k × (nodes + edges): this bounds k × size.
_BETWEENNESS_BUDGET = 1_500_000


def choose_betweenness_method(G: nx.Graph, *, max_exact_nodes: int = MAX_EXACT_NODES,
                              k: int | None = None) -> tuple[str, int | None]:
    """Return ``("exact", None)`` or ``("sampled", k)`` for a graph of this size.

    Sampling uses ``k`` pivots (default: as many as fit a fixed work budget, between 100 and 500)
    so a 10,000-node graph stays within seconds.

    >>> choose_betweenness_method(nx.path_graph(10, create_using=nx.DiGraph))
    ('exact', None)
    >>> choose_betweenness_method(nx.empty_graph(3000, create_using=nx.DiGraph))
    ('sampled', 500)
    >>> choose_betweenness_method(nx.gnm_random_graph(3000, 7000, seed=1, directed=True))
    ('sampled', 150)
    """
    n = G.number_of_nodes()
    if n <= max_exact_nodes:
        return "exact", None
    if k is None:
        k = max(100, min(500, _BETWEENNESS_BUDGET // max(1, n + G.number_of_edges())))
    return "sampled", min(int(k), n)


def measure_betweenness(G: nx.Graph, *, max_exact_nodes: int = MAX_EXACT_NODES,
                        k: int | None = None, seed: int = 0) -> dict[str, float]:
    """Return normalised directed betweenness ``{node: value}``, exact or sampled (see above).

    >>> star = nx.DiGraph([("H", x) for x in "abc"] + [(x, "H") for x in "abc"])
    >>> measure_betweenness(star)["H"]
    1.0
    """
    method, k = choose_betweenness_method(G, max_exact_nodes=max_exact_nodes, k=k)
    if method == "exact":
        return nx.betweenness_centrality(G, normalized=True)
    return nx.betweenness_centrality(G, k=k, seed=seed, normalized=True)


def _brokerage_role(ga: str, gb: str, gc: str) -> str:
    if not (ga and gb and gc):
        return BROKERAGE_UNCLASSIFIED
    if ga == gb == gc:
        return "coordinator"
    if ga == gc:
        return "itinerant"
    if ga == gb:
        return "representative"
    if gb == gc:
        return "gatekeeper"
    return "liaison"


def measure_brokerage(G: nx.DiGraph, attribute: str = "institution_type") -> dict[str, dict[str, int]]:
    """Return ``{node: {role: count}}`` of Gould–Fernandez brokerage on open two-paths.

    An open two-path ``a → b → c`` (``a ≠ c``, no direct ``a → c``) is a route on which ``b``
    relays information between two institutions that are not directly linked. Its role for ``b``
    depends on the groups (the node attribute ``attribute``) of ``a``, ``b`` and ``c``: see
    :data:`BROKERAGE_ROLES`. A two-path where any of the three has no group (empty or missing
    attribute: an institution named by others that never stated its type) is counted under
    ``unclassified``, not given a role. The alternatives were rejected: treating "unknown" as one
    group would make institutions of unknown type look like a coordinated group of their own (in
    a network where most partners never answered, the "coordinator" role would be unknown types
    relaying among themselves); treating each unknown institution as a group of its own would
    invent group boundaries and inflate "liaison" and "gatekeeper". A role is claimed only where
    the three groups are known; every open two-path still counts in the total.

    Each node's mapping holds the five roles and ``unclassified``; their sum is the number of
    open two-paths through the node. Cost is about the sum over edges ``a → b`` of
    ``min(out(a), out(b))``, never the number of node pairs.

    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(G, {"a": "ministry", "b": "agency", "c": "ministry"}, "institution_type")
    >>> measure_brokerage(G)["b"]["itinerant"]
    1
    >>> G.nodes["c"]["institution_type"] = ""  # c's type unknown: the route has no role
    >>> measure_brokerage(G)["b"]["itinerant"], measure_brokerage(G)["b"]["unclassified"]
    (0, 1)
    >>> G.add_edge("a", "c")  # a no longer needs b to reach c
    >>> sum(measure_brokerage(G)["b"].values())
    0
    """
    group = {v: _text(G.nodes[v].get(attribute, "")) for v in G}
    successors = {v: set(G.successors(v)) - {v} for v in G}
    result: dict[str, dict[str, int]] = {}
    for b in G:
        counts = dict.fromkeys((*BROKERAGE_ROLES, BROKERAGE_UNCLASSIFIED), 0)
        out = successors[b]
        if out:
            gb = group[b]
            out_groups = Counter(group[c] for c in out)
            for a in G.predecessors(b):
                if a == b:
                    continue
                ga = group[a]
                closed = Counter(group[c] for c in successors[a] & out)
                if a in out:  # a → b → a is not a two-path between two other entities
                    closed[ga] += 1
                for gc, n in out_groups.items():
                    n -= closed.get(gc, 0)
                    if n > 0:
                        counts[_brokerage_role(ga, gb, gc)] += n
        result[b] = counts
    return result


def find_cut_vertices(G: nx.Graph) -> dict[str, int]:
    """Return ``{cut vertex: n_cut_off}`` on the undirected projection.

    ``n_cut_off`` counts the entities that would lose their link to the largest remaining part of
    their component if the cut vertex disappeared (block–cut tree, linear time).

    >>> find_cut_vertices(nx.DiGraph([("A", "B"), ("B", "C")]))
    {'B': 1}
    >>> find_cut_vertices(nx.DiGraph([("A", "B"), ("B", "C"), ("C", "A")]))
    {}
    """
    U = _undirected(G)
    result: dict[str, int] = {}
    for component in nx.connected_components(U):
        if len(component) < 3:
            continue
        H = U.subgraph(component)
        cut = set(nx.articulation_points(H))
        if not cut:
            continue
        tree: dict[tuple, list[tuple]] = defaultdict(list)
        weight: dict[tuple, int] = {}
        for i, block in enumerate(nx.biconnected_components(H)):
            weight[("b", i)] = sum(1 for v in block if v not in cut)
            for v in block & cut:
                tree[("b", i)].append(("c", v))
                tree[("c", v)].append(("b", i))
                weight[("c", v)] = 1
        root = ("b", 0)
        parent: dict[tuple, tuple | None] = {root: None}
        order, stack = [root], [root]
        while stack:
            x = stack.pop()
            for y in tree[x]:
                if y not in parent:
                    parent[y] = x
                    order.append(y)
                    stack.append(y)
        below = dict(weight)
        for x in reversed(order):
            if parent[x] is not None:
                below[parent[x]] += below[x]
        total = len(component)
        for v in cut:
            node = ("c", v)
            pieces = [below[y] for y in tree[node] if parent.get(y) == node]
            pieces.append(total - below[node])
            result[v] = total - 1 - max(pieces)
    return dict(sorted(result.items()))


def find_bridges(G: nx.Graph, *, min_side: int = 1) -> dict[tuple[str, str], tuple[int, int]]:
    """Return ``{(u, v): (entities on u's side, entities on v's side)}``, ``u < v``, undirected.

    A bridge is a tie whose removal splits its group in two. ``min_side`` keeps only the bridges
    leaving at least that many entities on each side: with the default 1 every bridge is
    returned, including *pendant links* (the only tie of a single institution);
    :data:`MIN_BRIDGE_SIDE` keeps the bridges between two groups, which the guide reports.

    >>> find_bridges(nx.DiGraph([("A", "B"), ("B", "C")]))
    {('A', 'B'): (1, 2), ('B', 'C'): (2, 1)}
    >>> find_bridges(nx.DiGraph([("A", "B"), ("B", "C"), ("C", "D")]), min_side=2)
    {('B', 'C'): (2, 2)}
    """
    U = _undirected(G)
    bridges = list(nx.bridges(U))
    if not bridges:
        return {}
    rest = U.copy()
    rest.remove_edges_from(bridges)
    comp_of: dict[str, int] = {}
    size: list[int] = []
    for i, component in enumerate(nx.connected_components(rest)):
        size.append(len(component))
        for v in component:
            comp_of[v] = i
    tree: dict[int, list[int]] = defaultdict(list)
    for u, v in bridges:
        tree[comp_of[u]].append(comp_of[v])
        tree[comp_of[v]].append(comp_of[u])
    # The bridge tree is a forest: root each tree, accumulate sizes from the leaves up.
    parent: dict[int, int | None] = {}
    below = list(size)
    total_of: dict[int, int] = {}
    for start in sorted(tree):
        if start in parent:
            continue
        parent[start] = None
        order, stack = [start], [start]
        while stack:
            x = stack.pop()
            for y in tree[x]:
                if y not in parent:
                    parent[y] = x
                    order.append(y)
                    stack.append(y)
        for x in reversed(order):
            if parent[x] is not None:
                below[parent[x]] += below[x]
        for x in order:
            total_of[x] = below[start]
    result: dict[tuple[str, str], tuple[int, int]] = {}
    for u, v in bridges:
        cu, cv = comp_of[u], comp_of[v]
        total = total_of[cu]
        if parent.get(cv) == cu:
            side_v = below[cv]
            side_u = total - side_v
        else:
            side_u = below[cu]
            side_v = total - side_u
        if u > v:
            u, v, side_u, side_v = v, u, side_v, side_u
        if min(side_u, side_v) >= min_side:
            result[(u, v)] = (side_u, side_v)
    return dict(sorted(result.items()))


def choose_community_method(G: nx.Graph, *, max_louvain_edges: int = MAX_LOUVAIN_EDGES) -> str:
    """Return ``"louvain"`` up to ``max_louvain_edges`` ties, else ``"label_propagation"``.

    >>> choose_community_method(nx.path_graph(5))
    'louvain'
    """
    return "louvain" if _undirected(G).number_of_edges() <= max_louvain_edges else "label_propagation"


def find_communities(G: nx.Graph, *, seed: int = 0,
                     max_louvain_edges: int = MAX_LOUVAIN_EDGES) -> list[set[str]]:
    """Return communities of the undirected projection, largest first (fixed seed).

    Louvain up to ``max_louvain_edges`` ties; above, fast label propagation (about ten times
    faster on 100,000 ties, coarser): :func:`choose_community_method` says which.

    >>> two = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("x", "y"), ("y", "z"), ("z", "x"),
    ...                   ("c", "x")])
    >>> [sorted(c) for c in find_communities(two)]
    [['a', 'b', 'c'], ['x', 'y', 'z']]
    """
    U = _undirected(G)
    if U.number_of_edges() == 0:
        communities = [{v} for v in U]
    elif U.number_of_edges() <= max_louvain_edges:
        communities = nx.community.louvain_communities(U, seed=seed)
    else:
        communities = nx.community.fast_label_propagation_communities(U, seed=seed)
    return sorted((set(c) for c in communities), key=lambda c: (-len(c), min(c)))


def _measure_modularity(U: nx.Graph, community_of: dict[str, int]) -> float | None:
    """Newman modularity of a partition, in one pass over the edges (networkx's is slower)."""
    m = U.number_of_edges()
    if m == 0:
        return None
    internal: Counter = Counter()
    degrees: Counter = Counter()
    for u, v in U.edges():
        if community_of[u] == community_of[v]:
            internal[community_of[u]] += 1
    for v, d in U.degree():
        degrees[community_of[v]] += d
    return float(sum(internal[c] / m - (degrees[c] / (2 * m)) ** 2 for c in degrees))


def measure_reach(G: nx.Graph, sources: Iterable[str], *, steps: int = 2,
                  is_directed: bool = False) -> float | None:
    """Return the share of the other nodes within ``steps`` steps of ``sources``.

    ``is_directed`` follows edge directions only (where information can arrive); otherwise a tie
    in either direction counts. None when there is no source in the graph or no other node.

    >>> chain = nx.DiGraph([("A", "B"), ("B", "C"), ("C", "D")])
    >>> measure_reach(chain, ["B"]), measure_reach(chain, ["B"], is_directed=True)
    (1.0, 0.6666666666666666)
    """
    start = {s for s in sources if s in G}
    others = G.number_of_nodes() - len(start)
    if not start or others == 0:
        return None
    seen, frontier = set(start), set(start)
    for _ in range(steps):
        reached = set()
        for x in frontier:
            if not G.is_directed():
                neighbours: Iterable[str] = G.neighbors(x)
            elif is_directed:
                neighbours = G.successors(x)
            else:
                neighbours = chain(G.successors(x), G.predecessors(x))
            reached.update(y for y in neighbours if y not in seen)
        seen |= reached
        frontier = reached
    return (len(seen) - len(start)) / others


def _by_name(G: nx.Graph, nodes: Iterable[str]) -> list[str]:
    return sorted(nodes, key=lambda v: (str(G.nodes[v].get("name", v)).casefold(), v))


def find_silent_producers(G: nx.DiGraph, sources: pd.DataFrame) -> list[str]:
    """Return entities holding at least one existing source that send information to nobody.

    >>> s = pd.DataFrame({"entity_id": ["A", "B"], "status": ["existing", "existing"]})
    >>> find_silent_producers(nx.DiGraph([("A", "B")]), s)
    ['B']
    """
    existing = sources[sources["status"].astype(object) == "existing"]
    holders = {_text(v) for v in existing["entity_id"]}
    return _by_name(G, (v for v in holders if v in G and G.out_degree(v) == 0))


def find_unreached_users(G: nx.DiGraph) -> list[str]:
    """Return entities taking part in a policy stage that receive information from nobody.

    >>> G = nx.DiGraph([("A", "B")])
    >>> nx.set_node_attributes(G, {"A": "elaboration", "B": "evaluation"}, "stages")
    >>> find_unreached_users(G)
    ['A']
    """
    return _by_name(G, (v for v, stages in G.nodes(data="stages")
                        if split_multi(stages) and G.in_degree(v) == 0))


def build_stage_table(G: nx.DiGraph) -> pd.DataFrame:
    """Return, per policy stage, its actors and the information flowing into it.

    Columns (index ``stage``, reference order): ``n_actors``, ``actors`` (space-separated ids),
    ``n_inflows`` (edges listing the stage), ``n_senders``, ``n_receivers``,
    ``n_actors_reached`` (actors receiving an edge listing the stage), ``has_no_inflow``.

    >>> G = nx.DiGraph()
    >>> G.add_node("A", stages="elaboration"); G.add_node("B", stages="elaboration")
    >>> G.add_edge("A", "B", stages="elaboration")
    >>> t = build_stage_table(G)
    >>> t.loc["elaboration", ["n_actors", "n_inflows", "n_actors_reached"]].tolist()
    [2, 1, 1]
    >>> bool(t.loc["evaluation", "has_no_inflow"])
    True
    """
    reference = list(get_codes("policy_stages"))
    actors: dict[str, list[str]] = defaultdict(list)
    for v, stages in G.nodes(data="stages"):
        for stage in split_multi(stages):
            actors[stage].append(v)
    inflows: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for u, v, stages in G.edges(data="stages"):
        for stage in split_multi(stages):
            inflows[stage].append((u, v))
    rows = []
    for stage in _ordered(list(reference) + list(actors) + list(inflows), reference):
        edges = inflows.get(stage, [])
        stage_actors = set(actors.get(stage, []))
        receivers = {v for _, v in edges}
        rows.append({
            "stage": stage,
            "n_actors": len(stage_actors),
            "actors": " ".join(_by_name(G, stage_actors)),
            "n_inflows": len(edges),
            "n_senders": len({u for u, _ in edges}),
            "n_receivers": len(receivers),
            "n_actors_reached": len(stage_actors & receivers),
            "has_no_inflow": not edges,
        })
    return pd.DataFrame(rows).set_index("stage")
