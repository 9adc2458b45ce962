"""The synthetic countries of the benchmarks: the requested size, valid tables, reproducible.

No timing here: the benchmarks themselves (``benchmarks/run.py``) are not part of the test suite.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from mpanalysis.analysis.network import build_actor_network
from mpanalysis.ingest.schemas import validate_tables

SYNTHETIC = Path(__file__).resolve().parents[2] / "benchmarks" / "synthetic.py"


@pytest.fixture(scope="module")
def synthetic():
    spec = importlib.util.spec_from_file_location("benchmarks_synthetic", SYNTHETIC)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tables(dataset) -> dict:
    return {name: getattr(dataset, name) for name in ("respondents", "entities", "sources", "flows", "stages",
                                                      "challenges", "needs", "mp_use", "issues", "counts")}


@pytest.mark.parametrize("n_institutions", [2, 100, 1000])
def test_makes_the_requested_number_of_institutions_and_exchanges(synthetic, n_institutions):
    dataset = synthetic.make_synthetic_dataset(n_institutions)
    assert len(dataset.entities) == n_institutions
    assert dataset.entities["entity_id"].is_unique
    assert len(dataset.flows) == 10 * n_institutions
    assert set(dataset.flows["entity_id"]) <= set(dataset.respondents["entity_id"])  # only respondents report
    assert set(dataset.flows["partner_entity_id"]) <= set(dataset.entities["entity_id"])
    assert not (dataset.flows["entity_id"] == dataset.flows["partner_entity_id"]).any()


def test_tables_pass_the_canonical_schemas(synthetic):
    dataset = synthetic.make_synthetic_dataset(100, exchanges_per_institution=4)
    validate_tables(_tables(dataset))  # the benchmark times what a real country would produce
    assert dataset.is_balanced


def test_same_seed_same_country_other_seed_other_country(synthetic):
    a, b = synthetic.make_synthetic_dataset(200, seed=1), synthetic.make_synthetic_dataset(200, seed=1)
    assert a.flows.equals(b.flows) and a.sources.equals(b.sources)
    assert not a.flows.equals(synthetic.make_synthetic_dataset(200, seed=2).flows)


def test_network_has_hubs_and_groups_like_a_real_country(synthetic):
    G = build_actor_network(synthetic.make_synthetic_dataset(500))
    degrees = sorted((d for _, d in G.degree()), reverse=True)
    assert degrees[0] > 5 * degrees[len(degrees) // 2]  # a few institutions are named by many
    within = sum(1 for u, v in G.edges if int(u[-5:]) // 50 == int(v[-5:]) // 50)
    assert within / G.number_of_edges() > 0.6  # most exchanges stay within a group


def test_too_small_a_country_is_refused(synthetic):
    with pytest.raises(ValueError, match="at least 2"):
        synthetic.make_synthetic_dataset(1)
