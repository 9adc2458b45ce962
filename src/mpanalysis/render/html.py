"""The HTML guide: one self-contained file that works offline, with interactive figures.

plotly.js is inlined once (from the installed plotly package) with the empty-base-map script that
stops geo figures from fetching anything; each figure's JSON sits in a
``<script type="application/json">`` block that one small script hands to ``Plotly.newPlot``.
The same template, in ``print`` mode with static SVG figures, is what headless Chromium prints to
the PDF (:mod:`mpanalysis.render.pdf`).

Jinja2 autoescaping is on and every text of the document is plain text: a respondent's
``<script>`` or ``<img onerror=…>`` is shown, never run.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import BytecodeCache, Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from mpanalysis.fileio import write_text_atomic
from mpanalysis.guide.document import (
    Figure,
    Guide,
    Numbering,
    RefLabel,
    number_guide,
    split_refs,
    unprotect_text,
)
from mpanalysis.render import common
from mpanalysis.render.display import read_geo_stub, read_plotly_js
from mpanalysis.render.static import ASSETS_DIR, apply_house_style
from mpanalysis.wording.quotes import strip_marks

TEMPLATES_DIR = Path(__file__).parent / "templates"

#: Characters that must not appear raw inside a ``<script>`` element's JSON (``</script>``,
#: ``<!--``) or that JavaScript treats as line ends.
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                  "\u2029": "\\u2029"}


def dump_script_json(value: Any) -> Markup:
    """Return JSON safe to place inside a ``<script>`` element, whatever strings it holds.

    >>> str(dump_script_json({"name": "</script><script>alert(1)</script>"}))
    '{"name": "\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False)
    return Markup(re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group(0)], text))


def quote_css_string(text: str) -> Markup:
    """Return a CSS string literal showing ``text`` literally (for ``content:`` in ``@page``).

    Anything but letters, digits, spaces and common punctuation becomes a CSS escape, so a text
    can neither end the string nor the ``<style>`` element.

    >>> str(quote_css_string('Côte d’Ivoire "x" </style>'))
    '"C\\\\0000f4 te d\\\\002019 Ivoire \\\\000022 x\\\\000022  \\\\00003c /style\\\\00003e "'
    """
    safe = re.compile(r"[A-Za-z0-9 .,;:()\-_/·]")
    return Markup('"' + "".join(ch if safe.fullmatch(ch) else f"\\{ord(ch):06x} " for ch in text)
                  + '"')


def build_page_counter_css(template: str) -> Markup:
    """Turn "Page {page} / {pages}" into the CSS ``content`` value of a page margin box
    (Chromium fills in the counters when it prints).

    >>> str(build_page_counter_css("Page {page} / {pages}"))
    '"Page " counter(page) " / " counter(pages)'
    """
    parts = []
    for piece in re.split(r"(\{pages?\})", template):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(str(quote_css_string(piece)))
    return Markup(" ".join(parts))


def group_named_pages(guide: Guide, outline: list[common.TocEntry]) -> list[tuple[str, str, list[str]]]:
    """Return the printed guide's named pages as ``(page name, running title, part anchors)``:
    one per chapter, shared by a part printed straight after the previous one
    (``Chapter.starts_page`` false). The running title of a shared page is the first part's
    ``running_title``, or the parts' titles joined.

    Chromium starts a new sheet wherever the page name changes, so parts that share a sheet
    must share a name.

    >>> from mpanalysis.guide.document import Chapter
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="en", title="G", date="2025-01-31",
    ...           chapters=[Chapter(number="FW", key="foreword", title="Foreword", is_numbered=False),
    ...                     Chapter(number="HU", key="how_to_use", title="How to use", is_numbered=False,
    ...                             starts_page=False)])
    >>> group_named_pages(g, common.build_outline(g, {"annex": "Annex"}))
    [('ch-foreword', 'Foreword · How to use', ['ch-foreword', 'ch-how_to_use'])]
    """
    parts = {common.chapter_anchor(chapter, is_annex): chapter for chapter, is_annex in common.iter_parts(guide)}
    groups: list[tuple[str, list[str], list[str]]] = []
    for entry in outline:
        if entry.level != 1:
            continue
        if not parts[entry.anchor].starts_page and groups:
            groups[-1][1].append(entry.heading)
            groups[-1][2].append(entry.anchor)
        else:
            groups.append((entry.anchor, [entry.heading], [entry.anchor]))
    return [(name, (parts[name].running_title if len(anchors) > 1 and parts[name].running_title
                    else " · ".join(headings)), anchors)
            for name, headings, anchors in groups]


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates kept in memory for the process.

    Each guide (and each group of blocks a notebook shows) gets its own environment overlay,
    because the filters know its numbering; an overlay starts with an empty template cache, so
    without this every ``blocks.html.j2`` would be compiled again. The key includes a checksum of
    the template's source: an edited template is compiled afresh.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._store:
            bucket.bytecode_from_string(self._store[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False,
                       keep_trailing_newline=True, bytecode_cache=_MemoryBytecodeCache())



def _read_css(mode: str) -> str:
    names = ["guide.css", "front.css", "screen.css" if mode == "screen" else "print.css"]
    return "\n".join((ASSETS_DIR / name).read_text(encoding="utf-8") for name in names)


def _escape_lines(text: str) -> Markup:
    # the line break keeps a newline after it, so text read without the markup (a screen
    # reader's plain view, a checker) does not run two sentences together
    return escape(text).replace("\n", Markup("<br>\n"))


def _marked_html(text: str, lang: str) -> Markup:
    """Escape a text whose respondents' quotations and names quoted in another language are
    marked (:mod:`mpanalysis.wording.quotes`): a quotation becomes an italic
    ``<span data-source="respondent">`` between the guide's quotation marks, with its language
    and "(en anglais)" when it is not the guide's."""
    out = []
    for part in common.split_display(text):
        if isinstance(part, str):
            out.append(_escape_lines(part))
            continue
        lang_attr = Markup(' lang="{}"').format(part.lang) if part.lang else Markup("")
        if part.kind == "quote":
            shown, note = common.quotation_text(part, lang)
            out.append(Markup('<span class="quotation" data-source="respondent"{}>{}</span>').format(
                lang_attr, _escape_lines(shown)))
            if note:
                out.append(Markup(' <span class="quoted-language">{}</span>').format(note))
        elif part.lang and part.lang != lang:
            out.append(Markup('<span class="as-given"{}>{}</span>').format(lang_attr, _escape_lines(part.text)))
        else:
            out.append(_escape_lines(part.text))
    return Markup("").join(out)


def _rich_filter(numbering: Numbering, lang: str):
    def rich(text: str) -> Markup:
        """Escape a text, link its references, mark its quotations, keep its line breaks."""
        out = []
        for part in split_refs(common.typeset(text, lang), numbering):
            if isinstance(part, RefLabel):
                out.append(Markup('<a class="ref" href="#{}">{}</a>').format(
                    common.block_anchor(part.target), part.text))
            else:
                out.append(_marked_html(part, lang))
        return Markup("").join(out)

    return rich


def _literal_filter(lang: str):
    def literal(text: str) -> Markup:
        """Escape a text that never cites (a table cell), keep its line breaks."""
        return _marked_html(unprotect_text(common.typeset(text, lang)), lang)

    return literal


def _plain_filter(numbering: Numbering, lang: str):
    def plain(text: str) -> str:
        """Resolve references to their labels; autoescape does the rest (attributes, links)."""
        parts = split_refs(common.typeset(text, lang), numbering)
        return strip_marks("".join(p.text if isinstance(p, RefLabel) else p for p in parts), lang)

    return plain


def _make_environment(guide: Guide, numbering: Numbering, texts: dict[str, str]) -> Environment:
    """The template environment with the guide's filters (one per guide: they know its numbering)."""
    env = _environment().overlay()
    env.filters.update(
        rich=_rich_filter(numbering, guide.lang),
        plain=_plain_filter(numbering, guide.lang),
        literal=_literal_filter(guide.lang),
        cell=lambda value: common.format_cell(value, texts),
        css_string=quote_css_string,
        figure_json=lambda figure: dump_script_json(apply_house_style(figure.figure_dict(), guide.lang)),
    )
    return env


def _figure_height(figure: Figure) -> int:
    height = figure.figure_dict()["layout"].get("height")
    return int(height) if isinstance(height, (int, float)) and height > 0 else 450


def build_html(guide: Guide, mode: Literal["screen", "print"] = "screen",
               static_images: dict[str, str] | None = None) -> str:
    """Return the guide as an HTML page.

    ``mode="screen"`` gives the self-contained interactive page; ``mode="print"`` the variant
    Chromium prints, with ``static_images`` mapping each figure id to an image URL (a
    ``data:`` URI).

    >>> from mpanalysis.guide.document import Chapter, Paragraph
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide", date="2025-01-31",
    ...           chapters=[Chapter(number="I", key="a", title="Gestion des frontières",
    ...                             blocks=[Paragraph(text="<b>x</b>")])])
    >>> page = build_html(g, "print", {})
    >>> "&lt;b&gt;x&lt;/b&gt;" in page, '<html lang="fr">' in page
    (True, True)
    """
    from mpanalysis._version import __version__

    texts = common.load_texts(guide.lang)
    numbering = number_guide(guide)
    outline = common.build_outline(guide, texts)
    toc_tree: list[tuple[common.TocEntry, list[common.TocEntry]]] = []
    for entry in outline:
        if entry.level == 1:
            toc_tree.append((entry, []))
        else:
            toc_tree[-1][1].append(entry)

    env = _make_environment(guide, numbering, texts)
    template = env.get_template("guide.html.j2")
    return template.render(
        guide=guide,
        mode=mode,
        texts=texts,
        numbering=numbering,
        toc_tree=toc_tree,
        named_pages=group_named_pages(guide, outline),
        parts=list(common.iter_parts(guide)),
        cover_items=common.build_cover_items(guide, texts),
        cover_date=common.format_guide_date(guide, texts),
        notices=common.build_notices(guide, texts),
        draft_notice=common.get_draft_notice(guide, texts),
        provenance_rows=common.flatten_provenance(guide.provenance, texts),
        package_version=__version__,
        css=Markup(_read_css(mode)),
        page_counter_css=build_page_counter_css(texts["page_of"]),
        geo_stub=Markup(read_geo_stub()) if mode == "screen" else "",
        plotly_js=Markup(read_plotly_js()) if mode == "screen" else "",
        static_images=static_images or {},
        block_anchor=common.block_anchor,
        chapter_anchor=common.chapter_anchor,
        iter_sections=common.iter_sections,
        numeric_columns=lambda table: [common.is_numeric_column(table, i)
                                       for i in range(len(table.columns))],
        figure_height=_figure_height,
    )


def render_html(guide: Guide, path: str | Path) -> Path:
    """Write the guide as one self-contained, offline HTML file; return its path.

    >>> import tempfile, pathlib
    >>> from mpanalysis.guide.document import Chapter
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide", date="2025-01-31",
    ...           chapters=[Chapter(number="I", key="a", title="Panorama")])
    >>> out = render_html(g, pathlib.Path(tempfile.mkdtemp()) / "guide.html")
    >>> "Plotly.newPlot" in out.read_text(encoding="utf-8")
    True
    """
    return write_text_atomic(path, build_html(guide, "screen"))


def render_blocks_fragment(blocks: list, guide: Guide) -> str:
    """Return the HTML of some blocks of ``guide`` (tables, paragraphs, callouts) as the guide
    shows them, for display in a notebook; figures are left to the notebook's own plotly display.

    >>> from mpanalysis.guide.document import Chapter, Paragraph
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide", date="2025-01-31",
    ...           chapters=[Chapter(number="I", key="a", title="A", blocks=[Paragraph(text="<b>x</b>")])])
    >>> render_blocks_fragment(g.chapters[0].blocks, g)
    '<p>&lt;b&gt;x&lt;/b&gt;</p>'
    """
    texts = common.load_texts(guide.lang)
    numbering = number_guide(guide)
    env = _make_environment(guide, numbering, texts)
    template = env.from_string('{%- from "blocks.html.j2" import render_block with context -%}'
                               '{%- for block in blocks %}{{ render_block(block) }}{% endfor -%}')
    return template.render(
        blocks=blocks, texts=texts, numbering=numbering, mode="screen", static_images={},
        block_anchor=common.block_anchor, chapter_anchor=common.chapter_anchor,
        iter_sections=common.iter_sections,
        numeric_columns=lambda table: [common.is_numeric_column(table, i) for i in range(len(table.columns))],
        figure_height=_figure_height,
    )
