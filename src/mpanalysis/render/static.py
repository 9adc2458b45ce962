"""Static images of the guide's figures (SVG for the PDF, PNG for the DOCX) through kaleido.

kaleido drives the system Chromium. Starting it costs seconds, so one server is started per
process, on first use, and reused for every figure (~0.2 s each); a server another module
started (e.g. :mod:`mpanalysis.guide.figures`) is reused as is. Geo figures would make plotly.js fetch
``world_110m.json`` from its CDN: each export points plotly's ``topojsonURL`` at an empty base map
held in a ``data:`` URL, so it works whoever started the server (the HTML guide defines the same
empty map with ``assets/geo_stub.js``).
"""

from __future__ import annotations

import copy
import json
import os
import re
import threading
import urllib.parse
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from mpanalysis.errors import MpanalysisError
from mpanalysis.guide.document import DocumentError, Figure
from mpanalysis.wording.typography import plotly_separators

ASSETS_DIR = Path(__file__).parent / "assets"
GEO_STUB_PATH = ASSETS_DIR / "geo_stub.js"

#: Size of a static figure when its layout gives none: at A4 text width (~170 mm) this keeps
#: plotly's 12 px labels at a readable ~8 pt.
DEFAULT_WIDTH_PX = 720
DEFAULT_HEIGHT_PX = 430
#: The guide's typeface first; Chromium and weasyprint fall back to DejaVu for missing glyphs.
FONT_FAMILY = "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif"

#: An empty world base map as a URL prefix: plotly.js appends "world_110m.json", which lands in
#: the fragment and is ignored.
EMPTY_TOPOJSON_URL = "data:application/json," + urllib.parse.quote(
    json.dumps({"type": "Topology", "objects": {}, "arcs": []})) + "#"

_lock = threading.Lock()


def read_geo_stub() -> str:
    """Return the script that gives plotly.js an empty world base map (no CDN fetch).

    >>> "PlotlyGeoAssets" in read_geo_stub()
    True
    """
    return GEO_STUB_PATH.read_text(encoding="utf-8")


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


#: A line of plotly's multi-line text whose words all sit in a styled element (``<b>…</b>``):
#: the line's own ``tspan`` holds no text of its own.
_STYLED_LINE = re.compile(rb'(<tspan class="line"[^>]*>)(?=<tspan)')


def fix_svg_for_weasyprint(svg: bytes) -> bytes:
    """Return plotly's SVG with each styled text line anchored where weasyprint expects it.

    plotly writes a line break as ``<tspan class="line" x=… y=… dy="2.6em">`` and a styled line
    as a ``tspan`` inside it. weasyprint moves a line that has no text of its own by its ``dy``
    and then its child by the previous line's ``dy`` again, so an italic or bold line after a
    break lands lines below where Chromium draws it (over a circle, under an axis title). An
    invisible zero-width space gives the line text of its own, which weasyprint places right.

    >>> fix_svg_for_weasyprint(b'<tspan class="line" dy="1.3em"><tspan style="font-style:italic">a</tspan>')
    ... # doctest: +ELLIPSIS
    b'<tspan class="line" dy="1.3em">\xe2\x80\x8b<tspan style=...'
    """
    return _STYLED_LINE.sub(lambda match: match.group(1) + "\u200b".encode("utf-8"), svg)


def start_figure_server() -> None:
    """Start the process's kaleido server if none runs yet (idempotent, thread-safe)."""
    import shutil

    import kaleido

    with _lock:
        if kaleido._global_server.is_running():  # started here or by another module: reuse it
            return
        if not any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")) \
                and not os.environ.get("BROWSER_PATH"):
            raise MpanalysisError("static figures (PDF, DOCX) need Chromium: install the Debian "
                                  "package 'chromium' (scripts/install-system-deps.sh does it)")
        kaleido.start_sync_server(n=1, mathjax=False, silence_warnings=True)


def build_static_figure(figure: Figure, fmt: Literal["svg", "png"], lang: str,
                        scale: float = 1.0) -> bytes:
    """Return a static image of a guide figure for paper (SVG text as UTF-8 bytes, or PNG): its
    print drawing when it has one (:attr:`Figure.print_figure`).

    Images are cached per process: the PDF and the DOCX of several languages reuse them.
    """
    styled = apply_house_style(figure.figure_dict(is_print=True), lang)
    try:
        image = _build_image(json.dumps(styled, sort_keys=True), fmt, scale)
        return fix_svg_for_weasyprint(image) if fmt == "svg" else image
    except MpanalysisError:
        raise
    except Exception as exc:  # kaleido/plotly.js errors: say which figure, keep the cause
        raise DocumentError(f"figure '{figure.id}' could not be drawn as {fmt.upper()}: {exc}") from exc


@lru_cache(maxsize=256)
def _build_image(figure_json: str, fmt: str, scale: float) -> bytes:
    import kaleido

    start_figure_server()
    figure = json.loads(figure_json)
    layout = figure.get("layout", {})
    options = {"format": fmt, "scale": scale,
               "width": int(layout.get("width") or DEFAULT_WIDTH_PX),
               "height": int(layout.get("height") or DEFAULT_HEIGHT_PX)}
    with _lock:
        return kaleido.calc_fig_sync(figure, opts=options, topojson=EMPTY_TOPOJSON_URL)
