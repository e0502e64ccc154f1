// /embed: a chrome-less map for a dashboard's iframe, always the public view (no key, no points).
//   /embed?layer=counties|hidta|states|hotspots|emerging|heat&metric=rate&from=YYYY-MM-DD&to=YYYY-MM-DD
//          &drug=fentanyl&fatal=true|false&legend=0#zoom/lat/lng

import { AttributionControl, Map as MapLibreMap, setWorkerUrl } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import './app.css';
import { getJson } from './api.js';
import {
  COLORS, addGeoOrsLayers, applyChoroplethColors, applyLayerState, heatColor, legendItems, metricTitle, renderLegend, tileJsonUrl,
} from './layers.js';
import { AREAS, METRICS, parseState } from './state.js';

setWorkerUrl(new URL('/dist/maplibre-gl-worker.mjs', location.href).href);

const params = new URLSearchParams(location.search);
const state = parseState(location.search);
const layer = ['counties', 'hidta', 'states', 'hotspots', 'emerging', 'heat'].includes(params.get('layer')) ? params.get('layer') : 'counties';
if (AREAS.includes(layer)) state.area = layer;
state.metric = params.get('metric') in METRICS ? params.get('metric') : 'rate';
state.layers = state.layers.map(l => ({ ...l, visible: AREAS.includes(layer) ? l.id === 'choropleth' : l.id === layer }));
const origin = location.origin;
const legend = document.getElementById('legend');
const message = document.getElementById('messages');
document.body.dataset.layer = layer;

const map = new MapLibreMap({
  container: 'map',
  style: { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef3f7' } }] },
  center: [-96.5, 38.5],
  zoom: 3.3,
  hash: true,
  attributionControl: false,
  canvasContextAttributes: { preserveDrawingBuffer: Boolean(window.geoorsTest) },
});
map.addControl(new AttributionControl({ compact: true, customAttribution: '<a href="/" target="_blank" rel="noopener">GeoOrs</a> · US Census Bureau' }));
window.geoors = { map, state, layer };
map.on('error', event => {
  if (event.error?.status) {
    message.textContent = `The map could not load its tiles (${event.error.status}).`;
    message.hidden = false;
  }
});

map.once('load', async () => {
  addGeoOrsLayers(map, { origin, state, readable: new Set(['hotspots', 'heat']), breaks: null });
  applyLayerState(map, state);
  try {
    if (AREAS.includes(layer)) {
      const tilejson = await getJson(tileJsonUrl(origin, layer, state, { metric: state.metric }));
      applyChoroplethColors(map, state, tilejson.raster);
      renderLegend(legend, metricTitle(state.metric), legendItems(tilejson.raster, { suppressed: true, disclosure: tilejson.disclosure_control }));
    } else if (layer === 'heat') {
      const raster = (await getJson(`${origin}/tiles/heat.json`)).raster;
      map.setPaintProperty('heat-fill', 'fill-color', heatColor(raster.breaks || []));
      renderLegend(legend, 'Overdoses per km²', legendItems(raster).slice(0, -1).map((item, i) => ({ ...item, color: COLORS.heat[Math.min(i, COLORS.heat.length - 1)] })));
    } else {
      renderLegend(legend, layer === 'hotspots' ? 'Hot spots (Gi*)' : 'Emerging hot spots',
        [['3', 'hot, 99%'], ['2', 'hot, 95%'], ['1', 'hot, 90%'], ['-1', 'cold, 90%'], ['-2', 'cold, 95%'], ['-3', 'cold, 99%']].map(([bin, label]) => ({ color: COLORS.bins[bin], label })));
    }
  } catch (error) {
    message.textContent = error.message;
    message.hidden = false;
  }
  legend.hidden = params.get('legend') === '0';
  map.once('idle', () => { document.body.dataset.ready = 'true'; });
});
