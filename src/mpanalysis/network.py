"""Chapter II: the actor network — who sends information to whom across the policy cycle.

:func:`build_actor_network` turns the canonical tables into a directed graph whose attributes are
those of ``docs/architecture.md`` ("The actor network"); the ``measure_*`` / ``find_*`` functions
take the graph first and return ``{node: value}`` (networkx style); :func:`summarize_network`
gathers them in a :class:`NetworkSummary`; :func:`write_network` exports the graph for Gephi,
spreadsheets and the atlas.

Definitions (they are what the guide's sentences mean):

- *betweenness*: networkx's normalised directed betweenness; exact up to ``max_exact_nodes``
  nodes, else estimated from ``k`` sampled pivots with a fixed seed (the summary says which);
- *brokerage*: Gould–Fernandez roles of ``b`` on every *open* two-path ``a → b → c`` (``a ≠ c``
  and no direct ``a → c``), groups being institution types (an unknown type is one group):
  coordinator (a, b, c same type), itinerant (a and c same, b other), representative (a and b
  same, c other), gatekeeper (b and c same, a other), liaison (all different); ``brokerage`` is
  their sum;
- cut vertices, bridges, components and communities use the undirected projection (a tie is a
  tie whichever way information flows); ``n_cut_off`` is how many entities would lose their link
  to the largest remaining part if the cut vertex disappeared; a bridge is reported with the
  number of entities on each side;
- communities: Louvain (``networkx.community.louvain_communities``) with a fixed seed, fast
  label propagation (seeded) above ``MAX_LOUVAIN_EDGES`` ties (the summary says which); *silos*
  are the communities of two or more entities when there are at least two of them (their
  ``external_share``, the share of their flows crossing their border, says how closed they are;
  the findings name those below the threshold of ``findings.yaml``);
- *density*: edges over ordered pairs (n (n − 1)); *reciprocity*: share of edges whose reverse
  also exists;
- *coordinator's reach*: share of the other entities within two steps of the coordinator(s) on
  the undirected projection (in contact, directly or through one intermediary); the *out-reach*
  follows edge directions only (where the coordinator's information can arrive);
- *confirmation rate*: confirmed edges over edges between two respondents (only those can be
  confirmed); ``confirmed_share`` is confirmed edges over all edges;
- *silent producers*: entities holding an existing source with no out-edge; *unreached users*:
  entities taking part in a policy stage with no in-edge; a stage *has no inflow* when no edge
  lists it among its stages.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape as xml_escape

import networkx as nx
import numpy as np
import pandas as pd

from .errors import InputLayoutError
from .fileio import open_atomic_path, write_csv_safe
from .form import split_multi
from .reference import get_attribute, get_codes

if TYPE_CHECKING:
    from .dataset import CountryDataset

#: Channels from the most to the least formal: a merged edge keeps the most formal one reported.
CHANNEL_ORDER = ("formal_agreement", "official_request", "publication", "informal")

#: Gould–Fernandez brokerage roles (see the module docstring).
BROKERAGE_ROLES = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")

NODE_ROLES = ("producer", "user", "both", "isolated")

#: Betweenness is exact up to this many nodes, sampled above.
MAX_EXACT_NODES = 2000

#: Communities: Louvain up to this many (undirected) ties, label propagation above.
MAX_LOUVAIN_EDGES = 50_000

#: Sampled betweenness costs about k × (nodes + edges): this bounds k × size.
_BETWEENNESS_BUDGET = 1_500_000

_NODE_ATTRIBUTES = ("name", "acronym", "institution_type", "sector", "is_respondent",
                    "is_coordinator", "is_wg_member", "stages", "role")
_EDGE_ATTRIBUTES = ("domains", "stages", "channel", "frequency", "is_formal", "confirmed", "n_reports")


def _text(value: object) -> str:
    if value is None or pd.isna(value):
        return ""
    return str(value)


def _flag(value: object) -> bool:
    if value is None or pd.isna(value):
        return False
    if isinstance(value, str):
        return value.strip().lower() in {"true", "yes", "1"}
    return bool(value)


def _ordered(codes: Iterable[str], reference: list[str]) -> list[str]:
    """Reference order first, unknown codes after, sorted (so output is the same on every run)."""
    unique = {c for c in codes if c}
    return [c for c in reference if c in unique] + sorted(unique - set(reference))


# ----------------------------------------------------------------------------------- building


def build_actor_network(dataset: CountryDataset) -> nx.DiGraph:
    """Return the directed actor network of a country's dataset.

    Nodes are the entities; an edge ``u → v`` means information flows from ``u`` to ``v``
    (``provides`` reported by ``u`` or ``receives`` reported by ``v``; ``exchanges`` gives both
    directions). Reports of the same pair and direction merge into one edge: domains and stages
    are the union, ``channel`` the most formal reported, ``frequency`` the most frequent,
    ``confirmed`` true when both ``u`` and ``v`` reported it, ``n_reports`` the number of
    reports. Flows whose partner was not reconciled to an entity, or that point at the reporter
    itself, are left out.

    >>> from mpanalysis.dataset import CountryDataset, make_empty_table
    >>> t = {n: make_empty_table(n) for n in ["respondents", "entities", "sources", "flows",
    ...      "stages", "challenges", "needs", "mp_use", "issues", "counts"]}
    >>> t["entities"] = pd.DataFrame({"entity_id": ["A", "B"], "name": ["Alpha", "Beta"],
    ...     "is_respondent": [True, True]})
    >>> t["flows"] = pd.DataFrame({"entity_id": ["A", "B"], "partner_entity_id": ["B", "A"],
    ...     "direction": ["provides", "receives"], "channel": ["informal", "formal_agreement"]})
    >>> G = build_actor_network(CountryDataset("SEN", **t))
    >>> list(G.edges), G.edges["A", "B"]["confirmed"], G.edges["A", "B"]["channel"]
    ([('A', 'B')], True, 'formal_agreement')
    >>> G.nodes["A"]["role"], G.nodes["B"]["role"]
    ('producer', 'user')
    """
    stage_codes = list(get_codes("policy_stages"))
    domain_codes = list(get_codes("domains"))
    is_formal = get_attribute("channels", "is_formal")
    frequency_rank = {c: n for n, c in enumerate(get_codes("periodicities"))}
    channel_rank = {c: n for n, c in enumerate(CHANNEL_ORDER)}

    stages_of: dict[str, list[str]] = defaultdict(list)
    for entity_id, stage in zip(dataset.stages["entity_id"], dataset.stages["stage"]):
        stages_of[_text(entity_id)].append(_text(stage))

    G = nx.DiGraph(country=str(dataset.country))
    entities = dataset.entities
    for row in entities.to_dict("records"):
        entity_id = _text(row.get("entity_id"))
        if not entity_id or entity_id in G:
            continue
        G.add_node(entity_id, **_node_attributes(row, stages_of.get(entity_id, []), stage_codes))

    merged: dict[tuple[str, str], dict] = {}
    flows = dataset.flows
    columns = {c: flows[c].tolist() if c in flows else [None] * len(flows)
               for c in ("entity_id", "partner_entity_id", "partner_name", "direction", "domains",
                         "frequency", "channel", "stages")}
    for i in range(len(flows)):
        reporter, partner = _text(columns["entity_id"][i]), _text(columns["partner_entity_id"][i])
        if not reporter or not partner or reporter == partner:
            continue
        direction = _text(columns["direction"][i])
        pairs = {"provides": [(reporter, partner)], "receives": [(partner, reporter)],
                 "exchanges": [(reporter, partner), (partner, reporter)]}.get(direction, [])
        for entity_id, fallback in ((reporter, reporter), (partner, _text(columns["partner_name"][i]))):
            if entity_id not in G:
                # Defensive: the reconciliation makes every partner an entity; keep the edge anyway.
                G.add_node(entity_id, **_node_attributes({"entity_id": entity_id, "name": fallback},
                                                         [], stage_codes))
        for pair in pairs:
            edge = merged.setdefault(pair, {"reporters": set(), "domains": set(), "stages": set(),
                                            "channels": set(), "frequencies": set(), "n_reports": 0})
            edge["reporters"].add(reporter)
            edge["domains"].update(split_multi(columns["domains"][i]))
            edge["stages"].update(split_multi(columns["stages"][i]))
            edge["channels"].add(_text(columns["channel"][i]))
            edge["frequencies"].add(_text(columns["frequency"][i]))
            edge["n_reports"] += 1

    for (u, v), edge in merged.items():
        channels = sorted((c for c in edge["channels"] if c), key=lambda c: (channel_rank.get(c, 99), c))
        # "unknown" only wins when nothing else was said.
        frequencies = sorted((f for f in edge["frequencies"] if f),
                             key=lambda f: (f == "unknown", frequency_rank.get(f, 98), f))
        channel = channels[0] if channels else ""
        G.add_edge(u, v,
                   domains=" ".join(_ordered(edge["domains"], domain_codes)),
                   stages=" ".join(_ordered(edge["stages"], stage_codes)),
                   channel=channel,
                   frequency=frequencies[0] if frequencies else "",
                   is_formal=bool(is_formal.get(channel, False)),
                   confirmed=u in edge["reporters"] and v in edge["reporters"],
                   n_reports=int(edge["n_reports"]))

    for node in G:
        has_in, has_out = G.in_degree(node) > 0, G.out_degree(node) > 0
        G.nodes[node]["role"] = ("both" if has_in and has_out else "producer" if has_out
                                 else "user" if has_in else "isolated")
    return G


def _node_attributes(row: dict, stages: list[str], stage_codes: list[str]) -> dict:
    sector = _text(row.get("sector"))
    return {
        "name": _text(row.get("name")) or _text(row.get("entity_id")),
        "acronym": _text(row.get("acronym")),
        "institution_type": _text(row.get("institution_type")),
        "sector": sector or "unknown",
        "is_respondent": _flag(row.get("is_respondent")),
        "is_coordinator": _flag(row.get("is_coordinator")),
        "is_wg_member": _flag(row.get("is_wg_member")),
        "stages": " ".join(_ordered(stages, stage_codes)),
        "role": "isolated",
    }


# ----------------------------------------------------------------------------------- measures


def _undirected(G: nx.Graph) -> nx.Graph:
    """The undirected projection, without attributes or self-loops (cheap to build and walk)."""
    if not G.is_directed():
        return G
    U = nx.Graph()
    U.add_nodes_from(G)
    U.add_edges_from((u, v) for u, v in G.edges() if u != v)
    return U


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

    Groups are the node attribute ``attribute``. Cost is about the sum over edges ``a → b`` of
    ``min(out(a), out(b))``, never the number of node pairs.

    >>> G = nx.DiGraph([("a", "b"), ("b", "c")])
    >>> nx.set_node_attributes(G, {"a": "ministry", "b": "agency", "c": "ministry"}, "institution_type")
    >>> measure_brokerage(G)["b"]["itinerant"]
    1
    >>> G.add_edge("a", "c")  # a no longer needs b to reach c
    >>> sum(measure_brokerage(G)["b"].values())
    0
    """
    group = {v: G.nodes[v].get(attribute, "") for v in G}
    successors = {v: set(G.successors(v)) - {v} for v in G}
    result: dict[str, dict[str, int]] = {}
    for b in G:
        counts = dict.fromkeys(BROKERAGE_ROLES, 0)
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


def find_bridges(G: nx.Graph) -> dict[tuple[str, str], tuple[int, int]]:
    """Return ``{(u, v): (entities on u's side, entities on v's side)}``, ``u < v``, undirected.

    >>> find_bridges(nx.DiGraph([("A", "B"), ("B", "C")]))
    {('A', 'B'): (1, 2), ('B', 'C'): (2, 1)}
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


# ----------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class NetworkSummary:
    """The measures of one actor network (see the module docstring for the definitions).

    ``nodes`` holds one row per entity (index ``entity_id``): ``name, institution_type, sector,
    role, is_respondent, is_coordinator, in_degree, out_degree, betweenness, brokerage`` (total),
    ``brokerage_<role>`` per Gould–Fernandez role, ``community`` (1 = largest),
    ``is_cut_vertex, n_cut_off``. ``community_table`` has one row per community (index
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
    bridges = find_bridges(U)
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
            "entity_id": v, "name": data.get("name", v),
            "institution_type": data.get("institution_type", ""),
            "sector": data.get("sector", "unknown"), "role": data.get("role", ""),
            "is_respondent": bool(data.get("is_respondent", False)),
            "is_coordinator": bool(data.get("is_coordinator", False)),
            "in_degree": G.in_degree(v), "out_degree": G.out_degree(v),
            "betweenness": float(betweenness.get(v, 0.0)),
            "brokerage": int(sum(roles.values())),
        }
        row.update({f"brokerage_{r}": int(roles.get(r, 0)) for r in BROKERAGE_ROLES})
        row.update({"community": community_of.get(v, 0), "is_cut_vertex": v in cut_vertices,
                    "n_cut_off": int(cut_vertices.get(v, 0))})
        rows.append(row)
    node_columns = ["entity_id", "name", "institution_type", "sector", "role", "is_respondent",
                    "is_coordinator", "in_degree", "out_degree", "betweenness", "brokerage",
                    *[f"brokerage_{r}" for r in BROKERAGE_ROLES], "community", "is_cut_vertex",
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
        cut_vertices=cut_vertices, bridges=bridges,
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


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: object) -> str:
    """Escape for XML text and attributes; drop control characters XML 1.0 cannot hold."""
    return xml_escape(_XML_INVALID.sub("", str(value)),
                      {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#9;"})


def _kind_of(value: object) -> type:
    # numpy scalars count as the Python type they stand for (np.bool_ is not a bool subclass)
    if isinstance(value, (bool, np.bool_)):
        return bool
    if isinstance(value, (int, np.integer)):
        return int
    if isinstance(value, (float, np.floating)):
        return float
    return str


def _attribute_types(items: Iterable[dict]) -> dict[str, type]:
    """Return ``{attribute: bool | int | float | str}``, str when values of a key disagree."""
    types: dict[str, type] = {}
    for data in items:
        for key, value in data.items():
            if value is None:
                continue
            kind = _kind_of(value)
            if key not in types:
                types[key] = kind
            elif types[key] is not kind:
                types[key] = float if {types[key], kind} == {int, float} else str
    return types


def _xml_value(value: object, kind: type) -> str:
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(int(value))
    if kind is float:
        return repr(float(value))
    return _xml_text(value)


_GRAPHML_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}
_GEXF_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _write_graphml(G: nx.DiGraph, path: str) -> None:
    # Streamed by hand: networkx's writer builds the whole XML tree (slow on 100,000 edges).
    scopes = {"graph": _attribute_types([G.graph]),
              "node": _attribute_types(d for _, d in G.nodes(data=True)),
              "edge": _attribute_types(d for *_, d in G.edges(data=True))}
    key_id = {}
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("<?xml version='1.0' encoding='utf-8'?>\n"
                  '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
                  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                  'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
                  'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n')
        for scope, types in scopes.items():
            for key, kind in types.items():
                key_id[scope, key] = f"d{len(key_id)}"
                out.write(f'<key id="{key_id[scope, key]}" for="{scope}" attr.name="{_xml_text(key)}" '
                          f'attr.type="{_GRAPHML_TYPES[kind]}"/>\n')

        def data(scope: str, values: dict) -> str:
            types = scopes[scope]
            return "".join(f'<data key="{key_id[scope, k]}">{_xml_value(v, types[k])}</data>'
                           for k, v in values.items() if v is not None and k in types)

        out.write('<graph edgedefault="directed">' + data("graph", G.graph) + "\n")
        for v, d in G.nodes(data=True):
            out.write(f'<node id="{_xml_text(v)}">{data("node", d)}</node>\n')
        for u, v, d in G.edges(data=True):
            out.write(f'<edge source="{_xml_text(u)}" target="{_xml_text(v)}">{data("edge", d)}</edge>\n')
        out.write("</graph>\n</graphml>\n")


def _write_gexf(G: nx.DiGraph, path: str) -> None:
    node_types = _attribute_types(d for _, d in G.nodes(data=True))
    edge_types = _attribute_types(d for *_, d in G.edges(data=True))

    def values(types: dict[str, type], d: dict) -> str:
        cells = "".join(f'<attvalue for="{_xml_text(k)}" value="{_xml_value(v, types[k])}"/>'
                        for k, v in d.items() if v is not None and k in types)
        return f"<attvalues>{cells}</attvalues>" if cells else ""

    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write("<?xml version='1.0' encoding='utf-8'?>\n"
                  '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
                  '<meta><creator>mpanalysis</creator>'
                  f'<description>{_xml_text(G.graph.get("country", ""))}</description></meta>\n'
                  '<graph defaultedgetype="directed" mode="static">\n')
        for scope, types in (("node", node_types), ("edge", edge_types)):
            out.write(f'<attributes class="{scope}" mode="static">')
            out.write("".join(f'<attribute id="{_xml_text(k)}" title="{_xml_text(k)}" '
                              f'type="{_GEXF_TYPES[t]}"/>' for k, t in types.items()))
            out.write("</attributes>\n")
        out.write("<nodes>\n")
        for v, d in G.nodes(data=True):
            # Gephi shows the label: the entity's name rather than its id.
            label = _xml_text(d.get("name") or v)
            out.write(f'<node id="{_xml_text(v)}" label="{label}">{values(node_types, d)}</node>\n')
        out.write("</nodes>\n<edges>\n")
        for i, (u, v, d) in enumerate(G.edges(data=True)):
            out.write(f'<edge id="{i}" source="{_xml_text(u)}" target="{_xml_text(v)}">'
                      f"{values(edge_types, d)}</edge>\n")
        out.write("</edges>\n</graph>\n</gexf>\n")


def write_network(G: nx.DiGraph, folder: str | Path) -> dict[str, Path]:
    """Write ``network.graphml``, ``network.gexf``, ``nodes.csv`` and ``edges.csv`` into ``folder``.

    Each file is written to a temporary file then moved into place, so a crash never leaves a
    half-written file, and the same graph always gives the same bytes. CSV files are UTF-8 with a
    byte-order mark (Excel then reads accents correctly) and text that would run as a formula is
    prefixed with ``'``. In the GEXF file nodes are labelled with their names so Gephi shows
    them. Control characters that XML cannot hold are dropped from the XML files.

    Returns ``{"graphml" | "gexf" | "nodes" | "edges": path}``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     sorted(p.name for p in write_network(nx.DiGraph([("A", "B")]), d).values())
    ['edges.csv', 'network.gexf', 'network.graphml', 'nodes.csv']
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"graphml": folder / "network.graphml", "gexf": folder / "network.gexf",
             "nodes": folder / "nodes.csv", "edges": folder / "edges.csv"}
    with open_atomic_path(paths["graphml"]) as tmp:
        _write_graphml(G, tmp)
    with open_atomic_path(paths["gexf"]) as tmp:
        _write_gexf(G, tmp)
    write_csv_safe(build_node_table(G), paths["nodes"])
    write_csv_safe(build_edge_table(G), paths["edges"])
    return paths


def read_network_graphml(path: str | Path) -> nx.DiGraph:
    """Reload a network written by :func:`write_network` (node ids stay text).

    >>> import tempfile
    >>> G = nx.DiGraph([("A", "B", {"confirmed": True, "n_reports": 2})], country="SEN")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     H = read_network_graphml(write_network(G, d)["graphml"])
    >>> H.graph["country"], H.edges["A", "B"]["confirmed"], H.edges["A", "B"]["n_reports"]
    ('SEN', True, 2)
    """
    path = Path(path)
    if not path.is_file():
        raise InputLayoutError("network file not found", file=path)
    try:
        H = nx.read_graphml(path, node_type=str)
    except Exception as exc:  # malformed XML or not GraphML: a user-facing message, not a traceback
        raise InputLayoutError(f"not a readable GraphML network ({exc})", file=path) from None
    G = H if isinstance(H, nx.DiGraph) and not H.is_multigraph() else nx.DiGraph(H)
    for key in ("node_default", "edge_default"):  # added by networkx's reader, not ours
        G.graph.pop(key, None)
    return G
