"""Chapter II of the guide: the migration policy cycle and its actors.

:func:`build_policy_cycle_chapter` builds the actor network (:mod:`mpanalysis.analysis.network`), its
measures and findings (:func:`mpanalysis.analysis.findings.find_network_findings`) and figures, and turns
them into a :class:`~mpanalysis.guide.document.Chapter`. Every sentence, caption and column header comes
from ``data/reference/chapters/policy_cycle.yaml`` (French and English).

Reading order (figure and table numbers are those the findings' ``evidence`` keys cite):

1. the network overview sentence (brief guide);
2. "The actor network": Figure II.1 network (brief), Table II.1 key actors (top betweenness), and
   whether betweenness was exact or sampled;
3. "What the network shows": Table II.2 indicators (brief) and the findings as callouts (high
   severity in the brief guide) and bullets;
4. "Information across the policy cycle": Figure II.2 Sankey producers → domains → stages,
   Figure II.3 policy cycle (brief), Table II.3 stages (stages receiving no data flagged).

Measures (``ChapterResult.measures``; the recommendation rules of chapter IV read them), all
from :class:`mpanalysis.analysis.network.NetworkSummary` (definitions in :mod:`mpanalysis.analysis.network`):

- size: ``network.n_entities``, ``network.n_respondents``, ``network.n_edges``,
  ``network.n_isolated``, ``network.density``, ``network.reciprocity``,
  ``network.n_components``, ``network.largest_component_share``;
- structure: ``network.max_betweenness``, ``network.is_betweenness_sampled`` (1/0),
  ``network.n_cut_vertices``, ``network.n_bridges`` (ties between two groups of two institutions
  or more, as the bridge findings count them), ``network.n_pendant_links`` (ties that are the
  only link of one institution), ``network.n_communities`` (of two entities or more),
  ``network.n_silos`` (silo findings), ``network.modularity``;
- flows: ``network.n_silent_producers``, ``network.n_unreached_users``, ``network.n_formal``,
  ``network.formal_share``, ``network.n_confirmed``, ``network.n_confirmable``,
  ``network.confirmed_share``, ``network.confirmation_rate``;
- coordination: ``network.has_coordinator`` (1/0), ``network.coordinator_reach``,
  ``network.coordinator_out_reach``;
- cycle: ``network.n_stages_without_inflow``.

A measure that is undefined (no edge, no coordinator…) is left out, so a rule on it never fires.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd

from mpanalysis.analysis.findings import (
    Finding,
    find_network_findings,
    format_number,
    load_finding_catalogue,
)
from mpanalysis.analysis.network import (
    NetworkSummary,
    build_actor_network,
    build_edge_table,
    summarize_network,
    write_network,
)
from mpanalysis.guide.chapters.base import (
    ChapterContext,
    ChapterResult,
    apply_workshop_findings,
    mark_validated_finding,
)
from mpanalysis.guide.chapters.sources import build_finding_blocks
from mpanalysis.guide.document import Chapter, Figure, Paragraph, Section, Table, protect_text
from mpanalysis.guide.figures import (
    plot_actor_network,
    plot_actor_network_print,
    plot_flows_sankey,
    plot_policy_cycle,
)
from mpanalysis.guide.texts import fill_chapter_text
from mpanalysis.reference import get_labels
from mpanalysis.wording import join_names, make_entity_name
from mpanalysis.wording.names import load_name_overrides

__all__ = ["build_policy_cycle_chapter", "build_network_measures", "build_key_actor_frame",
           "build_indicator_frame", "KEY_ACTORS_N"]

#: How many institutions the key-actor table lists.
KEY_ACTORS_N = 10


def _t(key: str, lang: str, **values: object) -> str:
    return fill_chapter_text(f"policy_cycle.{key}", lang, **values)


def _share(value: float | None, lang: str) -> str | None:
    return None if value is None else format_number("share", value, lang, percent=["share"])


def _names_of(G: nx.DiGraph, lang: str | None = None, params=None) -> dict[str, str]:
    """Node ids → names as sentences and tables in ``lang`` show them (with the parameters'
    corrections and translations; those of ``params/<ISO3>.yaml`` when ``params`` is None)."""
    overrides = load_name_overrides(G.graph.get("country"), params)
    names = {str(v): make_entity_name(d.get("name") or v, d.get("acronym"),
                                      override=overrides.get(str(v)) or overrides.get(str(d.get("name"))))
             for v, d in G.nodes(data=True)}
    return {v: n.in_language(lang) for v, n in names.items()} if lang else names


def build_network_measures(summary: NetworkSummary, findings: list[Finding]) -> dict[str, float]:
    """Return the chapter's ``network.*`` measures (see the module docstring); undefined ones
    are left out.

    >>> G = nx.DiGraph([("H", x) for x in "abc"], country="SEN")
    >>> m = build_network_measures(summarize_network(G), [])
    >>> m["network.n_edges"], m["network.has_coordinator"], "network.coordinator_reach" in m
    (3, 0, False)
    """
    nodes = summary.nodes
    values: dict[str, float | None] = {
        "network.n_entities": summary.n_nodes,
        "network.n_respondents": summary.n_respondents,
        "network.n_edges": summary.n_edges,
        "network.n_isolated": summary.n_isolated,
        "network.density": summary.density,
        "network.reciprocity": summary.reciprocity,
        "network.n_components": summary.n_components,
        "network.largest_component_share": summary.largest_component_share,
        "network.max_betweenness": float(nodes["betweenness"].max()) if len(nodes) else None,
        "network.is_betweenness_sampled": int(summary.betweenness_method == "sampled"),
        "network.n_cut_vertices": len(summary.cut_vertices),
        "network.n_bridges": len(summary.bridges),
        "network.n_pendant_links": len(summary.pendant_links),
        "network.n_communities": sum(1 for c in summary.communities if len(c) >= 2),
        "network.n_silos": sum(1 for f in findings if f.kind == "silo"),
        "network.modularity": summary.modularity,
        "network.n_silent_producers": len(summary.silent_producers) if summary.silent_producers is not None else None,
        "network.n_unreached_users": len(summary.unreached_users),
        "network.n_formal": summary.n_formal,
        "network.formal_share": summary.formal_share,
        "network.n_confirmed": summary.n_confirmed,
        "network.n_confirmable": summary.n_confirmable,
        "network.confirmed_share": summary.confirmed_share,
        "network.confirmation_rate": summary.confirmation_rate,
        "network.has_coordinator": int(bool(summary.coordinators)),
        "network.coordinator_reach": summary.coordinator_reach,
        "network.coordinator_out_reach": summary.coordinator_out_reach,
        "network.n_stages_without_inflow": len(summary.stages_without_inflow),
    }
    return {k: v for k, v in values.items() if v is not None and v == v}


def build_key_actor_frame(G: nx.DiGraph, summary: NetworkSummary, lang: str,
                          top_n: int = KEY_ACTORS_N) -> pd.DataFrame:
    """Return the ``top_n`` institutions with an exchange, by betweenness, then degree, then name:
    institution, type, in/out degree, betweenness (as a percentage) and role, in ``lang``.

    >>> G = nx.DiGraph([("A", "H"), ("H", "B")], country="SEN")
    >>> nx.set_node_attributes(G, {"A": "Alpha", "H": "Hub", "B": "Beta"}, "name")
    >>> build_key_actor_frame(G, summarize_network(G), "en").iloc[0].tolist()
    ['Hub', 'Unknown type', 1, 1, '50%', 'producer and user']
    """
    nodes = summary.nodes
    names = _names_of(G, lang)
    degree = nodes["in_degree"] + nodes["out_degree"]
    ranked = sorted((v for v in nodes.index if degree[v] > 0),
                    key=lambda v: (-float(nodes.at[v, "betweenness"]), -int(degree[v]), names.get(v, v).casefold(), v))
    chosen = ranked[:top_n]
    types = get_labels("institution_types", lang)
    roles = {r: _t(f"network.roles.{r}", lang) for r in ("producer", "user", "both", "isolated")}

    def role_of(v: str) -> str:
        code = str(nodes.at[v, "role"] or "")
        if code not in roles:  # a graph not made by build_actor_network: derive it from the degrees
            has_in, has_out = nodes.at[v, "in_degree"] > 0, nodes.at[v, "out_degree"] > 0
            code = "both" if has_in and has_out else "producer" if has_out else "user" if has_in else "isolated"
        role = roles[code]
        return _t("network.role_coordinator", lang, role=role) if bool(nodes.at[v, "is_coordinator"]) else role

    return pd.DataFrame({
        _t("network.col_entity", lang): [names.get(v, v) for v in chosen],
        _t("network.col_type", lang): [types.get(str(nodes.at[v, "institution_type"]))
                                       or _t("network.unknown_type", lang) for v in chosen],
        _t("network.col_in", lang): pd.Series([int(nodes.at[v, "in_degree"]) for v in chosen], dtype=object),
        _t("network.col_out", lang): pd.Series([int(nodes.at[v, "out_degree"]) for v in chosen], dtype=object),
        _t("network.col_betweenness", lang): [_share(float(nodes.at[v, "betweenness"]), lang) for v in chosen],
        _t("network.col_role", lang): [role_of(v) for v in chosen],
    })


def build_indicator_frame(G: nx.DiGraph, summary: NetworkSummary, findings: list[Finding],
                          lang: str) -> pd.DataFrame:
    """Return the indicator table of "what the network shows": indicator, value, institutions.

    Columns ``code`` (stable indicator code), ``label``, ``value`` (text or number, in ``lang``)
    and ``entities`` (names, cut after a few with "and N others").

    >>> G = nx.DiGraph([("A", "B"), ("B", "C")], country="SEN")
    >>> s = summarize_network(G)
    >>> frame = build_indicator_frame(G, s, find_network_findings(G, s), "en").set_index("code")
    >>> frame.loc["cut_vertices", ["value", "entities"]].tolist()
    [1, 'B']
    """
    names = _names_of(G, lang)
    none = _t("findings.none", lang)

    def listed(ids) -> str:
        # a table cell lists every institution (sentences cite the table instead)
        return join_names([names.get(v, v) for v in ids], lang) if ids else ""

    brokers = [f.entities[0] for f in findings if f.kind == "central_broker" and f.entities]
    silos = [f for f in findings if f.kind == "silo"]
    by_name = sorted(summary.cut_vertices, key=lambda v: (-summary.cut_vertices[v], names.get(v, v).casefold()))
    bridges = [" – ".join(names.get(x, x) for x in pair) for pair in summary.bridges]
    n_communities = sum(1 for c in summary.communities if len(c) >= 2)
    if summary.betweenness_method == "sampled":
        method = _t("network.method_sampled", lang, n_pivots=int(summary.betweenness_k or 0))
    else:
        method = _t("network.method_exact", lang)
    no_coordinator = _t("findings.indicators.no_coordinator", lang)
    silent = summary.silent_producers or []
    counts = {"n_respondents": summary.n_respondents, "n_formal": summary.n_formal, "n_edges": summary.n_edges,
              "n_confirmed": summary.n_confirmed, "n_confirmable": summary.n_confirmable}
    not_applicable = _t("findings.not_applicable", lang)
    rows = [
        ("n_entities", summary.n_nodes, ""),
        ("n_edges", summary.n_edges, ""),
        ("density", _share(summary.density, lang) or not_applicable, ""),
        ("reciprocity", _share(summary.reciprocity, lang) or not_applicable, ""),
        ("components", summary.n_components, ""),
        ("largest_component_share", _share(summary.largest_component_share, lang) or not_applicable, ""),
        ("brokers", len(brokers), listed(brokers) or none),
        ("silent_producers", len(silent), listed(silent) or none),
        ("unreached_users", len(summary.unreached_users), listed(summary.unreached_users) or none),
        ("cut_vertices", len(by_name), listed(by_name) or none),
        ("bridges", len(bridges), join_names(bridges, lang) if bridges else none),
        ("pendant_links", len(summary.pendant_links), ""),
        ("communities", n_communities, ""),
        ("silos", len(silos), _t("findings.list_separator", lang).join(listed(f.entities) for f in silos) or none),
        ("coordinator_reach", (_share(summary.coordinator_reach, lang) or not_applicable) if summary.coordinators
         else no_coordinator, listed(summary.coordinators)),
        ("coordinator_out_reach", (_share(summary.coordinator_out_reach, lang) or not_applicable)
         if summary.coordinators else no_coordinator, ""),
        ("formal_share", _share(summary.formal_share, lang) or not_applicable, ""),
        ("confirmation_rate", _share(summary.confirmation_rate, lang) or not_applicable, ""),
        ("betweenness_method", method, ""),
    ]
    frame = pd.DataFrame({
        "code": [code for code, _, _ in rows],
        "label": [_t(f"findings.indicators.{code}", lang, **counts) for code, _, _ in rows],
        "value": pd.Series([value for _, value, _ in rows], dtype=object),
        "entities": [entities for _, _, entities in rows],
    })
    return frame


def build_policy_cycle_chapter(ctx: ChapterContext, output_dir: str | Path | None = None) -> ChapterResult:
    """Return chapter II ("II", key ``policy_cycle``) with its findings, measures and export
    tables; with ``output_dir``, also write the network (GraphML, GEXF, node and edge CSV) to
    ``<output_dir>/network/``.

    >>> from mpanalysis.guide.chapters import load_chapter_context
    >>> result = build_policy_cycle_chapter(load_chapter_context("SEN", "fr"))
    >>> result.chapter.number, result.chapter.title
    ('II', 'Le cycle des politiques migratoires et ses acteurs')
    >>> 0 <= result.measures["network.density"] <= 1
    True
    """
    lang, dataset = ctx.lang, ctx.dataset
    G = build_actor_network(dataset)
    summary = summarize_network(G, sources=dataset.sources)
    findings = apply_workshop_findings(ctx, find_network_findings(G, summary, dataset))
    measures = build_network_measures(summary, findings)
    if output_dir is not None:
        write_network(G, Path(output_dir) / "network", measures=summary.nodes)

    overview = next((f for f in findings if f.kind == "network_overview"), None)
    blocks = ([Paragraph(text=mark_validated_finding(overview.get_text(lang), overview, lang), in_brief=True)]
              if overview else [])
    indicators = build_indicator_frame(G, summary, findings, lang)
    sections = [
        _build_network_section(ctx, G, summary),
        _build_findings_section(ctx, G, indicators, findings),
        _build_cycle_section(ctx, G, summary),
    ]
    chapter = Chapter(number="II", key="policy_cycle", title=_t("title", lang), intro=_t("intro", lang),
                      blocks=blocks, sections=sections)
    tables = {
        "nodes": summary.nodes.reset_index(),
        "edges": build_edge_table(G),
        "stages": summary.stages.reset_index(),
        "communities": summary.community_table.reset_index(),
        "indicators": indicators,
    }
    return ChapterResult(chapter=chapter, findings=findings, measures=measures, tables=tables)


def _build_network_section(ctx: ChapterContext, G: nx.DiGraph, summary: NetworkSummary) -> Section:
    lang = ctx.lang
    betweenness = summary.nodes["betweenness"].astype(float).to_dict()
    fig = plot_actor_network(G, lang, centrality=betweenness, centrality_kind="betweenness")
    # on paper, the coordinator's and the main brokers' neighbourhoods, every institution named
    print_fig = plot_actor_network_print(G, lang, centrality=betweenness, centrality_kind="betweenness")
    community_method = _t(f"network.community_methods.{summary.community_method}", lang)
    if summary.betweenness_method == "sampled":
        method_text = _t("network.sampled", lang, n_nodes=summary.n_nodes, n_pivots=int(summary.betweenness_k or 0),
                         seed=str(summary.seed), community_method=community_method)
        method = _t("network.method_sampled", lang, n_pivots=int(summary.betweenness_k or 0))
    else:
        method_text = _t("network.exact", lang, n_nodes=summary.n_nodes, community_method=community_method)
        method = _t("network.method_exact", lang)
    n_unknown = int((summary.nodes["institution_type"].fillna("").astype(str) == "").sum())
    if n_unknown:
        method_text += " " + _t("network.brokerage_unknown", lang, n_unknown=n_unknown)
    blocks: list = [Figure.from_plotly(fig, id="policy_network", caption=_t("network.figure_caption", lang),
                                       alt=fig.layout.meta["alt"], print_figure=print_fig,
                                       print_alt=print_fig.layout.meta["alt"]).model_copy(update={"in_brief": True})]
    if summary.n_edges:
        key_actors = build_key_actor_frame(G, summary, lang)
        blocks += [
            Paragraph(text=_t("network.text", lang) + " " + method_text),
            Table.from_frame(key_actors, id="policy_key_actors",
                             caption=_t("network.key_actors_caption", lang, n=len(key_actors)),
                             notes=[_t("network.key_actors_note", lang, method=method)]),
        ]
    else:
        blocks.append(Paragraph(text=_t("network.empty", lang)))
    return Section(title=_t("network.title", lang), blocks=blocks)


def _build_findings_section(ctx: ChapterContext, G: nx.DiGraph, indicators: pd.DataFrame,
                            findings: list[Finding]) -> Section:
    lang = ctx.lang
    display = pd.DataFrame({
        _t("findings.col_indicator", lang): indicators["label"].tolist(),
        _t("findings.col_value", lang): indicators["value"].tolist(),
        _t("findings.col_entities", lang): indicators["entities"].tolist(),
    })
    blocks = [
        Paragraph(text=_t("findings.text", lang)),
        # the full guide's table; the brief keeps the high-severity findings below it (a few pages)
        Table.from_frame(display, id="policy_indicators", caption=_t("findings.caption", lang),
                         notes=[_t("findings.note", lang)]),
        *build_finding_blocks(findings, lang, "policy_cycle.findings", skip_kinds=["network_overview"],
                              names=_names_of(G, lang, ctx.params),
                              table_id=load_finding_catalogue().get_named_table("II")),
    ]
    return Section(title=_t("findings.title", lang), blocks=blocks)


def _build_cycle_section(ctx: ChapterContext, G: nx.DiGraph, summary: NetworkSummary) -> Section:
    lang = ctx.lang
    stages = summary.stages
    stage_labels = get_labels("policy_stages", lang)
    sankey = plot_flows_sankey(G, lang)
    cycle = plot_policy_cycle(G, stages, lang)

    sentences = []
    if int(stages["n_actors"].sum()) == 0:
        sentences.append(_t("cycle.no_stage", lang))
    else:
        most = max(stages.index, key=lambda s: (int(stages.at[s, "n_actors"]), -list(stages.index).index(s)))
        sentences.append(_t("cycle.most_actors", lang, stage=protect_text(stage_labels.get(most, most)),
                            n_actors=int(stages.at[most, "n_actors"])))
    if summary.stages_without_inflow:
        sentences.append(_t("cycle.no_inflow", lang, n_stages=len(summary.stages_without_inflow),
                            names=protect_text(join_names([stage_labels.get(s, s)
                                                           for s in summary.stages_without_inflow], lang))))
    elif len(stages):
        least = min(stages.index, key=lambda s: (int(stages.at[s, "n_inflows"]), list(stages.index).index(s)))
        sentences.append(_t("cycle.all_fed", lang, stage=protect_text(stage_labels.get(least, least)),
                            n_inflows=int(stages.at[least, "n_inflows"])))

    short = {str(v): _short_name(d) or str(v) for v, d in G.nodes(data=True)}
    no_inflow, none_reached = _t("cycle.alert_no_inflow", lang), _t("cycle.alert_none_reached", lang)
    display = pd.DataFrame({
        _t("cycle.col_stage", lang): [stage_labels.get(s, s) for s in stages.index],
        _t("cycle.col_n_actors", lang): pd.Series([int(n) for n in stages["n_actors"]], dtype=object),
        _t("cycle.col_actors", lang): [join_names([short.get(v, v) for v in str(a).split()], lang) or None
                                       for a in stages["actors"]],
        _t("cycle.col_inflows", lang): pd.Series([int(n) for n in stages["n_inflows"]], dtype=object),
        _t("cycle.col_producers", lang): pd.Series([int(n) for n in stages["n_senders"]], dtype=object),
        _t("cycle.col_reached", lang): pd.Series([int(n) for n in stages["n_actors_reached"]], dtype=object),
        _t("cycle.col_alert", lang): [no_inflow if bool(row["has_no_inflow"])
                                      else none_reached if int(row["n_actors"]) and not int(row["n_actors_reached"])
                                      else None for _, row in stages.iterrows()],
    })
    blocks = [
        Paragraph(text=_t("cycle.text", lang)),
        Figure.from_plotly(sankey, id="policy_flows", caption=_t("cycle.sankey_caption", lang),
                           alt=sankey.layout.meta["alt"]),
        Figure.from_plotly(cycle, id="policy_cycle_figure", caption=_t("cycle.cycle_caption", lang),
                           alt=cycle.layout.meta["alt"]).model_copy(update={"in_brief": True}),
        Paragraph(text=" ".join(sentences), in_brief=True),
        Table.from_frame(display, id="policy_stages", caption=_t("cycle.stages_caption", lang),
                         notes=[_t("cycle.stages_note", lang)]),
    ]
    return Section(title=_t("cycle.title", lang), blocks=blocks)


def _short_name(data: dict) -> str:
    """An institution as a crowded table cell names it: its acronym, else its name."""
    acronym = str(data.get("acronym") or "").strip()
    return acronym or str(data.get("name") or "")
