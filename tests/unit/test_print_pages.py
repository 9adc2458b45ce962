"""The printed guide's pages as a reader turns them: a chapter never opens on a page left mostly
blank because its first figure did not fit under the opening text (demo countries' chapters I–III,
built from their questionnaire exports, printed to PDF as the guide is)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from mpanalysis.guide.chapters import load_chapter_context
from mpanalysis.guide.chapters.mp_process import build_mp_process_chapter
from mpanalysis.guide.chapters.policy_cycle import build_policy_cycle_chapter
from mpanalysis.guide.chapters.sources import build_sources_chapter
from mpanalysis.guide.document import Guide
from mpanalysis.render import browser, common
from mpanalysis.render.pdf import build_pdf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(browser.find_chromium() is None or shutil.which("pdftoppm") is None,
                       reason="needs Chromium (static figures) and poppler-utils"),
]

#: The A4 page and its margins (assets/print.css), in millimetres.
PAGE_MM, TOP_MM, BOTTOM_MM = 297.0, 24.0, 22.0
#: A chapter's opening page that goes on over the next page is at least half full: the first
#: figure moved to the next page must not leave it mostly blank.
MIN_OPENING_FILL = 0.5


def measure_fill(pdf: Path, page: int, dpi: int = 30) -> float:
    """Return how far down the text area of a page its content reaches (0 = empty, 1 = full),
    from the page as drawn: the lowest row holding a dark pixel (the faint draft mark is not)."""
    pgm = subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), str(pdf)],
                         check=True, capture_output=True, timeout=60).stdout
    magic, width, height, maximum, offset = _read_pgm_header(pgm)
    assert magic == b"P5" and maximum == 255
    pixels = pgm[offset:]
    top = round(height * TOP_MM / PAGE_MM)
    bottom = round(height * (PAGE_MM - BOTTOM_MM) / PAGE_MM)
    lowest = top
    for row in range(top, bottom):
        if min(pixels[row * width:(row + 1) * width]) < 180:
            lowest = row
    return (lowest - top) / (bottom - top)


def _read_pgm_header(data: bytes) -> tuple[bytes, int, int, int, int]:
    fields, position = [], 0
    while len(fields) < 4:
        while data[position:position + 1].isspace():
            position += 1
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    return fields[0], int(fields[1]), int(fields[2]), int(fields[3]), position + 1


BUILDERS = {"sources": build_sources_chapter, "policy_cycle": build_policy_cycle_chapter,
            "mp_process": build_mp_process_chapter}


def check_chapter_openings(country: str, lang: str, keys: list[str], folder: Path) -> None:
    """Print chapters ``keys`` of a demo country and check that none opens on a page that goes on
    over the next one while being less than half full."""
    from pypdf import PdfReader

    ctx = load_chapter_context(country, lang)
    chapters = [BUILDERS[key](ctx).chapter for key in keys]
    guide = Guide(country=country, country_name=country, lang=lang, title="Guide", date=dt.date(2026, 1, 15),
                  chapters=chapters)
    pdf = folder / "guide.pdf"
    pdf.write_bytes(build_pdf(guide))
    reader = PdfReader(pdf)
    # the table of contents links every chapter: Chromium names each link target after its id
    destinations = {str(name).lstrip("/"): dest for name, dest in reader.named_destinations.items()}
    openings = {chapter.number: reader.get_destination_page_number(destinations[common.chapter_anchor(chapter)]) + 1
                for chapter in chapters}
    for chapter, page in openings.items():
        if page + 1 not in openings.values() and page < len(reader.pages):  # it goes on
            fill = measure_fill(pdf, page)
            assert fill >= MIN_OPENING_FILL, f"chapter {chapter} opens on page {page}, only {fill:.0%} full"


def test_chapter_two_opens_with_its_network_figure_not_a_blank_page(tmp_path):
    # the actor network on paper used to move to the next page, leaving the opening 80 % white
    check_chapter_openings("SEN", "fr", ["policy_cycle"], tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize(("country", "lang"), [("SEN", "fr"), ("SEN", "en"), ("GMB", "fr"), ("GMB", "en")])
def test_no_chapter_opens_on_a_mostly_blank_page(country, lang, tmp_path):
    check_chapter_openings(country, lang, list(BUILDERS), tmp_path)
