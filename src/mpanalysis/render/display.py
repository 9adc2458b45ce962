"""Showing figures in a notebook without plotly's ``fig.show()`` machinery.

``fig.show()`` (and ``display(fig)``) checks that ``nbformat`` is installed before it displays a
figure; importing ``nbformat`` imports ``jsonschema``, whose format checker imports the optional
``rfc3987_syntax`` and builds some forty grammars: about 1.2 s per kernel, for nothing the guides
use. The figure's MIME bundle is built here instead, from the same public plotly functions, and
handed to IPython directly. The bundle also carries an HTML rendering without a MathJax CDN link,
so an executed notebook exported to HTML stays offline (plotly.js itself is embedded once by the
notebook's import cell).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

#: The MIME type JupyterLab draws natively as an interactive plotly figure.
PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"


def make_figure_bundle(figure: Any) -> dict[str, Any]:
    """Return the MIME bundle of a plotly figure (or figure dict) for IPython's ``display``.

    >>> bundle = make_figure_bundle({"data": [{"type": "bar", "x": ["a"], "y": [1]}], "layout": {}})
    >>> sorted(bundle)
    ['application/vnd.plotly.v1+json', 'text/html']
    >>> bundle[PLOTLY_MIMETYPE]["data"][0]["type"], "cdn" in bundle["text/html"]
    ('bar', False)
    """
    import plotly.io as pio

    # to_json turns numpy arrays and dates into plain JSON, as plotly's own renderer does
    as_json = json.loads(pio.to_json(figure, validate=False, remove_uids=False))
    html = pio.to_html(figure, include_plotlyjs=False, include_mathjax=False, full_html=False,
                       validate=False, default_width="100%")
    return {PLOTLY_MIMETYPE: as_json, "text/html": html}


def display_figure(figure: Any) -> None:
    """Display a plotly figure (or figure dict) in the running notebook (see module doc)."""
    from IPython.display import display

    display(make_figure_bundle(figure), raw=True)


@lru_cache(maxsize=1)
def read_plotly_js() -> str:
    """Return plotly.js as shipped with plotly (~4.6 MB: read once per process, for every
    notebook, guide, synthesis and atlas that embeds or copies it).

    >>> read_plotly_js() is read_plotly_js(), "Plotly" in read_plotly_js()[:2000]
    (True, True)
    """
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def make_plotly_js_html() -> str:
    """Return the HTML that defines ``window.Plotly`` from the plotly.js shipped with plotly.

    >>> html = make_plotly_js_html()
    >>> html.startswith("<script>window.PlotlyConfig"), "cdn.plot.ly" in html[:200], len(html) > 1_000_000
    (True, False, True)
    """
    # MathJaxConfig 'local': plotly.js must not look for MathJax on a CDN
    return ("<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>"
            f"<script>{read_plotly_js()}</script>")


#: Set by the batch for the kernels it starts: their executed notebooks become the analysis
#: trail, which shares one plotly.js file, so they do not each carry a copy (4.6 MB per notebook
#: to send, write and read back).
SHARED_PLOTLY_JS_VARIABLE = "MPANALYSIS_SHARED_PLOTLY_JS"


def enable_offline_figures() -> None:
    """Embed plotly.js once in the notebook, so that its figures also draw in an HTML export read
    offline; call it in a notebook's import cell, before any figure.

    Does the same as ``plotly.io.renderers.default = "plotly_mimetype+notebook"`` without
    touching plotly's renderers (whose module imports ``nbformat``, see the module doc). In a
    kernel started by the batch (see :data:`SHARED_PLOTLY_JS_VARIABLE`) it does nothing: the
    analysis trail's pages load the copy of plotly.js written beside them.
    """
    import os

    from IPython.display import HTML, display

    if os.environ.get(SHARED_PLOTLY_JS_VARIABLE):
        return
    display(HTML(make_plotly_js_html()))


def read_geo_stub() -> str:
    """Return the script that gives plotly.js an empty world base map (no CDN fetch).

    >>> "PlotlyGeoAssets" in read_geo_stub()
    True
    """
    return (Path(__file__).parent / "assets" / "geo_stub.js").read_text(encoding="utf-8")
