"""The atlas in a real browser with the network blocked: the map is drawn, every participating
country in the colour of its stage, and nothing is fetched from outside the machine."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mpanalysis.paths import data_dir, reference_dir
from mpanalysis.publish.atlas import build_atlas, load_atlas_config
from mpanalysis.render.browser import find_axe_script, find_chromium, find_serious_violations

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(find_chromium() is None, reason="needs Chromium")]

TODAY = dt.date(2025, 12, 1)
#: country -> (parameters, expected stage)
COUNTRIES = {
    "SEN": ("country: SEN\nis_demo: true\nendorsement:\n  status: endorsed\n", "endorsed"),
    "MAR": ("country: MAR\nendorsement:\n  status: published\n", "published"),
    "GMB": ("country: GMB\nmilestones:\n- stage: workshop\n  start: 2025-09-09\n", "workshop"),
    "NER": ("country: NER\nmilestones:\n- stage: questionnaire\n  start: 2025-04-07\n", "questionnaire"),
}
#: Every drawn country path: its location and the fill the browser computed.
FILLS_JS = """(() => [...document.querySelectorAll('#atlas-map path.choroplethlocation')]
  .map(p => [p.__data__ && p.__data__.loc, getComputedStyle(p).fill]))()"""


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("atlas") / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "reference").symlink_to(reference_dir())
    (root / "data" / "geo").symlink_to(data_dir() / "geo")
    (root / "params").mkdir()
    for iso3, (params, _) in COUNTRIES.items():
        (root / "params" / f"{iso3}.yaml").write_text(params, encoding="utf-8")
        base = root / "outputs" / iso3
        outputs = [f"guides/{iso3}_guide_{lang}_public_full.{fmt}" for lang in ("fr", "en")
                   for fmt in ("html", "pdf", "docx")] + ["data/sources.csv"]
        for rel in outputs:
            (base / rel).parent.mkdir(parents=True, exist_ok=True)
            (base / rel).write_text(f"<!DOCTYPE html><title>{iso3}</title>" if rel.endswith(".html") else rel)
        (base / "build.json").write_text(json.dumps({"country": iso3, "built_at": "2025-11-20T10:00:00+00:00",
                                                     "outputs": outputs}))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MPANALYSIS_ROOT", str(root))
        patch.setenv("MPANALYSIS_WITH_DEMO", "1")  # the demo SEN beside real countries stays in the atlas
        return build_atlas(audience="public", today=TODAY)


def test_map_draws_offline_with_every_country_in_its_stage_colour(site):
    from mpanalysis.render.browser import PageReport, _collect, _DevTools

    config = load_atlas_config()
    colours = {s["code"]: _rgb(s["colour"]) for s in config["stages"]}
    grey = _rgb(config["not_participating"]["colour"])
    with _DevTools() as browser:
        report = PageReport(url=browser.open(site / "index_en.html", settle_s=0.2))
        for _ in range(300):  # up to 30 s on a loaded machine
            if browser.evaluate("!!document.querySelector('#atlas-map .main-svg path.choroplethlocation')"):
                break
            browser.page("Runtime.evaluate", {"expression": "new Promise(r => setTimeout(r, 100))",
                                              "awaitPromise": True})
        fills = browser.evaluate(FILLS_JS)
        labels = browser.evaluate("[...document.querySelectorAll('#atlas-map .scattergeo text')]"
                                  ".map(t => t.textContent)")
        browser.evaluate("1")  # collects the events that arrived meanwhile
        _collect(report, browser.events)

    assert report.outside_requests == [] and report.failed_requests == [] and report.script_errors == []
    drawn = {}
    for location, fill in fills:
        assert location not in drawn, f"{location} drawn twice"
        drawn[location] = fill
    for iso3, (_, stage) in COUNTRIES.items():
        assert drawn.get(iso3) == colours[stage], f"{iso3}: {drawn.get(iso3)} instead of {stage}"
    others = {loc: fill for loc, fill in drawn.items() if loc not in COUNTRIES}
    assert {"MLI", "MRT", "DZA"} <= set(others) and set(others.values()) == {grey}
    assert {"Senegal", "Morocco", "Gambia", "Niger"} <= set(labels)


def test_pages_need_nothing_from_the_network(site):
    from mpanalysis.render.browser import check_offline_page

    for page in ("countries/SEN.html", "countries/MAR_en.html"):
        report = check_offline_page(site / page, figure_selector="#atlas-map")
        assert report.is_self_contained, (page, report)


@pytest.mark.skipif(find_axe_script() is None, reason="axe-core not installed (npm ci --prefix tools/axe)")
def test_pages_have_no_serious_accessibility_violation(site):
    from mpanalysis.render.browser import run_axe

    for page in ("index.html", "countries/SEN_en.html"):
        assert find_serious_violations(run_axe(site / page)) == [], page
