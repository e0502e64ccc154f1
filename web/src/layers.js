// The map's sources and style layers, built from this server's own tiles, and how the view's state
// (filters, layer order, visibility, opacity, the choropleth's area and metric) is applied to them.

import { filterQuery, METRICS } from './state.js';

export const AREA_KINDS = { counties: 'county', hidta: 'hidta', states: 'state' };
export const AREA_KEYS = { counties: 'geoid', hidta: 'id', states: 'statefp' };

/** Colour-blind-safe colours: Okabe–Ito for points, ColorBrewer RdBu for Gi* bins (as the PNG tiles). */
export const COLORS = {
  overdose: '#0072b2',
  fatal: '#000000',
  seizure: '#009e73',
  suppressed: '#bdbdbd',
  noData: '#f4f4f4',
  bins: { '-3': '#2166ac', '-2': '#67a9cf', '-1': '#d1e5f0', 1: '#fddbc7', 2: '#ef8a62', 3: '#b2182b' },
  heat: ['#fde725', '#5ec962', '#21918c', '#3b528b', '#440154'], // viridis, light to dark
};

export const EMERGING = {
  new_hot_spot: '#fcbba1',
  consecutive_hot_spot: '#fc9272',
  intensifying_hot_spot: '#de2d26',
  persistent_hot_spot: '#a50f15',
  diminishing_hot_spot: '#fb6a4a',
  sporadic_hot_spot: '#fdae6b',
  oscillating_hot_spot: '#e6550d',
  historical_hot_spot: '#fdd0a2',
  new_cold_spot: '#c6dbef',
  consecutive_cold_spot: '#9ecae1',
  intensifying_cold_spot: '#3182bd',
  persistent_cold_spot: '#08519c',
  diminishing_cold_spot: '#6baed6',
  sporadic_cold_spot: '#bdd7e7',
  oscillating_cold_spot: '#4292c6',
  historical_cold_spot: '#deebf7',
};

/** Style layers by logical layer (state.js LAYER_IDS); the choropleth's depend on the area shown. */
export function styleLayersOf(id, area) {
  switch (id) {
    case 'choropleth': return [`${area}-fill`];
    case 'overdoses': return ['overdose-clusters', 'overdose-points'];
    case 'seizures': return ['seizure-clusters', 'seizure-points'];
    case 'hotspots': return ['hotspots-county', 'hotspots-hex'];
    case 'emerging': return ['emerging-fill'];
    case 'heat': return ['heat-fill'];
    default: return [];
  }
}

/** The paint property that carries a style layer's opacity. */
function opacityProperty(map, styleLayer) {
  return map.getLayer(styleLayer)?.type === 'circle' ? 'circle-opacity' : 'fill-opacity';
}

export function tileUrl(origin, layer, state, extension = 'mvt', extra = {}) {
  const q = filterQuery(state, layer);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const query = q.toString();
  return `${origin}/tiles/${layer}/{z}/{x}/{y}.${extension}${query ? `?${query}` : ''}`;
}

export function tileJsonUrl(origin, layer, state, extra = {}) {
  const q = filterQuery(state, layer);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const query = q.toString();
  return `${origin}/tiles/${layer}.json${query ? `?${query}` : ''}`;
}

/** A fill colour for an area metric: suppressed grey, no value light, else the class of its upper bound. */
export function choroplethColor(metric, breaks, colors) {
  const value = ['to-number', ['get', metric]];
  const classes = ['case'];
  breaks.forEach((b, i) => {
    if (i < breaks.length - 1) classes.push(['<=', value, b], colors[i]);
  });
  classes.push(colors[colors.length - 1] || COLORS.noData);
  // A measure hidden by suppression is absent from the tile (MVT has no null); `suppressed` says
  // some count of the area was 1–9.
  return ['case',
    ['has', metric], breaks.length === 0 ? COLORS.noData : classes,
    ['==', ['get', 'suppressed'], true], COLORS.suppressed,
    COLORS.noData];
}

/** The heat layer's colour: its TileJSON's quantile breaks on density, viridis. */
export function heatColor(breaks) {
  if (!breaks.length) return COLORS.heat[0];
  const value = ['to-number', ['get', 'density'], 0];
  const expr = ['case'];
  breaks.slice(0, -1).forEach((b, i) => expr.push(['<=', value, b], COLORS.heat[Math.min(i, COLORS.heat.length - 1)]));
  expr.push(COLORS.heat[Math.min(breaks.length - 1, COLORS.heat.length - 1)]);
  return expr;
}

function binColor() {
  return ['match', ['to-number', ['get', 'bin'], 0],
    -3, COLORS.bins['-3'], -2, COLORS.bins['-2'], -1, COLORS.bins['-1'],
    1, COLORS.bins[1], 2, COLORS.bins[2], 3, COLORS.bins[3], 'rgba(0,0,0,0)'];
}

function emergingColor() {
  return ['match', ['get', 'category'], ...Object.entries(EMERGING).flat(), 'rgba(0,0,0,0)'];
}

/**
 * The two circle layers of a kind of event (`overdose`, `seizure`) on its point source: clusters below
 * z10, sized by the events they hold, and single events from z10, sized by zoom (`pointRadius` at z10
 * and z16). Both start hidden; applyLayerState shows them.
 */
function eventCircleLayers(kind, { color, pointColor, pointRadius: [atZ10, atZ16] }) {
  const source = `${kind}s`;
  const circles = (id, zoom, circleColor, radius) => ({
    id, type: 'circle', source, 'source-layer': source, ...zoom, layout: { visibility: 'none' }, paint: {
      'circle-color': circleColor, 'circle-opacity': 0.85, 'circle-radius': radius,
      'circle-stroke-color': '#ffffff', 'circle-stroke-width': 1 },
  });
  return [
    circles(`${kind}-clusters`, { maxzoom: 10 }, color,
      ['interpolate', ['linear'], ['sqrt', ['to-number', ['get', 'count'], 1]], 1, 3, 10, 12, 40, 28]),
    circles(`${kind}-points`, { minzoom: 10 }, pointColor, ['interpolate', ['linear'], ['zoom'], 10, atZ10, 16, atZ16]),
  ];
}

/**
 * Adds the sources and style layers to the map. Point sources only for layers the catalog lists for
 * the caller (the public's map asks for no points at all).
 */
export function addGeoOrsLayers(map, { origin, state, readable, breaks }) {
  const vector = (id, layer = id) => map.addSource(id, { type: 'vector', tiles: [tileUrl(origin, layer, state)], minzoom: 0, maxzoom: 14, attribution: 'GeoOrs' });
  for (const area of ['counties', 'hidta', 'states']) vector(area);
  if (readable.has('hotspots')) vector('hotspots');
  if (readable.has('heat')) vector('heat');
  if (readable.has('overdoses')) map.addSource('overdoses', { type: 'vector', tiles: [tileUrl(origin, 'overdoses', state)], minzoom: 0, maxzoom: 16 });
  if (readable.has('seizures')) map.addSource('seizures', { type: 'vector', tiles: [tileUrl(origin, 'seizures', state)], minzoom: 0, maxzoom: 16 });

  const add = layer => map.addLayer(layer);
  for (const area of ['counties', 'hidta', 'states']) {
    add({
      id: `${area}-fill`, type: 'fill', source: area, 'source-layer': area,
      layout: { visibility: 'none' },
      paint: { 'fill-color': choroplethColor(state.metric, breaks?.breaks || [], breaks?.colors || []), 'fill-opacity': 0.8, 'fill-outline-color': 'rgba(0,0,0,0)' },
    });
  }

  if (readable.has('heat')) {
    add({ id: 'heat-fill', type: 'fill', source: 'heat', 'source-layer': 'heat', layout: { visibility: 'none' }, paint: { 'fill-color': COLORS.heat[0], 'fill-opacity': 0.7 } });
  }

  if (readable.has('hotspots')) {
    add({ id: 'emerging-fill', type: 'fill', source: 'hotspots', 'source-layer': 'hotspots', filter: ['==', ['get', 'scale'], 'emerging'], layout: { visibility: 'none' }, paint: { 'fill-color': emergingColor(), 'fill-opacity': 0.75 } });
    add({ id: 'hotspots-county', type: 'fill', source: 'hotspots', 'source-layer': 'hotspots', filter: ['all', ['==', ['get', 'scale'], 'county'], ['!=', ['to-number', ['get', 'bin'], 0], 0]], layout: { visibility: 'none' }, paint: { 'fill-color': binColor(), 'fill-opacity': 0.75 } });
    add({ id: 'hotspots-hex', type: 'fill', source: 'hotspots', 'source-layer': 'hotspots', filter: ['all', ['==', ['get', 'scale'], 'hex'], ['!=', ['to-number', ['get', 'bin'], 0], 0]], layout: { visibility: 'none' }, paint: { 'fill-color': binColor(), 'fill-opacity': 0.75 } });
  }

  if (readable.has('seizures')) {
    eventCircleLayers('seizure', { color: COLORS.seizure, pointColor: COLORS.seizure, pointRadius: [3, 7] }).forEach(add);
  }

  if (readable.has('overdoses')) {
    eventCircleLayers('overdose', {
      color: COLORS.overdose, pointColor: ['case', ['==', ['get', 'fatal'], true], COLORS.fatal, COLORS.overdose], pointRadius: [3.5, 8],
    }).forEach(add);
  }

  // Outlines over everything: counties from z5, the selected area, HIDTA regions when shown, states.
  add({ id: 'counties-outline', type: 'line', source: 'counties', 'source-layer': 'counties', minzoom: 5,
    paint: { 'line-color': '#8c8c8c', 'line-width': ['interpolate', ['linear'], ['zoom'], 5, 0.2, 10, 1] } });
  add({ id: 'hidta-outline', type: 'line', source: 'hidta', 'source-layer': 'hidta', layout: { visibility: 'none', 'line-join': 'round' },
    paint: { 'line-color': '#5e3c99', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 1, 10, 3], 'line-dasharray': [3, 2] } });
  add({ id: 'states-outline', type: 'line', source: 'states', 'source-layer': 'states', layout: { 'line-join': 'round' },
    paint: { 'line-color': '#404040', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.8, 10, 2.5] } });
  for (const area of ['counties', 'hidta', 'states']) {
    add({ id: `${area}-selected`, type: 'line', source: area, 'source-layer': area, filter: ['==', ['get', AREA_KEYS[area]], ''],
      paint: { 'line-color': '#000000', 'line-width': 3 } });
  }
}

/** Applies visibility, order and opacity; the first layer in state.layers is drawn on top. */
export function applyLayerState(map, state) {
  const on = (id, visible) => map.getLayer(id) && map.setLayoutProperty(id, 'visibility', visible ? 'visible' : 'none');
  for (const area of ['counties', 'hidta', 'states']) {
    const choropleth = state.layers.find(l => l.id === 'choropleth');
    on(`${area}-fill`, area === state.area && choropleth.visible);
  }
  on('hidta-outline', state.area === 'hidta');

  for (const layer of state.layers) {
    if (layer.id === 'choropleth') continue;
    for (const id of styleLayersOf(layer.id, state.area)) on(id, layer.visible);
  }

  // Bottom to top, each moved just under the outlines.
  for (const layer of [...state.layers].reverse()) {
    for (const id of styleLayersOf(layer.id, state.area)) {
      if (map.getLayer(id)) {
        map.moveLayer(id, 'counties-outline');
        map.setPaintProperty(id, opacityProperty(map, id), layer.opacity / 100);
      }
    }
  }
}

/** Points every filtered source at the tiles for the state's window and filters. */
export function applyFilters(map, origin, state) {
  for (const id of ['counties', 'hidta', 'states', 'overdoses', 'seizures']) {
    const source = map.getSource(id);
    if (source) source.setTiles([tileUrl(origin, id, state)]);
  }
}

export function applyChoroplethColors(map, state, classification) {
  const id = `${state.area}-fill`;
  if (map.getLayer(id)) map.setPaintProperty(id, 'fill-color', choroplethColor(state.metric, classification.breaks, classification.colors));
}

export function applySelection(map, selected) {
  for (const area of ['counties', 'hidta', 'states']) {
    const match = selected && AREA_KINDS[area] === selected.kind ? selected.id : '';
    if (map.getLayer(`${area}-selected`)) map.setFilter(`${area}-selected`, ['==', ['get', AREA_KEYS[area]], match]);
  }
}

function format(n) {
  if (n === null || n === undefined) return '–';
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : Number(n.toFixed(1)).toLocaleString('en-US');
}

/** The legend of a classification as HTML list items (swatch, range). */
export function legendItems(classification, { suppressed = false, disclosure = null } = {}) {
  const items = [];
  const { breaks = [], colors = [], minimum = 0 } = classification || {};
  breaks.forEach((b, i) => {
    const low = i === 0 ? minimum : breaks[i - 1];
    items.push({ color: colors[i], label: low === b ? format(b) : `${format(low)} – ${format(b)}` });
  });
  const noise = disclosure?.max_noise ? `; counts perturbed ±${disclosure.max_noise}` : '';
  if (suppressed) items.push({ color: COLORS.suppressed, label: `withheld (published 1–9${noise})` });
  items.push({ color: COLORS.noData, label: breaks.length ? 'no value' : 'no data for this window' });
  return items;
}

export function renderLegend(element, title, items) {
  element.replaceChildren();
  const heading = document.createElement('div');
  heading.className = 'legend-title';
  heading.textContent = title;
  const list = document.createElement('ul');
  for (const item of items) {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = item.color;
    li.append(swatch, document.createTextNode(item.label));
    list.append(li);
  }
  element.append(heading, list);
}

export function metricTitle(metric) {
  return METRICS[metric] || metric;
}
