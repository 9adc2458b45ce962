"""The regional synthesis notebook, run as the batch runs it: it writes the HTML, the PDF and the
slide deck, and the deck and the page work in a browser cut off from the network."""

from __future__ import annotations

import json
import shutil
import subprocess
import time

import nbformat
import pytest

from mpanalysis.batch.kernels import execute_notebook
from mpanalysis.render import browser

NOTEBOOK = "90_regional_synthesis.ipynb"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("regional")
    executed = folder / "executed" / NOTEBOOK
    execute_notebook(NOTEBOOK, executed, {"countries": "SEN, GMB", "language": "en", "output_dir": str(folder)})
    return folder, executed


def test_notebook_writes_the_synthesis_and_the_slides(run):
    folder, executed = run
    html = folder / "regional_synthesis_en.html"
    pdf = folder / "regional_synthesis_en.pdf"
    slides = folder / "regional_slides_en.html"
    assert html.is_file() and pdf.is_file() and slides.is_file()
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert not (folder / "regional_synthesis_fr.html").exists()  # only the language asked for
    page = html.read_text(encoding="utf-8")
    assert "Senegal and The Gambia" in page and "DRAFT" in page
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "Regional synthesis" in text and "DRAFT" in text and "Synthetic demonstration data" in text
        # the running header names the region, not every country: it holds on one line
        from guide_fixtures import read_printed_pages

        pages = read_printed_pages(pdf)
        assert all(p.n_header_rows == 1 and "Regional synthesis (2 countries)" in p.header for p in pages[1:])


def test_notebook_shows_the_figures(run):
    _, executed = run
    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == 5  # timeline, coverage, network, challenges, recommendations


@pytest.mark.browser
def test_slides_draw_every_figure_offline(run):
    folder, _ = run
    report = browser.inspect_page(folder / "regional_slides_en.html", figure_selector=".slide-plot")
    assert report.is_self_contained, (report.outside_requests, report.failed_requests, report.script_errors)
    assert report.n_figures == 5 and report.has_all_figures_drawn


@pytest.mark.browser
def test_synthesis_page_draws_every_figure_offline(run):
    folder, _ = run
    report = browser.inspect_page(folder / "regional_synthesis_en.html")
    assert report.is_self_contained, (report.outside_requests, report.failed_requests, report.script_errors)
    assert report.n_figures >= 5 and report.has_all_figures_drawn


@pytest.mark.browser
def test_arrow_keys_move_between_slides(run):
    folder, _ = run
    if browser.find_chromium() is None:
        pytest.skip("Chromium not installed")
    with browser._DevTools(width=1280, height=720) as tools:
        tools.open(folder / "regional_slides_en.html", settle_s=0.5)

        def current():
            return tools.evaluate("document.querySelector('.slide.is-current').dataset.index")

        def press(*keys):
            for key in keys:
                for kind in ("keyDown", "keyUp"):
                    tools.page("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key})
                time.sleep(0.1)

        assert current() == "1"
        press("ArrowRight", "ArrowRight", "ArrowLeft")
        assert current() == "2" and tools.evaluate("window.location.hash") == "#2"
        press("End")
        total = tools.evaluate("document.querySelectorAll('.slide').length")
        assert current() == str(total)
        assert tools.evaluate("window.location.hash") == f"#{total}"
        # the slide being shown is the only one a keyboard or a screen reader can reach
        hidden = json.loads(tools.evaluate(
            "JSON.stringify(Array.from(document.querySelectorAll('.slide')).map(s => s.hasAttribute('inert')))"))
        assert hidden.count(False) == 1 and hidden[-1] is False
