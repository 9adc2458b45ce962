"""Chapter I: coverage matrix, listings, profiles, staleness and gaps on a tiny country."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from mpanalysis.analysis.network import build_actor_network
from mpanalysis.analysis.sources import (
    build_coverage_matrix,
    build_source_listing,
    build_source_profile,
    build_sources_analysis,
    build_staleness,
    find_source_gaps,
    list_domains,
)
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table
from mpanalysis.params import CountryParams

ENTITIES = [
    # entity_id, name, acronym, type, sector
    ("SEN-UCAD", "Université Cheikh Anta Diop", "UCAD", "academia", "other"),
    ("SEN-DPAF", "Direction de la police de l'air et des frontières", "DPAF", "police_border", "governmental"),
    ("SEN-ANSD", "Agence nationale de la statistique", "ANSD", "statistics_office", "governmental"),
    ("SEN-X", "Mystère", None, "ministry", None),  # sector not filled in: its type says governmental
]

SOURCES = [
    # entity, name, domain, status, access, last update, periodicity, format
    ("SEN-ANSD", "Recensement", "trends", "existing", "public", 2023, "multi_year", "online"),
    ("SEN-ANSD", "Enquête ménages", "trends", "potential", None, None, None, None),
    ("SEN-UCAD", "Étude diaspora", "development", "existing", "public", 2015, "ad_hoc", "paper"),
    ("SEN-DPAF", "Fichier des passages", "border_management", "existing", "internal", 2024, "continuous", "database"),
    ("SEN-DPAF", "Registre des refus", "border_management", "existing", "restricted", None, "monthly", "database"),
    ("SEN-UCAD", "Enquête santé", "health", "existing", "public", 2022, "annual", "spreadsheet"),
]

FLOWS = [("SEN-ANSD", "SEN-UCAD", "trends development")]


def make_dataset(sources=SOURCES, flows=FLOWS) -> CountryDataset:
    tables = {name: make_empty_table(name) for name in TABLE_COLUMNS}
    tables["entities"] = pd.DataFrame(
        [{"entity_id": e, "name": n, "acronym": a, "institution_type": t, "sector": s,
          "is_respondent": True, "is_coordinator": False, "is_wg_member": False}
         for e, n, a, t, s in ENTITIES], columns=TABLE_COLUMNS["entities"])
    tables["sources"] = pd.DataFrame(
        [{"source_id": f"s{i}", "entity_id": e, "source_name": n, "domain": d, "status": st,
          "access": ac, "last_update": year, "periodicity": p, "format": f, "kind": "other"}
         for i, (e, n, d, st, ac, year, p, f) in enumerate(sources)],
        columns=TABLE_COLUMNS["sources"])
    tables["sources"]["last_update"] = tables["sources"]["last_update"].astype("Int64")
    tables["flows"] = pd.DataFrame(
        [{"flow_id": f"f{i}", "entity_id": u, "partner_entity_id": v, "direction": "provides",
          "domains": d} for i, (u, v, d) in enumerate(flows)], columns=TABLE_COLUMNS["flows"])
    return CountryDataset(country="SEN", **tables)


def test_every_reference_domain_is_a_column_even_when_empty_and_extra_domains_follow():
    data = make_dataset()
    matrix = build_coverage_matrix(data.sources, data.entities, status="existing")
    assert matrix.columns.tolist() == ["trends", "border_management", "crisis", "development", "health"]
    assert matrix["crisis"].sum() == 0
    assert matrix.loc["SEN-DPAF", "border_management"] == 2
    assert matrix.loc["SEN-ANSD", "trends"] == 1
    potential = build_coverage_matrix(data.sources, data.entities, status="potential")
    assert potential.index.tolist() == matrix.index.tolist()  # the two matrices line up
    assert potential.loc["SEN-ANSD", "trends"] == 1


def test_matrix_rows_list_governmental_entities_first_then_by_name():
    data = make_dataset()
    assert build_coverage_matrix(data.sources, data.entities).index.tolist() == [
        "SEN-ANSD", "SEN-DPAF", "SEN-UCAD"]


def test_domains_used_only_in_flows_are_reported_too():
    data = make_dataset(flows=[("SEN-ANSD", "SEN-UCAD", "trends climate")])
    assert list_domains(data.sources, data.flows)[-2:] == ["climate", "health"]


def test_listing_splits_governmental_and_other_entities():
    data = make_dataset(sources=SOURCES + [("SEN-X", "Registre X", "trends", "existing", "public",
                                            2023, "annual", "database")])
    listing = build_source_listing(data.sources, data.entities)
    trends = listing[listing["domain"] == "trends"]
    assert trends[["sector", "entity_acronym", "source_name", "status"]].values.tolist() == [
        ["governmental", "ANSD", "Recensement", "existing"],
        ["governmental", "ANSD", "Enquête ménages", "potential"],
        ["governmental", "", "Registre X", "existing"],  # sector deduced from the type
    ]
    assert listing["domain"].tolist()[-1] == "health"
    assert set(listing[listing["entity_id"] == "SEN-UCAD"]["sector"]) == {"other"}


def test_profiles_count_each_code_and_what_is_not_stated():
    data = make_dataset(sources=SOURCES + [("SEN-ANSD", "Sans accès", "trends", "existing", None,
                                            2023, None, None)])
    access = build_source_profile(data.sources, "access")
    assert access.loc["border_management", ["internal", "restricted"]].tolist() == [1, 1]
    assert access.loc["trends", ["public", "not_stated"]].tolist() == [1, 1]  # the potential one is left out
    periodicity = build_source_profile(data.sources, "periodicity", status=None)
    assert periodicity.loc["trends", "not_stated"] == 2
    with pytest.raises(ValueError, match="attribute must be one of"):
        build_source_profile(data.sources, "colour")


def test_staleness_uses_the_threshold_and_flags_unknown_years_apart():
    data = make_dataset()
    table = build_staleness(data.sources, staleness_years=3, reference_year=2024).set_index("source_name")
    assert table.loc["Étude diaspora", "freshness"] == "stale"          # 9 years old
    assert table.loc["Recensement", "freshness"] == "current"
    assert table.loc["Registre des refus", "freshness"] == "unknown_year"
    assert "Enquête ménages" not in table.index                          # potential: no update yet
    boundary = build_staleness(data.sources, staleness_years=9, reference_year=2024)
    assert "stale" not in set(boundary["freshness"])                     # exactly 9 years is not older


def test_staleness_defaults_to_the_current_year():
    data = make_dataset(sources=[("SEN-ANSD", "Recensement", "trends", "existing", "public",
                                  dt.date.today().year - 4, "annual", "online")])
    assert build_staleness(data.sources, staleness_years=3)["freshness"].tolist() == ["stale"]


def test_gaps_no_existing_restricted_only_and_no_exchange():
    data = make_dataset()
    gaps = find_source_gaps(data.sources, data.flows)
    assert gaps.index[gaps["has_no_existing"]].tolist() == ["crisis"]
    assert gaps.index[gaps["is_restricted_only"]].tolist() == ["border_management"]
    assert gaps.index[gaps["has_no_exchange"]].tolist() == ["border_management", "health"]
    assert gaps.loc["trends", ["n_existing", "n_potential", "n_links"]].tolist() == [1, 1, 1]


def test_exchanges_are_counted_as_distinct_links_as_in_the_network():
    # ANSD → UCAD reported by both sides (one link), UCAD ⇄ DPAF both ways (two links), and a
    # flow whose partner was not reconciled (no link): 3 links carry "trends", as in the network.
    flows = pd.DataFrame(
        [{"flow_id": "f1", "entity_id": "SEN-ANSD", "partner_entity_id": "SEN-UCAD", "direction": "provides",
          "domains": "trends"},
         {"flow_id": "f2", "entity_id": "SEN-UCAD", "partner_entity_id": "SEN-ANSD", "direction": "receives",
          "domains": "trends development"},
         {"flow_id": "f3", "entity_id": "SEN-UCAD", "partner_entity_id": "SEN-DPAF", "direction": "exchanges",
          "domains": "trends"},
         {"flow_id": "f4", "entity_id": "SEN-DPAF", "partner_entity_id": None, "direction": "provides",
          "domains": "crisis"}], columns=TABLE_COLUMNS["flows"])
    tables = {name: getattr(make_dataset(), name) for name in TABLE_COLUMNS}
    data = CountryDataset(country="SEN", **{**tables, "flows": flows})
    gaps = find_source_gaps(data.sources, data.flows)
    assert gaps.loc["trends", "n_links"] == 3 and gaps.loc["development", "n_links"] == 1
    assert gaps.loc["crisis", "n_links"] == 0
    G = build_actor_network(data)
    assert sum("trends" in d["domains"].split() for *_, d in G.edges(data=True)) == 3


def test_a_source_without_stated_access_is_not_assumed_restricted():
    data = make_dataset(sources=[("SEN-DPAF", "A", "crisis", "existing", "internal", 2024, None, None),
                                 ("SEN-DPAF", "B", "crisis", "existing", None, 2024, None, None)])
    assert not find_source_gaps(data.sources, data.flows).loc["crisis", "is_restricted_only"]


def test_the_whole_analysis_follows_the_parameters():
    params = CountryParams(country="SEN", staleness_years=10, reference_year=2024)
    analysis = build_sources_analysis(make_dataset(), params)
    assert analysis.reference_year == 2024 and analysis.staleness_years == 10
    assert "stale" not in set(analysis.staleness["freshness"])
    assert set(analysis.profiles) == {"periodicity", "format", "access", "kind"}
    assert analysis.coverage_existing.shape == (3, 5)
