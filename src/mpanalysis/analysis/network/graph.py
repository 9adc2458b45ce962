"""The directed actor network built from the canonical tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import networkx as nx
import pandas as pd

from mpanalysis.ingest.form import split_multi
from mpanalysis.reference import get_attribute, get_codes

if TYPE_CHECKING:
    from mpanalysis.ingest.dataset import CountryDataset

#: Channels from the most to the least formal: a merged edge keeps the most formal one reported.
CHANNEL_ORDER = ("formal_agreement", "official_request", "publication", "informal")

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


def list_flow_links(reporter: object, partner: object, direction: object) -> list[tuple[str, str]]:
    """Return the directed links ``(sender, receiver)`` one reported flow stands for.

    ``provides`` is reporter → partner, ``receives`` partner → reporter, ``exchanges`` both ways.
    A flow whose partner was not reconciled to an entity, or that names the reporter itself, or
    whose direction is unknown stands for no link. This is the network's unit of exchange: the
    actor network, the coverage gaps of chapter I and the Sankey of chapter II all count links.

    >>> list_flow_links("A", "B", "receives"), list_flow_links("A", "B", "exchanges")
    ([('B', 'A')], [('A', 'B'), ('B', 'A')])
    >>> list_flow_links("A", None, "provides"), list_flow_links("A", "A", "provides")
    ([], [])
    """
    reporter, partner = _text(reporter), _text(partner)
    if not reporter or not partner or reporter == partner:
        return []
    return {"provides": [(reporter, partner)], "receives": [(partner, reporter)],
            "exchanges": [(reporter, partner), (partner, reporter)]}.get(_text(direction), [])


def count_links_by_domain(flows: pd.DataFrame) -> dict[str, int]:
    """Return ``{domain: number of distinct directed links carrying it}``.

    A link (one institution sending information to another) counts once however many answers
    report it, and carries the union of the domains they list; an exchange both ways is two
    links. These are the numbers the actor network shows (its edges and their ``domains``).

    >>> f = pd.DataFrame({"entity_id": ["A", "B", "A"], "partner_entity_id": ["B", "A", "C"],
    ...                   "direction": ["provides", "receives", "exchanges"],
    ...                   "domains": ["trends", "trends crisis", "trends"]})
    >>> count_links_by_domain(f)
    {'crisis': 1, 'trends': 3}
    """
    domains_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    columns = {c: flows[c].tolist() if c in flows else [None] * len(flows)
               for c in ("entity_id", "partner_entity_id", "direction", "domains")}
    for reporter, partner, direction, domains in zip(*columns.values()):
        for link in list_flow_links(reporter, partner, direction):
            domains_of[link].update(split_multi(domains))
    counts: dict[str, int] = {}
    for domains in domains_of.values():
        for domain in domains:
            counts[domain] = counts.get(domain, 0) + 1
    return dict(sorted(counts.items()))


def build_actor_network(dataset: CountryDataset) -> nx.DiGraph:
    """Return the directed actor network of a country's dataset.

    Nodes are the entities; an edge ``u → v`` means information flows from ``u`` to ``v``
    (``provides`` reported by ``u`` or ``receives`` reported by ``v``; ``exchanges`` gives both
    directions). Reports of the same pair and direction merge into one edge: domains and stages
    are the union, ``channel`` the most formal reported, ``frequency`` the most frequent,
    ``confirmed`` true when both ``u`` and ``v`` reported it, ``n_reports`` the number of
    reports. Flows whose partner was not reconciled to an entity, or that point at the reporter
    itself, are left out.

    >>> from mpanalysis.ingest.dataset import CountryDataset
    >>> from mpanalysis.ingest.schemas import make_empty_table
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
        pairs = list_flow_links(reporter, partner, columns["direction"][i])
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
