"""The guide in JupyterLab, and the chapter notebooks as the guide's analysis trail.

:func:`show_chapter` displays a chapter in a notebook as the HTML guide shows it: the guide's own
stylesheet (scoped to the chapter's output, so JupyterLab's interface keeps its look) styles the
finding boxes, callouts and tables; figures are interactive plotly figures.

:func:`export_analysis_trail` turns a country's executed chapter notebooks into HTML pages with the
code hidden (nbconvert), for researchers and reviewers who want to see how each chapter was
computed: ``outputs/<ISO3>/guides/analysis/<notebook>_<lang>.html``. The pages load plotly.js from
one copy beside them and fetch nothing from the network (no require.js, MathJax or Mermaid link).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from markupsafe import escape

from mpanalysis.guide.document import Chapter, Figure, Guide, iter_blocks, replace_refs

#: CSS class of the element that holds a chapter shown in a notebook (the guide's CSS is scoped to it).
SCOPE_CLASS = "mp-guide"
TRAIL_TEMPLATE = "analysis_trail"
TRAIL_PLOTLY_JS = "plotly.min.js"


@lru_cache(maxsize=1)
def build_scoped_guide_css() -> str:
    """Return the guide's stylesheet with every rule limited to ``.mp-guide`` elements.

    ``:root``, ``html`` and ``body`` become the scope itself; print-only rules are left out.

    >>> css = build_scoped_guide_css()
    >>> ".mp-guide .callout-finding" in css, "\\nh3 {" in css, ".mp-guide {" in css
    (True, False, True)
    """
    import tinycss2

    from mpanalysis.render.html import _read_css

    out = []
    notebook_css = (Path(__file__).parent / "assets" / "notebook.css").read_text(encoding="utf-8")
    for rule in tinycss2.parse_stylesheet(_read_css("screen"), skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue  # @media print, @page: not for a notebook
        selectors = []
        for selector in tinycss2.serialize(rule.prelude).split(","):
            selector = selector.strip()
            head, _, rest = selector.partition(" ")
            if head in {":root", "html", "body"}:
                selectors.append(f".{SCOPE_CLASS} {rest}".rstrip())
            else:
                selectors.append(f".{SCOPE_CLASS} {selector}")
        out.append(f"{', '.join(selectors)} {{{tinycss2.serialize(rule.content)}}}")
    return "\n".join([*out, notebook_css])


def _escape(text: str) -> str:
    return str(escape(text))


def _preview_guide(chapter: Chapter, lang: str) -> Guide:
    """A one-chapter guide, only so figures and tables get the numbers the full guide gives them."""
    # citations of other chapters' figures cannot be numbered in a one-chapter preview: left out
    own = {block.id for block in iter_blocks(chapter) if getattr(block, "id", None)}
    chapter = replace_refs(chapter, lambda kind, block_id: None if block_id in own else "")
    return Guide(country="SEN", country_name="-", lang=lang, title="-", date=dt.date.today(),
                 chapters=[chapter])


def build_chapter_fragments(chapter: Chapter, lang: str = "fr") -> list[str | Figure]:
    """Return a chapter as a notebook shows it: HTML fragments (in the guide's style, wrapped in
    ``.mp-guide``) and, between them, the figures to draw with plotly.

    >>> from mpanalysis.guide.document import Callout, Paragraph
    >>> ch = Chapter(number="II", key="x", title="Réseau", blocks=[
    ...     Paragraph(text="<b>brut</b>"), Callout(kind="finding", text="Un constat.")])
    >>> parts = build_chapter_fragments(ch, "fr")
    >>> "&lt;b&gt;brut&lt;/b&gt;" in parts[1], 'class="callout callout-finding"' in parts[1]
    (True, True)
    """
    from mpanalysis.render.html import render_blocks_fragment

    guide = _preview_guide(chapter, lang)
    chapter = guide.chapters[0]

    def wrap(html: str) -> str:
        return f'<div class="{SCOPE_CLASS}">{html}</div>'

    parts: list[str | Figure] = [wrap(
        f'<h2 class="chapter-title"><span class="chapter-number">{chapter.number}.</span> '
        f'{_escape(chapter.title)}</h2>'
        + (f'<p class="chapter-intro">{_escape(chapter.intro)}</p>' if chapter.intro else ""))]

    def add_blocks(blocks: list, heading: str | None, depth: int) -> None:
        if heading:
            parts.append(wrap(f"<h{depth}>{_escape(heading)}</h{depth}>"))
        pending: list = []
        for block in blocks:
            if isinstance(block, Figure):
                if pending:
                    parts.append(wrap(render_blocks_fragment(pending, guide)))
                    pending = []
                parts.append(block)
                parts.append(wrap(f'<p class="block-note"><strong>{_escape(block.caption)}</strong></p>'))
            else:
                pending.append(block)
        if pending:
            parts.append(wrap(render_blocks_fragment(pending, guide)))

    add_blocks(chapter.blocks, None, 3)
    stack = [(s, 3) for s in chapter.sections]
    while stack:
        section, depth = stack.pop(0)
        add_blocks(section.blocks, section.title, depth)
        stack[0:0] = [(child, min(depth + 1, 6)) for child in section.sections]
    return parts


def show_chapter(chapter: Chapter, lang: str = "fr") -> None:
    """Display a chapter in JupyterLab as the guide shows it: escaped text, finding boxes and
    tables in the guide's style, figures as interactive plotly figures (JupyterLab draws them)."""
    from IPython.display import HTML, display

    from mpanalysis.render.display import display_figure

    display(HTML(f"<style>{build_scoped_guide_css()}</style>"))
    for part in build_chapter_fragments(chapter, lang):
        if isinstance(part, Figure):
            display_figure(part.figure_dict())
        else:
            display(HTML(part))


# --------------------------------------------------------------------------------------------
# The analysis trail: executed notebooks as HTML pages, code hidden


# One exporter per process, its templates compiled once (0.3 s each time otherwise); it registers
# filters on itself as it converts, so the languages' renders take turns with it.
_trail_lock = threading.Lock()


@lru_cache(maxsize=1)
def _trail_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name=TRAIL_TEMPLATE,
                        extra_template_basedirs=[str(Path(__file__).parent / "templates")],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)


def _is_plotly_js_output(output: dict) -> bool:
    html = output.get("data", {}).get("text/html", "")
    text = "".join(html) if isinstance(html, list) else str(html)
    return text.startswith("<script>window.PlotlyConfig")


def export_analysis_trail(notebooks: Iterable[Path], folder: Path, lang: str) -> list[Path]:
    """Write each executed notebook as ``<folder>/<notebook>_<lang>.html`` with the code hidden,
    and ``plotly.min.js`` once beside them; return the paths written.

    The notebooks' own copy of plotly.js (one 4.6 MB output each) is replaced by the shared file,
    so a country's trail weighs one plotly.js, not eight. Files are written atomically.
    """
    import nbformat

    from mpanalysis.fileio import write_text_atomic
    from mpanalysis.render.display import read_plotly_js

    folder = Path(folder)
    exporter = _trail_exporter()
    written = []
    for path in notebooks:
        notebook = nbformat.read(str(path), as_version=4)
        for cell in notebook.cells:
            if cell.get("cell_type") == "code":
                cell["outputs"] = [o for o in cell.get("outputs", []) if not _is_plotly_js_output(o)]
        notebook.metadata["title"] = f"{path.stem} ({lang})"
        with _trail_lock:
            body, _ = exporter.from_notebook_node(notebook, resources={"plotly_js": TRAIL_PLOTLY_JS,
                                                                       "language_code": lang})
        written.append(write_text_atomic(folder / f"{path.stem}_{lang}.html", body))
    if written:
        target = folder / TRAIL_PLOTLY_JS
        if not target.is_file() or target.stat().st_size != len(read_plotly_js().encode("utf-8")):
            written.append(write_text_atomic(target, read_plotly_js()))
        else:
            written.append(target)
    return written
