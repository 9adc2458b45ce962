"""Helpers of the end-to-end guide tests (tests/integration/test_guides.py): hostile free text
planted in a demo export, and readers of the built HTML, PDF and DOCX files as a user's tools see
them (a browser's DOM, pdftotext, python-docx and the raw XML)."""

from __future__ import annotations

import html
import json
import re
import subprocess
import time
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import openpyxl

#: Respondents' answers that would run as markup, script or spreadsheet formula if not kept as text.
PAYLOADS = (
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    '=HYPERLINK("http://evil.example","click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "{ref:nonexistent}",
)
#: The payloads a spreadsheet would run as a formula.
FORMULA_PAYLOADS = tuple(p for p in PAYLOADS if p[0] in "=+-@")
#: Free-text questions of the main sheet that flow into the guide (good practices, examples of
#: use, challenges, needs) and into the open data.
MAIN_TEXT_FIELDS = ("good_practice", "mp_use_example", "challenge_other", "needs_comment")
#: Free-text question of the ``sources`` repeat (``flow_partner`` is a name: reconciled, left alone).
SOURCE_TEXT_FIELD = "source_name"
#: What the guide inserts to keep a respondent's ``{ref:…}`` from citing a block (mp_process.protect_text).
_INVISIBLE = "\u2060"


def strip_invisible(text: str) -> str:
    """Return ``text`` without the invisible word joiner the guide adds after a literal ``{``.

    >>> strip_invisible("{\\u2060ref:x}")
    '{ref:x}'
    """
    return text.replace(_INVISIBLE, "")


def normalise_space(text: str) -> str:
    """Collapse every run of white space (non-breaking ones too) into one space.

    >>> normalise_space("Constat\\u00a0:\\n« a »")
    'Constat : « a »'
    """
    return re.sub(r"[\s\u00a0\u202f]+", " ", text).strip()


def find_columns(header: list, field: str) -> list[int]:
    """Return the 1-based indexes of the columns holding ``field``, with or without a group prefix.

    >>> find_columns(["start", "needs_group/good_practice", "good_practice_x"], "good_practice")
    [2]
    """
    return [i for i, name in enumerate(header, start=1)
            if isinstance(name, str) and (name == field or name.endswith("/" + field))]


@dataclass(frozen=True)
class PlantedCell:
    sheet: str
    row: int  # as a spreadsheet shows it (header = row 1)
    column: str  # header as in the file
    payload: str


def plant_payloads(export: Path, main_rows: list[int], source_rows: list[int]) -> list[PlantedCell]:
    """Write one payload per row into the free-text cells of a Kobo XLSX export, in place.

    ``main_rows`` / ``source_rows`` are spreadsheet row numbers of submissions the dataset accepts
    (so the text reaches the guide); payload ``i`` goes to the ``i``-th row of each list, in every
    free-text column of that row.
    """
    book = openpyxl.load_workbook(export)
    planted: list[PlantedCell] = []
    targets = []
    for sheet in book.worksheets:
        header = [cell.value for cell in sheet[1]]
        if find_columns(header, MAIN_TEXT_FIELDS[0]):
            targets.append((sheet, header, MAIN_TEXT_FIELDS, main_rows))
        elif find_columns(header, SOURCE_TEXT_FIELD):
            targets.append((sheet, header, (SOURCE_TEXT_FIELD,), source_rows))
    if len(targets) != 2:
        raise AssertionError(f"{export}: expected a main sheet and a sources sheet, found {len(targets)}")
    for sheet, header, fields, rows in targets:
        columns = [c for field in fields for c in find_columns(header, field)]
        if len(columns) != len(fields) or len(rows) < len(PAYLOADS):
            raise AssertionError(f"{export}, sheet {sheet.title}: columns {fields} "
                                 f"or {len(PAYLOADS)} rows missing")
        for payload, row in zip(PAYLOADS, rows):
            for column in columns:
                sheet.cell(row=row, column=column).value = payload
                # an XLSX cell starting with "=" would be read back as a formula: store it as text
                sheet.cell(row=row, column=column).data_type = "s"
                planted.append(PlantedCell(sheet.title, row, header[column - 1], payload))
    book.save(export)
    return planted


# ----------------------------------------------------------------------------------------------
# Reading the outputs


@lru_cache(maxsize=32)
def read_pdf_pages(path: Path) -> tuple[str, ...]:
    """Return the text of each page of a PDF, as ``pdftotext`` extracts it (cached: the guides
    are built once per test module)."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True, timeout=120).stdout
    pages = text.split("\f")
    return tuple(pages[:-1] if pages and not pages[-1].strip() else pages)


def count_pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True,
                          timeout=60).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))


class _TextParser(HTMLParser):
    """Text of an HTML page as a reader sees it: what is outside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def read_html_text(path: Path) -> str:
    """Return the visible text of an HTML file (markup removed, entities decoded)."""
    parser = _TextParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return "\n".join(parser.parts)


def read_docx_parts(path: Path) -> dict[str, str]:
    """Return every XML part of a DOCX (document, headers, footers, relationships…) as text."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()
                if name.endswith((".xml", ".rels"))}


def find_field_instructions(path: Path) -> list[str]:
    """Return the instruction of every Word field of a DOCX (``PAGE``, ``TOC \\o "1-2"``…)."""
    instructions = []
    for xml in read_docx_parts(path).values():
        instructions += [html.unescape(i) for i in re.findall(r'w:instr="([^"]*)"', xml)]
        instructions += [html.unescape(i) for i in
                         re.findall(r"<w:instrText(?: [^>]*)?>([^<]*)</w:instrText>", xml)]
    return instructions


def find_external_links(path: Path) -> list[str]:
    """Return the targets of every external relationship (hyperlinks, linked images) of a DOCX."""
    targets = []
    for name, xml in read_docx_parts(path).items():
        if name.endswith(".rels"):
            for rel in re.findall(r"<Relationship [^>]*>", xml):
                if 'TargetMode="External"' in rel:
                    targets.append(html.unescape(re.search(r'Target="([^"]*)"', rel).group(1)))
    return targets


def read_any_text(path: Path) -> str:
    """Return the text a search tool would find in an output file, whatever its format.

    PDFs through pdftotext; DOCX/XLSX through their XML parts (raw and without tags); HTML raw
    and entity-decoded; other files decoded as UTF-8 (binary bytes replaced).
    """
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "\n".join(read_pdf_pages(path))
    if suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as archive:
            # the text lives in the XML parts; images and fonts are binary
            parts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                     if n.endswith((".xml", ".rels"))]
        raw = "\n".join(parts)
        return raw + "\n" + html.unescape(re.sub(r"<[^>]+>", "", raw))
    raw = path.read_bytes().decode("utf-8", "replace")
    return raw + "\n" + html.unescape(raw) if suffix in (".html", ".htm", ".xml", ".graphml", ".gexf") else raw


def make_contact_pattern(contact: str) -> re.Pattern:
    """Return a pattern finding an email or phone number even where a layout broke it across
    lines or spaced its digits differently (case-insensitive, not inside a longer one).

    >>> make_contact_pattern("+227 00 000 00 10").search("tel. +22700\u00a0000 0010.") is not None
    True
    >>> make_contact_pattern("+227 00 000 00 10").search("+227 00 000 00 101") is None
    True
    >>> make_contact_pattern("k.hamani@example.org").search("K.Hamani@exa\\nmple.org") is not None
    True
    >>> make_contact_pattern("hamani@example.org").search("a.hamani@example.org") is None
    True
    """
    chars = [c for c in contact if not c.isspace()]
    body = r"[\s\u00a0\u202f]*".join(re.escape(c) for c in chars)
    return re.compile(rf"(?<![\w.+@-]){body}(?![\w@-])", re.IGNORECASE)


def find_contacts(text: str, contacts: list[str]) -> list[str]:
    """Return the contacts (emails, phones) that ``text`` shows, however a layout spaced them.

    >>> find_contacts("Tél. : +227 00 000\\n00 10 ; a.b@example.org", ["+227 00 000 00 10", "b@example.org"])
    ['+227 00 000 00 10']
    """
    # the regex is slow on a 10 MB page: look for the bare characters first
    squeezed = "".join(text.split()).lower()
    return [c for c in contacts if "".join(c.split()).lower() in squeezed and make_contact_pattern(c).search(text)]


# ----------------------------------------------------------------------------------------------
# The DOM of a page in headless Chromium


#: What the DOM holds that a planted payload could have created.
_DOM_PROBE = """(() => {
  const scripts = [...document.scripts].map(s => ({type: s.type, src: s.getAttribute('src'),
      text: s.type === 'application/json' ? '' : s.textContent.slice(0, 200),
      isFigureData: s.type === 'application/json' && s.hasAttribute('data-figure')}));
  const handlers = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.toLowerCase().startsWith('on')) handlers.push(el.tagName + ' ' + attr.name);
    }
  }
  const images = [...document.images].map(i => i.getAttribute('src'));
  return {scripts, handlers, images, text: document.body.innerText,
          alerts: window.__alerts || []};
})()"""
#: Recorded before the page's own scripts run: an alert() from a payload is counted, not shown.
_ALERT_TRAP = "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));"


def probe_dom(path: Path, timeout_s: float = 60) -> dict:
    """Load an HTML file offline in headless Chromium and return what its DOM holds: scripts,
    event-handler attributes, image sources, visible text and the alert() calls made."""
    from mpanalysis.render.browser import _DevTools

    with _DevTools(timeout_s=timeout_s) as browser:
        browser.page("Page.enable")
        browser.page("Page.addScriptToEvaluateOnNewDocument", {"source": _ALERT_TRAP})
        browser.open(path, settle_s=0.5)
        deadline = time.monotonic() + timeout_s
        # the figures are drawn by the page's scripts: wait for them so the DOM is complete
        while time.monotonic() < deadline and not browser.evaluate(
                "[...document.querySelectorAll('.mp-plot')].every(e => e.querySelector('.main-svg'))"):
            time.sleep(0.1)
        return json.loads(json.dumps(browser.evaluate(_DOM_PROBE)))


def find_pages_of_part_openings_only(pdf_path: Path, html_path: Path, min_words: int = 40) -> list[int]:
    """Return the numbers of the PDF's pages (after the cover) that carry little beyond the titles
    and introductions of the parts starting there: fewer than ``min_words`` words once every part
    title (in the heading and the running header) and every part introduction is taken out.

    The running header's country and edition and the footer's marks and page number count for
    about fifteen words, so a page holding a title and an introduction alone falls well short.
    """
    page = html_path.read_text(encoding="utf-8")
    framing = [normalise_space(re.sub(r"<[^>]+>", "", html.unescape(text))) for text in
               re.findall(r'<h2 [^>]*class="chapter-title"[^>]*>(.*?)</h2>', page, re.S)
               + re.findall(r'<p class="chapter-intro">(.*?)</p>', page, re.S)]
    framing = sorted({text for text in framing if text}, key=len, reverse=True)
    thin = []
    for number, text in enumerate(read_pdf_pages(pdf_path)[1:], start=2):
        body = normalise_space(text)
        for part in framing:
            body = body.replace(part, " ")
        if len(body.split()) < min_words:
            thin.append(number)
    return thin


def find_part_start_pages(pages: tuple[str, ...], headings: list[str]) -> dict[str, int]:
    """Return the page number where each of ``headings`` starts a part: the running header names
    it and its title heads the page (so the heading appears twice near the top)."""
    starts: dict[str, int] = {}
    for number, page in enumerate(pages, start=1):
        top = normalise_space(page)[:500]
        for heading in headings:
            if heading not in starts and top.count(heading) >= 2:
                starts[heading] = number
    return starts
