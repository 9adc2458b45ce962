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
    """One slide: ``kind`` is ``title``, ``messages``, ``figure`` or ``table``."""

    kind: str
    title: str
    chapter: str = ""
    label: str = ""
    block: Any = None
    items: tuple[str, ...] = ()


def build_slides(guide: Guide) -> list[Slide]:
    """Return the deck's slides: the title, the key messages (those of the synthesis' key messages
    part, else its paragraphs flagged ``in_brief``), then one slide per figure or table flagged
    ``in_brief``, in the guide's order.

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
            if isinstance(block, (Figure, Table)) and block.in_brief:
                slides.append(Slide(kind=block.type, title=resolve_refs(block.caption, numbering),
                                    chapter=heading, label=numbering.labels[block.id], block=block))
    return slides


def build_slides_html(guide: Guide) -> str:
    """Return the slide deck of a guide as one self-contained HTML page that works offline.

    One ``<section class="slide">`` per slide; figures are drawn by ``Plotly.newPlot`` from JSON
    (plotly.js inlined once); arrows, Page Up/Down, Space, Home/End move between slides, Esc
    shows the overview; the address ends in ``#n`` for slide ``n``. The DRAFT and
    synthetic-data marks are on every slide.

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
    texts = common.load_texts(lang)
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
    return env.get_template("deck.html.j2").render(
        guide=guide, slides=slides, texts=texts, slide_texts=slide_texts,
        slide_of=_pick(_node("slides.slide_of"), "slides.slide_of", lang),
        draft_notice=common.get_draft_notice(guide, texts),
        kind_label=_t("slides.occasion", lang),
        date=common.format_guide_date(guide, texts),
        numeric_columns=lambda table: [common.is_numeric_column(table, i) for i in range(len(table.columns))],
        css=Markup((SLIDES_DIR / "deck.css").read_text(encoding="utf-8")),
        script=Markup((SLIDES_DIR / "deck.js").read_text(encoding="utf-8")),
        geo_stub=Markup(read_geo_stub()), plotly_js=Markup(read_plotly_js()),
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
