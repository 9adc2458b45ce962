"""Synthetic countries of any size, and the timing of chapters I–II on them.

``make_synthetic_dataset`` builds a :class:`~mpanalysis.ingest.dataset.CountryDataset` that passes the
canonical schemas, with a seeded RNG so two runs time the same data. Its shape imitates the demo
countries at scale: about 70 % of the institutions answered; every respondent describes about two
sources; there are ``exchanges_per_institution`` flow rows per institution (each reported by a
respondent, so an institution takes part in about twice as many reports as reporter or partner);
partners are mostly taken from the reporter's own group of 50 institutions (so communities exist)
and otherwise from a few heavily named hubs (as ministries and statistics offices are in real
answers).

Run as a script, it times the chapter I–II computations for one size in this process and prints
one JSON object per line (one per step, flushed at once so a caller that has to kill a slow run
keeps the steps already timed), ending with the process's peak resident set size::

    python benchmarks/synthetic.py --institutions 1000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, get_dtype
from mpanalysis.reference import get_attribute, get_codes

#: Size of the groups partners are mostly chosen in (gives the network its communities).
GROUP_SIZE = 50
RESPONDENT_SHARE = 0.7
SOURCES_PER_RESPONDENT = 2
IN_GROUP_SHARE = 0.8
COUNTRY = "SEN"  # a real ISO3 code: the parameters model checks it; the data are synthetic


def _typed_table(name: str, columns: dict[str, object]) -> pd.DataFrame:
    """Return a canonical table from column arrays, with the schema's dtypes and column order."""
    n = len(next(iter(columns.values()))) if columns else 0
    frame = {}
    for column in TABLE_COLUMNS[name]:
        values = columns.get(column, [None] * n)
        frame[column] = pd.Series(list(values) if not isinstance(values, pd.Series) else values,
                                  dtype=get_dtype(name, column))
    return pd.DataFrame(frame, columns=TABLE_COLUMNS[name])


def _pick_multi(rng: np.random.Generator, codes: list[str], n: int, low: int, high: int) -> list[str]:
    """Return ``n`` space-separated sets of ``low``–``high`` codes, each in reference order."""
    out = []
    counts = rng.integers(low, high + 1, size=n)
    for k in counts:
        chosen = sorted(rng.choice(len(codes), size=int(k), replace=False)) if k else []
        out.append(" ".join(codes[i] for i in chosen))
    return out


def make_synthetic_dataset(n_institutions: int, *, exchanges_per_institution: int = 10,
                           seed: int = 0) -> CountryDataset:
    """Return a synthetic country of ``n_institutions`` institutions (see the module doc).

    Parameters
    ----------
    n_institutions
        Number of institutions (rows of ``entities``); at least 2.
    exchanges_per_institution
        Flow rows per institution: ``flows`` has ``n_institutions * exchanges_per_institution``
        rows, each reported by a respondent about one partner.
    seed
        Seed of the random generator: the same arguments give the same dataset.

    Examples
    --------
    >>> ds = make_synthetic_dataset(100)
    >>> len(ds.entities), len(ds.flows), bool(ds.entities["is_respondent"].any())
    (100, 1000, True)
    >>> make_synthetic_dataset(100).flows.equals(ds.flows)
    True
    """
    if n_institutions < 2:
        raise ValueError("a synthetic country needs at least 2 institutions")
    rng = np.random.default_rng(seed)
    n = n_institutions
    ids = np.array([f"{COUNTRY}-SYN{i:05d}" for i in range(n)], dtype=object)
    types = list(get_codes("institution_types"))
    sector_of = get_attribute("institution_types", "sector")
    type_weights = np.array([4.0 if t in {"ministry", "agency"} else 1.0 for t in types])
    entity_types = rng.choice(types, size=n, p=type_weights / type_weights.sum())
    is_respondent = rng.random(n) < RESPONDENT_SHARE
    is_respondent[0] = True  # the coordinator answered
    is_coordinator = np.zeros(n, dtype=bool)
    is_coordinator[0] = True
    is_wg_member = (rng.random(n) < 0.05) & is_respondent
    is_wg_member[0] = True
    respondent_idx = np.flatnonzero(is_respondent)

    # flows: reporter among respondents; partner in the reporter's group, or one of a few hubs
    n_flows = n * exchanges_per_institution
    reporters = rng.choice(respondent_idx, size=n_flows)
    group_start = (reporters // GROUP_SIZE) * GROUP_SIZE
    group_len = np.minimum(GROUP_SIZE, n - group_start)
    in_group = group_start + rng.integers(0, group_len)
    hub_weights = 1.0 / np.arange(1, n + 1) ** 1.1  # a Zipf-like tail: a few institutions named often
    hubs = rng.choice(n, size=n_flows, p=hub_weights / hub_weights.sum())
    partners = np.where(rng.random(n_flows) < IN_GROUP_SHARE, in_group, hubs)
    partners = np.where(partners == reporters, (partners + 1) % n, partners)

    domains = list(get_codes("domains"))
    stages = list(get_codes("policy_stages"))
    directions = rng.choice(list(get_codes("flow_directions")), size=n_flows, p=[0.45, 0.35, 0.20])
    flows = _typed_table("flows", {
        "flow_id": [f"F{i:07d}" for i in range(n_flows)],
        "entity_id": ids[reporters],
        "submission_id": [f"sub-{r:05d}" for r in reporters],
        "partner_name": [f"Institution synthétique {p}" for p in partners],
        "partner_entity_id": ids[partners],
        "direction": directions,
        "domains": _pick_multi(rng, domains, n_flows, 1, 2),
        "frequency": rng.choice(list(get_codes("periodicities")), size=n_flows),
        "channel": rng.choice(list(get_codes("channels")), size=n_flows),
        "stages": _pick_multi(rng, stages, n_flows, 0, 3),
        "source_file": ["synthetic.xlsx"] * n_flows,
        "source_sheet": ["flows"] * n_flows,
        "source_row": np.arange(2, n_flows + 2),
    })

    n_mentions = np.bincount(partners, minlength=n)
    entities = _typed_table("entities", {
        "entity_id": ids,
        "name": [f"Institution synthétique {i}" for i in range(n)],
        "acronym": [f"SYN{i}" for i in range(n)],
        "institution_type": entity_types,
        "sector": [sector_of.get(t, "unknown") for t in entity_types],
        "is_respondent": is_respondent,
        "is_coordinator": is_coordinator,
        "is_wg_member": is_wg_member,
        "name_variants": [""] * n,
        "n_mentions": n_mentions.astype("int64"),
    })

    n_resp = len(respondent_idx)
    submitted = pd.Timestamp("2024-03-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 90 * 86400, n_resp), unit="s")
    respondents = _typed_table("respondents", {
        "submission_id": [f"sub-{r:05d}" for r in respondent_idx],
        "entity_id": ids[respondent_idx],
        "institution_name": [f"Institution synthétique {r}" for r in respondent_idx],
        "institution_acronym": [f"SYN{r}" for r in respondent_idx],
        "institution_type": entity_types[respondent_idx],
        "respondent_name": [f"Répondant {r}" for r in respondent_idx],
        "consent_publish_contact": rng.random(n_resp) < 0.5,
        "wg_member": is_wg_member[respondent_idx],
        "wg_coordinator": is_coordinator[respondent_idx],
        "mp_aware": rng.random(n_resp) < 0.6,
        "mp_used": rng.random(n_resp) < 0.3,
        "mp_functions": [""] * n_resp,
        "submitted_at": submitted,
        "source_file": ["synthetic.xlsx"] * n_resp,
        "source_sheet": ["main"] * n_resp,
        "source_row": np.arange(2, n_resp + 2),
    })

    n_sources = n_resp * SOURCES_PER_RESPONDENT
    owners = np.repeat(respondent_idx, SOURCES_PER_RESPONDENT)
    years = rng.integers(2000, 2025, size=n_sources).astype(object)
    years[rng.random(n_sources) < 0.1] = None  # some sources without an update year
    sources = _typed_table("sources", {
        "source_id": [f"S{i:07d}" for i in range(n_sources)],
        "entity_id": ids[owners],
        "submission_id": [f"sub-{r:05d}" for r in owners],
        "source_name": [f"Source synthétique {i}" for i in range(n_sources)],
        "domain": rng.choice(domains, size=n_sources),
        "kind": rng.choice(list(get_codes("source_kinds")), size=n_sources),
        "status": rng.choice(["existing", "potential"], size=n_sources, p=[0.75, 0.25]),
        "periodicity": rng.choice(list(get_codes("periodicities")), size=n_sources),
        "last_update": pd.array(years, dtype="Int64"),
        "format": rng.choice(list(get_codes("source_formats")), size=n_sources),
        "access": rng.choice(list(get_codes("source_access")), size=n_sources),
        "source_file": ["synthetic.xlsx"] * n_sources,
        "source_sheet": ["sources"] * n_sources,
        "source_row": np.arange(2, n_sources + 2),
    })

    stage_sets = _pick_multi(rng, stages, n_resp, 0, 3)
    stage_rows = [(ids[r], s) for r, chosen in zip(respondent_idx, stage_sets) for s in chosen.split()]
    stage_table = _typed_table("stages", {"entity_id": [e for e, _ in stage_rows],
                                          "stage": [s for _, s in stage_rows]})
    counts = _typed_table("counts", {
        "table": ["respondents", "sources", "flows"],
        "rows_read": [n_resp, n_sources, n_flows],
        "rows_accepted": [n_resp, n_sources, n_flows],
        "rows_set_aside": [0, 0, 0],
        "fields_set_aside": [0, 0, 0],
        "rows_corrected": [0, 0, 0],
    })
    empty = {name: _typed_table(name, {}) for name in ("challenges", "needs", "mp_use", "issues")}
    return CountryDataset(country=COUNTRY, respondents=respondents, entities=entities, sources=sources,
                          flows=flows, stages=stage_table, counts=counts, **empty)


def read_peak_rss_mb() -> float:
    """Return this process's peak resident set size in MB.

    ``VmHWM`` of ``/proc/self/status`` where there is one: unlike ``getrusage().ru_maxrss``, it
    starts again at ``exec``, so a child started by a big parent does not inherit the parent's peak.

    >>> read_peak_rss_mb() > 1
    True
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def time_chapters_one_two(n_institutions: int, *, lang: str = "fr", seed: int = 0, emit=print) -> dict:
    """Time the chapter I–II computations on a synthetic country; ``emit`` receives each step.

    Returns ``{"steps": {name: seconds}, "peak_rss_mb": …, "baseline_rss_mb": …, …}``; the peak
    is the whole process's resident set size (:func:`read_peak_rss_mb`: interpreter, imported
    libraries and the data), the baseline the same figure before the dataset was made.
    """
    from mpanalysis.analysis.findings import find_network_findings, find_source_findings
    from mpanalysis.analysis.network import build_actor_network, summarize_network
    from mpanalysis.analysis.sources import build_sources_analysis
    from mpanalysis.guide.figures import (
        plot_actor_network,
        plot_coverage_heatmap,
        plot_flows_sankey,
        plot_policy_cycle,
        plot_source_profile,
    )
    from mpanalysis.params import CountryParams

    baseline = read_peak_rss_mb()
    steps: dict[str, float] = {}
    figure_bytes: dict[str, int] = {}

    def timed(name: str, call):
        start = time.perf_counter()
        value = call()
        steps[name] = round(time.perf_counter() - start, 3)
        emit({"step": name, "seconds": steps[name], "rss_mb": read_peak_rss_mb()})
        return value

    dataset = timed("generate dataset", lambda: make_synthetic_dataset(n_institutions, seed=seed))
    params = CountryParams(country=COUNTRY, reference_year=2024)
    analysis = timed("sources.build_sources_analysis", lambda: build_sources_analysis(dataset, params))
    timed("findings.find_source_findings", lambda: find_source_findings(dataset, params, analysis=analysis))
    G = timed("network.build_actor_network", lambda: build_actor_network(dataset))
    summary = timed("network.summarize_network", lambda: summarize_network(G, sources=dataset.sources))
    timed("findings.find_network_findings", lambda: find_network_findings(G, summary, dataset))
    betweenness = summary.nodes["betweenness"].astype(float).to_dict()
    figures = {
        "figures.plot_coverage_heatmap": lambda: plot_coverage_heatmap(
            analysis.coverage_existing, dataset.entities, lang, potential_matrix=analysis.coverage_potential),
        "figures.plot_source_profile": lambda: plot_source_profile(dataset.sources, lang),
        "figures.plot_actor_network": lambda: plot_actor_network(
            G, lang, centrality=betweenness, centrality_kind="betweenness"),
        "figures.plot_flows_sankey": lambda: plot_flows_sankey(G, lang),
        "figures.plot_policy_cycle": lambda: plot_policy_cycle(G, summary.stages, lang),
    }
    for name, make in figures.items():
        fig = timed(name, make)
        figure_bytes[name] = len(fig.to_json())
    result = {
        "n_institutions": n_institutions,
        "n_flows": int(len(dataset.flows)), "n_sources": int(len(dataset.sources)),
        "n_nodes": G.number_of_nodes(), "n_edges": G.number_of_edges(),
        "betweenness_method": summary.betweenness_method, "community_method": summary.community_method,
        "steps": steps,
        "analysis_seconds": round(sum(v for k, v in steps.items() if k != "generate dataset"), 3),
        "figure_json_bytes": figure_bytes,
        "baseline_rss_mb": baseline, "peak_rss_mb": read_peak_rss_mb(),
    }
    emit({"result": result})
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lang", default="fr")
    args = parser.parse_args(argv)

    def emit(record: dict) -> None:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()

    time_chapters_one_two(args.institutions, lang=args.lang, seed=args.seed, emit=emit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
