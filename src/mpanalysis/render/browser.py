"""Checks of HTML outputs in headless Chromium with the network blocked (for tests and CI).

- :func:`inspect_page` loads a page with every outside request blocked and reports what the
  page asked for, what failed, the script errors, and how many figure containers hold a drawn
  plotly chart (``.main-svg``); with ``with_axe=True`` it also injects axe-core (``tools/axe``,
  installed with ``npm ci --prefix tools/axe``) and returns its accessibility violations, of
  which :func:`find_serious_violations` keeps the serious and critical ones;
- :func:`check_offline_page` and :func:`run_axe` do one of the two;
- :func:`capture_screenshot` saves a PNG of the page, to look at it.

Chromium is driven through the DevTools protocol on a local WebSocket (``websocket-client``): no
chromedriver, no Playwright download. Each call starts its own Chromium with an empty profile and
stops it afterwards.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mpanalysis.paths import find_project_root

#: Flags of a headless Chromium that cannot reach anything outside the machine.
OFFLINE_FLAGS = (
    "--headless=new", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--no-default-browser-check",
    "--disable-sync", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:1",
    "--remote-allow-origins=*",
)
#: URL schemes a self-contained page may use; anything else is a request to the outside.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome:", "devtools:", "chrome-extension:")
#: CSS selector of the HTML guide's figure containers.
FIGURE_SELECTOR = ".mp-plot"


@dataclass
class PageReport:
    """What a page did when loaded offline."""

    url: str
    outside_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    n_figures: int = 0
    n_drawn: int = 0
    violations: list[dict[str, Any]] | None = None  # axe-core's, when it ran

    @property
    def is_self_contained(self) -> bool:
        """True when the page asked for nothing outside, nothing failed and no script broke."""
        return not (self.outside_requests or self.failed_requests or self.script_errors)

    @property
    def has_all_figures_drawn(self) -> bool:
        return self.n_drawn == self.n_figures


def find_chromium() -> str | None:
    """Return the Chromium executable (``$CHROMIUM``, then ``chromium``/``chromium-browser``)."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def find_axe_script(root: Path | None = None) -> Path | None:
    """Return ``tools/axe/node_modules/axe-core/axe.min.js`` if ``npm ci --prefix tools/axe`` ran."""
    path = (root or find_project_root()) / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    return path if path.is_file() else None


class _DevTools:
    """A headless Chromium and one page, driven through the DevTools protocol."""

    def __init__(self, width: int = 1280, height: int = 900, timeout_s: float = 60) -> None:
        import websocket  # websocket-client

        executable = find_chromium()
        if executable is None:
            raise RuntimeError("Chromium not found (install the Debian package 'chromium')")
        self.timeout_s = timeout_s
        self.events: list[dict[str, Any]] = []
        self._next_id = 0
        self._profile = tempfile.mkdtemp(prefix="mpanalysis-chromium-")
        flags = [*OFFLINE_FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-port=0",
                 f"--window-size={width},{height}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self._process = subprocess.Popen([executable, *flags, "about:blank"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            ws_url = self._read_ws_url()
            # Chromium sends valid UTF-8; websocket-client's own check is pure Python and took
            # over a second per guide on the base64 images and PDFs it receives
            self._ws = websocket.create_connection(ws_url, timeout=timeout_s, suppress_origin=True,
                                                   skip_utf8_validation=True)
            target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._session = self._call("Target.attachToTarget",
                                       {"targetId": target, "flatten": True})["sessionId"]
        except Exception:
            self.close()
            raise

    def _read_ws_url(self) -> str:
        deadline = time.monotonic() + self.timeout_s
        seen = []
        while time.monotonic() < deadline:
            line = self._process.stderr.readline().decode("utf-8", "replace")
            if not line and self._process.poll() is not None:
                break
            seen.append(line)
            match = re.search(r"DevTools listening on (ws://\S+)", line)
            if match:
                return match.group(1)
        raise RuntimeError("Chromium did not start its DevTools endpoint:\n" + "".join(seen[-20:]))

    def _call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            reply = json.loads(self._ws.recv())
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)
        raise TimeoutError(f"{method}: no answer from Chromium in {self.timeout_s} s")

    def page(self, method: str, params: dict | None = None) -> dict:
        """Send a command to the page."""
        return self._call(method, params, self._session)

    def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        """Evaluate JavaScript in the page and return its (JSON-serialisable) value."""
        result = self.page("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise RuntimeError(f"script failed in the page: {text}")
        return result.get("result", {}).get("value")

    def open(self, path: str | Path, settle_s: float = 0.5) -> str:
        """Load a local file and wait for its load event (plus ``settle_s`` for late scripts)."""
        url = Path(path).resolve().as_uri()
        for domain in ("Network", "Runtime", "Log"):
            self.page(f"{domain}.enable")
        self.page("Page.navigate", {"url": url})
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            if self.evaluate("document.readyState") == "complete":
                break
            time.sleep(0.1)
        time.sleep(settle_s)
        return url

    def close(self) -> None:
        ws = getattr(self, "_ws", None)
        if ws is not None:
            try:
                ws.close()
            except Exception:  # closing a dead socket: nothing left to release
                pass
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stderr:
            self._process.stderr.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> "_DevTools":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _collect(report: PageReport, events: list[dict[str, Any]]) -> None:
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if not url.startswith(LOCAL_SCHEMES):
                report.outside_requests.append(url)
        elif method == "Network.loadingFailed":
            report.failed_requests.append(f"{params.get('errorText')} ({params.get('type')})")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            report.script_errors.append(details.get("exception", {}).get("description")
                                        or details.get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            report.script_errors.append(" ".join(str(a.get("value", a.get("description", "")))
                                                 for a in params.get("args", [])))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            report.script_errors.append(f"{entry.get('text')} {entry.get('url', '')}".strip())


def _count_figures(tools: _DevTools, selector: str) -> tuple[int, int]:
    selector_js = json.dumps(selector)
    counts = tools.evaluate(
        f"(() => {{ const f = document.querySelectorAll({selector_js});"
        " let d = 0; f.forEach(e => { if (e.querySelector('.main-svg')) d += 1; });"
        " return [f.length, d]; })()")
    return int(counts[0]), int(counts[1])


def inspect_page(path: str | Path, *, with_axe: bool = False, axe_script: Path | None = None,
                 figure_selector: str = FIGURE_SELECTOR, timeout_s: float = 60,
                 figure_wait_s: float | None = None) -> PageReport:
    """Load an HTML file in headless Chromium with the network blocked and report what happened;
    with ``with_axe``, also run axe-core on the loaded page (``report.violations``).

    Waits until every figure container holds a drawn chart, at most ``figure_wait_s`` seconds
    (default ``timeout_s``).

    Example (needs Chromium, and ``npm ci --prefix tools/axe`` for axe)::

        report = inspect_page("outputs/SEN/fr/guide.html", with_axe=True)
        assert report.is_self_contained and report.has_all_figures_drawn
        assert find_serious_violations(report.violations) == []
    """
    script = None
    if with_axe:
        script = axe_script or find_axe_script()
        if script is None:
            raise RuntimeError("axe-core is not installed: run `npm ci --prefix tools/axe`")
    with _DevTools(timeout_s=timeout_s) as tools:
        report = PageReport(url=tools.open(path, settle_s=0.2))
        deadline = time.monotonic() + (timeout_s if figure_wait_s is None else figure_wait_s)
        while True:
            report.n_figures, report.n_drawn = _count_figures(tools, figure_selector)
            if report.n_drawn == report.n_figures or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        time.sleep(0.3)  # let a late fetch (e.g. a geo base map) show up among the events
        if script is not None:
            tools.evaluate(Path(script).read_text(encoding="utf-8") + "\n;true")
            result = tools.evaluate(
                "axe.run(document, {resultTypes: ['violations']})"
                ".then(r => JSON.stringify(r.violations))", await_promise=True)
            report.violations = json.loads(result)
        tools.evaluate("1")  # collects the events that arrived meanwhile
        _collect(report, tools.events)
    return report


def check_offline_page(path: str | Path, *, figure_selector: str = FIGURE_SELECTOR,
                       timeout_s: float = 60) -> PageReport:
    """Load an HTML file offline and report requests, failures, script errors, drawn figures."""
    return inspect_page(path, figure_selector=figure_selector, timeout_s=timeout_s)


def run_axe(path: str | Path, *, axe_script: Path | None = None,
            timeout_s: float = 90) -> list[dict[str, Any]]:
    """Run axe-core on an HTML file (offline) and return its violations.

    Each violation is axe's dict: ``id``, ``impact`` (minor, moderate, serious, critical),
    ``help``, ``helpUrl`` and ``nodes`` (each with ``target`` and ``failureSummary``).
    """
    return inspect_page(path, with_axe=True, axe_script=axe_script, timeout_s=timeout_s).violations


def find_serious_violations(violations: list[dict[str, Any]]) -> list[str]:
    """Return one line per serious or critical axe violation (empty when there is none).

    >>> find_serious_violations([{"id": "image-alt", "impact": "critical", "help": "Images need alt",
    ...                           "nodes": [{"target": ["img"]}]}, {"id": "region", "impact": "moderate"}])
    ['critical image-alt: Images need alt (img)']
    """
    lines = []
    for violation in violations:
        if violation.get("impact") in {"serious", "critical"}:
            targets = ", ".join(" ".join(map(str, n.get("target", []))) for n in violation.get("nodes", []))
            lines.append(f"{violation['impact']} {violation['id']}: {violation.get('help', '')} ({targets})")
    return lines


def capture_screenshot(path: str | Path, png_path: str | Path, *, width: int = 1280,
                       height: int = 900, scroll_to: str | None = None,
                       full_page: bool = False) -> Path:
    """Save a PNG of an HTML file as the browser shows it (offline).

    ``scroll_to`` is a CSS selector to bring into view first (e.g. ``"#ch-sources"``).
    """
    with _DevTools(width=width, height=height) as tools:
        tools.page("Emulation.setDeviceMetricsOverride",
                   {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        tools.open(path, settle_s=1.5)
        if scroll_to:
            tools.evaluate(f"document.querySelector({json.dumps(scroll_to)}).scrollIntoView();")
            time.sleep(0.5)
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = tools.page("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": size["height"], "scale": 1})
        data = tools.page("Page.captureScreenshot", params)["data"]
    import base64

    out = Path(png_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(data))
    return out
