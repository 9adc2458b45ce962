"""Figures as printed (PDF, DOCX): what a reader of the paper guide would see — the actor network's
print view, the Sankey's and the policy cycle's labels, the static images as the PDF prints them."""

from __future__ import annotations

import random
import re
import shutil
import subprocess

import networkx as nx
import pytest

from mpanalysis.guide import figures
from mpanalysis.guide.document import Figure
from mpanalysis.guide.figures.network_print import (
    compute_print_layout,
    find_label_overlaps,
    select_print_focus,
)
from mpanalysis.guide.figures.style import estimate_text_size_px

TYPES = ["ministry", "agency", "statistics_office", "police_border", "international_org", "academia",
         "civil_society", None]
LONG_NAME = "Ministry of Finance and Economic Planning"


def make_country_network(n_nodes: int = 42, n_edges: int = 95, seed: int = 7) -> nx.DiGraph:
    """A network shaped like a demo country's: a coordinator and a statistics office that many
    institutions exchange with, a tail of small partners, an institution without any exchange,
    some names without an acronym (one long)."""
    rng = random.Random(seed)
    G = nx.DiGraph(country="SEN")
    for i in range(n_nodes):
        acronym = "" if i % 9 == 4 else f"I{i:02d}{'ABCDEFG'[i % 7] * (i % 3)}"
        name = LONG_NAME if i == 13 else f"Institution number {i}"
        G.add_node(f"N{i:02d}", name=name, acronym=acronym, institution_type=TYPES[i % len(TYPES)],
                   is_respondent=i % 5 != 3, is_coordinator=i == 0)
    hubs = ["N00", "N01", "N02", "N03"]
    others = [n for n in G if n not in hubs and n != "N41"]
    while G.number_of_edges() < n_edges:
        u = rng.choice(hubs) if rng.random() < 0.6 else rng.choice(others)
        v = rng.choice(others + hubs)
        if u != v:
            pair = (u, v) if rng.random() < 0.5 else (v, u)
            G.add_edge(*pair, channel=rng.choice(["formal_agreement", "official_request", "informal", None]),
                       domains="trends", stages="implementation")
    return G


@pytest.fixture(scope="module")
def country() -> nx.DiGraph:
    return make_country_network()


def _labels_drawn(fig) -> str:
    """Every text the print view writes (node labels, boxed names, notes), markup removed."""
    parts = [t for trace in fig.data if trace.text is not None and not isinstance(trace.text, str)
             for t in trace.text if t]
    parts += [a.text for a in fig.layout.annotations]
    return re.sub(r"<[^>]+>", " ", " ".join(parts)).replace("  ", " ")


def test_print_view_centres_on_the_coordinator_and_the_main_brokers(country):
    centrality = nx.betweenness_centrality(country)
    focus = select_print_focus(country, centrality, 3, 32)
    assert focus[0] == "N00"  # the coordinator first, whatever its centrality
    brokers = sorted((n for n in country if n != "N00"), key=lambda n: -centrality[n])[:len(focus) - 1]
    assert focus[1:] == brokers and 1 <= len(focus) - 1 <= 3


def test_print_view_labels_every_institution_it_draws_and_names_the_others(country):
    fig = figures.plot_actor_network_print(country, "en")
    drawn = {n for trace in fig.data if trace.meta and trace.meta.get("kind") == "nodes"
             for n in [h.split("<br>")[0] for h in trace.hovertext]}
    text = _labels_drawn(fig)
    names = {n: (d["acronym"] or d["name"]) for n, d in country.nodes(data=True)}
    # every institution of the network is written somewhere: by its node or in the lists below
    for node, label in names.items():
        assert all(word in text for word in label.split()), (node, label)
    # the long name is wrapped, never cut short
    assert LONG_NAME.replace(" ", "") in text.replace(" ", "") and "…" not in text
    note = fig.layout.annotations[-2].text.replace("<br>", " ")
    assert "With no exchange (" in note and "I41GG" in note.split("With no exchange")[1]
    # fewer institutions drawn than the network holds, and only the exchanges touching the centre
    assert len(drawn) <= 32 < country.number_of_nodes()


@pytest.mark.parametrize("seed", [1, 7, 11])
def test_print_view_labels_never_overlap_and_stay_inside(seed):
    G = make_country_network(seed=seed)
    labels = {n: [d["acronym"] or d["name"]] for n, d in G.nodes(data=True)}
    sizes = {n: 8 + (n in ("N00", "N01")) * 14 for n in G}
    focus = select_print_focus(G, nx.betweenness_centrality(G), 3, 32)
    layout = compute_print_layout(G, focus, labels, sizes, width_px=700, min_height_px=330, font_size_px=12)
    assert find_label_overlaps(layout) == []
    assert set(layout.focus) | set(layout.partners) | set(layout.hidden) | set(layout.isolated) == set(G)
    # partners sit in two columns, their labels outside, left and right
    sides = {layout.label_sides[n] for n in layout.partners}
    assert sides == {"left", "right"}


def test_print_view_fits_a_chapter_opening_page(country):
    fig = figures.plot_actor_network_print(country, "fr")
    # 720 px printed at the 170 mm text width: at most ~160 mm tall, under a chapter's opening text
    assert fig.layout.width == 720 and fig.layout.height <= 700
    assert fig.layout.meta["figure"] == "actor_network_print"
    assert fig.layout.meta["alt"].startswith("Vue imprimée du réseau centrée sur ")


def test_print_view_of_a_network_without_exchange_is_the_screen_figure():
    G = nx.DiGraph()
    G.add_node("A", acronym="ANSD")
    assert figures.plot_actor_network_print(G, "fr").layout.meta["figure"] == "actor_network"


def test_figure_carries_its_print_view_into_static_images(country):
    screen = figures.plot_actor_network(country, "fr")
    printed = figures.plot_actor_network_print(country, "fr")
    block = Figure.from_plotly(screen, id="net", caption="Réseau", alt=screen.layout.meta["alt"],
                               print_figure=printed)
    restored = Figure.model_validate_json(block.model_dump_json())
    assert restored.figure_dict()["layout"]["meta"]["figure"] == "actor_network"
    assert restored.figure_dict(is_print=True)["layout"]["meta"]["figure"] == "actor_network_print"
    assert restored.print_alt == printed.layout.meta["alt"] != restored.alt


# ---------------------------------------------------------------------------------------------
# Sankey and policy cycle


def _sankey_labels(fig) -> dict[str, list]:
    """The node labels the Sankey writes, by column (x of the annotation relative to the diagram)."""
    x0, x1 = fig.data[0].domain.x
    columns = {"left": [], "middle": [], "right": []}
    for a in fig.layout.annotations:
        if a.yref != "paper" or a.yanchor != "middle":
            continue
        side = "left" if a.xanchor == "right" else "middle" if a.bgcolor else "right"
        assert (a.x <= x0 + 1e-4) if side == "left" else (a.x >= x1 - 1e-4) if side == "right" else x0 < a.x < x1
        columns[side].append(a)
    return columns


def test_sankey_writes_outer_labels_beside_the_diagram_and_never_cuts_a_name(country):
    country.nodes["N13"]["acronym"] = ""
    fig = figures.plot_flows_sankey(country, "en", top_n_producers=30)
    columns = _sankey_labels(fig)
    assert columns["left"] and columns["middle"] and columns["right"]
    texts = [a.text.replace("<br>", " ") for a in columns["left"]]
    assert any(t.startswith(LONG_NAME) for t in texts) and not any("…" in t for t in texts)
    # plotly draws no label of its own (it would write the stages' over the flows)
    assert set(fig.data[0].node.label) == {""}
    # within a column, labels do not overlap (heights as drawn, 1.3 em a line)
    height_px = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    for side, labels in columns.items():
        spans = sorted(((1 - a.y) * height_px, estimate_text_size_px(a.text.split("<br>"), a.font.size)[1])
                       for a in labels)
        for (y_a, h_a), (y_b, h_b) in zip(spans, spans[1:]):
            assert y_b - y_a >= (h_a + h_b) / 2 - 0.5, side


def test_policy_cycle_writes_every_stage_inside_its_box(country):
    fig = figures.plot_policy_cycle(country, None, "fr")
    boxes = [s for s in fig.layout.shapes if s.type == "rect"]
    stage_texts = [a for a in fig.layout.annotations if a.text and a.showarrow is False and "<br>" in a.text]
    assert len(stage_texts) == len(boxes) == 5
    # side by side in the cycle's order, an arrow to the next, one back from the last to the first
    assert [round(b.x0) for b in boxes] == sorted(round(b.x0) for b in boxes)
    assert sum(1 for a in fig.layout.annotations if a.showarrow) == 5
    for annotation, box in zip(sorted(stage_texts, key=lambda a: a.x), boxes):
        lines = [re.sub(r"<[^>]+>", "", line) for line in annotation.text.split("<br>")]
        # each line its own style run (some SVG renderers misplace a style spanning a line break)
        assert all(line.count("<i>") == line.count("</i>") for line in annotation.text.split("<br>"))
        width, height = estimate_text_size_px(lines, annotation.font.size)
        assert width <= box.x1 - box.x0 and height <= box.y1 - box.y0, lines
    # a third of a printed page: it fits under the Sankey
    assert fig.layout.height <= 420


# ---------------------------------------------------------------------------------------------
# Static images in the PDF


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None or shutil.which("pdftotext") is None,
                    reason="needs Chromium and poppler-utils")
def test_styled_lines_of_a_figure_stay_in_place_in_the_pdf(tmp_path):
    """An italic line after a line break lands right under the previous line in the PDF (it used
    to drop several lines down, over the policy cycle's circles)."""
    import plotly.graph_objects as go

    from mpanalysis.guide.document import Chapter, Guide
    from mpanalysis.render.pdf import render_pdf

    fig = go.Figure()
    fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       text="<b>Élaboration</b><br>13 acteurs<br><i>MINT, BCDS</i>", font={"size": 14})
    fig.update_layout(width=720, height=300)
    block = Figure.from_plotly(fig, id="f", caption="Cycle", alt="Une étape.")
    guide = Guide(country="SEN", country_name="Sénégal", lang="fr", title="G", date="2025-01-31",
                  chapters=[Chapter(number="I", key="a", title="A", blocks=[block])])
    pdf = render_pdf(guide, tmp_path / "g.pdf")
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    words = {m.group(3): float(m.group(2)) for m in re.finditer(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', bbox)}
    line_gap = words["acteurs"] - words["Élaboration"]
    assert 0 < words["MINT,"] - words["acteurs"] < 1.5 * line_gap
