"""One headless Chromium per process: the guide's static figures and its PDF.

The PDF is the print-mode HTML printed by Chromium (``Page.printToPDF``): paged-media CSS with
margin boxes (running header, page numbers, DRAFT mark), named pages for each chapter's running
title, a tagged PDF with an outline. Chromium has no ``target-counter()``, so the table of
contents gets its page numbers in two passes: the first print's named destinations (Chromium
names each link target after its ``id``) say on which page every heading fell; the numbers are
written into the table of contents, whose width was reserved in the first pass, and the page is
printed again. A guide printed before gives its previous PDF's page numbers as a first guess:
when the first print confirms every one of them, it is the PDF and the second pass is saved.

Static figures (SVG for the PDF, PNG for the DOCX) are drawn by plotly.js in a page of the same
browser that holds plotly.js and the empty world base map (no CDN fetch): ``Plotly.toImage`` for
a whole guide's figures in one call, instead of one kaleido round trip per figure.

Chromium starts once (~0.6 s) and stays for the process's life: the batch starts it while the
notebooks run (:func:`start_printer_in_background`). Every page is loaded from a temporary file
with the network blocked (:data:`~mpanalysis.render.browser.OFFLINE_FLAGS`).
"""

from __future__ import annotations

import atexit
import base64
import io
import json
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from mpanalysis.errors import MpanalysisError
from mpanalysis.render.browser import _DevTools, find_chromium

#: Options of every print: A4 from the page's CSS, backgrounds, a tagged PDF with an outline.
PRINT_OPTIONS = {"printBackground": True, "preferCSSPageSize": True, "generateTaggedPDF": True,
                 "generateDocumentOutline": True, "transferMode": "ReturnAsBase64"}
#: Written into each table-of-contents entry before the first pass: the width of a page number.
PAGE_PLACEHOLDER = "000"

_lock = threading.RLock()
_state: dict[str, Any] = {"printer": None}


class _Printer(_DevTools):
    """A headless Chromium with two pages: one for figures (plotly.js loaded once), one to print."""

    def __init__(self) -> None:
        super().__init__(width=1200, height=900, timeout_s=120)
        self._folder = Path(tempfile.mkdtemp(prefix="mpanalysis-print-"))
        self._figure_session = self._session  # the page _DevTools opened holds plotly.js
        self._load_figure_page()

    def _new_page(self) -> tuple[str, str]:
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        return target, self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def _evaluate_in(self, session: str, expression: str, *, await_promise: bool = False) -> Any:
        result = self._call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                 "awaitPromise": await_promise}, session)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise MpanalysisError(f"Chromium could not draw or print the guide: {text}")
        return result.get("result", {}).get("value")

    def _load_figure_page(self) -> None:
        from mpanalysis.render.display import make_plotly_js_html, read_geo_stub

        page = self._folder / "figures.html"
        page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><script>{read_geo_stub()}</script>"
                        f"{make_plotly_js_html()}</head><body></body></html>", encoding="utf-8")
        self._navigate(self._figure_session, page)

    def _navigate(self, session: str, path: Path) -> None:
        self._call("Page.navigate", {"url": path.resolve().as_uri()}, session)
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self._evaluate_in(session, "document.readyState") == "complete":
                return
            time.sleep(0.02)
        raise MpanalysisError(f"Chromium did not finish loading {path.name} in {self.timeout_s} s")

    def draw_figures(self, figures: list[dict], fmt: str, scale: float) -> list[bytes]:
        """Return each plotly figure dict (with ``layout.width``/``height`` set) as SVG or PNG bytes."""
        specs = json.dumps([{"data": f.get("data", []), "layout": f.get("layout", {}),
                             "width": int(f["layout"]["width"]), "height": int(f["layout"]["height"])}
                            for f in figures])
        script = f"""(async () => {{
            const out = [];
            for (const f of {specs}) {{
                out.push(await Plotly.toImage({{data: f.data, layout: f.layout, config: {{mathjax: false}}}},
                    {{format: {json.dumps(fmt)}, width: f.width, height: f.height, scale: {scale}}}));
            }}
            return out;
        }})()"""
        urls = self._evaluate_in(self._figure_session, script, await_promise=True)
        return [_decode_data_url(url) for url in urls]

    def rasterize_svgs(self, svgs: list[str], sizes: list[tuple[int, int]], scale: float) -> list[bytes]:
        """Return SVG images (``sizes`` in CSS pixels) drawn as PNG at ``scale``, as plotly.js
        draws its own PNG from the SVG it makes (an image of the SVG on a canvas)."""
        specs = json.dumps([{"svg": svg, "width": width, "height": height}
                            for svg, (width, height) in zip(svgs, sizes)])
        script = f"""(async () => {{
            const out = [];
            for (const f of {specs}) {{
                const url = URL.createObjectURL(new Blob([f.svg], {{type: 'image/svg+xml;charset=utf-8'}}));
                const image = new Image();
                image.src = url;
                await image.decode();
                const canvas = document.createElement('canvas');
                canvas.width = Math.round(f.width * {scale}); canvas.height = Math.round(f.height * {scale});
                canvas.getContext('2d').drawImage(image, 0, 0, canvas.width, canvas.height);
                URL.revokeObjectURL(url);
                out.push(canvas.toDataURL('image/png'));
            }}
            return out;
        }})()"""
        urls = self._evaluate_in(self._figure_session, script, await_promise=True)
        return [_decode_data_url(url) for url in urls]

    def print_pdf(self, html: str, known_pages: dict[str, int] | None = None) -> bytes:
        """Print a page (print-mode HTML) to PDF, with page numbers in its table of contents.

        ``known_pages`` (``{anchor: page}``, from the previous print of the same guide) are written
        into the table of contents before the first print; when that print puts every entry on
        the page it says, it is the PDF, and the second pass is saved.
        """
        page = self._folder / "guide.html"
        page.write_text(html, encoding="utf-8")
        target, session = self._new_page()
        try:
            self._navigate(session, page)
            anchors = self._evaluate_in(session, f"""(() => {{
                const anchors = [];
                for (const a of document.querySelectorAll('.toc a[href^="#"]')) {{
                    const n = document.createElement('span');
                    n.className = 'toc-page'; n.textContent = {json.dumps(PAGE_PLACEHOLDER)};
                    n.style.visibility = 'hidden'; a.appendChild(n);
                    anchors.push(a.getAttribute('href').slice(1));
                }}
                return anchors; }})()""")
            if not anchors:
                return self._print(session)
            guess = {a: known_pages[a] for a in anchors if a in (known_pages or {})}
            if guess:
                self._write_toc_pages(session, guess)
            first = self._print(session)
            pages = read_destination_pages(first)
            if guess and all(guess.get(a) == pages.get(a) for a in anchors):
                return first
            self._write_toc_pages(session, pages)
            return self._print(session)
        finally:
            self._call("Target.closeTarget", {"targetId": target})

    def _write_toc_pages(self, session: str, pages: dict[str, int]) -> None:
        self._evaluate_in(session, f"""(() => {{
            const pages = {json.dumps(pages)};
            for (const a of document.querySelectorAll('.toc a[href^="#"]')) {{
                const n = a.querySelector('.toc-page'), page = pages[a.getAttribute('href').slice(1)];
                if (page !== undefined) {{ n.textContent = String(page); n.style.visibility = ''; }}
                else {{ n.textContent = {json.dumps(PAGE_PLACEHOLDER)}; n.style.visibility = 'hidden'; }}
            }} }})()""")

    def _print(self, session: str) -> bytes:
        return base64.b64decode(self._call("Page.printToPDF", PRINT_OPTIONS, session)["data"])

    def close(self) -> None:
        super().close()
        import shutil

        shutil.rmtree(getattr(self, "_folder", ""), ignore_errors=True)


def read_destination_pages(pdf: bytes | Path) -> dict[str, int]:
    """Return ``{anchor: page number}`` of a PDF printed by Chromium (which names each link
    target after its ``id``); ``{}`` for a file that cannot be read.

    >>> read_destination_pages(b"not a pdf")
    {}
    """
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf))
        return {str(name).lstrip("/"): reader.get_destination_page_number(dest) + 1
                for name, dest in reader.named_destinations.items()}
    except (OSError, PyPdfError, ValueError, KeyError, TypeError):
        return {}


def _decode_data_url(url: str) -> bytes:
    header, _, payload = url.partition(",")
    if ";base64" in header:
        return base64.b64decode(payload)
    return urllib.parse.unquote(payload).encode("utf-8")


def get_printer() -> _Printer:
    """Return the process's Chromium, starting it on first use (thread-safe)."""
    with _lock:
        printer = _state["printer"]
        if printer is not None and printer._process.poll() is None:
            return printer
        if find_chromium() is None:
            raise MpanalysisError("PDF and DOCX guides need Chromium: install the Debian package 'chromium' "
                                  "(scripts/install-system-deps.sh does it)")
        _state["printer"] = _Printer()
        return _state["printer"]


def start_printer_in_background() -> None:
    """Start the process's Chromium in a thread (while notebooks run, say); a failure is left for
    the first figure or PDF to report with its own message."""
    def start() -> None:
        try:
            get_printer()
        except Exception:
            pass

    threading.Thread(target=start, name="printer-start", daemon=True).start()


def draw_figures(figures: list[dict], fmt: str, scale: float = 1.0) -> list[bytes]:
    """Return plotly figure dicts as SVG or PNG bytes, drawn by the process's Chromium."""
    with _lock:
        return get_printer().draw_figures(figures, fmt, scale)


def rasterize_svgs(svgs: list[str], sizes: list[tuple[int, int]], scale: float = 1.0) -> list[bytes]:
    """Return SVG images (``sizes`` in CSS pixels) as PNG bytes at ``scale``, drawn by the
    process's Chromium."""
    with _lock:
        return get_printer().rasterize_svgs(svgs, sizes, scale)


def print_pdf(html: str, known_pages: dict[str, int] | None = None) -> bytes:
    """Return a print-mode HTML page printed to PDF by the process's Chromium (``known_pages``:
    see :meth:`_Printer.print_pdf`)."""
    with _lock:
        return get_printer().print_pdf(html, known_pages)


def stop_printer() -> None:
    """Stop the process's Chromium (at exit, or for tests)."""
    with _lock:
        printer, _state["printer"] = _state["printer"], None
        if printer is not None:
            printer.close()


atexit.register(stop_printer)
