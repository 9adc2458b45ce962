"""The slide deck for the senior officials' meeting: one slide per key figure or table, offline HTML."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mpanalysis.guide.document import Figure, Guide, KeyMessage, Paragraph, Table
from mpanalysis.publish.regional.texts import _node, _pick, _t

# --------------------------------------------------------------------------------------------
# Slides


SLIDES_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Slide:
    """One slide: ``kind`` is ``title``, ``messages``, ``figure`` or ``table``; ``part`` is
    ``(n, total)`` when a long table goes over several slides."""

    kind: str
    title: str
    chapter: str = ""
    label: str = ""
    block: Any = None
    items: tuple[str, ...] = ()
    part: tuple[int, int] | None = None


#: How much a slide's table holds, in lines of its text, under a one-line title: the room on a
#: 16:9 screen (measured in Chromium at 1280 × 720; larger screens scale alike, the printed page,
#: 297 × 167 mm, has a little more). A longer table goes over several slides, so nothing scrolls
#: on screen and nothing is cut off on paper.
TABLE_LINES_PER_SLIDE = 21.5
#: Letters of table text across a slide (Liberation Sans at 0.86 em, as measured).
TABLE_CHARS_ACROSS = 160
#: Letters of a slide's title on one line (1.45 em), and the room each further line takes.
TITLE_CHARS_ACROSS = 85
_TITLE_LINE = 1.45
#: Tables of more rows are set smaller (``.is-dense`` in deck.css: 0.7 em instead of 0.86 em).
DENSE_ROWS = 12
_DENSE_SCALE = 0.86 / 0.7
#: Each row's padding and rule, in lines (0.42 em above and below at 0.86 em; 0.28 em dense).
_ROW_PADDING_LINES = {False: 0.67, True: 0.45}
#: Letters a column's padding takes (0.6 em either side).
_CELL_PADDING_CHARS = 2.4
#: Words do not fill a line to its last letter.
_WRAP_SLACK = 1.05
#: A line of the notes under a table (0.66 em), in lines of the table, and their top padding.
_NOTE_LINE, _NOTE_PADDING, _NOTE_CHARS_ACROSS = 0.77, 0.26, 200


def _cell_text(value: object) -> str:
    return "" if value is None else str(value)


def _column_widths(texts: list[list[str]], chars_across: float) -> list[float]:
    """Each column's width in letters, as a browser lays out a table: every column at least as
    wide as its longest word, the rest shared in proportion to what each would need unwrapped."""
    n_columns = len(texts[0])
    longest = [max((len(t) for row in texts for t in [row[i]]), default=1) or 1 for i in range(n_columns)]
    shortest = [max((len(w) for row in texts for w in row[i].split()), default=1) or 1 for i in range(n_columns)]
    room = chars_across - _CELL_PADDING_CHARS * n_columns
    if sum(longest) <= room:
        return [float(n) for n in longest]
    spare = max(room - sum(shortest), 0)
    stretch = sum(n - m for n, m in zip(longest, shortest)) or 1
    return [m + spare * (n - m) / stretch for n, m in zip(longest, shortest)]


def _count_lines(text: str, width: float) -> int:
    return sum(max(1, -(-int(len(line) * _WRAP_SLACK) // max(int(width), 1))) for line in text.split("\n") or [""])


def estimate_table_lines(columns: list[str], rows: list[list[object]], *, is_dense: bool = False,
                         chars_across: float = TABLE_CHARS_ACROSS) -> tuple[float, list[float]]:
    """Return the height of a slide's table, in lines of its text: ``(header, [each row])``.

    >>> header, rows = estimate_table_lines(["No.", "Finding"], [["F1", "Short."], ["F2", "word " * 60]])
    >>> header, [round(r, 2) for r in rows]
    (1.67, [1.67, 3.67])
    """
    texts = [[_cell_text(c) for c in columns], *[[_cell_text(c) for c in row] for row in rows]]
    widths = _column_widths(texts, chars_across * (_DENSE_SCALE if is_dense else 1))
    padding = _ROW_PADDING_LINES[is_dense]
    heights = [max(_count_lines(t, w) for t, w in zip(row, widths)) + padding for row in texts]
    return heights[0], heights[1:]


def split_table_rows(columns: list[str], rows: list[list[object]], notes: list[str] = (), *, title: str = "",
                     lines_per_slide: float = TABLE_LINES_PER_SLIDE) -> list[list[list[object]]]:
    """Return the rows of a table in the parts that each fit one slide (one part when it fits).

    The header repeats on every part; the notes below the table and a title of more than one
    line take their room on each. Parts are about the same height. A row taller than a slide
    gets a slide of its own (the deck's script then sets it smaller on screen).

    >>> long = [[f"F{i}", "word " * 50] for i in range(12)]
    >>> [len(part) for part in split_table_rows(["No.", "Finding"], long)]
    [6, 6]
    >>> [len(part) for part in split_table_rows(["No.", "Finding"], long[:4])]
    [4]
    """
    rows = list(rows)
    if not rows:
        return [rows]
    room = lines_per_slide - sum(_count_lines(n, _NOTE_CHARS_ACROSS) * _NOTE_LINE + _NOTE_PADDING for n in notes)
    room -= (_count_lines(title, TITLE_CHARS_ACROSS) - 1) * _TITLE_LINE
    is_dense = len(rows) > DENSE_ROWS
    header, heights = estimate_table_lines(columns, rows, is_dense=is_dense)
    if header + sum(heights) <= room * (_DENSE_SCALE if is_dense else 1):
        return [rows]
    # too long even set smaller: parts at the normal size, about the same height each
    header, heights = estimate_table_lines(columns, rows)
    room -= header
    n_parts = max(2, -(-int(sum(heights) * 100) // int(max(room, 1) * 100)))
    target = sum(heights) / n_parts
    parts: list[list] = [[]]
    height = 0.0
    for row, row_height in zip(rows, heights):
        is_full = height + row_height > room or (height + row_height / 2 > target and len(parts) < n_parts)
        if parts[-1] and is_full:
            parts.append([])
            height = 0.0
        parts[-1].append(row)
        height += row_height
    return parts


def build_slides(guide: Guide) -> list[Slide]:
    """Return the deck's slides: the title, the key messages (those of the synthesis' key messages
    part, else its paragraphs flagged ``in_brief``), then one slide per figure or table flagged
    ``in_brief``, in the guide's order; a table too long for one slide goes over several
    (:func:`split_table_rows`), its header on each.

    >>> from mpanalysis.publish.regional.data import make_example_region
    >>> from mpanalysis.publish.regional.synthesis import build_regional_synthesis
    >>> guide = build_regional_synthesis(None, "fr", region=make_example_region())
    >>> [(s.kind, s.label) for s in build_slides(guide)][:4]
    [('title', ''), ('messages', ''), ('table', 'Tableau I.1'), ('figure', 'Figure I.1')]
    """
    from mpanalysis.guide.document import iter_blocks, number_guide, resolve_refs
    from mpanalysis.render.common import chapter_heading, load_texts

    numbering = number_guide(guide)
    texts = load_texts(guide.lang)
    slides = [Slide(kind="title", title=guide.title)]
    key_messages = [f"{b.headline} – {resolve_refs(b.text, numbering)}" for c in guide.chapters
                    for b in iter_blocks(c) if isinstance(b, KeyMessage)]
    messages = key_messages or [resolve_refs(b.text, numbering) for c in guide.chapters for b in iter_blocks(c)
                                if isinstance(b, Paragraph) and b.in_brief]
    if messages:
        slides.append(Slide(kind="messages", title=_t("slides.key_messages", guide.lang), items=tuple(messages)))
    for chapter in guide.chapters:
        heading = chapter_heading(chapter, texts)
        for block in iter_blocks(chapter):
            if not (isinstance(block, (Figure, Table)) and block.in_brief):
                continue
            title, label = resolve_refs(block.caption, numbering), numbering.labels[block.id]
            if isinstance(block, Figure):
                slides.append(Slide(kind="figure", title=title, chapter=heading, label=label, block=block))
                continue
            parts = split_table_rows(block.columns, block.rows, [resolve_refs(n, numbering) for n in block.notes],
                                     title=f"{title} (1 / 2)")
            for n, rows in enumerate(parts, start=1):
                slides.append(Slide(kind="table", title=title, chapter=heading, label=label,
                                    block=block if len(parts) == 1 else block.model_copy(update={"rows": rows}),
                                    part=(n, len(parts)) if len(parts) > 1 else None))
    return slides


def build_slides_html(guide: Guide, *, kind_label: str | None = None, marks: dict[str, str] | None = None,
                      images: dict[str, str] | None = None) -> str:
    """Return the slide deck of a guide as one self-contained HTML page that works offline.

    One ``<section class="slide">`` per slide; figures are drawn by ``Plotly.newPlot`` from JSON
    (plotly.js inlined once); arrows, Page Up/Down, Space, Home/End move between slides, Esc
    shows the overview; the address ends in ``#n`` for slide ``n``. The DRAFT and
    synthetic-data marks are on every slide.

    Other occasions reuse the deck: ``kind_label`` replaces the title slide's occasion line,
    ``marks`` the guide's fixed texts of the draft mark (``draft_mark``, ``draft_notice``: e.g.
    PRELIMINARY for the national workshop's deck); with ``images`` (``{figure id: data URI}``, static
    figures) the figures are images and plotly.js is left out: the page to print to PDF.

    >>> from mpanalysis.publish.regional.data import make_example_region
    >>> from mpanalysis.publish.regional.synthesis import build_regional_synthesis
    >>> page = build_slides_html(build_regional_synthesis(None, "en", region=make_example_region()))
    >>> page.count('<section class="slide '), "<script src=" in page, page.count("Plotly.newPlot(")
    (12, False, 1)
    """
    from jinja2 import Environment, FileSystemLoader, StrictUndefined
    from markupsafe import Markup

    from mpanalysis.guide.document import number_guide, resolve_refs
    from mpanalysis.render import common
    from mpanalysis.render.display import read_geo_stub, read_plotly_js
    from mpanalysis.render.html import dump_script_json
    from mpanalysis.render.static import apply_house_style

    lang = guide.lang
    texts = {**common.load_texts(lang), **(marks or {})}
    env = Environment(loader=FileSystemLoader(str(SLIDES_DIR)), autoescape=True, undefined=StrictUndefined)
    numbering = number_guide(guide)
    env.filters.update(
        typeset=lambda text: common.typeset(text, lang),
        plain=lambda text: common.typeset(resolve_refs(text, numbering), lang),
        cell=lambda value: common.format_cell(value, texts),
        figure_json=lambda figure: dump_script_json(_slide_figure(apply_house_style(figure.figure_dict(), lang))),
    )
    slides = build_slides(guide)
    slide_texts = {k: _t(f"slides.{k}", lang) for k in ("previous", "next", "hint", "deck_label", "overview")}
    part_of = _pick(_node("slides.part"), "slides.part", lang)
    return env.get_template("deck.html.j2").render(
        guide=guide, slides=slides, texts=texts, slide_texts=slide_texts,
        slide_of=_pick(_node("slides.slide_of"), "slides.slide_of", lang),
        part_of=lambda part: part_of.format(n=part[0], total=part[1]), dense_rows=DENSE_ROWS,
        draft_notice=common.get_draft_notice(guide, texts),
        kind_label=kind_label or _t("slides.occasion", lang), images=images,
        date=common.format_guide_date(guide, texts),
        numeric_columns=lambda table: [common.is_numeric_column(table, i) for i in range(len(table.columns))],
        css=Markup((SLIDES_DIR / "deck.css").read_text(encoding="utf-8")),
        script=Markup((SLIDES_DIR / "deck.js").read_text(encoding="utf-8")),
        geo_stub=Markup(read_geo_stub()), plotly_js=Markup("" if images else read_plotly_js()),
    )


def _slide_figure(figure: dict[str, Any]) -> dict[str, Any]:
    """A slide gives its figure the room left under the title: the figure's own size goes."""
    layout = dict(figure.get("layout", {}))
    layout.pop("height", None)
    layout.pop("width", None)
    layout["autosize"] = True
    return {"data": figure.get("data", []), "layout": layout}


def write_slides(guide: Guide, path: str | Path) -> Path:
    """Write the slide deck of a guide (:func:`build_slides_html`) atomically; return its path."""
    from mpanalysis.fileio import write_text_atomic

    return write_text_atomic(path, build_slides_html(guide))
