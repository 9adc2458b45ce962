"""Figures of chapters I–II: what a reader of the printed or on-screen guide would see."""

from __future__ import annotations

import json
import math
import re
import shutil
import struct
import xml.etree.ElementTree as ET

import networkx as nx
import pandas as pd
import pytest
import yaml

from mpanalysis.analysis.network import build_stage_table
from mpanalysis.errors import ReferenceDataError
from mpanalysis.guide import figures
from mpanalysis.guide.document import Figure
from mpanalysis.paths import reference_dir
from mpanalysis.reference import get_codes, get_languages
from mpanalysis.render.static import build_static_figure

LANGS = ["fr", "en"]


def _add_nodes(G: nx.DiGraph) -> None:
    G.add_node("SEN-ANSD", name="Agence nationale de la statistique", acronym="ANSD",
               institution_type="statistics_office", sector="governmental", is_respondent=True,
               is_coordinator=False, is_wg_member=True, stages="needs_identification elaboration",
               role="both")
    G.add_node("SEN-MINT", name="Ministère de l'Intérieur", acronym="MINT", institution_type="ministry",
               sector="governmental", is_respondent=True, is_coordinator=True, is_wg_member=True,
               stages="elaboration implementation", role="both")
    G.add_node("SEN-DGPN", name="Direction générale de la police nationale", acronym="DGPN",
               institution_type="police_border", sector="governmental", is_respondent=True,
               is_coordinator=False, is_wg_member=False, stages="implementation", role="producer")
    G.add_node("SEN-OIM", name="Organisation internationale pour les migrations", acronym="OIM",
               institution_type="international_org", sector="other", is_respondent=False,
               is_coordinator=False, is_wg_member=False, stages="", role="user")
    G.add_node("SEN-UCAD", name="Université Cheikh Anta Diop", acronym="",
               institution_type="academia", sector="other", is_respondent=True,
               is_coordinator=False, is_wg_member=False, stages="needs_identification", role="isolated")


# (u, v, channel, domains, stages)
EDGES = [
    ("SEN-DGPN", "SEN-ANSD", "formal_agreement", "border_management", "implementation"),
    ("SEN-ANSD", "SEN-MINT", "official_request", "trends border_management", "elaboration needs_identification"),
    ("SEN-MINT", "SEN-ANSD", "informal", "trends", "elaboration"),
    ("SEN-ANSD", "SEN-OIM", "publication", "development", ""),
    ("SEN-DGPN", "SEN-MINT", "informal", "border_management", "implementation"),
]


def _make_network(edges=EDGES, reverse: bool = False) -> nx.DiGraph:
    G = nx.DiGraph(country="SEN")
    _add_nodes(G)
    if reverse:  # same graph, other insertion order
        H = nx.DiGraph(country="SEN")
        H.add_nodes_from(reversed(list(G.nodes(data=True))))
        G = H
    for u, v, channel, domains, stages in (reversed(edges) if reverse else edges):
        G.add_edge(u, v, channel=channel, domains=domains, stages=stages, frequency="annual",
                   is_formal=channel == "formal_agreement", confirmed=(u, v) == ("SEN-MINT", "SEN-ANSD"),
                   n_reports=1)
    return G


@pytest.fixture
def network() -> nx.DiGraph:
    return _make_network()


@pytest.fixture
def entities() -> pd.DataFrame:
    return pd.DataFrame({
        "entity_id": ["SEN-ANSD", "SEN-MINT", "SEN-DGPN", "SEN-OIM"],
        "name": ["Agence nationale de la statistique", "Ministère de l'Intérieur",
                 "Direction générale de la police nationale", "Organisation internationale pour les migrations"],
        "acronym": ["ANSD", "MINT", "DGPN", "OIM"],
        "institution_type": ["statistics_office", "ministry", "police_border", "international_org"],
        "sector": ["governmental", "governmental", "governmental", "other"],
    })


@pytest.fixture
def coverage() -> tuple[pd.DataFrame, pd.DataFrame]:
    # no "crisis" column at all: the figure must still show it, as a gap
    existing = pd.DataFrame({"trends": [2, 0, 0, 1], "border_management": [0, 3, 0, 0],
                             "development": [0, 0, 0, 0]},
                            index=["SEN-ANSD", "SEN-DGPN", "SEN-MINT", "SEN-OIM"])
    potential = pd.DataFrame({"trends": [1, 0, 0, 0], "development": [0, 0, 0, 2]},
                             index=["SEN-ANSD", "SEN-DGPN", "SEN-MINT", "SEN-OIM"])
    return existing, potential


@pytest.fixture
def sources() -> pd.DataFrame:
    return pd.DataFrame({
        "source_id": ["s1", "s2", "s3", "s4", "s5"],
        "entity_id": ["SEN-ANSD", "SEN-ANSD", "SEN-DGPN", "SEN-DGPN", "SEN-OIM"],
        "status": ["existing", "existing", "existing", "potential", "potential"],
        "periodicity": ["annual", "annual", "monthly", None, "ad_hoc"],
        "format": ["database", "database", "spreadsheet", "paper", None],
        "access": ["public", "restricted", "internal", "internal", "on_request"],
    })


def _node_traces(fig):
    return [t for t in fig.data if t.meta and t.meta.get("kind") == "nodes"]


def _node_position(fig, name: str) -> tuple[float, float]:
    for trace in _node_traces(fig):
        for x, y, hover in zip(trace.x, trace.y, trace.hovertext):
            if hover.startswith(name + "<br>"):
                return x, y
    raise AssertionError(f"{name} not drawn")


def _all_figures(network, entities, coverage, sources, lang):
    existing, potential = coverage
    return {
        "coverage_heatmap": figures.plot_coverage_heatmap(existing, entities, lang, potential),
        "source_profile": figures.plot_source_profile(sources, lang),
        "actor_network": figures.plot_actor_network(network, lang),
        "flows_sankey": figures.plot_flows_sankey(network, lang),
        "policy_cycle": figures.plot_policy_cycle(network, None, lang),
    }


# ---------------------------------------------------------------------------------------------
# Every figure


@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_is_labelled_in_the_chosen_language(network, entities, coverage, sources, lang):
    expected = {
        "fr": {"coverage_heatmap": "Gestion des frontières", "source_profile": "Périodicité",
               "actor_network": "Institut national de la statistique", "flows_sankey": "Gestion des frontières",
               "policy_cycle": "Mise en œuvre"},
        "en": {"coverage_heatmap": "Border management", "source_profile": "Periodicity",
               "actor_network": "National statistics office", "flows_sankey": "Border management",
               "policy_cycle": "Implementation"},
    }[lang]
    other = {"fr": "Border management", "en": "Gestion des frontières"}[lang]
    for kind, fig in _all_figures(network, entities, coverage, sources, lang).items():
        # long labels are wrapped on several lines
        text = json.dumps(json.loads(fig.to_json()), ensure_ascii=False).replace("<br>", " ")
        assert expected[kind] in text, kind
        assert other not in text, kind
        assert fig.layout.meta["figure"] == kind
        assert fig.layout.meta["lang"] == lang
        assert fig.layout.title.text


@pytest.mark.parametrize("lang", LANGS)
def test_every_figure_has_an_alt_text_with_the_real_numbers(network, entities, coverage, sources, lang):
    figs = _all_figures(network, entities, coverage, sources, lang)
    alts = {kind: fig.layout.meta["alt"] for kind, fig in figs.items()}
    assert all(alt and "{" not in alt for alt in alts.values())
    # 3 entities with a source (MINT has none), 6 existing and 3 potential sources
    assert alts["coverage_heatmap"].startswith({
        "fr": "Carte de couverture\u00a0: 3 entités déclarent 6 sources existantes et 3 sources potentielles",
        "en": "Coverage map: 3 entities report 6 existing sources and 3 potential sources"}[lang])
    assert ("Migration en situation de crise" if lang == "fr" else "Migration in crisis situations") \
        in alts["coverage_heatmap"]
    assert alts["source_profile"].startswith("5 sources (3 ")
    assert "5 institutions" in alts["actor_network"] and "5 " in alts["actor_network"]
    assert "MINT" in alts["actor_network"]  # the coordinator is named
    assert alts["flows_sankey"].startswith("5 ")
    cycle = alts["policy_cycle"]
    assert "Reformulation" in cycle  # the stage nobody feeds is named
    assert ("Suivi et évaluation" if lang == "fr" else "Monitoring and evaluation") in cycle


def test_alt_texts_agree_in_number_with_a_single_source_or_exchange():
    existing = pd.DataFrame({"trends": [1]}, index=["A"])
    one = pd.DataFrame({"trends": [1]}, index=["A"])
    fr = figures.plot_coverage_heatmap(existing, None, "fr", potential_matrix=one).layout.meta["alt"]
    assert fr.startswith("Carte de couverture\u00a0: 1 entité déclare 1 source existante et 1 source potentielle "
                         "dans 4 domaines.")
    en = figures.plot_coverage_heatmap(existing, None, "en", potential_matrix=one * 2).layout.meta["alt"]
    assert en.startswith("Coverage map: 1 entity reports 1 existing source and 2 potential sources across")
    G = nx.DiGraph()
    G.add_edge("A", "B", channel="email", domains="trends", stages="implementation")
    assert "1 information exchange leaves 1 producer." in figures.plot_flows_sankey(G, "en").layout.meta["alt"]


def test_same_data_give_identical_figure_json(network, entities, coverage, sources):
    shuffled = _make_network(reverse=True)
    assert figures.plot_actor_network(network, "fr").to_json() == figures.plot_actor_network(shuffled, "fr").to_json()
    assert figures.plot_flows_sankey(network, "fr").to_json() == figures.plot_flows_sankey(shuffled, "fr").to_json()
    assert figures.plot_policy_cycle(network, None, "fr").to_json() == \
        figures.plot_policy_cycle(shuffled, None, "fr").to_json()
    existing, potential = coverage
    shuffled_rows = existing.iloc[::-1]
    assert figures.plot_coverage_heatmap(existing, entities, "en", potential).to_json() == \
        figures.plot_coverage_heatmap(shuffled_rows, entities.iloc[::-1], "en", potential).to_json()
    assert figures.plot_source_profile(sources, "en").to_json() == figures.plot_source_profile(sources, "en").to_json()


def test_respondents_text_is_shown_literally_never_as_markup(network):
    network.nodes["SEN-DGPN"]["acronym"] = "<b>DG</b><script>alert(1)</script>"
    fig = figures.plot_actor_network(network, "en", label_top_n=10)
    texts = [t for trace in _node_traces(fig) for t in trace.text]
    hovers = [h for trace in _node_traces(fig) for h in trace.hovertext]
    assert any("&lt;b&gt;DG&lt;/b&gt;" in t for t in texts)
    assert not any("<script" in t or "<b>DG" in t for t in texts + hovers)
    sankey = figures.plot_flows_sankey(network, "en")
    assert not any("<b>DG" in label for label in sankey.data[0].node.label)


@pytest.mark.parametrize("lang", LANGS)
def test_empty_inputs_give_a_figure_that_says_so(lang):
    for fig in (figures.plot_actor_network(nx.DiGraph(), lang), figures.plot_flows_sankey(nx.DiGraph(), lang),
                figures.plot_source_profile(pd.DataFrame(columns=["status", "periodicity", "format", "access"]), lang),
                figures.plot_coverage_heatmap(pd.DataFrame(), None, lang)):
        assert fig.layout.annotations[0].text
        assert fig.layout.meta["alt"]


def test_unknown_language_is_a_clear_error(network):
    with pytest.raises(ReferenceDataError, match="'de'"):
        figures.plot_actor_network(network, "de")


def test_figure_texts_exist_in_every_language():
    config = yaml.safe_load((reference_dir() / "figures.yaml").read_text(encoding="utf-8"))
    languages = set(get_languages())

    def leaves(node, path):
        if isinstance(node, dict) and any(isinstance(v, str) for v in node.values()):
            yield path, node
        elif isinstance(node, dict):
            for key, value in node.items():
                yield from leaves(value, f"{path}.{key}")

    found = list(leaves(config["texts"], "texts"))
    assert len(found) > 50
    for path, entry in found:
        assert languages <= set(entry), f"{path} lacks {languages - set(entry)}"
    for code in get_codes("institution_types"):
        assert code in config["colors"]["institution_types"]
    for code in get_codes("channels"):
        assert code in config["channels"]


# ---------------------------------------------------------------------------------------------
# Chapter I


def test_coverage_heatmap_writes_counts_and_frames_domains_without_existing_source(entities, coverage):
    existing, potential = coverage
    fig = figures.plot_coverage_heatmap(existing, entities, "fr", potential)
    governmental, other = fig.data
    assert [a.text for a in fig.layout.annotations if a.text in {"Entités gouvernementales", "Autres entités"}] \
        == ["Entités gouvernementales", "Autres entités"]
    # every domain of domains.csv is a column, in list order, even "crisis" absent from the matrix
    assert [tick.split("<br>")[0] for tick in governmental.x] == ["Tendances", "Gestion des", "Migration en",
                                                                  "Migration et"]
    rows = dict(zip(governmental.y, [list(r) for r in governmental.text]))
    assert rows["ANSD"] == ["2 (+1)", "", "", ""]
    assert rows["DGPN"] == ["", "3", "", ""]
    assert "MINT" not in rows  # no source at all: not a collector
    assert [list(r) for r in other.text] == [["1", "", "", "(+2)"]]
    # crisis and development have no existing source: framed in every panel, marked on the axis
    framed = sorted({(s.x0, s.x1) for s in fig.layout.shapes if s.line.dash == "dash"})
    assert framed == [(1.5, 2.5), (2.5, 3.5)]
    assert len(fig.layout.shapes) == 4
    assert "(lacune)" in governmental.x[2] and "(lacune)" in governmental.x[3]
    assert "lacune" not in governmental.x[0]


def test_coverage_heatmap_accepts_a_two_level_matrix(entities, coverage):
    existing, potential = coverage
    combined = pd.concat({"existing": existing, "potential": potential.reindex(columns=existing.columns,
                                                                               fill_value=0)}, axis=1)
    fig = figures.plot_coverage_heatmap(combined, entities, "en")
    assert dict(zip(fig.data[0].y, [list(r) for r in fig.data[0].text]))["ANSD"] == ["2 (+1)", "", "", ""]


def test_source_profile_counts_every_category_including_zero_and_not_stated(sources):
    fig = figures.plot_source_profile(sources, "fr")
    existing = [t for t in fig.data if t.legendgroup == "existing"]
    potential = [t for t in fig.data if t.legendgroup == "potential"]
    assert len(existing) == len(potential) == 3  # periodicity, format, access
    periodicity = dict(zip(existing[0].y, existing[0].x))
    assert periodicity["Annuelle"] == 2 and periodicity["Mensuelle"] == 1 and periodicity["Trimestrielle"] == 0
    assert dict(zip(potential[0].y, potential[0].x))["Non renseigné"] == 1
    # public, on request, restricted, internal: an empty bar writes no "0"
    assert list(existing[2].text) == ["1", "", "1", "1"] and list(existing[2].x) == [1, 0, 1, 1]
    assert sum(sum(t.x) for t in fig.data) == 3 * len(sources)
    assert "Existante" in [t.name for t in fig.data if t.showlegend]


# ---------------------------------------------------------------------------------------------
# Chapter II: the network


def test_network_draws_every_node_once_coloured_by_type(network):
    fig = figures.plot_actor_network(network, "fr")
    traces = _node_traces(fig)
    assert sum(len(t.x) for t in traces) == network.number_of_nodes()
    assert len({(x, y) for t in traces for x, y in zip(t.x, t.y)}) == network.number_of_nodes()
    assert [t.meta["institution_type"] for t in traces] == ["ministry", "statistics_office", "police_border",
                                                           "international_org", "academia"]
    assert len({t.marker.color for t in traces}) == len(traces)
    names = [t.name for t in traces]
    assert "Institut national de la statistique" in [name.replace("<br>", " ") for name in names]
    # sector by symbol, non-respondents with an open symbol
    oim = next(t for t in traces if t.meta["institution_type"] == "international_org")
    assert list(oim.marker.symbol) == ["diamond-open"]
    assert any(t.name == "N’a pas répondu" for t in fig.data)


def test_network_highlights_and_labels_the_coordinator(network):
    fig = figures.plot_actor_network(network, "fr", label_top_n=0)
    rings = [t for t in fig.data if t.meta and t.meta.get("kind") == "coordinator"]
    assert len(rings) == 1 and rings[0].name == "Coordinateur"
    assert (rings[0].x[0], rings[0].y[0]) == _node_position(fig, "Ministère de l'Intérieur")
    assert rings[0].marker.symbol == "circle-open"
    assert list(rings[0].text) == ["<b>MINT</b>"]
    # label_top_n=0: nobody else is labelled
    assert all(text == "" for t in _node_traces(fig) for text in t.text)


def test_network_labels_the_most_central_actors(network):
    fig = figures.plot_actor_network(network, "en", label_top_n=1)
    labelled = [text for t in _node_traces(fig) for text in t.text if text]
    assert labelled == ["ANSD"]  # the only broker between DGPN/MINT and OIM
    small = min(min(t.marker.size) for t in _node_traces(fig))
    ansd = next(t for t in _node_traces(fig) if t.meta["institution_type"] == "statistics_office")
    assert ansd.marker.size[0] > small


def test_network_edge_style_follows_the_channel(network):
    fig = figures.plot_actor_network(network, "fr")
    edges = {t.meta["channel"]: t for t in fig.data if t.meta and t.meta.get("kind") == "edges"}
    assert edges["formal_agreement"].line.dash == "solid"
    assert edges["informal"].line.dash == "dot"
    assert edges["official_request"].line.dash == "dash"
    assert edges["informal"].name == "Informel"
    # three points (start, end, gap) per exchange
    assert len(edges["informal"].x) == 3 * 2 and len(edges["formal_agreement"].x) == 3
    assert all(t.legend == "legend2" for t in edges.values())


def test_network_arrowheads_point_from_sender_to_receiver(network):
    fig = figures.plot_actor_network(network, "en")
    arrows = next(t for t in fig.data if t.meta and t.meta == {"kind": "arrows", "channel": "formal_agreement"})
    (x0, y0), (x1, y1) = _node_position(fig, "Direction générale de la police nationale"), \
        _node_position(fig, "Agence nationale de la statistique")
    ax, ay = arrows.x[0], arrows.y[0]
    assert math.dist((ax, ay), (x1, y1)) < math.dist((ax, ay), (x0, y0))
    expected = math.degrees(math.atan2(x1 - x0, y1 - y0))
    assert abs(arrows.marker.angle[0] - expected) < 0.5
    assert arrows.marker.symbol == "arrow"


def test_network_exchange_in_both_directions_stays_visible(network):
    fig = figures.plot_actor_network(network, "en")
    lines = {t.meta["channel"]: t for t in fig.data if t.meta and t.meta.get("kind") == "edges"}
    request = (lines["official_request"].x[0], lines["official_request"].y[0])  # ANSD → MINT
    informal = [(x, y) for x, y in zip(lines["informal"].x, lines["informal"].y)]
    assert request not in informal  # MINT → ANSD is drawn beside it, not on top of it


def test_big_network_falls_back_to_cheap_layout_and_degree():
    G = nx.gnm_random_graph(700, 2000, seed=3, directed=True)
    fig = figures.plot_actor_network(G, "en")
    assert sum(len(t.x) for t in _node_traces(fig)) == 700
    assert "number of exchanges" in fig.layout.title.subtitle.text  # degree, not betweenness
    assert not any(t.meta and t.meta.get("kind") == "arrows" for t in fig.data)


# ---------------------------------------------------------------------------------------------
# Chapter II: flows and the policy cycle


def test_sankey_link_values_sum_to_the_number_of_exchanges(network):
    fig = figures.plot_flows_sankey(network, "fr")
    sankey = fig.data[0]
    labels = [label.replace("<br>", " ") for label in sankey.node.customdata]  # long labels are wrapped
    producers = {i for i, label in enumerate(labels) if label.split(" (")[0] in {"ANSD", "MINT", "DGPN"}}
    first = sum(v for s, v in zip(sankey.link.source, sankey.link.value) if s in producers)
    second = sum(v for s, v in zip(sankey.link.source, sankey.link.value) if s not in producers)
    assert first == pytest.approx(network.number_of_edges())
    assert second == pytest.approx(network.number_of_edges())
    # node labels write the number of exchanges: ANSD sends 2, border management is carried by 3
    assert "ANSD (2)" in labels and "Gestion des frontières (3)" in labels
    assert "Étape non précisée (1)" in labels  # the exchange used at no stated stage
    assert [a.text for a in fig.layout.annotations][:3] == ["<b>Producteurs</b>", "<b>Domaines</b>",
                                                            "<b>Étapes de la politique</b>"]
    # stages nobody feeds are named under the diagram
    assert "Suivi et évaluation" in fig.layout.annotations[-1].text


def test_sankey_groups_small_producers(network):
    fig = figures.plot_flows_sankey(network, "en", top_n_producers=1)
    labels = list(fig.data[0].node.customdata)
    assert "Other producers (2)" in labels
    assert sum(v for s, v in zip(fig.data[0].link.source, fig.data[0].link.value)
               if s <= 1) == pytest.approx(network.number_of_edges())


def test_policy_cycle_draws_the_network_stage_table_by_default(network):
    summary = build_stage_table(network)[["n_actors", "n_inflows", "n_senders"]]
    assert list(summary.index) == get_codes("policy_stages")
    assert summary.loc["implementation"].tolist() == [2, 2, 1]  # MINT, DGPN; two flows, both from DGPN
    assert summary.loc["elaboration"].tolist() == [2, 2, 2]
    assert summary.loc["evaluation"].tolist() == [0, 0, 0]
    alt = figures.plot_policy_cycle(network, None, "en").layout.meta["alt"]
    assert alt == figures.plot_policy_cycle(network, build_stage_table(network), "en").layout.meta["alt"]
    assert "Implementation, 2 actors and 2 inflows" in alt


def test_policy_cycle_shows_stages_in_order_and_flags_those_without_inflow(network):
    fig = figures.plot_policy_cycle(network, None, "fr")
    stage_texts = [a.text for a in fig.layout.annotations if a.text and a.text.startswith("<b>")][:5]
    assert stage_texts[0].startswith("<b>Identification") and "Mise en œuvre" in stage_texts[2]
    assert "2 acteurs" in stage_texts[2] and "2 flux reçus" in stage_texts[2]
    dashed = [s for s in fig.layout.shapes if s.line.dash == "dash"]
    assert len(dashed) == 2  # monitoring & evaluation and reformulation receive nothing
    assert sum("aucune information" in re.sub(r"(<[^>]+>)+", " ", t) for t in stage_texts) == 2
    # the first stage comes first, on the left
    boxes = [s for s in fig.layout.shapes if s.type == "rect"]
    assert boxes[0].x0 == min(s.x0 for s in boxes)


def test_policy_cycle_uses_a_given_stage_summary(network):
    summary = pd.DataFrame({"stage": ["evaluation"], "n_actors": [7], "n_inflows": [4],
                            "n_producers_feeding": [3]})
    fig = figures.plot_policy_cycle(network, summary, "en")
    assert "Monitoring and evaluation, 7 actors and 4 inflows" in fig.layout.meta["alt"]
    assert "Identification of needs, 0 actors and 0 inflows" in fig.layout.meta["alt"]
    fr = figures.plot_policy_cycle(network, summary.assign(n_actors=[1], n_inflows=[1]), "fr")
    assert "Suivi et évaluation, 1 acteur et 1 flux reçu" in fr.layout.meta["alt"]
    assert sum(1 for s in fig.layout.shapes if s.line.dash == "dash") == 4
    # the network analysis' per-stage table: stage as index, n_senders, extra columns
    table = pd.DataFrame({"n_actors": [7], "actors": ["A B"], "n_inflows": [4], "n_senders": [3],
                          "has_no_inflow": [False]}, index=pd.Index(["evaluation"], name="stage"))
    assert figures.plot_policy_cycle(network, table, "en").layout.meta["alt"] == fig.layout.meta["alt"]
    with pytest.raises(ValueError, match="n_inflows"):
        figures.plot_policy_cycle(network, summary.drop(columns="n_inflows"), "en")


# ---------------------------------------------------------------------------------------------
# Static export (the PDF and DOCX images, made by mpanalysis.render.static)


@pytest.mark.browser
def test_figures_export_as_svg_with_their_labels_and_as_png_at_print_scale(network):
    if shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (Debian package 'chromium'): static export unavailable")
    fig = figures.plot_flows_sankey(network, "fr")
    block = Figure.from_plotly(fig, id="flows", caption="Flux", alt="Flux entre institutions.")
    root = ET.fromstring(build_static_figure(block, "svg", "fr"))
    assert root.tag.endswith("svg")
    text = "".join(root.itertext())
    assert "ANSD (2)" in text and "Étapes de la politique" in text
    data = build_static_figure(block, "png", "fr", scale=2.0)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert height == 2 * fig.layout.height


def test_a_network_is_laid_out_once_per_process_and_again_when_it_changes(monkeypatch):
    # each language draws the same network on screen and in print: one layout (Kamada–Kawai is
    # the slowest step of a chapter), a changed network gets its own
    from mpanalysis.guide.figures import network

    calls = []
    original = network._compute_layout
    monkeypatch.setattr(network, "_compute_layout", lambda *a: calls.append(1) or original(*a))
    network._LAYOUTS.clear()
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a")])
    first = network.compute_network_layout(G)
    first["a"] = (9.0, 9.0)  # a caller changing its copy changes nothing for the next
    again = network.compute_network_layout(nx.DiGraph([("c", "a"), ("a", "b"), ("b", "c")]))
    assert len(calls) == 1 and again["a"] != (9.0, 9.0)
    G.add_edge("c", "d")
    assert "d" in network.compute_network_layout(G) and len(calls) == 2
