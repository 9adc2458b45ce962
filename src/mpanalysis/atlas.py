"""The offline atlas: a static site of the region, with a map and a page per country.

:func:`build_atlas` writes one build of the site, :func:`build_atlases` both builds:

- **public** (``outputs/site/``): every participating country appears on the map and in the
  table with the stage of its exercise, but only countries whose guide is endorsed or published
  get a page, and that page offers only the public edition of the guides and the open data;
- **restricted** (``outputs/site-restricted/``): every country gets a page with every guide
  (public and restricted editions, drafts included) and the validation report.

Layout of a build::

    index.html, index_en.html          the map and the table (one page per language)
    countries/<ISO3>.html, <ISO3>_en.html
    countries/<ISO3>/guides/…          copies of outputs/<ISO3>/guides/… listed in build.json
    countries/<ISO3>/data/…            open data (tables CSV/XLSX, network GraphML/GEXF/CSV)
    countries/<ISO3>/validation/…      restricted build only
    assets/atlas.css, assets/plotly.min.js
    atlas.json                         what was built from what (lets a rerun skip)

**Stage of a country's exercise.** The stages are listed in ``data/reference/atlas.yaml`` from
the earliest (launched, questionnaire, workshop, drafting and validation) to the latest
(endorsed, published). A country is at the latest stage that either its endorsement status or
one of the milestones it has reached (started, not flagged ``done: false``) points to; only the
endorsement status can make it "endorsed" or "published".

Every link is relative and every file is copied into the site, so the folder can be zipped,
served by any web server or opened from a USB stick. The map is drawn by plotly.js (written once
in ``assets/``) from country outlines embedded in the page, with the empty base map that stops
plotly.js from fetching ``world_110m.json`` (see ``render/assets/geo_stub.js``): nothing is
fetched from the network. Names and titles go through jinja2's autoescaping, and into the map
HTML-escaped, so a country name cannot inject markup. A build is written into a temporary folder
beside the target and swapped in whole: a reader never sees a half-built site.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from . import __version__
from .errors import MpanalysisError, ReferenceDataError
from .params import CountryParams, load_params
from .paths import data_dir, outputs_dir, params_dir, reference_dir

logger = logging.getLogger(__name__)

Audience = Literal["public", "restricted"]
AUDIENCES: tuple[str, ...] = ("public", "restricted")
#: Guide editions a build may offer, per audience.
EDITIONS_BY_AUDIENCE = {"public": ("public",), "restricted": ("public", "restricted")}
GUIDE_FORMATS = ("html", "pdf", "docx")
GUIDE_LENGTHS = ("full", "brief")
#: Endorsement statuses whose guide the public build offers.
PUBLIC_STATUSES = ("endorsed", "published")
TEMPLATES_DIR = Path(__file__).parent / "templates" / "atlas"
CONFIG_NAME = "atlas.yaml"
RECORD_NAME = "atlas.json"

_GUIDE_PATH = re.compile(r"guides/(?P<country>[A-Z]{3})_guide_(?P<lang>[a-z]{2})_(?P<edition>public|restricted)"
                         r"_(?P<length>full|brief)\.(?P<fmt>html|pdf|docx)")
#: Open-data and validation files are single, plain file names inside their folder: a build
#: record cannot point the atlas at a file elsewhere (``../…``).
_FOLDER_FILE = re.compile(r"(?P<folder>data|validation)/(?P<name>[A-Za-z0-9][A-Za-z0-9_.-]*)")
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


# ----------------------------------------------------------------------------------------------
# Configuration


def load_atlas_config(path: Path | None = None) -> dict[str, Any]:
    """Load ``data/reference/atlas.yaml`` and check it: every text in every site language,
    colours as ``#rrggbb``, stages with codes.

    >>> config = load_atlas_config()
    >>> config["languages"], [s["code"] for s in config["stages"]][-2:]
    (['fr', 'en'], ['endorsed', 'published'])
    """
    path = Path(path) if path else reference_dir() / CONFIG_NAME
    return _load_config_cached(str(path), path.stat().st_mtime_ns if path.is_file() else 0)


@lru_cache(maxsize=4)
def _load_config_cached(path_text: str, _mtime: int) -> dict[str, Any]:
    from .reference import read_reference_yaml

    path = Path(path_text)
    config = read_reference_yaml(path, "the atlas configuration")
    languages = config.get("languages") or []

    def check_text(value: object, key: str) -> None:
        missing = [lang for lang in languages
                   if not isinstance(value, dict) or not isinstance(value.get(lang), str)]
        if missing:
            raise ReferenceDataError(f"{path}, key '{key}': no text in {', '.join(missing)}")

    for key in ("stages", "not_participating", "map", "texts", "data_files"):
        if key not in config:
            raise ReferenceDataError(f"{path}, key '{key}': required key is missing")
    for key, value in config["texts"].items():
        check_text(value, f"texts.{key}")
    for key, value in config["data_files"].items():
        check_text(value, f"data_files.{key}")
    check_text(config["not_participating"].get("label"), "not_participating.label")
    colours = {"not_participating.colour": config["not_participating"].get("colour")}
    codes = []
    for i, stage in enumerate(config["stages"]):
        where = f"stages[{i}]"
        if not isinstance(stage, dict) or not stage.get("code"):
            raise ReferenceDataError(f"{path}, key '{where}.code': required key is missing")
        codes.append(stage["code"])
        for key in ("label", "description"):
            check_text(stage.get(key), f"{where}.{key}")
        colours[f"{where}.colour"] = stage.get("colour")
        colours[f"{where}.label_colour"] = stage.get("label_colour")
        stage.setdefault("milestones", [])
        stage.setdefault("statuses", [])
    for key, colour in colours.items():
        if not isinstance(colour, str) or not _COLOUR.fullmatch(colour):
            raise ReferenceDataError(f"{path}, key '{key}': a colour is written #rrggbb (got {colour!r})")
    if len(set(codes)) != len(codes):
        raise ReferenceDataError(f"{path}, key 'stages': duplicated stage codes")
    return config


def _texts(config: dict[str, Any], lang: str) -> dict[str, str]:
    return {key: value[lang] for key, value in config["texts"].items()}


# ----------------------------------------------------------------------------------------------
# Countries: stage, files


def find_exercise_stage(params: CountryParams, today: dt.date | None = None,
                        config: dict[str, Any] | None = None) -> str:
    """Return the stage code of a country's exercise (see the module's documentation).

    >>> p = CountryParams(country="GMB", milestones=[
    ...     {"stage": "questionnaire", "start": "2025-05-05", "end": "2025-06-13"},
    ...     {"stage": "workshop", "start": "2025-09-09"},
    ...     {"stage": "drafting", "start": "2025-10-01", "done": False}])
    >>> find_exercise_stage(p, dt.date(2025, 12, 1))
    'workshop'
    >>> find_exercise_stage(p, dt.date(2025, 6, 1))
    'questionnaire'
    >>> find_exercise_stage(CountryParams(country="SEN", endorsement={"status": "published"}))
    'published'
    >>> find_exercise_stage(CountryParams(country="NER"))
    'launched'
    """
    config = config or load_atlas_config()
    today = today or dt.date.today()
    reached = {m.stage for m in params.milestones if m.done and m.start <= today}
    stage = config["stages"][0]["code"]
    for candidate in config["stages"]:
        if params.endorsement.status in candidate["statuses"] or reached & set(candidate["milestones"]):
            stage = candidate["code"]
    return stage


def is_publicly_listed(params: CountryParams) -> bool:
    """True when the public atlas offers the country's guides (endorsed or published).

    >>> is_publicly_listed(CountryParams(country="SEN", endorsement={"status": "validated"}))
    False
    >>> is_publicly_listed(CountryParams(country="SEN", endorsement={"status": "published"}))
    True
    """
    return params.endorsement.status in PUBLIC_STATUSES


@dataclass(frozen=True)
class SiteFile:
    """A file of a country's outputs, copied into the site.

    ``source`` is relative to ``outputs/<ISO3>/`` (as in ``build.json``); ``kind`` is ``guide``,
    ``data`` or ``validation``; guides also carry language, edition, length and format.
    """

    country: str
    source: str
    kind: str
    size_bytes: int = 0
    lang: str | None = None
    edition: str | None = None
    length: str | None = None
    fmt: str | None = None

    @property
    def name(self) -> str:
        return self.source.rsplit("/", 1)[-1]

    @property
    def site_path(self) -> str:
        """Path inside the site, e.g. ``countries/SEN/guides/SEN_guide_fr_public_full.pdf``."""
        return f"countries/{self.country}/{self.source}"


def select_site_files(country: str, outputs: list[str], audience: Audience) -> list[SiteFile]:
    """Return the files of a build record that a build of the atlas offers, in a stable order.

    The public build keeps the public edition of the guides and the open data; the restricted
    build keeps every edition and the validation report. Anything else (work files, logs, paths
    leaving the country's folder) is never offered.

    >>> outs = ["guides/SEN_guide_fr_public_full.pdf", "guides/SEN_guide_fr_restricted_full.pdf",
    ...         "data/sources.csv", "validation/issues.csv", "work/fr/x.json", "data/../../secret"]
    >>> [f.source for f in select_site_files("SEN", outs, "public")]
    ['guides/SEN_guide_fr_public_full.pdf', 'data/sources.csv']
    >>> [f.kind for f in select_site_files("SEN", outs, "restricted")]
    ['guide', 'guide', 'data', 'validation']
    """
    files = []
    for rel in outputs:
        guide = _GUIDE_PATH.fullmatch(rel)
        if guide:
            if guide["country"] == country and guide["edition"] in EDITIONS_BY_AUDIENCE[audience]:
                files.append(SiteFile(country, rel, "guide", lang=guide["lang"], edition=guide["edition"],
                                      length=guide["length"], fmt=guide["fmt"]))
            continue
        other = _FOLDER_FILE.fullmatch(rel)
        if other and ".." not in other["name"]:
            if other["folder"] == "data" or audience == "restricted":
                files.append(SiteFile(country, rel, "data" if other["folder"] == "data" else "validation"))
    kind_order = {"guide": 0, "data": 1, "validation": 2}
    return sorted(files, key=lambda f: (kind_order[f.kind], f.source))


@dataclass
class AtlasCountry:
    """One participating country as a build of the atlas shows it."""

    iso3: str
    params: CountryParams
    stage: str
    has_page: bool
    record: dict[str, Any] | None = None
    files: list[SiteFile] = field(default_factory=list)

    def get_files(self, kind: str) -> list[SiteFile]:
        return [f for f in self.files if f.kind == kind]


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("outputs"), list) else None


def _list_param_countries() -> list[str]:
    folder = params_dir()
    if not folder.is_dir():
        return []
    return sorted(p.stem.upper() for p in folder.glob("*.yaml") if re.fullmatch(r"[A-Za-z]{3}", p.stem))


def _normalise_countries(countries: list[str] | None) -> list[str]:
    return sorted({c.upper() for c in (countries if countries is not None else _list_param_countries())})


def collect_atlas_countries(countries: list[str] | None, audience: Audience,
                            today: dt.date | None = None,
                            config: dict[str, Any] | None = None) -> tuple[list[AtlasCountry], list[dict]]:
    """Return the participating countries as a build shows them, and those set aside.

    A country whose parameters cannot be read is set aside (``{"country", "reason"}``) so that
    one broken file never stops the atlas of the others. Only files listed in the country's
    ``build.json`` (written last by a successful build) and still present are offered.
    """
    config = config or load_atlas_config()
    selected, skipped = [], []
    for iso3 in _normalise_countries(countries):
        try:
            params = load_params(iso3)
        except MpanalysisError as exc:
            logger.warning("atlas: %s left out: %s", iso3, exc)
            skipped.append({"country": iso3, "reason": str(exc)})
            continue
        has_page = audience == "restricted" or is_publicly_listed(params)
        entry = AtlasCountry(iso3, params, find_exercise_stage(params, today, config), has_page)
        entry.record = _read_record(outputs_dir(iso3) / "build.json")
        if has_page and entry.record is not None:
            base = outputs_dir(iso3)
            for item in select_site_files(iso3, [str(o) for o in entry.record["outputs"]], audience):
                source = base / item.source
                if source.is_file():
                    entry.files.append(replace(item, size_bytes=source.stat().st_size))
                else:
                    logger.warning("atlas: %s listed in %s/build.json is missing", item.source, iso3)
        selected.append(entry)
    return selected, skipped


# ----------------------------------------------------------------------------------------------
# The map


@lru_cache(maxsize=2)
def _load_geojson(path_text: str) -> dict[str, Any]:
    return json.loads(Path(path_text).read_text(encoding="utf-8"))


def load_country_outlines(path: Path | None = None) -> dict[str, Any]:
    """Return the country outlines (GeoJSON FeatureCollection) shipped in ``data/geo/``.

    >>> outlines = load_country_outlines()
    >>> any(f["properties"]["iso_a3"] == "SEN" for f in outlines["features"])
    True
    """
    path = Path(path) if path else data_dir() / "geo" / "countries.geojson"
    if not path.is_file():
        raise ReferenceDataError(f"{path}: the country outlines are missing")
    return _load_geojson(str(path))


def _iter_rings(geometry: dict[str, Any]):
    if geometry["type"] == "Polygon":
        yield geometry["coordinates"][0]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield polygon[0]


def _ring_area_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(area) / 2, cx / (3 * area), cy / (3 * area)


def find_label_point(geometry: dict[str, Any]) -> tuple[float, float]:
    """Return (lon, lat) where to write a country's name: the centre of its largest polygon.

    >>> find_label_point({"type": "MultiPolygon", "coordinates": [
    ...     [[[0, 0], [4, 0], [4, 2], [0, 2], [0, 0]]], [[[10, 10], [11, 10], [11, 11], [10, 10]]]]})
    (2.0, 1.0)
    """
    best = max((_ring_area_centroid(ring) for ring in _iter_rings(geometry)), key=lambda t: t[0])
    return round(best[1], 3), round(best[2], 3)


def _bounds(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for ring in _iter_rings(geometry):
        xs += [p[0] for p in ring]
        ys += [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _mercator_lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def fit_map_frame(bounds: tuple[float, float, float, float] | None,
                  map_config: dict[str, Any]) -> tuple[list[float], list[float]]:
    """Return ``(lon_range, lat_range)`` showing ``bounds`` (lon0, lat0, lon1, lat1) with a margin,
    widened to the drawing area's aspect (Mercator) and kept inside the region's frame.

    >>> cfg = {"region_lon": [-30, 55], "region_lat": [-36, 72], "margin_deg": 4,
    ...        "min_span_deg": 20, "aspect": 1.5}
    >>> lon, lat = fit_map_frame((-17.5, 4.7, 16.0, 35.9), cfg)
    >>> lon[0] <= -21.5 and lon[1] >= 20 and lat[0] <= 0.7 and lat[1] >= 39.9
    True
    >>> fit_map_frame(None, cfg)
    ([-30, 55], [-36, 72])
    """
    region_lon, region_lat = list(map_config["region_lon"]), list(map_config["region_lat"])
    if bounds is None:
        return region_lon, region_lat
    margin, min_span = map_config["margin_deg"], map_config["min_span_deg"]
    lon0, lat0, lon1, lat1 = bounds
    lon0, lon1 = max(lon0 - margin, region_lon[0]), min(lon1 + margin, region_lon[1])
    lat0, lat1 = max(lat0 - margin, region_lat[0]), min(lat1 + margin, region_lat[1])
    if lon1 - lon0 < min_span:
        centre = (lon0 + lon1) / 2
        lon0, lon1 = centre - min_span / 2, centre + min_span / 2
    width = math.radians(lon1 - lon0)
    y0, y1 = _mercator_y(lat0), _mercator_y(lat1)
    aspect = map_config["aspect"]
    if width / (y1 - y0) < aspect:
        extra = math.degrees(aspect * (y1 - y0)) - (lon1 - lon0)
        lon0, lon1 = lon0 - extra / 2, lon1 + extra / 2
    else:
        extra = width / aspect - (y1 - y0)
        lat0, lat1 = _mercator_lat(y0 - extra / 2), _mercator_lat(y1 + extra / 2)
    lon0, lon1 = max(lon0, region_lon[0]), min(lon1, region_lon[1])
    lat0, lat1 = max(lat0, region_lat[0]), min(lat1, region_lat[1])
    return [round(lon0, 2), round(lon1, 2)], [round(lat0, 2), round(lat1, 2)]


def _escape_plotly(text: str) -> str:
    # plotly.js renders a subset of HTML (<a href>, <b>, <br>…) in texts and hover labels; an
    # escaped name is shown as written.
    return html.escape(text, quote=False)


def build_map_figure(countries: list[AtlasCountry], lang: str, *, config: dict[str, Any] | None = None,
                     outlines: dict[str, Any] | None = None, page_links: dict[str, str] | None = None
                     ) -> dict[str, Any]:
    """Return the plotly figure (as a dict) of the region's map in one language.

    One choropleth trace per stage present (participating countries, in the stage's colour), one
    for the other countries of the frame (light grey), and one text trace with the participating
    countries' names. ``page_links`` maps ISO3 to the relative URL a click on the country opens.
    Each trace embeds only its own outlines; the geo base layers stay off (offline).

    >>> fig = build_map_figure([AtlasCountry("SEN", CountryParams(country="SEN"), "workshop", False)], "fr")
    >>> [t["name"] for t in fig["data"] if t["type"] == "choropleth"][-1]
    'Atelier national'
    >>> fig["data"][-1]["text"]
    ['Sénégal']
    """
    config = config or load_atlas_config()
    outlines = outlines or load_country_outlines()
    page_links = page_links or {}
    map_config = config["map"]
    features = {f["properties"]["iso_a3"]: f for f in outlines["features"]}
    by_iso = {c.iso3: c for c in countries}
    drawn = [c for c in countries if c.iso3 in features]
    for missing in sorted(set(by_iso) - set(features)):
        logger.warning("atlas: no outline for %s in the country outlines; left off the map", missing)

    if drawn:
        boxes = [_bounds(features[c.iso3]["geometry"]) for c in drawn]
        bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                  max(b[2] for b in boxes), max(b[3] for b in boxes))
    else:
        bounds = None
    lon_range, lat_range = fit_map_frame(bounds, map_config)

    def in_frame(feature: dict[str, Any]) -> bool:
        x0, y0, x1, y1 = _bounds(feature["geometry"])
        return x1 >= lon_range[0] and x0 <= lon_range[1] and y1 >= lat_range[0] and y0 <= lat_range[1]

    def collection(isos: list[str]) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": iso, "properties": {"iso_a3": iso},
             "geometry": features[iso]["geometry"]} for iso in isos]}

    name_key = f"name_{lang}" if f"name_{lang}" in next(iter(features.values()))["properties"] else "name_en"
    context = sorted(iso for iso, f in features.items() if iso not in by_iso and in_frame(f))
    not_participating = config["not_participating"]["label"][lang]
    traces: list[dict[str, Any]] = [{
        "type": "choropleth", "name": not_participating, "geojson": collection(context),
        "featureidkey": "properties.iso_a3", "locations": context, "z": [0] * len(context),
        "colorscale": [[0, config["not_participating"]["colour"]], [1, config["not_participating"]["colour"]]],
        "showscale": False, "showlegend": False,
        "marker": {"line": {"color": "#ffffff", "width": 0.6}},
        "customdata": [[_escape_plotly(str(features[iso]["properties"].get(name_key) or iso)),
                        _escape_plotly(not_participating), ""] for iso in context],
        "hovertemplate": "%{customdata[0]}<br><i>%{customdata[1]}</i><extra></extra>",
    }]
    for stage in config["stages"]:
        members = [c for c in drawn if c.stage == stage["code"]]
        if not members:
            continue
        label = stage["label"][lang]
        traces.append({
            "type": "choropleth", "name": label, "geojson": collection([c.iso3 for c in members]),
            "featureidkey": "properties.iso_a3", "locations": [c.iso3 for c in members],
            "z": [1] * len(members), "colorscale": [[0, stage["colour"]], [1, stage["colour"]]],
            "showscale": False, "showlegend": False,
            "marker": {"line": {"color": "#33414e", "width": 0.9}},
            "customdata": [[_escape_plotly(c.params.get_country_name(lang)), _escape_plotly(label),
                            page_links.get(c.iso3, "")] for c in members],
            "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
        })
    stage_by_code = {s["code"]: s for s in config["stages"]}
    lons, lats, texts, colours, positions = [], [], [], [], []
    for c in drawn:
        fixed = map_config.get("label_positions", {}).get(c.iso3)
        lon, lat = (fixed["lon"], fixed["lat"]) if fixed else find_label_point(features[c.iso3]["geometry"])
        lons.append(lon)
        lats.append(lat)
        texts.append(_escape_plotly(c.params.get_country_name(lang)))
        # a name written beside a small country sits on the neighbour or the sea: dark ink there
        colours.append(stage_by_code[c.stage]["label_colour"] if not fixed else "#1f2933")
        positions.append(fixed["position"] if fixed else "middle center")
    traces.append({
        "type": "scattergeo", "mode": "text", "name": "labels", "lon": lons, "lat": lats, "text": texts,
        "textposition": positions, "hoverinfo": "skip", "showlegend": False,
        "textfont": {"color": colours, "size": 13, "weight": "bold", "shadow": "auto"},
    })
    return {
        "data": traces,
        "layout": {
            # no height: the page sizes the map's box to the frame's aspect, plotly fills it
            "autosize": True, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "paper_bgcolor": "rgba(0,0,0,0)", "dragmode": False, "showlegend": False,
            "font": {"family": "Liberation Sans, Arial, Helvetica, DejaVu Sans, sans-serif", "color": "#1f2933"},
            "hoverlabel": {"bgcolor": "#ffffff", "bordercolor": "#17365d", "font": {"color": "#1f2933"}},
            "geo": {
                # the base layers would need world_110m.json from a CDN: keep them all off
                "visible": False, "showland": False, "showcountries": False, "showcoastlines": False,
                "showframe": False, "showocean": False, "showlakes": False, "showrivers": False,
                "showsubunits": False, "bgcolor": "#eaf1f7",
                "projection": {"type": "mercator"},
                "lonaxis": {"range": lon_range}, "lataxis": {"range": lat_range},
            },
        },
    }


# ----------------------------------------------------------------------------------------------
# Pages


def make_page_name(stem: str, lang: str, default_lang: str) -> str:
    """Return a page's file name in a language: the default language has the plain name.

    >>> make_page_name("index", "fr", "fr"), make_page_name("index", "en", "fr")
    ('index.html', 'index_en.html')
    """
    return f"{stem}.html" if lang == default_lang else f"{stem}_{lang}.html"


def format_size(size_bytes: int, texts: dict[str, str], lang: str) -> str:
    """Return a file size for people, in the page's language.

    >>> format_size(5_300_000, {"size_mb": "{value} Mo"}, "fr")
    '5,3 Mo'
    >>> format_size(812, {"size_bytes": "{value} B"}, "en")
    '812 B'
    """
    from babel.numbers import format_decimal

    if size_bytes < 1000:
        return texts["size_bytes"].format(value=size_bytes)
    if size_bytes < 1_000_000:
        return texts["size_kb"].format(value=format_decimal(size_bytes / 1000, "#,##0", locale=lang))
    return texts["size_mb"].format(value=format_decimal(size_bytes / 1_000_000, "#,##0.0", locale=lang))


def _format_date(value: object, lang: str) -> str:
    from babel.dates import format_date

    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value).date()
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = value.date()
    return format_date(value, "long", locale=lang)


def _language_name(code: str, in_lang: str) -> str:
    from babel import Locale

    try:
        name = Locale.parse(code).get_display_name(in_lang)
    except Exception:  # an unknown language code: show the code
        name = None
    return (name or code)[:1].upper() + (name or code)[1:]


def _dump_script_json(value: Any) -> Markup:
    from .render.html import dump_script_json

    return dump_script_json(value)


def _read_geo_stub() -> str:
    from .render.static import read_geo_stub

    return read_geo_stub()


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                       undefined=StrictUndefined, keep_trailing_newline=True)


class _SiteWriter:
    """Writes one build of the site into a folder (the temporary one, before the swap)."""

    def __init__(self, folder: Path, countries: list[AtlasCountry], audience: Audience, default_lang: str,
                 config: dict[str, Any], today: dt.date) -> None:
        self.folder = folder
        self.countries = countries
        self.audience = audience
        self.default_lang = default_lang
        self.config = config
        self.today = today
        languages = list(config["languages"])
        self.languages = [default_lang] + [lang for lang in languages if lang != default_lang]
        self.stages = {s["code"]: s for s in config["stages"]}

    def write(self) -> list[str]:
        written = self._write_assets()
        for entry in self.countries:
            for item in entry.files:
                target = self.folder / item.site_path
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(outputs_dir(entry.iso3) / item.source, target)
                written.append(item.site_path)
        for lang in self.languages:
            written.append(self._write_page(make_page_name("index", lang, self.default_lang),
                                            "index.html.j2", self._index_context(lang)))
            for entry in self.countries:
                if entry.has_page:
                    name = f"countries/{make_page_name(entry.iso3, lang, self.default_lang)}"
                    written.append(self._write_page(name, "country.html.j2", self._country_context(entry, lang)))
        return written

    def _write_assets(self) -> list[str]:
        from .display import read_plotly_js

        assets = self.folder / "assets"
        assets.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES_DIR / "atlas.css", assets / "atlas.css")
        (assets / "plotly.min.js").write_text(read_plotly_js(), encoding="utf-8")
        return ["assets/atlas.css", "assets/plotly.min.js"]

    def _write_page(self, name: str, template: str, context: dict[str, Any]) -> str:
        page = _environment().get_template(template).render(**context)
        path = self.folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(page, encoding="utf-8")
        return name

    # ---- shared context
    def _base_context(self, lang: str, stem: str, root: str) -> dict[str, Any]:
        texts = _texts(self.config, lang)
        alternates = [{"lang": other, "name": _language_name(other, other), "is_current": other == lang,
                       "href": make_page_name(stem, other, self.default_lang).rsplit("/", 1)[-1]}
                      for other in self.languages]
        return {
            "lang": lang, "t": texts, "root": root, "audience": self.audience,
            "index_href": root + make_page_name("index", lang, self.default_lang),
            "alternates": alternates,
            "edition_label": texts[f"edition_{self.audience}"],
            "generated": texts["footer_generated"].format(date=_format_date(self.today, lang),
                                                          version=__version__),
        }

    def _stage_view(self, code: str, lang: str) -> dict[str, str]:
        stage = self.stages[code]
        return {"code": code, "label": stage["label"][lang], "colour": stage["colour"],
                "description": stage["description"][lang]}

    def _status_label(self, status: str, lang: str) -> str:
        from .reference import get_label

        return get_label("endorsement_statuses", status, lang)

    # ---- index
    def _index_context(self, lang: str) -> dict[str, Any]:
        context = self._base_context(lang, "index", "")
        texts = context["t"]
        page_links = {c.iso3: f"countries/{make_page_name(c.iso3, lang, self.default_lang)}"
                      for c in self.countries if c.has_page}
        figure = build_map_figure(self.countries, lang, config=self.config, page_links=page_links)
        rows = []
        for c in sorted(self.countries, key=lambda c: _sort_key(c.params.get_country_name(lang))):
            quick = []
            if c.has_page:
                full = [f for f in c.get_files("guide") if f.lang == lang and f.length == "full"]
                # the working group's own edition first in the restricted build, if it was built
                editions = {f.edition for f in full}
                edition = "restricted" if self.audience == "restricted" and "restricted" in editions else "public"
                quick = [{"href": f.site_path, "label": texts[f"format_{f.fmt}"]}
                         for f in sorted(full, key=lambda f: GUIDE_FORMATS.index(f.fmt)) if f.edition == edition]
            rows.append({
                "iso3": c.iso3, "name": c.params.get_country_name(lang), "is_demo": c.params.is_demo,
                "stage": self._stage_view(c.stage, lang),
                "status": self._status_label(c.params.endorsement.status, lang),
                "built": _format_date((c.record or {}).get("built_at"), lang) if c.has_page else "",
                "href": page_links.get(c.iso3), "quick": quick, "has_record": c.record is not None,
            })
        counts = {code: sum(1 for c in self.countries if c.stage == code) for code in self.stages}
        legend = [{**self._stage_view(code, lang), "count": counts[code]} for code in self.stages]
        context.update(
            page_title=texts["site_title"],
            has_demo=any(c.params.is_demo for c in self.countries),
            synthetic_notice=texts["synthetic_notice_site"],
            rows=rows, legend=legend,
            not_participating={"label": self.config["not_participating"]["label"][lang],
                               "colour": self.config["not_participating"]["colour"]},
            figure_json=_dump_script_json(figure),
            map_aspect=float(self.config["map"]["aspect"]),
            geo_stub=Markup(_read_geo_stub()),
        )
        return context

    # ---- country page
    def _country_context(self, entry: AtlasCountry, lang: str) -> dict[str, Any]:
        from .timeline import build_milestone_table

        context = self._base_context(lang, entry.iso3, "../")
        texts = context["t"]
        name = entry.params.get_country_name(lang)
        data_texts = {key.format(country=entry.iso3): value[lang]
                      for key, value in self.config["data_files"].items()}

        known = list(data_texts)

        def file_order(f: SiteFile) -> tuple[int, str]:
            # as atlas.yaml lists them (tables, workbook, network), then the others by name
            return (known.index(f.name) if f.name in known else len(known), f.name)

        def link(f: SiteFile) -> dict[str, Any]:
            # pages live in countries/, files in countries/<ISO3>/…
            return {"href": f.site_path.removeprefix("countries/"), "name": f.name,
                    "size": format_size(f.size_bytes, texts, lang),
                    "content": data_texts.get(f.name, texts["data_file_other"])}

        guide_rows: dict[tuple, dict[str, Any]] = {}
        langs_order = {code: i for i, code in enumerate(self.languages)}
        for f in entry.get_files("guide"):
            key = (langs_order.get(f.lang, 99), f.lang, 0 if f.edition == "public" else 1, GUIDE_LENGTHS.index(f.length))
            row = guide_rows.setdefault(key, {
                "language": _language_name(f.lang, lang), "lang": f.lang,
                "edition": texts[f"edition_{f.edition}"], "length": texts[f"length_{f.length}"], "links": []})
            row["links"].append({**link(f), "label": texts[f"format_{f.fmt}"], "order": GUIDE_FORMATS.index(f.fmt)})
        for row in guide_rows.values():
            row["links"].sort(key=lambda item: item["order"])
        milestones = build_milestone_table(entry.params, self.today)
        labels = _milestone_labels(lang)
        endorsement = entry.params.endorsement
        context.update(
            page_title=texts["country_page_title"].format(country=name),
            country_name=name, iso3=entry.iso3,
            has_demo=entry.params.is_demo,
            synthetic_notice=texts["synthetic_notice_country"],
            is_final=endorsement.is_final,
            stage=self._stage_view(entry.stage, lang),
            status=self._status_label(endorsement.status, lang),
            authority=endorsement.authority or "",
            endorsed_on=_format_date(endorsement.date, lang),
            built=_format_date((entry.record or {}).get("built_at"), lang),
            guide_edition=_get_edition_number(entry.record),
            guides=[guide_rows[k] for k in sorted(guide_rows)],
            data_files=[link(f) for f in sorted(entry.get_files("data"), key=file_order)],
            validation_files=[link(f) for f in sorted(entry.get_files("validation"), key=file_order)],
            milestones=[{"label": labels.get(m.stage, m.stage), "start": _format_date(m.start, lang),
                         "end": _format_date(m.end, lang),
                         "state": texts[f"state_{m.state}"], "state_code": m.state}
                        for m in milestones.itertuples()],
            profiles=[{"title": p.title, "year": p.year, "publisher": p.publisher}
                      for p in entry.params.profiles],
        )
        return context


def _get_edition_number(record: dict[str, Any] | None) -> int | None:
    """The guide's edition number, when the build record has one (a new round of answers)."""
    value = (record or {}).get("edition")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _milestone_labels(lang: str) -> dict[str, str]:
    from .reference import get_labels

    return get_labels("milestones", lang)


def _sort_key(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


# ----------------------------------------------------------------------------------------------
# Building


def default_site_dir(audience: Audience) -> Path:
    """Return where a build goes by default: ``outputs/site/`` or ``outputs/site-restricted/``."""
    return outputs_dir() / ("site" if audience == "public" else "site-restricted")


def _fingerprint(countries: list[str], audience: str, lang: str, today: dt.date) -> str:
    """Hash what a build depends on from the files alone (no parsing: a no-change rerun is quick).

    ``build.json`` is written last by a country's build, so its hash stands for the outputs.
    """
    from .paths import params_path
    from .provenance import hash_file, hash_object

    def hash_if_file(path: Path) -> str | None:
        return hash_file(path) if path.is_file() else None

    record = {
        "audience": audience, "lang": lang, "today": today.isoformat(), "version": __version__,
        "code": hash_file(Path(__file__)),
        "templates": {p.name: hash_file(p) for p in sorted(TEMPLATES_DIR.iterdir()) if p.is_file()},
        "reference": {name: hash_if_file(reference_dir() / name)
                      for name in (CONFIG_NAME, "endorsement_statuses.csv", "milestones.csv")},
        "outlines": hash_if_file(data_dir() / "geo" / "countries.geojson"),
        "countries": {iso3: {"params": hash_if_file(params_path(iso3)),
                             "build": hash_if_file(outputs_dir(iso3) / "build.json")} for iso3 in countries},
    }
    return hash_object(record)


def _is_current(target: Path, fingerprint: str) -> bool:
    record = _read_site_record(target)
    if not record or record.get("fingerprint") != fingerprint:
        return False
    return all((target / rel).is_file() for rel in record.get("files", []))


def _read_site_record(folder: Path) -> dict[str, Any] | None:
    try:
        record = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` in place of ``target``: the old one is renamed away, the new one
    renamed in, then the old one deleted. Both renames stay on one file system (``new`` is made
    beside ``target``), so a reader sees the old site or the new one, never a mix.

    >>> import tempfile, pathlib
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> (base / "site").mkdir(); _ = (base / "site" / "old.txt").write_text("old")
    >>> (base / "new").mkdir(); _ = (base / "new" / "index.html").write_text("new")
    >>> replace_folder(base / "new", base / "site")
    >>> sorted(p.name for p in (base / "site").iterdir()), sorted(p.name for p in base.iterdir())
    (['index.html'], ['site'])
    """
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / target.name)
    try:
        os.replace(new, target)
    except OSError:
        if old is not None:  # put the previous site back rather than leave none
            os.replace(old / target.name, target)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def build_atlas(countries: list[str] | None = None, *, audience: Audience = "public",
                output_dir: Path | None = None, lang: str = "fr", today: dt.date | None = None,
                is_forced: bool = False) -> Path:
    """Write one build of the atlas and return its folder.

    Parameters
    ----------
    countries
        ISO3 codes of the participating countries; ``None`` means every ``params/*.yaml``.
        A country whose parameters cannot be read is left out (with a warning, and listed in
        ``atlas.json``) so that it never stops the others.
    audience
        ``"public"`` (only endorsed or published guides, public edition, open data) or
        ``"restricted"`` (every guide and edition, the validation reports).
    output_dir
        Where to write; default ``outputs/site/`` (public) or ``outputs/site-restricted/``.
    lang
        The language of ``index.html`` and ``countries/<ISO3>.html``; the site's other languages
        get ``index_<lang>.html`` and ``countries/<ISO3>_<lang>.html``.
    today
        Date used to tell reached milestones from planned ones (default: today).
    is_forced
        Rebuild even when nothing the site depends on has changed since the last build.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> site = build_atlas(["NER"], audience="public", output_dir=pathlib.Path(tempfile.mkdtemp()) / "site")
    >>> sorted(p.name for p in site.iterdir())  # NER's guide is not endorsed: no page in public
    ['assets', 'atlas.json', 'index.html', 'index_en.html']
    """
    if audience not in AUDIENCES:
        raise MpanalysisError(f"audience must be one of {', '.join(AUDIENCES)} (got {audience!r})")
    config = load_atlas_config()
    if lang not in config["languages"]:
        raise MpanalysisError(f"{reference_dir() / CONFIG_NAME}: the atlas has no texts in language "
                              f"'{lang}' (languages: {', '.join(config['languages'])})")
    today = today or dt.date.today()
    target = Path(output_dir) if output_dir else default_site_dir(audience)
    countries = _normalise_countries(countries)
    fingerprint = _fingerprint(countries, audience, lang, today)
    if not is_forced and _is_current(target, fingerprint):
        logger.info("atlas %s: up to date, nothing rebuilt", audience)
        return target
    entries, skipped = collect_atlas_countries(countries, audience, today, config)

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        site = staging / target.name
        site.mkdir()
        written = _SiteWriter(site, entries, audience, lang, config, today).write()
        record = {
            "audience": audience, "lang": lang, "fingerprint": fingerprint,
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "package_version": __version__,
            "countries": {c.iso3: {"stage": c.stage, "endorsement_status": c.params.endorsement.status,
                                   "has_page": c.has_page, "n_files": len(c.files)} for c in entries},
            "skipped": skipped, "files": sorted(written),
        }
        (site / RECORD_NAME).write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
        replace_folder(site, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("atlas %s written to %s (%d countries)", audience, target, len(entries))
    return target


def build_atlases(countries: list[str] | None = None, *, lang: str = "fr", today: dt.date | None = None,
                  is_forced: bool = False) -> dict[str, Path]:
    """Write the public and the restricted builds in their default folders; return their paths.

    The batch calls this after the countries: call it with ``countries=None`` so the atlas always
    shows the whole region, not only the countries of the last run.
    """
    return {audience: build_atlas(countries, audience=audience, lang=lang, today=today, is_forced=is_forced)
            for audience in AUDIENCES}
