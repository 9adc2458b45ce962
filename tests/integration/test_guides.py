"""The built guides end to end, as their readers get them: one small demo country whose answers
carry hostile free text (markup, script, spreadsheet formulas, a fake citation), built once in both
languages, both editions, both lengths and the three formats, then opened with the tools a reader
uses — a browser with the network blocked, axe-core, pdftotext, python-docx, LibreOffice, a
spreadsheet reader.

The build takes about two minutes; every test reuses it (module-scoped fixture).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import REPO, copy_project
from docx import Document
from guide_fixtures import (
    FORMULA_PAYLOADS,
    PAYLOADS,
    count_pdf_pages,
    find_contacts,
    find_external_links,
    find_field_instructions,
    find_pages_of_part_openings_only,
    find_part_start_pages,
    normalise_space,
    plant_payloads,
    probe_dom,
    read_any_text,
    read_docx_parts,
    read_html_text,
    read_pdf_pages,
    strip_invisible,
)

from mpanalysis.batch.job import BuildOptions, build_country
from mpanalysis.guide.document import Chapter, Guide, load_guide_texts
from mpanalysis.guide.texts import fill_chapter_text, get_chapter_text
from mpanalysis.ingest.dataset import CountryDataset, load_country_dataset
from mpanalysis.params import CountryParams, load_params
from mpanalysis.paths import reference_dir
from mpanalysis.publish.assemble import CHAPTER_KEYS
from mpanalysis.render import render_html
from mpanalysis.render.browser import find_axe_script, find_chromium, find_serious_violations, inspect_page
from mpanalysis.render.common import typeset

COUNTRY = "NER"  # the smallest demo country: 13 submissions
LANGS = ("fr", "en")
EDITIONS = ("public", "restricted")
LENGTHS = ("full", "brief")
OPTIONS = BuildOptions(langs=LANGS, editions=EDITIONS, lengths=LENGTHS, formats=("html", "pdf", "docx"),
                       today="2026-01-15")
GUIDES = [(lang, edition, length) for lang in LANGS for edition in EDITIONS for length in LENGTHS]
GUIDE_IDS = ["_".join(g) for g in GUIDES]
CHAPTER_NUMBERS = ("I", "II", "III", "IV")
#: A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

needs_chromium = pytest.mark.skipif(find_chromium() is None, reason="needs Chromium (Debian package 'chromium')")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
                                   reason="needs pdftotext/pdfinfo (Debian package 'poppler-utils')")


@dataclass(frozen=True)
class Build:
    root: Path
    base: Path  # outputs/<ISO3>
    params: CountryParams
    dataset: CountryDataset  # as the guides were built from it (payloads included)

    def guide(self, lang: str, edition: str, length: str, fmt: str) -> Path:
        return self.base / "guides" / f"{COUNTRY}_guide_{lang}_{edition}_{length}.{fmt}"


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Build:
    root = copy_project(tmp_path_factory.mktemp("guides") / "project", [COUNTRY])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MPANALYSIS_ROOT", str(root))
        params = load_params(COUNTRY)
        # plant only in rows the dataset accepts (not duplicates set aside), so the text reaches the guide
        clean = load_country_dataset(COUNTRY, params)
        export = root / "data" / "raw" / COUNTRY / f"{COUNTRY}_kobo_export.xlsx"
        planted = plant_payloads(export, sorted(int(r) for r in clean.respondents["source_row"]),
                                 sorted(int(r) for r in clean.sources["source_row"]))
        assert len(planted) == len(PAYLOADS) * 5  # four main-sheet questions and source_name
        dataset = load_country_dataset(COUNTRY, params)
        for field in ("good_practice", "mp_use_example", "challenge_other", "needs_comment"):
            assert set(PAYLOADS) <= set(dataset.respondents[field].dropna()), f"{field}: a payload was set aside"
        assert set(PAYLOADS) <= set(dataset.sources["source_name"]), "source_name: a payload was set aside"

        result = build_country(COUNTRY, OPTIONS)
        assert result.status == "built", f"{result.message} (log: {result.log})"
        yield Build(root=root, base=root / "outputs" / COUNTRY, params=params, dataset=dataset)


def chapter_titles(lang: str) -> list[str]:
    """The four chapter titles as data/reference/chapters/<key>.yaml spells them."""
    titles = []
    for key in CHAPTER_KEYS:
        texts = yaml.safe_load((reference_dir() / "chapters" / f"{key}.yaml").read_text(encoding="utf-8"))
        titles.append(texts["title"][lang])
    return titles


def chapter_headings(lang: str) -> list[str]:
    return [normalise_space(typeset(f"{number}. {title}", lang))
            for number, title in zip(CHAPTER_NUMBERS, chapter_titles(lang))]


def opening_headings(lang: str) -> list[str]:
    """Key messages, foreword, how to use this guide: the opening of every guide, in this order."""
    return [normalise_space(get_chapter_text(f"front.{key}.title", lang))
            for key in ("key_messages", "foreword", "how_to_use")]


def guide_headings(lang: str, length: str) -> list[str]:
    """The headings a guide prints in this order: its opening, then chapters I–IV (full guide) or
    the brief's parts (figures, priority recommendations, where to find the rest)."""
    if length == "full":
        return opening_headings(lang) + chapter_headings(lang)
    parts = ("brief.figures.title", "brief.recommendations.title", "brief.more.title")
    return opening_headings(lang) + [normalise_space(get_chapter_text(f"front.{key}", lang)) for key in parts]


# ----------------------------------------------------------------------------------------------
# 1. HTML guides in a browser with the network blocked; 2. axe-core; 8. synthetic-data mark


@pytest.fixture(scope="module")
def page_reports(build):
    """One offline load per HTML guide (with axe-core on the full public guides), shared by tests."""
    reports = {}

    def get(lang: str, edition: str, length: str):
        key = (lang, edition, length)
        if key not in reports:
            with_axe = edition == "public" and length == "full" and find_axe_script(REPO) is not None
            reports[key] = inspect_page(build.guide(lang, edition, length, "html"), with_axe=with_axe,
                                        axe_script=find_axe_script(REPO), timeout_s=90)
        return reports[key]

    return get


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_html_guide_works_offline_with_every_figure_drawn(build, page_reports, guide):
    report = page_reports(*guide)
    assert report.outside_requests == [], "the guide asks the network for something"
    assert report.failed_requests == [] and report.script_errors == []
    assert report.n_figures > 0
    assert report.n_drawn == report.n_figures, f"{report.n_drawn} of {report.n_figures} figures drawn"


def _own_scripts(lang: str, folder: Path) -> list[str]:
    """The executable scripts the renderer writes into any guide (from a guide with no answers)."""
    guide = Guide(country=COUNTRY, country_name="Niger", lang=lang, title="Guide", date=dt.date(2026, 1, 15),
                  chapters=[Chapter(number="I", key="a", title="A")])
    page = render_html(guide, folder / f"empty_{lang}.html").read_text(encoding="utf-8")
    return [body[:200] for attrs, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
            if "application/json" not in attrs]


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_injected_markup_is_escaped_in_the_html_file(build, guide):
    page = build.guide(*guide, "html").read_text(encoding="utf-8")
    if guide[2] == "full":  # the brief guide keeps key figures only: the answers may not appear
        assert "&lt;script&gt;alert(" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script>alert(" not in page and "<img src=x" not in page
    text = strip_invisible(normalise_space(read_html_text(build.guide(*guide, "html"))))
    for payload in PAYLOADS if guide[2] == "full" else ():
        assert payload in text, f"{payload!r} is not shown as text"


#: The DOM checks of the brief guides (the same renderer, fewer payloads) run with ``-m slow``.
PROBED_GUIDES = [pytest.param(*g, id=i, marks=[pytest.mark.slow] if g[2] == "brief" else [])
                 for g, i in zip(GUIDES, GUIDE_IDS)]


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize(("lang", "edition", "length"), PROBED_GUIDES)
def test_injected_markup_creates_no_element_in_the_browser(build, lang, edition, length, tmp_path):
    dom = probe_dom(build.guide(lang, edition, length, "html"))
    assert dom["alerts"] == [], "a planted alert() ran"
    assert dom["handlers"] == [], "an element carries an event handler"
    assert "x" not in dom["images"]
    executable = [s for s in dom["scripts"] if s["type"] != "application/json"]
    assert all(s["src"] is None for s in executable)
    assert [s["text"] for s in executable] == _own_scripts(lang, tmp_path)
    assert all(s["isFigureData"] for s in dom["scripts"] if s["type"] == "application/json")
    shown = strip_invisible(dom["text"])
    for payload in PAYLOADS if length == "full" else ():
        assert payload in shown, f"{payload!r} is not shown as text in the browser"


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("lang", LANGS)
def test_full_guide_has_no_serious_accessibility_violation(build, page_reports, lang):
    if find_axe_script(REPO) is None:
        pytest.skip("axe-core is not installed: run `npm ci --prefix tools/axe`")
    report = page_reports(lang, "public", "full")
    assert report.violations is not None
    assert find_serious_violations(report.violations) == []
    page = build.guide(lang, "public", "full", "html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}"' in page


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_every_html_guide_shows_the_synthetic_data_mark(build, guide):
    assert build.params.is_demo
    mark = normalise_space(load_guide_texts(guide[0])["synthetic_mark"])
    assert mark in normalise_space(read_html_text(build.guide(*guide, "html")))


# ----------------------------------------------------------------------------------------------
# 3. PDF


@needs_poppler
@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_pdf_shows_chapters_marks_and_page_numbers_on_every_page(build, guide):
    lang = guide[0]
    texts = load_guide_texts(lang)
    pages = read_pdf_pages(build.guide(*guide, "pdf"))
    assert len(pages) == count_pdf_pages(build.guide(*guide, "pdf"))
    whole = normalise_space("\n".join(pages))
    positions = []
    for heading in guide_headings(lang, guide[2]):
        assert heading in whole, f"heading {heading!r} missing (or its accents lost)"
        positions.append(whole.index(heading, positions[-1] if positions else 0))

    assert not build.params.endorsement.is_final, "the demo country must be a draft for this test"
    draft, synthetic = texts["draft_mark"], normalise_space(texts["synthetic_mark"])
    page_of = re.escape(texts["page_of"]).replace(r"\{page\}", "{page}").replace(r"\{pages\}", "{pages}")
    for number, page in enumerate(pages, start=1):
        assert draft in page, f"page {number}: no {draft} mark"
        assert synthetic in normalise_space(page), f"page {number}: no synthetic-data mark"
        if number > 1:  # the cover carries no page number
            expected = page_of.format(page=number, pages=len(pages))
            assert re.search(expected, normalise_space(page)), f"page {number}: no page number"


# ----------------------------------------------------------------------------------------------
# 4. DOCX


def _iter_docx_paragraphs(document):
    yield from document.paragraphs
    stack = list(document.tables)
    while stack:
        table = stack.pop()
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs
                stack.extend(cell.tables)


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_docx_has_chapter_headings_and_keeps_payloads_literal(build, guide):
    path = build.guide(*guide, "docx")
    document = Document(str(path))
    headings = [normalise_space(p.text) for p in document.paragraphs if p.style.name == "Heading 1"]
    expected = guide_headings(guide[0], guide[2])
    assert [h for h in headings if h in expected] == expected, f"Heading 1 are {headings}, expected {expected}"

    paragraphs = [strip_invisible(p.text) for p in _iter_docx_paragraphs(document)]
    for payload in PAYLOADS if guide[2] == "full" else ():  # the brief keeps key figures only
        assert any(payload in text for text in paragraphs), f"{payload!r} is not literal text"

    # nothing planted became a Word field or a link
    for instruction in find_field_instructions(path):
        assert not re.search(r"HYPERLINK|evil|SUM|cmd|calc", instruction), instruction
    assert not [t for t in find_external_links(path) if "evil" in t]
    for name, xml in read_docx_parts(path).items():
        assert "evil.example" not in re.sub(r"<w:t(?: [^>]*)?>[^<]*</w:t>", "", xml), f"{name} links to it"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice (libreoffice-writer-nogui)")
@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_libreoffice_opens_the_docx(build, lang, tmp_path):
    source = build.guide(lang, "public", "full", "docx")
    # a private profile: LibreOffice refuses to start while another instance holds the default one
    command = ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
               "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=180)
    converted = tmp_path / f"{source.stem}.pdf"
    assert converted.is_file(), run.stdout + run.stderr
    assert count_pdf_pages(converted) > 5
    pages = read_pdf_pages(converted)
    text = normalise_space("\n".join(pages))
    assert chapter_headings(lang)[0] in text

    # No table header and no year breaks letter by letter ("M/is/e/à/jo/ur", "2/0/1/1"): every
    # word of a header and every year of a cell is read whole as often as the DOCX holds it.
    document = Document(str(source))
    headers = [cell.text for table in document.tables[1:] for cell in table.rows[0].cells]
    cells = [cell.text for table in document.tables[1:] for row in table.rows[1:] for cell in row.cells]
    written = [p.text for p in _iter_docx_paragraphs(document)]
    watched = {w for h in headers for w in _words(h) if len(w) >= 3}
    watched |= {w for c in cells for w in _words(c) if re.fullmatch(r"(19|20)\d\d", w)}
    assert any(re.fullmatch(r"(19|20)\d\d", w) for w in watched)  # years are there to check
    in_docx = _count_words(written)
    in_pdf = _count_words(pages)
    broken = {w: (in_pdf[w], in_docx[w]) for w in watched if in_pdf[w] < in_docx[w]}
    assert not broken, f"words broken over lines in the converted DOCX (read whole, in the DOCX): {broken}"

    # the table of contents gives each chapter the page LibreOffice put its heading on
    toc_page = next(i for i, page in enumerate(pages) if load_guide_texts(lang)["toc"] in page)
    toc = normalise_space(pages[toc_page])
    for heading in chapter_headings(lang):
        match = re.search(re.escape(heading) + r"[ .…]*(\d+)", toc)
        assert match, f"{heading!r} has no page number in the table of contents"
        # the heading itself, not "how to use this guide" describing the chapter ("I. …: the sources…")
        heading_alone = re.compile(re.escape(heading) + r"(?!\s*:)")
        found = [i + 1 for i, page in enumerate(pages) if i > toc_page and heading_alone.search(normalise_space(page))]
        assert found and int(match.group(1)) == found[0], (heading, match.group(1), found)


def _words(text: str) -> list[str]:
    """Words as a reader counts them: letters and digits, split at spaces, hyphens, punctuation."""
    return re.findall(r"\w+", text)


def _count_words(texts) -> dict[str, int]:
    from collections import Counter

    counts: Counter = Counter()
    for text in texts:
        counts.update(_words(text))
    return counts


# ----------------------------------------------------------------------------------------------
# 5. Spreadsheets


def _exported_csvs(build: Build) -> list[Path]:
    files = [*sorted((build.base / "data").glob("*.csv")), *sorted((build.base / "validation").glob("*.csv"))]
    files += sorted((build.base / "work").glob("*/network/*.csv"))
    return files


def _is_plain_number(text: str) -> bool:
    # a negative number is a value, not a formula: spreadsheets read it as the number it is
    return re.fullmatch(r"-\d+(\.\d+)?([eE][+-]?\d+)?", text) is not None


def test_exported_csvs_hold_no_formula(build):
    files = _exported_csvs(build)
    names = {p.name for p in files}
    assert {"respondents.csv", "sources.csv", "issues.csv", "nodes.csv", "edges.csv"} <= names
    seen_payloads = set()
    for path in files:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row_number, row in enumerate(csv.reader(handle), start=1):
                for column, cell in enumerate(row, start=1):
                    assert not (cell.startswith(FORMULA_STARTS) and not _is_plain_number(cell)), \
                        f"{path.name}, row {row_number}, column {column}: {cell!r} would run as a formula"
                    if cell.startswith("'") and cell[1:] in FORMULA_PAYLOADS:
                        seen_payloads.add(cell[1:])
    assert seen_payloads == set(FORMULA_PAYLOADS), "the planted formulas did not reach the open data"


def test_exported_xlsx_stores_planted_text_as_strings(build):
    path = build.base / "data" / f"{COUNTRY}_tables.xlsx"
    book = openpyxl.load_workbook(path)
    found = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not (cell.value.startswith(FORMULA_STARTS) and not _is_plain_number(cell.value)), \
                        f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
                    if cell.value.lstrip("'") in PAYLOADS:
                        assert cell.data_type == "s"
                        found.add(cell.value.lstrip("'"))
    assert found == set(PAYLOADS)


# ----------------------------------------------------------------------------------------------
# 6. Privacy


def _contacts(dataset: CountryDataset) -> tuple[list[str], list[str]]:
    """Emails and phones of respondents who did not consent to publication (a contact that a
    consenting respondent also gave may legitimately appear, so it is left out)."""
    respondents = dataset.respondents
    consented = respondents["consent_publish_contact"].fillna(False).astype(bool).tolist()
    hidden = []
    for column in ("respondent_email", "respondent_phone"):
        values = [v.strip() if isinstance(v, str) and v.strip() else None for v in respondents[column]]
        shown = {re.sub(r"\s+", "", v.lower()) for v, ok in zip(values, consented) if v and ok}
        hidden.append(sorted({v for v, ok in zip(values, consented)
                              if v and not ok and re.sub(r"\s+", "", v.lower()) not in shown}))
    return hidden[0], hidden[1]


@needs_poppler
def test_public_outputs_hold_no_contact_of_a_non_consenting_respondent(build):
    emails, phones = _contacts(build.dataset)
    assert emails and phones, "the demo country has no non-consenting respondent: the test proves nothing"
    public = sorted(build.base.glob("guides/*_public_*.*")) + sorted(p for p in (build.base / "data").iterdir()
                                                                     if p.is_file())
    assert len([p for p in public if p.parent.name == "guides"]) == 12
    contacts = [*emails, *phones]
    for path in public:
        shown = find_contacts(read_any_text(path), contacts)
        assert shown == [], f"{path.name} shows the contacts {shown}"

    # the restricted edition is for the working group: it does list them
    for lang in LANGS:
        for fmt in ("html", "pdf", "docx"):
            path = build.guide(lang, "restricted", "full", fmt)
            shown = find_contacts(read_any_text(path), contacts)
            assert shown == contacts, f"{path.name} lacks the contacts {sorted(set(contacts) - set(shown))}"


# ----------------------------------------------------------------------------------------------
# 7. The brief guide


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("edition", EDITIONS)
def test_brief_guide_is_at_most_half_the_full_guide(build, lang, edition):
    full = count_pdf_pages(build.guide(lang, edition, "full", "pdf"))
    brief = count_pdf_pages(build.guide(lang, edition, "brief", "pdf"))
    assert brief <= full / 2, f"brief {brief} pages, full {full}"


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("edition", EDITIONS)
def test_brief_guide_fits_in_six_pages_and_opens_with_the_key_messages(build, lang, edition):
    path = build.guide(lang, edition, "brief", "pdf")
    pages = read_pdf_pages(path)
    assert len(pages) <= 6, f"the brief guide has {len(pages)} pages"
    # page 1 is the cover; the key messages have page 2 to themselves, before anything else
    key_messages, foreword, how_to_use = opening_headings(lang)
    assert key_messages in normalise_space(pages[1])
    assert foreword not in normalise_space(pages[1]) and how_to_use not in normalise_space(pages[1])
    assert foreword in normalise_space(pages[2])


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_no_brief_page_carries_only_a_part_title_and_its_introduction(build, lang):
    brief = build.guide(lang, "public", "brief", "pdf")
    assert not find_pages_of_part_openings_only(brief, brief.with_suffix(".html"))


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_full_guide_opening_parts_hold_on_a_page_each_before_chapter_one(build, lang):
    pages = read_pdf_pages(build.guide(lang, "public", "full", "pdf"))
    headings = [*opening_headings(lang), chapter_headings(lang)[0]]
    starts = find_part_start_pages(pages, headings)
    assert [starts.get(h) for h in headings] == list(range(3, 7)), starts  # after the cover and contents


@pytest.mark.parametrize("guide", GUIDES, ids=GUIDE_IDS)
def test_every_guide_opens_with_key_messages_foreword_and_how_to_use(build, guide):
    page = build.guide(*guide, "html").read_text(encoding="utf-8")
    main = page[page.index('<main id="main">'):]
    anchors = ["ch-key_messages", "ch-foreword", "ch-how_to_use",
               "ch-sources" if guide[2] == "full" else "ch-brief_figures"]
    positions = [main.find(f'id="{anchor}"') for anchor in anchors]
    assert -1 not in positions and positions == sorted(positions), dict(zip(anchors, positions))
    # each key message cites its evidence: a link to a figure or table of this guide, or its label
    messages = re.findall(r'<p class="key-text">(.*?)</p>', main, re.S)
    assert 5 <= len(messages) <= 7
    assert all(re.search(r"(Figure|Tableau|Table) [IV]+\.\d+", m) for m in messages[:-2])


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_brief_guide_has_priority_recommendations_in_full_and_where_to_find_the_rest(build, lang):
    full_file = f"{COUNTRY}_guide_{lang}_public_full.pdf"
    wanted = [get_chapter_text("front.key_messages.title", lang), get_chapter_text("front.brief.recommendations.title", lang),
              get_chapter_text("front.brief.more.title", lang), full_file]
    pdf_text = normalise_space("\n".join(read_pdf_pages(build.guide(lang, "public", "brief", "pdf"))))
    html_text = normalise_space(read_html_text(build.guide(lang, "public", "brief", "html")))
    # nothing it does not show is promised ("each is detailed further on")
    assert not re.search(r"détaillée plus loin|detailed further on", pdf_text)
    # every recommendation shown in full names its lead institution, time frame and indicator
    page = build.guide(lang, "public", "brief", "html").read_text(encoding="utf-8")
    part = page[page.index('id="ch-brief_recommendations"'):page.index('id="ch-brief_more"')]
    n_shown = part.count("<h3 ")
    assert 1 <= n_shown <= 5
    for key in ("lead", "timeframe", "indicator"):
        label = get_chapter_text(f"recommendations.recommendation.{key}", lang).split("{")[0].strip()
        assert part.count(label) == n_shown, f"{label!r}: {part.count(label)} of {n_shown} recommendations"
    for text in wanted:
        text = normalise_space(typeset(text, lang))
        assert text in pdf_text, f"brief PDF lacks {text!r}"
        assert text in html_text, f"brief HTML lacks {text!r}"
