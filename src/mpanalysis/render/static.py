"""Static images of the guide's figures (SVG for the PDF, PNG for the DOCX).

plotly.js draws them in the process's Chromium (:mod:`mpanalysis.render.printer`), a whole
guide's figures in one call; the page that draws them holds the empty world base map
(``assets/geo_stub.js``), so a map never makes plotly.js fetch ``world_110m.json`` from its CDN.
Images are cached for the process: the PDF and the DOCX, the full and the brief guide, reuse them.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from mpanalysis.errors import MpanalysisError
from mpanalysis.guide.document import DocumentError, Figure
from mpanalysis.wording.typography import plotly_separators

ASSETS_DIR = Path(__file__).parent / "assets"

#: Size of a static figure when its layout gives none: at A4 text width (~170 mm) this keeps
#: plotly's 12 px labels at a readable ~8 pt.
DEFAULT_WIDTH_PX = 720
DEFAULT_HEIGHT_PX = 430
#: The guide's typeface first; Chromium falls back to DejaVu for missing glyphs.
FONT_FAMILY = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"
#: How many images the process keeps (a region's guides draw a few hundred).
CACHE_SIZE = 512
#: Scale of the DOCX's PNG figures: twice the CSS size, about 215 dpi at A4 text width.
DOCX_PNG_SCALE = 2.0

_lock = threading.Lock()
_cache: dict[tuple[str, str, float], bytes] = {}


def apply_house_style(figure: dict[str, Any], lang: str) -> dict[str, Any]:
    """Return a copy of a plotly figure dict with the guide's font and the language's number
    separators, where the figure does not set its own.

    >>> fig = apply_house_style({"data": [], "layout": {}}, "fr")
    >>> fig["layout"]["separators"], fig["layout"]["font"]["family"].split(",")[0]
    (', ', 'Liberation Sans')
    >>> apply_house_style({"data": [], "layout": {"separators": ".,"}}, "fr")["layout"]["separators"]
    '.,'
    """
    styled = copy.deepcopy(figure)
    layout = styled.setdefault("layout", {})
    font = layout.setdefault("font", {})
    font.setdefault("family", FONT_FAMILY)
    # the decimal mark and thousands separator readers of the language expect (babel's locale)
    layout.setdefault("separators", plotly_separators(lang))
    return styled


def build_static_figures(figures: Sequence[Figure], fmt: Literal["svg", "png"], lang: str,
                         scale: float = 1.0) -> list[bytes]:
    """Return static images of guide figures for paper (SVG text as UTF-8 bytes, or PNG), their
    print drawing when they have one (:attr:`Figure.print_figure`), in the order given.

    The figures not yet drawn in this process are drawn in one call to Chromium. A PNG is the
    figure's SVG drawn on a canvas (what ``Plotly.toImage`` does itself after laying the figure
    out again), so the PDF's and the DOCX's images of a figure cost one plotly.js layout.
    """
    styled = []
    for figure in figures:
        paper = apply_house_style(figure.figure_dict(is_print=True), lang)
        layout = paper.setdefault("layout", {})
        layout["width"] = int(layout.get("width") or DEFAULT_WIDTH_PX)
        layout["height"] = int(layout.get("height") or DEFAULT_HEIGHT_PX)
        styled.append(paper)
    try:
        return _draw_styled(styled, fmt, scale)
    except MpanalysisError as exc:
        names = ", ".join(f.id for f in figures)
        raise DocumentError(f"figures {names} could not be drawn as {fmt.upper()}: {exc}") from exc


def _draw_styled(styled: list[dict[str, Any]], fmt: str, scale: float) -> list[bytes]:
    """Return images of figure dicts styled and sized for paper: from the cache, or drawn (the
    missing ones in one call to Chromium; a PNG from the figure's SVG)."""
    keys = [(json.dumps(figure, sort_keys=True), fmt, float(scale)) for figure in styled]
    styled_of = dict(zip(keys, styled))
    with _lock:
        found = {k: _cache[k] for k in keys if k in _cache}
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    if missing:
        from mpanalysis.render.printer import draw_figures, rasterize_svgs

        figures = [styled_of[k] for k in missing]
        if fmt == "png":
            svgs = _draw_styled(figures, "svg", 1.0)
            images = rasterize_svgs([svg.decode("utf-8") for svg in svgs],
                                    [(f["layout"]["width"], f["layout"]["height"]) for f in figures], scale)
        else:
            images = draw_figures(figures, fmt, scale)
        found.update(zip(missing, images))
        with _lock:
            if len(_cache) + len(missing) > CACHE_SIZE:
                _cache.clear()
            _cache.update(zip(missing, images))
    return [found[k] for k in keys]


def build_static_figure(figure: Figure, fmt: Literal["svg", "png"], lang: str,
                        scale: float = 1.0) -> bytes:
    """Return a static image of one guide figure (see :func:`build_static_figures`)."""
    return build_static_figures([figure], fmt, lang, scale)[0]


def draw_figures_ahead(figures: Sequence[Figure], lang: str, formats: Sequence[str]) -> int:
    """Draw the static images the ``formats`` ("pdf", "docx") will need of these figures now, into
    this process's cache, and return how many figures were drawn; rendering the guides later
    finds them there. The batch calls it for each chapter as soon as its notebook has run.

    A figure that cannot be drawn is left for the guide's own rendering to report.
    """
    figures = list(figures)
    if not figures:
        return 0
    try:
        if "pdf" in formats or "docx" in formats:
            build_static_figures(figures, "svg", lang)
        if "docx" in formats:
            build_static_figures(figures, "png", lang, scale=DOCX_PNG_SCALE)
    except DocumentError:
        return 0
    return len(figures)
