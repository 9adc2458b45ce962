"""The PDF guide: the HTML template in print mode, paginated by weasyprint on A4.

Figures become static SVG through the process's kaleido server (text stays selectable and sharp);
the running header names the country and edition, the footer numbers pages ("Page 3 / 24"), and
the DRAFT/PROJET and synthetic-data marks sit in the margins of every page. The table of contents
gets page numbers from weasyprint's ``target-counter``.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

from mpanalysis.fileio import write_bytes_atomic
from mpanalysis.guide.document import Figure, Guide, iter_blocks
from mpanalysis.render import common
from mpanalysis.render.html import build_html
from mpanalysis.render.static import build_static_figure


def build_static_images(guide: Guide, fmt: str = "svg") -> dict[str, str]:
    """Return ``{figure id: data URI}`` of every figure of the guide as a static image."""
    images = {}
    for chapter, _ in common.iter_parts(guide):
        for block in iter_blocks(chapter):
            if isinstance(block, Figure):
                # PNG at twice the size: the same image the DOCX uses, sharp when printed
                data = build_static_figure(block, fmt, guide.lang, scale=1.0 if fmt == "svg" else 2.0)
                mime = "image/svg+xml" if fmt == "svg" else "image/png"
                images[block.id] = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return images


def build_pdf(guide: Guide, figure_format: str = "svg") -> bytes:
    """Return the guide as PDF bytes.

    SVG figures keep their text sharp and selectable; ``figure_format="png"`` reuses the DOCX's
    images and renders faster, at the cost of that.
    """
    return build_pdf_from_html(build_html(guide, "print", build_static_images(guide, figure_format)))


def build_pdf_from_html(page: str) -> bytes:
    """Return a self-contained print page (figures as data: images) as tagged PDF bytes.

    >>> build_pdf_from_html("<p>« Œuvre »</p>")[:5]
    b'%PDF-'
    """
    import weasyprint

    # weasyprint logs every CSS property it ignores at WARNING; the guide's CSS is deliberate.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    # Only the page's own data: images may load: nothing in a guide can make weasyprint read a
    # local file or the network.
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, timeout=5)
    document = weasyprint.HTML(string=page, base_url="data:,", url_fetcher=fetcher)
    # A tagged PDF carries the headings, tables and the figures' alt texts for screen readers.
    return document.write_pdf(pdf_tags=True)


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
    return write_bytes_atomic(path, build_pdf(guide, figure_format))
