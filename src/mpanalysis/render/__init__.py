"""Renderers of the guide: one document model (:mod:`mpanalysis.guide.document`), three formats.

- :func:`render_html` — one self-contained HTML file, interactive figures, works offline;
- :func:`render_pdf` — A4 PDF printed by headless Chromium from the HTML guide (figures drawn
  in the page, running headers, page numbers, bookmarks, tagged PDF);
- :func:`render_docx` — an editable Word document with real styles, PNG figures.

All three print the same headings, the same figure and table labels (:func:`number_guide`), the
same cover and provenance, and the DRAFT/PROJET and synthetic-data marks on every page.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mpanalysis.errors import MpanalysisError
from mpanalysis.guide.document import Guide
from mpanalysis.render.docx import render_docx
from mpanalysis.render.html import build_html, render_html
from mpanalysis.render.pdf import render_pdf

__all__ = ["FORMATS", "build_html", "render_docx", "render_guide", "render_html", "render_pdf"]

#: Output formats and the function writing each.
FORMATS = {"html": render_html, "pdf": render_pdf, "docx": render_docx}


def render_guide(guide: Guide, folder: str | Path, stem: str,
                 formats: tuple[str, ...] = ("html", "pdf", "docx")) -> dict[str, Path]:
    """Write the guide in each format as ``folder/stem.<format>``; return ``{format: path}``.

    >>> import tempfile
    >>> from mpanalysis.guide.document import Chapter
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide",
    ...           date="2025-01-31", chapters=[Chapter(number="I", key="a", title="A")])
    >>> sorted(render_guide(g, tempfile.mkdtemp(), "guide_fr", ("html", "docx")))
    ['docx', 'html']
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise MpanalysisError(f"unknown guide format(s) {unknown}: choose among {sorted(FORMATS)}")
    if len(formats) == 1:
        return {formats[0]: FORMATS[formats[0]](guide, Path(folder) / f"{stem}.{formats[0]}")}
    # side by side: while Chromium prints the PDF (another process), this one builds the DOCX;
    # the browser's own calls are serialised by the printer
    with ThreadPoolExecutor(max_workers=len(formats), thread_name_prefix="render") as pool:
        futures = {fmt: pool.submit(FORMATS[fmt], guide, Path(folder) / f"{stem}.{fmt}") for fmt in formats}
        return {fmt: future.result() for fmt, future in futures.items()}
