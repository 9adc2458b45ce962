/* An empty world base map, defined before any figure draws: without it plotly.js fetches
   world_110m.json from its CDN for every geo figure, and offline the map stays blank. Country
   outlines come from each figure's own GeoJSON; the base layers must stay invisible. */
window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};
Object.assign(window.PlotlyGeoAssets.topojson, {
  "world_110m": {"type": "Topology", "objects": {}, "arcs": []}
});
