"""What the three renderers share: outline, anchors, cell and date formatting.

Everything a reader sees twice (a chapter heading, a figure label, a formatted number) is computed
here once, so the HTML, PDF and DOCX guides say exactly the same thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from babel.numbers import format_decimal

from mpanalysis.guide.document import (
    Chapter,
    Figure,
    Guide,
    Section,
    Table,
    iter_blocks,
    load_guide_texts,
    unprotect_text,
)
from mpanalysis.wording.quotes import Marked, format_quotation, language_note, split_marked, strip_marks
from mpanalysis.wording.typography import format_date_text
from mpanalysis.wording.typography import typeset as typeset_text

#: Numbers below this are printed without a thousands separator (years: 2024, not 2 024).
_GROUPING_FROM = 10_000


def typeset(text: str, lang: str) -> str:
    """Apply the language's typography (:func:`mpanalysis.wording.typography.typeset`): in French
    the typographic apostrophe and the non-breaking spaces before ``: ; ! ?``, inside « », before
    ``%`` and units, so a colon never starts a line.

    >>> typeset("Constat : « aucune source »", "fr")
    'Constat\\xa0: «\\xa0aucune source\\xa0»'
    >>> typeset("Finding: the agency's data", "en")
    'Finding: the agency’s data'
    """
    return typeset_text(text, lang)


def split_display(text: str) -> list[str | Marked]:
    """Split a text into plain parts and marked passages (respondents' quotations, names quoted
    in another language) for a renderer to style (:mod:`mpanalysis.wording.quotes`).

    >>> from mpanalysis.wording.quotes import quote
    >>> split_display("Exemple : " + quote("Tableau mensuel", "fr"))
    ['Exemple : ', Marked(kind='quote', lang='fr', text='Tableau mensuel')]
    """
    return split_marked(text)


def quotation_text(part: Marked, lang: str) -> tuple[str, str]:
    """Return a quotation as printed in a guide in ``lang``: its text between the language's
    quotation marks, and the note saying it is in another language ("" when it is not).

    >>> quotation_text(Marked("quote", "en", "Used monthly."), "fr")
    ('«\\xa0Used monthly.\\xa0»', '(en\\xa0anglais)')
    """
    return format_quotation(part.text, lang), language_note(part.lang, lang)


def load_texts(lang: str) -> dict[str, str]:
    """Return the guide's fixed texts in ``lang``, typeset for that language."""
    return {key: typeset(value, lang) for key, value in load_guide_texts(lang).items()}


@dataclass(frozen=True)
class TocEntry:
    """One line of the table of contents: ``level`` 1 for chapters/annexes, 2 for sections."""

    level: int
    heading: str
    anchor: str


def chapter_anchor(chapter: Chapter, is_annex: bool = False) -> str:
    """Return the HTML id of a chapter (``ch-sources``, ``annex-methodology``).

    >>> chapter_anchor(Chapter(number="I", key="sources", title="Sources"))
    'ch-sources'
    """
    return f"{'annex' if is_annex else 'ch'}-{chapter.key}"


def section_anchor(parent_anchor: str, index: int) -> str:
    """Return the id of the ``index``-th (1-based) section under a chapter or section.

    >>> section_anchor("ch-sources", 2)
    'ch-sources-2'
    """
    return f"{parent_anchor}-{index}"


def block_anchor(block_id: str) -> str:
    """Return the HTML id of a figure or table (prefixed so it cannot clash with the page's own).

    >>> block_anchor("t_domains")
    'b-t_domains'
    """
    return f"b-{block_id}"


def chapter_heading(chapter: Chapter, texts: dict[str, str], is_annex: bool = False) -> str:
    """Return a chapter's heading as every format prints it.

    >>> texts = {"annex": "Annexe"}
    >>> chapter_heading(Chapter(number="II", key="k", title="Le cycle"), texts)
    'II. Le cycle'
    >>> chapter_heading(Chapter(number="A", key="m", title="Méthodologie"), texts, is_annex=True)
    'Annexe A. Méthodologie'
    >>> chapter_heading(Chapter(number="KM", key="key_messages", title="Messages clés", is_numbered=False), texts)
    'Messages clés'
    """
    if not chapter.is_numbered:
        return chapter.title
    prefix = f"{texts['annex']} {chapter.number}" if is_annex else chapter.number
    return f"{prefix}. {chapter.title}"


def iter_parts(guide: Guide):
    """Yield ``(chapter, is_annex)`` for the chapters then the annexes."""
    for chapter in guide.chapters:
        yield chapter, False
    for chapter in guide.annexes:
        yield chapter, True


def list_figures(guide: Guide) -> list[Figure]:
    """Return every figure of the guide, in reading order (chapters, then annexes).

    >>> list_figures(Guide(country="SEN", country_name="Sénégal", lang="fr", title="G", date="2025-01-31"))
    []
    """
    return [figure for chapter, _ in iter_parts(guide) for figure in list_figures_of(chapter)]


def list_figures_of(chapter: Chapter) -> list[Figure]:
    """Return the figures of one chapter, in reading order.

    >>> list_figures_of(Chapter(number="I", key="a", title="A"))
    []
    """
    return [block for block in iter_blocks(chapter) if isinstance(block, Figure)]


def build_outline(guide: Guide, texts: dict[str, str]) -> list[TocEntry]:
    """Return the table of contents: chapters and annexes, each with its first-level sections (the
    unnumbered parts of the opening without theirs).

    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="G", date="2025-01-31",
    ...           chapters=[Chapter(number="I", key="sources", title="Sources",
    ...                             sections=[Section(title="Lacunes")])])
    >>> [(e.level, e.heading, e.anchor) for e in build_outline(g, {"annex": "Annexe"})]
    [(1, 'I. Sources', 'ch-sources'), (2, 'Lacunes', 'ch-sources-1')]
    """
    entries = []
    for chapter, is_annex in iter_parts(guide):
        anchor = chapter_anchor(chapter, is_annex)
        entries.append(TocEntry(1, chapter_heading(chapter, texts, is_annex), anchor))
        if not chapter.is_numbered:
            continue  # the opening's parts are a page or two: their sections would only lengthen the list
        for index, section in enumerate(chapter.sections, start=1):
            entries.append(TocEntry(2, section.title, section_anchor(anchor, index)))
    return entries


def iter_sections(sections: list[Section], parent_anchor: str):
    """Yield ``(section, anchor)`` for the direct children of a chapter or section."""
    for index, section in enumerate(sections, start=1):
        yield section, section_anchor(parent_anchor, index)


def format_cell(value: Any, texts: dict[str, str]) -> str:
    """Format a table cell in the guide's language: empty cells show a dash, numbers the locale's
    decimal mark and (from 10 000) a thousands separator that never breaks across lines; text as
    typed (a cell never cites a figure).

    >>> fr = {"locale": "fr_FR", "empty_cell": "–"}
    >>> [format_cell(v, fr) for v in [None, 2024, 12345, 0.25, "=SUM(A1)", "{\u2060ref:t1}"]]
    ['–', '2024', '12\\xa0345', '0,25', '=SUM(A1)', '{ref:t1}']
    >>> format_cell(1234.5, {"locale": "en_GB", "empty_cell": "–"})
    '1234.5'
    """
    if value is None:
        return texts["empty_cell"]
    if isinstance(value, str):
        value = strip_marks(value, texts["locale"][:2])
    if isinstance(value, (int, float)):
        pattern = "#,##0.###" if abs(value) >= _GROUPING_FROM else "0.###"
        text = format_decimal(value, format=pattern, locale=texts["locale"])
        return text.replace("\u202f", "\u00a0")
    return unprotect_text(str(value))


def is_numeric_column(table: Table, column: int) -> bool:
    """True when every non-empty cell of a column is a number (renderers right-align it).

    >>> t = Table(id="t", caption="c", columns=["a", "n"], rows=[["x", 1], ["y", None]])
    >>> is_numeric_column(t, 0), is_numeric_column(t, 1)
    (False, True)
    """
    values = [row[column] for row in table.rows if row[column] is not None]
    return bool(values) and all(isinstance(v, (int, float)) for v in values)


def format_guide_date(guide: Guide, texts: dict[str, str]) -> str:
    """Return the guide's date written out in its language.

    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="G", date="2025-01-31")
    >>> format_guide_date(g, {"locale": "fr_FR"})
    '31 janvier 2025'
    """
    return format_date_text(guide.date, guide.lang)


def get_running_header(guide: Guide, texts: dict[str, str]) -> str:
    """Return the running header's left part, on every page but the cover: the country (or the
    guide's shorter ``running_name``) and the edition.

    >>> g = Guide(country="XRG", country_name="Côte d’Ivoire, Ghana, Gambie, Maroc, Niger et Sénégal",
    ...           running_name="Synthèse régionale (6 pays)", lang="fr", title="S", date="2025-01-31")
    >>> get_running_header(g, {"edition_public": "Édition publique"})
    'Synthèse régionale (6 pays) · Édition publique'
    """
    return f"{guide.running_name or guide.country_name} · {texts['edition_' + guide.edition]}"


def build_cover_items(guide: Guide, texts: dict[str, str]) -> list[tuple[str, str]]:
    """Return the cover's ``(label, value)`` lines: country, edition, length, date, version."""
    return [
        (texts["country"], guide.country_name),
        (texts["edition"], texts[f"edition_{guide.edition}"]),
        (texts["length"], texts[f"length_{guide.length}"]),
        (texts["date"], format_guide_date(guide, texts)),
        (texts["version"], guide.version),
    ]


def get_draft_notice(guide: Guide, texts: dict[str, str]) -> str:
    """Return what the DRAFT mark means for this document (the guide's own, or a country guide's).

    >>> g = Guide(country="XRG", country_name="Région", lang="fr", title="S", date="2025-01-31",
    ...           draft_notice="Synthèse provisoire.")
    >>> get_draft_notice(g, {"draft_notice": "Projet."})
    'Synthèse provisoire.'
    """
    return typeset(guide.draft_notice, guide.lang) if guide.draft_notice else texts["draft_notice"]


def build_notices(guide: Guide, texts: dict[str, str]) -> list[tuple[str, str]]:
    """Return the ``(kind, text)`` notices the cover must show (draft, synthetic, restricted)."""
    notices = []
    if guide.is_draft:
        notices.append(("draft", get_draft_notice(guide, texts)))
    if guide.is_synthetic:
        notices.append(("synthetic", texts["synthetic_notice"]))
    if guide.edition == "restricted":
        notices.append(("restricted", texts["edition_restricted_notice"]))
    return notices


def flatten_provenance(provenance: dict[str, Any], texts: dict[str, str]) -> list[tuple[str, str]]:
    """Return the provenance as ``(label, value)`` rows; nested mappings give one row per entry.

    >>> flatten_provenance({"package_version": "0.1.0", "input_hashes": {"a.xlsx": "3f2a"}},
    ...                    {"provenance_package_version": "mpanalysis version",
    ...                     "provenance_input_hashes": "Answer files"})
    [('mpanalysis version', '0.1.0'), ('Answer files: a.xlsx', '3f2a')]
    """
    rows = []
    for key, value in provenance.items():
        label = texts.get(f"provenance_{key}", key)
        if isinstance(value, dict):
            rows.extend((f"{label}: {sub}", _scalar_text(v)) for sub, v in value.items())
        else:
            rows.append((label, _scalar_text(value)))
    return rows


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False)
