"""The atlas map: country outlines, label points, the map frame and the plotly choropleth drawn offline."""

from __future__ import annotations

import html
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from mpanalysis.errors import ReferenceDataError
from mpanalysis.paths import data_dir
from mpanalysis.publish.atlas.countries import AtlasCountry, load_atlas_config, logger

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

    >>> from mpanalysis.params import CountryParams
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
