"""Chapters shown in JupyterLab as the guide shows them (the chapter notebooks' display)."""

from __future__ import annotations

from mpanalysis.guide.document import Chapter


def show_chapter(chapter: Chapter, lang: str = "fr") -> None:
    """Display a chapter in JupyterLab as the guide shows it: escaped text and tables in the
    guide's style, figures as interactive plotly figures (JupyterLab draws them natively)."""
    from IPython.display import HTML, display

    from mpanalysis.guide.document import Figure
    from mpanalysis.render.display import display_figure
    from mpanalysis.render.html import render_blocks_fragment

    guide = _preview_guide(chapter, lang)
    chapter = guide.chapters[0]
    display(HTML(f"<h2>{chapter.number}. {_escape(chapter.title)}</h2>"
                 + (f"<p><em>{_escape(chapter.intro)}</em></p>" if chapter.intro else "")))

    def show_blocks(blocks: list, heading: str | None, depth: int) -> None:
        if heading:
            display(HTML(f"<h{depth}>{_escape(heading)}</h{depth}>"))
        pending: list = []
        for block in blocks:
            if isinstance(block, Figure):
                if pending:
                    display(HTML(render_blocks_fragment(pending, guide)))
                    pending = []
                display_figure(block.figure_dict())
                display(HTML(f"<p><strong>{_escape(block.caption)}</strong></p>"))
            else:
                pending.append(block)
        if pending:
            display(HTML(render_blocks_fragment(pending, guide)))

    show_blocks(chapter.blocks, None, 3)
    stack = [(s, 3) for s in chapter.sections]
    while stack:
        section, depth = stack.pop(0)
        show_blocks(section.blocks, section.title, depth)
        stack[0:0] = [(child, min(depth + 1, 6)) for child in section.sections]


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def _preview_guide(chapter: Chapter, lang: str):
    """A one-chapter guide, only so figures and tables get the numbers the full guide gives them."""
    import datetime as dt

    from mpanalysis.guide.document import Guide, iter_blocks, replace_refs

    # citations of other chapters' figures cannot be numbered in a one-chapter preview: left out
    own = {block.id for block in iter_blocks(chapter) if getattr(block, "id", None)}
    chapter = replace_refs(chapter, lambda kind, block_id: None if block_id in own else "")
    return Guide(country="SEN", country_name="-", lang=lang, title="-", date=dt.date.today(),
                 chapters=[chapter])
