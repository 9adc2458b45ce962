"""The researcher's API gives the guide's numbers, from the batch's cache, with clear errors."""

from __future__ import annotations

import networkx as nx
import pytest

import mpanalysis as mp
from mpanalysis.analysis.network import BROKERAGE_ROLES
from mpanalysis.errors import MpanalysisError


def test_the_public_api_is_listed_and_documented():
    assert {"countries", "load", "graph", "node_measures", "findings"} <= set(mp.__all__)
    for name in mp.__all__:
        if name != "__version__":
            assert ">>>" in getattr(mp, name).__doc__, f"{name} has no runnable example"


def test_node_measures_have_one_row_per_institution_with_the_measures_of_the_guide():
    measures = mp.node_measures("SEN")
    G = mp.graph("SEN")
    assert set(measures.index) == set(G.nodes)
    expected = {"name", "acronym", "institution_type", "in_degree", "out_degree", "betweenness", "brokerage",
                "community", "is_cut_vertex", *(f"brokerage_{r}" for r in BROKERAGE_ROLES)}
    assert expected <= set(measures.columns)
    # the same betweenness as networkx on the same graph (normalised, directed)
    reference = nx.betweenness_centrality(G)
    assert measures["betweenness"].to_dict() == pytest.approx(reference)
    assert (measures["in_degree"] == measures.index.map(dict(G.in_degree()))).all()


def test_a_changed_graph_does_not_change_the_next_call():
    G = mp.graph("SEN")
    G.remove_nodes_from(list(G.nodes)[:5])
    assert mp.graph("SEN").number_of_nodes() == G.number_of_nodes() + 5


def test_findings_cover_chapters_one_to_three_in_the_language_asked():
    french, english = mp.findings("SEN", "fr"), mp.findings("SEN", "en")
    assert set(french["chapter"]) == {"I", "II", "III"}
    assert french["id"].tolist() == english["id"].tolist()
    assert french.loc[0, "text"] != english.loc[0, "text"]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: mp.load("XYZ"), "no parameters for 'XYZ'"),
    (lambda: mp.graph("../etc"), "'../etc' is not a country code"),
    (lambda: mp.findings("SEN", "xx"), "language 'xx' is not available"),
])
def test_a_wrong_argument_gets_a_message_not_a_traceback(call, message):
    with pytest.raises(MpanalysisError, match=message):
        call()
