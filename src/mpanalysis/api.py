"""The researcher's entry points: a country's data, network, measures and findings in one call.

Each function takes an ISO 3166-1 alpha-3 code of a country configured in ``params/`` and reads
the project of the current folder (or ``MPANALYSIS_ROOT``). The dataset comes from the same
on-disk cache as the batch (``outputs/<ISO3>/.cache/``): it is validated once per change of the
answers or the parameters, whoever asks first. The network and its measures are computed as the
guide computes them, so a number found here is the number the guide prints.

>>> import mpanalysis as mp
>>> "SEN" in mp.countries()
True
>>> top = mp.node_measures("SEN").sort_values("betweenness", ascending=False).head(3)
>>> list(top.columns[:4])
['name', 'acronym', 'institution_type', 'sector']
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported inside the functions: `import mpanalysis` stays light
    import networkx as nx
    import pandas as pd

    from mpanalysis.analysis.network import NetworkSummary
    from mpanalysis.ingest.dataset import CountryDataset

__all__ = ["countries", "findings", "graph", "load", "network_summary", "node_measures"]


def countries() -> list[str]:
    """Return the ISO3 codes of the countries configured in ``params/``, sorted.

    >>> countries()[:2]
    ['CIV', 'GHA']
    """
    from mpanalysis.paths import list_configured_countries

    return list_configured_countries()


def _check_country(iso3: str) -> str:
    from mpanalysis.errors import MpanalysisError
    from mpanalysis.paths import normalize_country_code

    try:
        code = normalize_country_code(iso3)
    except ValueError as exc:
        raise MpanalysisError(str(exc)) from None
    configured = countries()
    if code not in configured:
        raise MpanalysisError(f"no parameters for '{iso3}' in params/ (configured: {', '.join(configured) or 'none'}); "
                              f"start a country with `mpanalysis init {code}`")
    return code


def load(iso3: str) -> CountryDataset:
    """Return the country's validated dataset (:class:`~mpanalysis.ingest.dataset.CountryDataset`).

    Its tables (``respondents``, ``entities``, ``sources``, ``flows``, ``stages``,
    ``challenges``, ``needs``, ``mp_use``) are pandas DataFrames; ``issues`` lists the rows set
    aside and the warnings, with file, sheet, row and column.

    >>> data = load("sen")
    >>> data.entities.columns[:3].tolist()
    ['entity_id', 'name', 'acronym']
    >>> int(data.counts["rows_read"].sum()) == int(data.counts["rows_accepted"].sum() + data.counts["rows_set_aside"].sum())
    True
    """
    from mpanalysis.ingest.cache import load_country_dataset_cached
    from mpanalysis.params import load_params

    return load_country_dataset_cached(load_params(_check_country(iso3)))


@lru_cache(maxsize=16)
def _network(iso3: str, fingerprint: str) -> tuple[nx.DiGraph, NetworkSummary]:
    from mpanalysis.analysis.network import build_actor_network, summarize_network

    dataset = load(iso3)
    G = build_actor_network(dataset)
    return G, summarize_network(G, sources=dataset.sources)


def _current_network(iso3: str) -> tuple[nx.DiGraph, NetworkSummary]:
    from mpanalysis.ingest.cache import fingerprint_dataset_inputs
    from mpanalysis.params import load_params

    code = _check_country(iso3)
    # keyed on the inputs' fingerprint: new answers give a new network in a running session
    return _network(code, fingerprint_dataset_inputs(load_params(code)))


def graph(iso3: str) -> nx.DiGraph:
    """Return the country's actor network: who sends information to whom (``networkx.DiGraph``).

    Nodes are entity ids with ``name``, ``acronym``, ``institution_type``, ``sector``,
    ``is_respondent``, ``is_coordinator``, ``stages``; edges carry ``domains``, ``stages``,
    ``channel``, ``frequency``, ``is_formal``, ``confirmed``. A copy is returned: change it freely.

    >>> G = graph("SEN")
    >>> G.number_of_nodes() > 0, G.is_directed()
    (True, True)
    """
    return _current_network(iso3)[0].copy()


def network_summary(iso3: str) -> NetworkSummary:
    """Return every chapter II measure of the country's network
    (:class:`~mpanalysis.analysis.network.NetworkSummary`: reach, silos, bridges, stages…).

    >>> 0 <= network_summary("SEN").density <= 1
    True
    """
    return _current_network(iso3)[1]


def node_measures(iso3: str) -> pd.DataFrame:
    """Return one row per institution with its network measures, as the guide computes them.

    Index ``entity_id``; columns ``name, acronym, institution_type, sector, role, is_respondent,
    is_coordinator, in_degree, out_degree, betweenness`` (normalised, directed),
    ``brokerage`` and one ``brokerage_<role>`` column per Gould–Fernandez role (coordinator,
    itinerant, representative, gatekeeper, liaison), ``community`` (1 = largest),
    ``is_cut_vertex`` and ``n_cut_off`` (institutions cut off without it). The same columns are
    in the open data's ``nodes.csv``.

    Who brokers between the statistics office and the border police? Gatekeepers and
    representatives pass information across institution types:

    >>> m = node_measures("SEN")
    >>> brokers = m[m["brokerage_gatekeeper"] + m["brokerage_representative"] > 0]
    >>> set(brokers.columns) >= {"betweenness", "community", "is_cut_vertex"}
    True
    """
    return network_summary(iso3).nodes.copy()


def findings(iso3: str, lang: str = "fr") -> pd.DataFrame:
    """Return the findings of chapters I–III (what the guide says about the country), most
    severe first within each chapter.

    Columns ``id, chapter, kind, severity, severity_label, text, entities, evidence``; ``text``
    in ``lang`` (one of the languages of ``data/reference``).

    >>> f = findings("SEN", "en")
    >>> sorted(set(f["chapter"])) == ["I", "II", "III"]
    True
    """
    from mpanalysis.analysis.findings import find_network_findings, find_source_findings, findings_to_frame
    from mpanalysis.analysis.profile import find_profile_findings
    from mpanalysis.params import load_params
    from mpanalysis.reference import check_language

    check_language(lang)
    code = _check_country(iso3)
    dataset, params = load(code), load_params(code)
    G, summary = _current_network(code)
    every = [*find_source_findings(dataset, params), *find_network_findings(G, summary, dataset),
             *find_profile_findings(dataset, params)]
    return findings_to_frame(every, lang)
