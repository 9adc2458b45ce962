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
  and no direct ``a → c``), groups being institution types: coordinator (a, b, c same type),
  itinerant (a and c same, b other), representative (a and b same, c other), gatekeeper (b and
  c same, a other), liaison (all different). A two-path where a, b or c has no known type is
  counted as ``unclassified`` rather than given a role (unknown types are not one group: see
  :func:`measure_brokerage`); ``brokerage`` is the number of open two-paths through ``b``, the
  roles plus the unclassified ones;
- cut vertices, bridges, components and communities use the undirected projection (a tie is a
  tie whichever way information flows); ``n_cut_off`` is how many entities would lose their link
  to the largest remaining part if the cut vertex disappeared; a *bridge* is a tie whose loss
  would split the network into two groups of at least ``MIN_BRIDGE_SIDE`` (2) institutions
  each, reported with the number of entities on each side; a bridge to a single institution
  (its only tie) is a *pendant link*, counted apart (its other end is a cut vertex already);
- *exchanges* are counted as links: one institution sending information to another is one
  directed edge, however many answers report it; an exchange both ways is two links
  (:func:`list_flow_links`, :func:`count_links_by_domain`);
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

from mpanalysis.analysis.network.files import read_network_graphml, write_network
from mpanalysis.analysis.network.graph import (
    CHANNEL_ORDER,
    build_actor_network,
    count_links_by_domain,
    list_flow_links,
)
from mpanalysis.analysis.network.measures import (
    BROKERAGE_ROLES,
    BROKERAGE_UNCLASSIFIED,
    MAX_EXACT_NODES,
    MAX_LOUVAIN_EDGES,
    MIN_BRIDGE_SIDE,
    NODE_ROLES,
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
from mpanalysis.analysis.network.summary import (
    NetworkSummary,
    build_edge_table,
    build_node_table,
    summarize_network,
)

__all__ = [
    "BROKERAGE_ROLES",
    "BROKERAGE_UNCLASSIFIED",
    "CHANNEL_ORDER",
    "MAX_EXACT_NODES",
    "MAX_LOUVAIN_EDGES",
    "MIN_BRIDGE_SIDE",
    "NODE_ROLES",
    "NetworkSummary",
    "build_actor_network",
    "build_edge_table",
    "build_node_table",
    "build_stage_table",
    "choose_betweenness_method",
    "choose_community_method",
    "count_links_by_domain",
    "find_bridges",
    "find_communities",
    "find_cut_vertices",
    "find_silent_producers",
    "find_unreached_users",
    "list_flow_links",
    "measure_betweenness",
    "measure_brokerage",
    "measure_reach",
    "read_network_graphml",
    "summarize_network",
    "write_network",
]
