"""The PDF guide: the HTML template in print mode, printed on A4 by Chromium.

Figures become static SVG (text stays selectable and sharp); the running header names the
country, the edition and the chapter, the footer numbers pages ("Page 3 / 24"), and the
DRAFT/PROJET and synthetic-data marks sit in the margins of every page. The table of contents
gets its page numbers from a first print (:mod:`mpanalysis.render.printer`), or from the previous
PDF of the same guide when the new print confirms them.
"""

from __future__ import annotations

import base64
from pathlib import Path

from mpanalysis.fileio import write_bytes_atomic
from mpanalysis.guide.document import Guide
from mpanalysis.render import common
from mpanalysis.render.html import build_html
from mpanalysis.render.printer import print_pdf, read_destination_pages
from mpanalysis.render.static import build_static_figures


def build_static_images(guide: Guide, fmt: str = "svg") -> dict[str, str]:
    """Return ``{figure id: data URI}`` of every figure of the guide as a static image."""
    figures = common.list_figures(guide)
    # PNG at twice the size: the same image the DOCX uses, sharp when printed
    images = build_static_figures(figures, fmt, guide.lang, scale=1.0 if fmt == "svg" else 2.0)
    mime = "image/svg+xml" if fmt == "svg" else "image/png"
    return {figure.id: f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
            for figure, data in zip(figures, images)}


def build_pdf(guide: Guide, figure_format: str = "svg", previous: Path | None = None) -> bytes:
    """Return the guide as PDF bytes (tagged, with an outline of its headings).

    SVG figures keep their text sharp and selectable; ``figure_format="png"`` reuses the DOCX's
    images. ``previous`` is the last PDF of this guide, if any: where its headings fell is the
    first guess for the table of contents (checked against the new print).
    """
    known_pages = read_destination_pages(previous) if previous is not None and previous.is_file() else None
    return print_pdf(build_html(guide, "print", build_static_images(guide, figure_format)), known_pages)


def render_pdf(guide: Guide, path: str | Path, figure_format: str = "svg") -> Path:
    """Write the guide as an A4 PDF (static figures, page numbers, marks on every page).

    >>> import tempfile, pathlib
    >>> from mpanalysis.guide.document import Chapter, Paragraph
    >>> g = Guide(country="SEN", country_name="Sénégal", lang="fr", title="Guide", date="2025-01-31",
    ...           chapters=[Chapter(number="I", key="a", title="Gestion des frontières",
    ...                             blocks=[Paragraph(text="« Œuvre »")])])
    >>> render_pdf(g, pathlib.Path(tempfile.mkdtemp()) / "guide.pdf").read_bytes()[:5]
    b'%PDF-'
    """
    return write_bytes_atomic(path, build_pdf(guide, figure_format, previous=Path(path)))
