"""The guide's renderers: one document, three formats (HTML, PDF, DOCX), same content and labels.

The guides are rendered once per module (printing takes a second or two); each test then
checks one thing a reader, a ministry or an attacker would notice.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest

from mpanalysis.guide.document import Figure, number_guide
from mpanalysis.render import browser, common, render_docx, render_guide, render_html, render_pdf
from mpanalysis.render.html import build_html
from mpanalysis.render.static import apply_house_style, build_static_figure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "guide"
_spec = importlib.util.spec_from_file_location("guide_sample", FIXTURES / "sample.py")
sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sample)

HAS_CHROMIUM = browser.find_chromium() is not None
needs_chromium = pytest.mark.skipif(not HAS_CHROMIUM, reason="Chromium is not installed")
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


@pytest.fixture(scope="module")
def hostile_fr():
    return sample.build_small_guide("fr", hostile=True)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory, hostile_fr):
    """The hostile French guide in the three formats (static figures need Chromium)."""
    if not HAS_CHROMIUM:
        pytest.skip("static figures need Chromium")
    return render_guide(hostile_fr, tmp_path_factory.mktemp("guide"), "guide_fr")


@pytest.fixture(scope="module")
def html_text(tmp_path_factory, hostile_fr):
    """The hostile French guide as HTML alone (needs no browser to write)."""
    return render_html(hostile_fr, tmp_path_factory.mktemp("html") / "guide.html").read_text("utf-8")


def read_pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


class _Outline(HTMLParser):
    """Collects what accessibility and navigation depend on: headings, figures, tables, ids."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href", "").startswith("#"):
            self.links.append(attributes["href"][1:])
        if tag == "script":
            self.scripts.append(attributes)


def parse(html: str) -> _Outline:
    parser = _Outline()
    parser.feed(html)
    return parser


# ---------------------------------------------------------------------------------------------
# HTML


def test_html_shows_planted_markup_as_text_and_runs_no_script_but_ours(html_text, hostile_fr):
    assert "<script>alert(1)</script>" not in html_text
    assert "<img src=x onerror" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html_text
    scripts = parse(html_text).scripts
    n_figures = 2
    # the geo stub, plotly.js, the figure loader, and one JSON data block per figure
    assert len(scripts) == 3 + n_figures
    assert [s.get("type") for s in scripts].count("application/json") == n_figures
    assert all(not s.get("src") for s in scripts)


def test_html_figure_data_cannot_close_its_script_element(html_text, hostile_fr):
    blocks = re.findall(r'<script type="application/json" data-figure="([^"]+)">(.*?)</script>',
                        html_text, flags=re.S)
    assert [anchor for anchor, _ in blocks] == ["b-f_domains-plot", "b-f_map-plot"]
    figure = hostile_fr.chapters[0].blocks[1]
    assert json.loads(blocks[0][1]) == apply_house_style(figure.figure_dict(), "fr")
    assert json.loads(blocks[0][1])["data"][0]["name"] == "</script><script>window.__pwned = 1</script>"


def test_html_is_accessible_by_construction(html_text, hostile_fr):
    page = parse(html_text)
    assert '<html lang="fr">' in html_text
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(page.headings, page.headings[1:])), page.headings
    plots = [a for t, a in page.tags if t == "div" and "mp-plot" in a.get("class", "")]
    assert [p["role"] for p in plots] == ["img", "img"]
    assert plots[1]["aria-label"] == hostile_fr.chapters[0].sections[0].blocks[0].alt
    assert html_text.count("<figure") == html_text.count("<figcaption>") == 2
    assert html_text.count("<table") == html_text.count("<caption") == 3  # 2 + provenance
    assert '<th scope="col"' in html_text and "<th>" not in html_text


def test_html_table_of_contents_links_every_chapter(html_text):
    page = parse(html_text)
    for anchor in ["ch-sources", "ch-recommendations", "annex-methodology", "provenance",
                   "ch-sources-1", "b-t_sources"]:
        assert anchor in page.ids
    assert {"ch-sources", "ch-sources-1", "ch-recommendations", "annex-methodology",
            "provenance"} <= set(page.links)
    assert all(link in page.ids for link in page.links), set(page.links) - page.ids


def test_html_is_self_contained(html_text):
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"?(https?:)?//", html_text)
    assert "@import" not in html_text and "url(http" not in html_text
    assert html_text.count("Plotly.newPlot") == 1  # plotly.js once, one loader for all figures
    assert "window.PlotlyGeoAssets" in html_text.split("Plotly.newPlot")[0]


def test_html_marks_drafts_and_synthetic_data_and_not_final_guides(tmp_path):
    draft = render_html(sample.build_small_guide("fr"), tmp_path / "d.html").read_text("utf-8")
    assert 'class="mark mark-draft"><strong>PROJET</strong>' in draft
    assert 'data-mark="PROJET"' in draft
    assert "Données synthétiques de démonstration" in draft
    final = render_html(sample.build_small_guide("en", is_draft=False, is_synthetic=False),
                        tmp_path / "f.html").read_text("utf-8")
    assert "DRAFT" not in final and "Synthetic demonstration data" not in final
    assert '<html lang="en">' in final and "Table of contents" in final


def test_restricted_editions_say_so_on_the_cover(tmp_path):
    guide = sample.build_small_guide("en").model_copy(update={"edition": "restricted"})
    page = render_html(guide, tmp_path / "r.html").read_text("utf-8")
    assert "Restricted to the national working group" in page
    assert "<dd>Restricted edition</dd>" in page


def test_french_punctuation_never_starts_a_line(html_text):
    assert "Source\u00a0: questionnaire" in html_text
    assert "«\u00a0Gestion des frontières\u00a0»" in html_text


def test_html_references_link_to_the_cited_table(html_text):
    assert '(<a class="ref" href="#b-t_sources">Tableau I.1</a>)' in html_text
    assert '<span class="label">Tableau I.1</span>' in html_text


def test_french_numbers_and_empty_cells_are_typeset(html_text):
    assert '<td class="num">12\u00a0345</td>' in html_text  # thousands separator that never breaks
    assert '<td class="num">3,5</td>' in html_text
    assert '<td class="num">2021</td>' in html_text  # a year is not 2 021
    assert '<td class="num">–</td>' in html_text


def test_a_country_name_cannot_break_out_of_the_print_style(tmp_path):
    guide = sample.build_small_guide("fr", country_name='Côte d"Ivoire </style><script>x()</script>')
    page = build_html(guide, "print", {"f_domains": "data:,", "f_map": "data:,"})
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    assert "<script>" not in style and '"Côte' not in style
    assert page.count("</style>") == 1


# ---------------------------------------------------------------------------------------------
# PDF


@needs_pdftotext
def test_pdf_keeps_french_accents_and_shows_markup_literally(outputs):
    text = "\n".join(read_pdf_pages(outputs["pdf"]))
    flat = re.sub(r"\s+", " ", text)
    for expected in ["Panorama des données et des sources d’information migratoires",
                     "Gestion des frontières", "«", "Main-d’œuvre", "Données synthétiques de démonstration"]:
        assert expected in flat
    assert "<script>alert(1)</script>" in flat


@needs_pdftotext
def test_pdf_marks_every_page_and_numbers_them(outputs):
    pages = read_pdf_pages(outputs["pdf"])
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert "PROJET" in page, f"page {number} has no draft mark"
        assert "Données synthétiques de démonstration" in page, f"page {number} lacks the synthetic mark"
        if number > 1:  # the cover carries no page number
            assert f"Page {number} / {len(pages)}" in page


@needs_pdftotext
def test_pdf_is_a4_with_a_cover_and_a_table_of_contents_with_page_numbers(outputs):
    info = subprocess.run(["pdfinfo", str(outputs["pdf"])], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)", info)
    assert re.search(r"Tagged:\s+yes", info)  # structure and alt texts for screen readers
    pages = read_pdf_pages(outputs["pdf"])
    assert "Guide d’utilisation du profil migratoire du Sénégal" in pages[0]
    toc_line = next(line for line in pages[1].splitlines() if "II. Recommandations" in line)
    target = int(toc_line.split()[-1])
    assert "II. Recommandations" in pages[target - 1].split("Page")[0]
    assert "II. Recommandations" not in pages[target - 2].replace(pages[1], "")


@needs_chromium
@needs_pdftotext
def test_a_rebuilt_pdf_reuses_the_page_numbers_it_can_confirm(hostile_fr, tmp_path, monkeypatch):
    # the previous PDF's page numbers go into the table of contents of the first print; when the
    # headings land on those pages it is the PDF (one print instead of two), otherwise it is redone
    from mpanalysis.render import printer
    from mpanalysis.render.html import build_html
    from mpanalysis.render.pdf import build_pdf, build_static_images

    prints = []
    original = printer._Printer._print
    monkeypatch.setattr(printer._Printer, "_print", lambda self, session: prints.append(1) or original(self, session))

    def toc_page_of(pdf: bytes, title: str) -> int:
        (tmp_path / "x.pdf").write_bytes(pdf)
        toc = read_pdf_pages(tmp_path / "x.pdf")[1]
        return int(next(line for line in toc.splitlines() if title in line).split()[-1])

    first = build_pdf(hostile_fr)
    truth = printer.read_destination_pages(first)
    assert len(prints) == 2 and truth
    previous = tmp_path / "previous.pdf"
    previous.write_bytes(first)
    for known, n_prints in [(previous, 1), (tmp_path / "missing.pdf", 2)]:
        prints.clear()
        pdf = build_pdf(hostile_fr, previous=known)
        assert len(prints) == n_prints and printer.read_destination_pages(pdf) == truth
    (tmp_path / "damaged.pdf").write_bytes(b"%PDF-1.4 damaged")
    assert printer.read_destination_pages(tmp_path / "damaged.pdf") == {}
    # numbers that the new print contradicts (the guide changed since): printed again, right numbers
    prints.clear()
    html = build_html(hostile_fr, "print", build_static_images(hostile_fr))
    pdf = printer.print_pdf(html, {anchor: page + 1 for anchor, page in truth.items()})
    assert len(prints) == 2
    assert toc_page_of(pdf, "II. Recommandations") == toc_page_of(first, "II. Recommandations")


@needs_pdftotext
def test_pdf_figure_labels_match_the_html(outputs, html_text, hostile_fr):
    flat = re.sub(r"\s+", " ", "\n".join(read_pdf_pages(outputs["pdf"])))
    for label in number_guide(hostile_fr).labels.values():
        assert f"{label} –" in flat
        assert f'<span class="label">{label}</span>' in html_text


@needs_pdftotext
def test_final_guides_carry_no_draft_or_synthetic_mark(tmp_path):
    guide = sample.build_small_guide("fr", is_draft=False, is_synthetic=False)
    pdf_text = "\n".join(read_pdf_pages(render_pdf(guide, tmp_path / "final.pdf")))
    assert "PROJET" not in pdf_text and "synthétiques" not in pdf_text
    assert "Page 2 / " in pdf_text
    word = docx.Document(str(render_docx(guide, tmp_path / "final.docx")))
    header = word.sections[0].header.paragraphs[0].text
    assert "PROJET" not in header and "Sénégal" in header
    assert "synthétiques" not in word.sections[0].footer.paragraphs[0].text


@needs_chromium
def test_offline_map_draws_in_the_static_figure(hostile_fr):
    geo = hostile_fr.chapters[0].sections[0].blocks[0]
    svg = build_static_figure(geo, "svg", "fr").decode("utf-8")
    assert svg.count('class="choroplethlocation"') == 6  # Senegal and its five neighbours


@needs_chromium
def test_docx_figures_are_the_pixels_plotly_itself_would_draw(hostile_fr, monkeypatch):
    # the PNG is the figure's SVG drawn on a canvas: the same image Plotly.toImage makes, for
    # half the work; figures drawn ahead (while notebooks run) are found in the cache
    import io

    from PIL import Image, ImageChops

    from mpanalysis.render import printer, static

    figures = [b for c in hostile_fr.chapters for b in common.iter_blocks(c) if isinstance(b, Figure)]
    static._cache.clear()
    assert static.draw_figures_ahead(figures, "fr", ("pdf", "docx")) == len(figures)
    monkeypatch.setattr(printer, "draw_figures", lambda *a, **k: pytest.fail("drawn twice"))
    monkeypatch.setattr(printer, "rasterize_svgs", lambda *a, **k: pytest.fail("drawn twice"))
    ours = static.build_static_figures(figures, "png", "fr", scale=static.DOCX_PNG_SCALE)
    monkeypatch.undo()
    for figure, png in zip(figures, ours):
        styled = apply_house_style(figure.figure_dict(is_print=True), "fr")
        styled["layout"].setdefault("width", static.DEFAULT_WIDTH_PX)
        styled["layout"].setdefault("height", static.DEFAULT_HEIGHT_PX)
        (plotly_png,) = printer.draw_figures([styled], "png", static.DOCX_PNG_SCALE)
        mine, theirs = (Image.open(io.BytesIO(b)).convert("RGB") for b in (png, plotly_png))
        assert mine.size == theirs.size == (2 * styled["layout"]["width"], 2 * styled["layout"]["height"])
        assert ImageChops.difference(mine, theirs).getbbox() is None, figure.id


# ---------------------------------------------------------------------------------------------
# DOCX


@pytest.fixture(scope="module")
def word(outputs):
    return docx.Document(str(outputs["docx"]))


def test_docx_uses_real_styles_for_title_chapters_sections_and_captions(word, hostile_fr):
    by_style = {}
    for paragraph in word.paragraphs:
        by_style.setdefault(paragraph.style.name, []).append(paragraph.text)
    assert by_style["Title"] == ["Guide d’utilisation du profil migratoire du Sénégal"]
    assert by_style["Heading 1"] == [
        "I. Panorama des données et des sources d’information migratoires",
        "II. Recommandations", "Annexe A. Méthodologie", "Provenance du document"]
    assert by_style["Heading 2"][0].startswith("Couverture territoriale")
    assert by_style["Heading 3"] == ["Fraîcheur et accès des sources"]
    captions = [text.split(" – ")[0] for text in by_style["Caption"]]
    assert sorted(captions) == sorted(number_guide(hostile_fr).labels.values())


def test_docx_keeps_formulas_and_markup_as_literal_text(word, outputs):
    texts = [p.text for p in word.paragraphs]
    assert any('=HYPERLINK("http://evil") @SUM(A1)' in t and "<script>alert(1)</script>" in t
               for t in texts)
    xml = zipfile.ZipFile(outputs["docx"]).read("word/document.xml").decode("utf-8")
    # links only from the table of contents to the guide's own headings, never out of the document
    links = re.findall(r"<w:hyperlink ([^>]*)>", xml)
    assert links and all(re.fullmatch(r'w:anchor="_Toc\d{4}" w:history="1"', attrs) for attrs in links)
    instructions = [i.split() for i in re.findall(r"<w:instrText[^>]*>([^<]*)<", xml)]
    assert {i[0] for i in instructions} == {"PAGEREF"}  # no field a planted text could have created
    bookmarks = set(re.findall(r'<w:bookmarkStart [^>]*w:name="([^"]+)"', xml))
    assert {i[1] for i in instructions} <= bookmarks


def test_docx_marks_every_page_in_header_and_footer(word):
    for section in word.sections:
        header = " ".join(p.text for p in section.header.paragraphs)
        footer = " ".join(p.text for p in section.footer.paragraphs)
        assert "PROJET" in header and "Sénégal" in header
        assert "Données synthétiques de démonstration" in footer
        assert re.search(r"<w:instrText[^>]*> PAGE <", section.footer._element.xml)
    assert round(word.sections[0].page_width.mm) == 210


def test_docx_tables_are_real_tables_with_a_repeating_header(word):
    tables = word.tables  # cover details, two guide tables, provenance
    assert len(tables) == 4
    sources = tables[1]
    assert sources.style.name == "Guide Table"
    assert [c.text for c in sources.rows[0].cells][1:] == ["Existantes " + sample.HOSTILE,
                                                           "Potentielles " + sample.HOSTILE,
                                                           "Dernière mise à jour (médiane) " + sample.HOSTILE]
    assert [c.text for c in sources.rows[2].cells][1:] == ["12\u00a0345", "3,5", "–"]
    assert "<w:tblHeader" in sources.rows[0]._tr.xml


def test_docx_figures_are_images_with_their_text_alternative(word, hostile_fr):
    shapes = word.inline_shapes
    assert len(shapes) == 2
    described = [shape._inline.docPr.get("descr") for shape in shapes]
    assert described[1] == hostile_fr.chapters[0].sections[0].blocks[0].alt


def _wide_table_guide():
    """A guide whose one table has nine columns: short headers of several words, years, counts."""
    from mpanalysis.guide.document import Chapter, Guide, Table

    columns = ["Domaine", "Institution", "Source", "Statut", "Périodicité", "Mise à jour", "Âge (ans)",
               "Format", "Accès"]
    rows = [["Tendances migratoires", "Direction générale des migrations (DGMIG)",
             "Tableau de bord national des migrations", "Existante", "Mensuelle", 2011, 14, "Base de données",
             "Sur demande"]] * 3
    table = Table(id="t_sources", caption="Sources existantes", columns=columns, rows=rows)
    return Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide", date="2025-01-31",
                 chapters=[Chapter(number="I", key="a", title="Panorama", blocks=[table])])


def test_docx_columns_fit_their_longest_word_and_none_is_under_one_and_a_half_cm(tmp_path):
    from mpanalysis.render.docx import MIN_COLUMN_TWIPS, TEXT_WIDTH, measure_text_twips

    word = docx.Document(str(render_docx(_wide_table_guide(), tmp_path / "wide.docx")))
    table = word.tables[1]
    xml = table._tbl.xml
    widths = [int(w) for w in re.findall(r'<w:gridCol w:w="(\d+)"', xml)]
    assert len(widths) == 9
    assert min(widths) >= MIN_COLUMN_TWIPS == 851  # 1.5 cm
    assert sum(widths) == int(TEXT_WIDTH.twips)  # as wide as the text, not wider
    assert 'w:type="autofit"' in xml
    for column, width in enumerate(widths):
        texts = [row.cells[column].text for row in table.rows]
        words = [(w, i == 0) for i, text in enumerate(texts) for w in text.split()]
        # the longest word (bold in the header) plus the cells' padding fits: it never breaks
        assert max(measure_text_twips(w, bold=bold) for w, bold in words) + 200 <= width, texts[0]
    # the long texts get the room: the source's name column is wider than the year's
    assert widths[2] > widths[5]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@needs_pdftotext
def test_libreoffice_opens_the_docx(outputs, tmp_path):
    profile = tmp_path / "lo-profile"  # own profile: no clash with another LibreOffice running
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(outputs["docx"])],
                   check=True, capture_output=True, timeout=120)
    pages = read_pdf_pages(tmp_path / "guide_fr.pdf")
    flat = re.sub(r"\s+", " ", "\n".join(pages))
    assert "I. Panorama des données et des sources d’information migratoires" in flat
    assert all("PROJET" in page for page in pages)
    # the table of contents gives each chapter the page LibreOffice put its heading on
    toc = next(i for i, page in enumerate(pages) if "Sommaire" in page)
    entries = re.findall(r"^\s*((?:I|II|III|IV|Annexe [A-Z])\. .+?)\s*\.{3,}\s*(\d+)\s*$", pages[toc], re.M)
    assert len(entries) >= 2
    for heading, number in entries:
        start = heading[:30]
        found = [i + 1 for i, page in enumerate(pages) if i != toc and start in re.sub(r"\s+", " ", page)]
        assert found and int(number) == found[0], (heading, number, found)


# ---------------------------------------------------------------------------------------------
# Browser checks


HAS_AXE = browser.find_axe_script() is not None


@pytest.mark.browser
@needs_chromium
def test_html_draws_every_figure_offline_and_passes_axe(outputs):
    report = browser.inspect_page(outputs["html"], with_axe=HAS_AXE)
    assert report.n_figures == 2
    assert report.has_all_figures_drawn, report
    assert report.is_self_contained, report  # no outside request, no failure, no script error
    if not HAS_AXE:
        pytest.skip("axe-core not installed: run `npm ci --prefix tools/axe`")
    assert browser.find_serious_violations(report.violations) == []


@pytest.mark.browser
@needs_chromium
def test_the_browser_checks_catch_a_page_that_needs_the_network_or_lacks_text_alternatives(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><title>t</title>'
                    '<script src="https://cdn.plot.ly/plotly-2.35.2.min.js"></script></head><body>'
                    '<div class="mp-plot"></div><img src="data:,"></body></html>')
    report = browser.inspect_page(page, with_axe=HAS_AXE, figure_wait_s=1)
    assert report.outside_requests == ["https://cdn.plot.ly/plotly-2.35.2.min.js"]
    assert not report.is_self_contained
    assert (report.n_figures, report.n_drawn) == (1, 0)
    if HAS_AXE:
        found = " ".join(browser.find_serious_violations(report.violations))
        assert "html-has-lang" in found and "image-alt" in found


# ---------------------------------------------------------------------------------------------
# The full sample, as a ministry would receive it


@pytest.mark.slow
@needs_pdftotext
def test_full_sample_guides_render_in_both_languages(tmp_path):
    for lang, titles in [("fr", ["Panorama des données", "Le cycle des politiques migratoires",
                                 "Le processus du profil migratoire", "Recommandations"]),
                         ("en", ["Panorama of migration data", "The migration policy cycle",
                                 "The migration profile process", "Recommendations"])]:
        paths = render_guide(sample.build_sample_guide(lang), tmp_path, f"sample_{lang}")
        flat = re.sub(r"\s+", " ", "\n".join(read_pdf_pages(paths["pdf"])))
        assert all(title in flat for title in titles)
        headings = [p.text for p in docx.Document(str(paths["docx"])).paragraphs
                    if p.style.name == "Heading 1"]
        assert len(headings) == 7  # four chapters, two annexes, provenance
        if HAS_CHROMIUM:
            report = browser.inspect_page(paths["html"], with_axe=HAS_AXE)
            assert report.is_self_contained and report.has_all_figures_drawn and report.n_figures == 9
            assert browser.find_serious_violations(report.violations or []) == []
