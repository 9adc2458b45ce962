"""The actor network: direction, merging, measures on hand-computable graphs, export."""

from __future__ import annotations

import random
import time

import networkx as nx
import pandas as pd
import pytest

from mpanalysis.analysis.network import (
    build_actor_network,
    find_bridges,
    find_communities,
    find_cut_vertices,
    measure_betweenness,
    measure_brokerage,
    read_network_graphml,
    summarize_network,
    write_network,
)
from mpanalysis.errors import InputLayoutError
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table


def make_table(name: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=make_empty_table(name).columns).astype(object)


def make_dataset(entities, flows=(), sources=(), stages=()) -> CountryDataset:
    """entities: (id, type, is_respondent, is_coordinator); flows: (reporter, partner, direction,
    channel, stages); sources: (entity, domain, status); stages: (entity, stage)."""
    tables = {name: make_empty_table(name) for name in TABLE_COLUMNS}
    tables["entities"] = make_table("entities", [
        {"entity_id": e, "name": f"Institution {e}", "acronym": e, "institution_type": t,
         "sector": "governmental" if t in {"ministry", "agency"} else "other",
         "is_respondent": r, "is_coordinator": c, "is_wg_member": c, "n_mentions": 1}
        for e, t, r, c in entities])
    tables["flows"] = make_table("flows", [
        {"flow_id": f"f{i}", "entity_id": u, "partner_name": f"name of {v}", "partner_entity_id": v,
         "direction": d, "domains": "trends", "frequency": "annual", "channel": ch, "stages": st}
        for i, (u, v, d, ch, st) in enumerate(flows)])
    tables["sources"] = make_table("sources", [
        {"source_id": f"s{i}", "entity_id": e, "source_name": f"source {i}", "domain": dom,
         "status": status, "access": "public", "last_update": 2023}
        for i, (e, dom, status) in enumerate(sources)])
    tables["stages"] = make_table("stages", [{"entity_id": e, "stage": s} for e, s in stages])
    return CountryDataset(country="SEN", **tables)


def respondents(*ids, coordinator=None, kind="ministry"):
    return [(i, kind, True, i == coordinator) for i in ids]


# ------------------------------------------------------------------------- building the graph


def test_direction_follows_provides_receives_exchanges():
    G = build_actor_network(make_dataset(respondents("A", "B", "C", "D"), flows=[
        ("A", "B", "provides", "informal", ""),
        ("A", "C", "receives", "informal", ""),
        ("A", "D", "exchanges", "informal", ""),
    ]))
    assert set(G.edges) == {("A", "B"), ("C", "A"), ("A", "D"), ("D", "A")}
    assert G.graph["country"] == "SEN"


def test_reports_of_one_pair_merge_and_keep_the_most_formal_channel():
    G = build_actor_network(make_dataset(respondents("A", "B"), flows=[
        ("A", "B", "provides", "informal", "elaboration"),
        ("A", "B", "provides", "official_request", "evaluation"),
        ("B", "A", "receives", "formal_agreement", "elaboration"),
    ]))
    edge = G.edges["A", "B"]
    assert G.number_of_edges() == 1
    assert edge["n_reports"] == 3
    assert edge["channel"] == "formal_agreement" and edge["is_formal"] is True
    assert edge["stages"] == "elaboration evaluation"  # reference order, no duplicate
    assert edge["confirmed"] is True


def test_confirmed_only_when_both_ends_report_the_same_direction():
    # A says it exchanges with B; B says it provides to A: only B → A is reported by both ends.
    G = build_actor_network(make_dataset(respondents("A", "B", "C"), flows=[
        ("A", "B", "exchanges", "informal", ""),
        ("B", "A", "provides", "informal", ""),
        ("A", "C", "provides", "informal", ""),  # C answered the survey but did not mention A
    ]))
    assert G.edges["B", "A"]["confirmed"] is True
    assert G.edges["A", "B"]["confirmed"] is False
    assert G.edges["A", "C"]["confirmed"] is False
    summary = summarize_network(G)
    assert summary.n_confirmable == 3 and summary.n_confirmed == 1
    assert summary.confirmation_rate == pytest.approx(1 / 3)


def test_confirmation_rate_counts_only_edges_between_respondents():
    entities = respondents("A", "B") + [("X", "other", False, False)]
    G = build_actor_network(make_dataset(entities, flows=[
        ("A", "B", "provides", "informal", ""), ("B", "A", "receives", "informal", ""),
        ("A", "X", "provides", "informal", ""),  # X never answered: it cannot confirm
    ]))
    summary = summarize_network(G)
    assert summary.confirmation_rate == 1.0
    assert summary.confirmed_share == 0.5


def test_self_reports_and_unreconciled_partners_are_left_out():
    G = build_actor_network(make_dataset(respondents("A", "B"), flows=[
        ("A", "A", "provides", "informal", ""), ("A", None, "provides", "informal", ""),
    ]))
    assert G.number_of_edges() == 0
    assert G.nodes["A"]["role"] == "isolated"


def test_node_attributes_are_those_of_the_architecture():
    G = build_actor_network(make_dataset(respondents("A", "B", coordinator="A"),
                                         flows=[("A", "B", "provides", "informal", "")],
                                         stages=[("A", "evaluation"), ("A", "elaboration")]))
    assert set(G.nodes["A"]) == {"name", "acronym", "institution_type", "sector", "is_respondent",
                                 "is_coordinator", "is_wg_member", "stages", "role"}
    assert set(G.edges["A", "B"]) == {"domains", "stages", "channel", "frequency", "is_formal",
                                      "confirmed", "n_reports"}
    assert G.nodes["A"]["stages"] == "elaboration evaluation"
    assert G.nodes["A"]["is_coordinator"] is True and G.nodes["B"]["is_coordinator"] is False
    assert (G.nodes["A"]["role"], G.nodes["B"]["role"]) == ("producer", "user")


def test_the_graph_does_not_depend_on_the_order_of_reports():
    flows = [("A", "B", "provides", "informal", "elaboration"),
             ("B", "A", "receives", "formal_agreement", "evaluation"),
             ("C", "A", "exchanges", "publication", "implementation")]
    first = build_actor_network(make_dataset(respondents("A", "B", "C"), flows=flows))
    second = build_actor_network(make_dataset(respondents("A", "B", "C"), flows=flows[::-1]))
    assert sorted(first.edges(data=True)) == sorted(second.edges(data=True))


# ------------------------------------------------------------------------- hand-computed graphs


def test_star_hub_is_the_broker_and_reaches_everyone():
    leaves = ["a", "b", "c", "d"]
    entities = [("H", "agency", True, True)] + [(x, "ministry", True, False) for x in leaves]
    G = build_actor_network(make_dataset(entities, flows=[("H", x, "exchanges", "informal", "")
                                                          for x in leaves]))
    summary = summarize_network(G)
    assert summary.nodes.loc["H", "betweenness"] == pytest.approx(1.0)
    assert summary.nodes.loc[leaves, "betweenness"].eq(0).all()
    assert summary.coordinators == ["H"]
    assert summary.coordinator_reach == 1.0 and summary.coordinator_out_reach == 1.0
    # every ordered pair of distinct leaves goes through H: 4 × 3 itinerant routes (leaf types
    # are the same, the hub's differs)
    assert summary.nodes.loc["H", "brokerage_itinerant"] == 12
    assert summary.nodes.loc["H", "brokerage"] == 12
    assert summary.cut_vertices == {"H": 3}
    assert summary.reciprocity == 1.0


def test_coordinator_reach_stops_after_two_steps():
    chain = [("C", "A", "provides", "informal", ""), ("A", "B", "provides", "informal", ""),
             ("B", "D", "provides", "informal", ""), ("E", "C", "provides", "informal", "")]
    G = build_actor_network(make_dataset(respondents("C", "A", "B", "D", "E", coordinator="C"),
                                         flows=chain))
    summary = summarize_network(G)
    assert summary.coordinator_reach == pytest.approx(3 / 4)      # A, B, E; D is 3 steps away
    assert summary.coordinator_out_reach == pytest.approx(2 / 4)  # A, B; E only sends to C


def test_chain_has_its_middle_as_cut_vertex_and_two_pendant_links_but_no_bridge():
    G = build_actor_network(make_dataset(respondents("A", "B", "C"), flows=[
        ("A", "B", "provides", "informal", ""), ("B", "C", "provides", "informal", "")]))
    summary = summarize_network(G)
    assert summary.cut_vertices == {"B": 1}
    # each tie is the only link of one institution: pendant links, not bridges between groups
    assert summary.bridges == {}
    assert summary.pendant_links == {("A", "B"): (1, 2), ("B", "C"): (2, 1)}
    assert summary.nodes.loc["B", "betweenness"] == pytest.approx(0.5)
    assert [G.nodes[v]["role"] for v in "ABC"] == ["producer", "both", "user"]


def test_two_silos_joined_by_a_bridge():
    triangle = lambda a, b, c: [(a, b, "exchanges", "informal", ""), (b, c, "exchanges", "informal", ""),
                                (c, a, "exchanges", "informal", "")]
    flows = triangle("a", "b", "c") + triangle("x", "y", "z") + [("c", "x", "provides", "informal", "")]
    G = build_actor_network(make_dataset(respondents(*"abcxyz"), flows=flows))
    summary = summarize_network(G)
    assert sorted(map(sorted, summary.silos)) == [["a", "b", "c"], ["x", "y", "z"]]
    assert summary.bridges == {("c", "x"): (3, 3)} and summary.pendant_links == {}
    assert summary.cut_vertices == {"c": 2, "x": 2}  # without c, a and b are cut off
    assert summary.modularity == pytest.approx(5 / 14)
    assert summary.nodes.loc["a", "community"] != summary.nodes.loc["x", "community"]


def test_isolated_entities_do_not_form_silos():
    flows = [("a", "b", "provides", "informal", "")]
    G = build_actor_network(make_dataset(respondents("a", "b", "c", "d"), flows=flows))
    summary = summarize_network(G)
    assert summary.silos == []
    assert summary.n_isolated == 2 and summary.n_components == 3


def test_cut_off_counts_the_entities_left_apart():
    # A-E-F triangle, then a tail A-B-C-D: without A, E and F are cut off from B-C-D.
    G = nx.DiGraph([("A", "E"), ("E", "F"), ("F", "A"), ("A", "B"), ("B", "C"), ("C", "D")])
    assert find_cut_vertices(G) == {"A": 2, "B": 2, "C": 1}
    assert find_bridges(G)[("A", "B")] == (3, 3)
    # B–C splits {A, E, F, B} from {C, D}; C–D is D's only tie (a pendant link)
    assert find_bridges(G, min_side=2) == {("A", "B"): (3, 3), ("B", "C"): (4, 2)}
    assert set(find_bridges(G)) - set(find_bridges(G, min_side=2)) == {("C", "D")}


def test_brokerage_counts_open_two_paths_by_role():
    G = nx.DiGraph([("m1", "a"), ("a", "m2"), ("a", "u"), ("u2", "a")])
    types = {"m1": "ministry", "m2": "ministry", "a": "agency", "u": "academia", "u2": "academia"}
    nx.set_node_attributes(G, types, "institution_type")
    roles = measure_brokerage(G)["a"]
    # m1→a→m2 itinerant, m1→a→u liaison, u2→a→m2 liaison, u2→a→u itinerant
    assert roles == {"coordinator": 0, "itinerant": 2, "representative": 0, "gatekeeper": 0,
                     "liaison": 2, "unclassified": 0}


def test_brokerage_gives_no_role_to_routes_touching_an_unknown_type():
    # Three partners of unknown type relaying among themselves would all be "coordinators" of an
    # artificial "unknown" group; their routes count, but with no role.
    G = nx.DiGraph([("x", "y"), ("y", "z"), ("m1", "y"), ("y", "m2"), ("m1", "a"), ("a", "m2")])
    types = {"x": "", "y": None, "z": "", "m1": "ministry", "m2": "ministry", "a": "agency"}
    nx.set_node_attributes(G, types, "institution_type")
    brokerage = measure_brokerage(G)
    # y (unknown type) relays x→z, x→m2, m1→z and m1→m2 (no direct m1→m2): four routes, no role
    assert brokerage["y"] == {"coordinator": 0, "itinerant": 0, "representative": 0, "gatekeeper": 0,
                              "liaison": 0, "unclassified": 4}
    assert brokerage["a"]["itinerant"] == 1 and brokerage["a"]["unclassified"] == 0
    summary = summarize_network(G)
    assert summary.nodes.loc["y", "brokerage"] == 4 and summary.nodes.loc["y", "brokerage_unclassified"] == 4
    assert summary.nodes[[f"brokerage_{r}" for r in ("coordinator", "itinerant", "representative",
                                                     "gatekeeper", "liaison")]].sum().sum() == 1


def test_producers_sharing_with_nobody_and_users_receiving_nothing():
    G_data = make_dataset(
        respondents("P", "Q", "R", "S"),
        flows=[("Q", "R", "provides", "informal", "elaboration")],
        sources=[("P", "trends", "existing"), ("Q", "trends", "existing"), ("S", "crisis", "potential")],
        stages=[("P", "implementation"), ("R", "elaboration"), ("Q", "elaboration")])
    G = build_actor_network(G_data)
    summary = summarize_network(G, sources=G_data.sources)
    assert summary.silent_producers == ["P"]  # S only has a potential source
    assert summary.unreached_users == ["P", "Q"]


def test_stages_without_inflow_and_stage_table():
    data = make_dataset(respondents("A", "B", "C"),
                        flows=[("A", "B", "provides", "informal", "elaboration")],
                        stages=[("B", "elaboration"), ("C", "evaluation"), ("A", "evaluation")])
    summary = summarize_network(build_actor_network(data))
    table = summary.stages
    assert table.loc["elaboration", ["n_actors", "n_inflows", "n_actors_reached"]].tolist() == [1, 1, 1]
    assert table.loc["evaluation", "actors"] == "A C"
    assert "elaboration" not in summary.stages_without_inflow
    assert summary.stages_without_inflow == ["needs_identification", "implementation", "evaluation",
                                             "reformulation"]


def test_formal_share_counts_merged_edges():
    flows = [("A", "B", "provides", "formal_agreement", ""), ("A", "C", "provides", "informal", ""),
             ("A", "D", "provides", "publication", ""), ("A", "E", "provides", "official_request", "")]
    summary = summarize_network(build_actor_network(make_dataset(respondents(*"ABCDE"), flows=flows)))
    assert summary.n_formal == 1 and summary.formal_share == 0.25


def test_empty_network_has_undefined_shares_not_errors():
    summary = summarize_network(build_actor_network(make_dataset(respondents("A"))))
    assert summary.n_edges == 0 and summary.formal_share is None and summary.reciprocity is None
    assert summary.coordinator_reach is None and summary.modularity is None


def test_large_random_graph_is_sampled_and_fast():
    rng = random.Random(7)
    n = 3000
    G = nx.gnm_random_graph(n, 6000, seed=7, directed=True)
    G = nx.relabel_nodes(G, {i: f"E{i}" for i in range(n)})
    types = ["ministry", "agency", "academia", "civil_society"]
    for v in G:
        G.nodes[v].update(institution_type=rng.choice(types), is_respondent=True, stages="",
                          is_coordinator=(v == "E0"), name=v)
    for _, _, d in G.edges(data=True):
        d.update(is_formal=rng.random() < 0.3, confirmed=False, stages="")
    started = time.process_time()
    summary = summarize_network(G, seed=1)
    elapsed = time.process_time() - started
    assert summary.betweenness_method == "sampled" and summary.betweenness_k is not None
    assert summary.community_method == "louvain"
    assert summary.nodes["betweenness"].max() > 0
    assert elapsed < 20, f"summary of a 3,000-node graph took {elapsed:.1f} s of CPU"
    # fixed seeds: the same answers on every run
    assert [sorted(c) for c in find_communities(G, seed=1)] == summary.communities
    assert measure_betweenness(G, k=20, seed=1) == measure_betweenness(G, k=20, seed=1)


# ------------------------------------------------------------------------- export


def test_export_reloads_into_the_same_graph(tmp_path):
    data = make_dataset(respondents("A", "B", coordinator="A") + [("X", "other", False, False)],
                        flows=[("A", "B", "exchanges", "formal_agreement", "elaboration"),
                               ("B", "X", "provides", "informal", "")],
                        stages=[("A", "elaboration")])
    data.entities.loc[data.entities["entity_id"] == "B", "name"] = "Direction <générale> & \"co\""
    G = build_actor_network(data)
    paths = write_network(G, tmp_path / "net")
    H = read_network_graphml(paths["graphml"])
    assert list(H.nodes) == list(G.nodes)
    assert set(H.edges) == set(G.edges)
    assert dict(H.nodes(data=True)) == dict(G.nodes(data=True))
    assert {(u, v): d for u, v, d in H.edges(data=True)} == {(u, v): d for u, v, d in G.edges(data=True)}
    assert H.graph == {"country": "SEN"}
    gexf = nx.read_gexf(paths["gexf"])
    assert gexf.nodes["B"]["label"] == "Direction <générale> & \"co\""
    assert gexf.edges["A", "B"]["is_formal"] is True
    assert not list(tmp_path.joinpath("net").glob("*.tmp"))


def test_csv_export_never_holds_a_formula(tmp_path):
    data = make_dataset(respondents("A", "B"), flows=[("A", "B", "provides", "informal", "")])
    data.entities.loc[data.entities["entity_id"] == "A", "name"] = "=HYPERLINK(\"http://x\")"
    data.entities.loc[data.entities["entity_id"] == "B", "name"] = "-1+2"
    paths = write_network(build_actor_network(data), tmp_path)
    nodes = pd.read_csv(paths["nodes"], dtype=str, encoding="utf-8-sig")
    assert nodes["name"].tolist() == ["'=HYPERLINK(\"http://x\")", "'-1+2"]
    edges = pd.read_csv(paths["edges"], dtype=str, encoding="utf-8-sig")
    assert edges[["source", "target"]].values.tolist() == [["A", "B"]]
    assert paths["nodes"].read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads accents right


def test_reading_a_missing_or_broken_network_names_the_file(tmp_path):
    with pytest.raises(InputLayoutError, match="nothing.graphml"):
        read_network_graphml(tmp_path / "nothing.graphml")
    broken = tmp_path / "broken.graphml"
    broken.write_text("<graphml><graph>", encoding="utf-8")
    with pytest.raises(InputLayoutError, match="broken.graphml"):
        read_network_graphml(broken)


def test_numpy_values_keep_their_type_through_graphml(tmp_path):
    import numpy as np

    G = nx.DiGraph(country="SEN")
    G.add_node("A", is_respondent=np.bool_(True), n_mentions=np.int64(3), score=np.float64(0.5))
    H = read_network_graphml(write_network(G, tmp_path)["graphml"])
    assert H.nodes["A"] == {"is_respondent": True, "n_mentions": 3, "score": 0.5}


def test_very_large_graphs_switch_to_label_propagation_deterministically():
    G = nx.relabel_nodes(nx.gnm_random_graph(400, 1200, seed=3, directed=True), str)
    first = find_communities(G, seed=2, max_louvain_edges=100)
    assert set().union(*first) == set(G)  # a partition of every entity
    assert first == find_communities(G, seed=2, max_louvain_edges=100)
    summary = summarize_network(G, max_louvain_edges=100)
    assert summary.community_method == "label_propagation"
