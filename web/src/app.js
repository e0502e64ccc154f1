// The GeoOrs web map: layers, filters, the area panel, live alerts, sign-in, sharing and the naloxone planner.
// The view lives in the URL (query: filters and layers; hash: the map's position), so a link
// reopens it exactly. window.geoors = { map, state } and body[data-ready="true"] serve the tests.

import { AttributionControl, Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import './app.css';
import { ApiError, apiKey, authHeaders, describeStatus, getJson, sameOrigin, setApiKey } from './api.js';
import {
  AREA_KEYS, AREA_KINDS, COLORS, EMERGING, addGeoOrsLayers, applyChoroplethColors, applyFilters, applyLayerState,
  applySelection, heatColor, legendItems, metricTitle, renderLegend, tileJsonUrl,
} from './layers.js';
import { closeArea, showArea } from './panel.js';
import { initPlanner } from './planner.js';
import { startAlerts } from './alerts.js';
import { createResponsePanel } from './response.js';
import { openShare, wireCopyButtons } from './share.js';
import {
  AREAS, DRUGS, LAYER_TITLES, METRICS, addDays, daysBetween, isPublicView, isoDay, parseState, publicWindow, setPublicView, stateQuery,
} from './state.js';

// Requests without a key ask for the public's windows (whole months) from the first tile on.
setPublicView(!apiKey());

setWorkerUrl(new URL('/dist/maplibre-gl-worker.mjs', location.href).href);

const $ = id => document.getElementById(id);
const ui = {
  map: $('map'), loading: $('map-loading'), messages: $('messages'),
  from: $('filter-from'), to: $('filter-to'), slider: $('time-slider'), sliderLabel: $('time-label'), play: $('play'),
  drug: $('filter-drug'), fatal: $('filter-fatal'), area: $('choropleth-area'), metric: $('choropleth-metric'),
  layerList: $('layer-list'), legend: $('legend'), extraLegend: $('legend-extra'), suppression: $('suppression-note'),
  signinForm: $('signin-form'), keyInput: $('api-key'), signin: $('signin'), signout: $('signout'), jobsLink: $('jobs-link'), signinStatus: $('signin-status'),
  areaPanel: $('area-panel'), areaTitle: $('area-title'), areaSubtitle: $('area-subtitle'), areaStatus: $('area-status'),
  areaMeasures: $('area-measures'), areaSuppressed: $('area-suppressed'), areaUnstable: $('area-unstable'),
  areaChart: $('area-chart'), areaChartNote: $('area-chart-note'), areaHotspot: $('area-hotspot'),
  areaAlerts: $('area-alerts'), areaAlertsNote: $('area-alerts-note'), areaClose: $('area-close'),
  areaLinks: $('area-links'), areaLinksNote: $('area-links-note'),
  areaBriefPdf: $('area-brief-pdf'), areaBriefHtml: $('area-brief-html'), areaBriefStatus: $('area-brief-status'),
  areaBriefs: $('area-briefs'), areaBriefsNote: $('area-briefs-note'),
  alertsPanel: $('alerts-panel'), alertsList: $('alerts-list'), alertsStatus: $('alerts-status'), alertsCount: $('alerts-count'),
  shareOpen: $('share-open'), shareDialog: $('share-dialog'), shareLink: $('share-link'), shareIframe: $('share-iframe'),
  shareMvt: $('share-mvt'), sharePng: $('share-png'), shareTilejson: $('share-tilejson'), shareClose: $('share-close'),
  sidebarToggle: $('toggle-sidebar'), sidebar: $('sidebar'),
};

const origin = location.origin;
const state = parseState(location.search);
let readable = new Set();
let classification = null;
let disclosure = null; // the public's disclosure-control note, from TileJSON
let heatClasses = null;
let lastTileProperties = null;

// ---------------------------------------------------------------- messages

function showMessage(text, kind = 'error') {
  ui.messages.textContent = text;
  ui.messages.dataset.kind = kind;
  ui.messages.hidden = !text;
}

// ---------------------------------------------------------------- URL

function writeUrl() {
  history.replaceState(history.state, '', `${location.pathname}?${stateQuery(state)}${location.hash}`);
}

// ---------------------------------------------------------------- the map

const basemap = document.querySelector('meta[name="geoors-basemap"]')?.content || '';
const ownStyle = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef3f7' } }],
};

const map = new MapLibreMap({
  container: ui.map,
  style: basemap || ownStyle,
  center: [-96.5, 38.5],
  zoom: 3.3,
  hash: true,
  attributionControl: false,
  canvasContextAttributes: { preserveDrawingBuffer: Boolean(window.geoorsTest) },
  transformRequest: url => (sameOrigin(url) && apiKey() ? { url, headers: { 'X-Api-Key': apiKey() } } : { url }),
});
map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
map.addControl(new ScaleControl({ unit: 'imperial' }), 'bottom-left');
map.addControl(new AttributionControl({ compact: true, customAttribution: 'Boundaries: US Census Bureau' }), 'bottom-right');
window.geoors = { map, state };

map.on('error', event => {
  const status = event.error?.status;
  if (status) showMessage(describeStatus(status, null, 'Loading map tiles'));
});
map.on('dataloading', () => { ui.loading.hidden = false; document.body.dataset.idle = 'false'; });
map.on('idle', () => {
  ui.loading.hidden = true;
  document.body.dataset.idle = 'true';
  updateSuppressionNote();
});

// ---------------------------------------------------------------- choropleth classes and legend

async function refreshClasses() {
  try {
    const tilejson = await getJson(tileJsonUrl(origin, state.area, state, { metric: state.metric }), { what: 'The legend' });
    classification = tilejson.raster || { breaks: [], colors: [] };
    disclosure = tilejson.disclosure_control || null;
    applyChoroplethColors(map, state, classification);
  } catch (error) {
    showMessage(error.message);
  }
  if (readable.has('heat') && state.layers.find(l => l.id === 'heat')?.visible && !heatClasses) {
    try {
      heatClasses = (await getJson(`${origin}/tiles/heat.json`, { what: 'The heat layer' })).raster;
      if (map.getLayer('heat-fill')) map.setPaintProperty('heat-fill', 'fill-color', heatColor(heatClasses.breaks || []));
    } catch (error) {
      showMessage(error.message);
    }
  }
  updateLegend();
}

function updateLegend() {
  ui.legend.dataset.metric = state.metric;
  ui.legend.dataset.area = state.area;
  const choropleth = state.layers.find(l => l.id === 'choropleth');
  if (choropleth.visible) {
    renderLegend(ui.legend, `${metricTitle(state.metric)} · ${state.area === 'hidta' ? 'HIDTA regions' : state.area}`,
      legendItems(classification, { suppressed: !readable.has('overdoses'), disclosure }));
  } else {
    ui.legend.replaceChildren();
  }

  ui.extraLegend.replaceChildren();
  const visible = id => state.layers.find(l => l.id === id)?.visible && (id === 'choropleth' || readable.has(id));
  const block = (title, items) => {
    const div = document.createElement('div');
    renderLegend(div, title, items);
    ui.extraLegend.append(div);
  };
  if (visible('overdoses')) block('Overdoses', [{ color: COLORS.overdose, label: 'non-fatal / cluster' }, { color: COLORS.fatal, label: 'fatal (from z10)' }]);
  if (visible('seizures')) block('Seizures', [{ color: COLORS.seizure, label: 'seizure / cluster' }]);
  if (visible('hotspots')) {
    block('Hot spots (Gi*)', [['3', 'hot, 99%'], ['2', 'hot, 95%'], ['1', 'hot, 90%'], ['-1', 'cold, 90%'], ['-2', 'cold, 95%'], ['-3', 'cold, 99%']]
      .map(([bin, label]) => ({ color: COLORS.bins[bin], label })));
  }
  if (visible('emerging')) {
    block('Emerging hot spots', Object.entries(EMERGING).filter(([k]) => k.endsWith('hot_spot') || k.startsWith('persistent') || k.startsWith('new'))
      .map(([k, color]) => ({ color, label: k.replaceAll('_', ' ') })));
  }
  if (visible('heat') && heatClasses) block('Overdoses per km²', legendItems(heatClasses).slice(0, -1).map((item, i) => ({ ...item, color: COLORS.heat[Math.min(i, COLORS.heat.length - 1)] })));
}

function updateSuppressionNote() {
  if (readable.has('overdoses') || !map.getLayer(`${state.area}-fill`)) {
    ui.suppression.hidden = true;
    return;
  }
  const shown = map.queryRenderedFeatures({ layers: [`${state.area}-fill`] });
  const suppressed = new Set(shown.filter(f => f.properties.suppressed === true).map(f => f.properties[AREA_KEYS[state.area]])).size;
  ui.suppression.hidden = false;
  ui.suppression.dataset.suppressed = String(suppressed);
  const window = publicWindow(state.from, state.to);
  const protection = `Public figures for ${window.from} – ${window.to} are protected: each count is perturbed by up to ±${disclosure?.max_noise ?? '?'} and published counts of 1–9 are withheld.`;
  ui.suppression.textContent = suppressed
    ? `${protection} ${suppressed} area(s) in view are withheld (grey where the measure shown is hidden). Event points need a key.`
    : `${protection} Event points need a key.`;
}

// ---------------------------------------------------------------- layers panel

function renderLayerList() {
  ui.layerList.replaceChildren();
  state.layers.forEach((layer, index) => {
    const available = layer.id === 'choropleth' || readable.has(layer.id === 'emerging' ? 'hotspots' : layer.id);
    const li = document.createElement('li');
    li.dataset.layer = layer.id;
    li.dataset.visible = String(layer.visible);
    li.className = available ? '' : 'unavailable';

    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = layer.visible && available;
    box.disabled = !available;
    box.dataset.role = 'toggle';
    label.append(box, ` ${LAYER_TITLES[layer.id]}`);

    const up = document.createElement('button');
    up.type = 'button';
    up.textContent = '▲';
    up.dataset.role = 'up';
    up.disabled = index === 0;
    up.setAttribute('aria-label', `Move ${LAYER_TITLES[layer.id]} up`);
    const down = document.createElement('button');
    down.type = 'button';
    down.textContent = '▼';
    down.dataset.role = 'down';
    down.disabled = index === state.layers.length - 1;
    down.setAttribute('aria-label', `Move ${LAYER_TITLES[layer.id]} down`);

    const opacity = document.createElement('input');
    opacity.type = 'range';
    opacity.min = '0';
    opacity.max = '100';
    opacity.step = '5';
    opacity.value = String(layer.opacity);
    opacity.dataset.role = 'opacity';
    opacity.disabled = !available;
    opacity.setAttribute('aria-label', `Opacity of ${LAYER_TITLES[layer.id]}`);

    const row = document.createElement('div');
    row.className = 'layer-row';
    row.append(label, opacity, up, down);
    li.append(row);
    if (!available) {
      const note = document.createElement('small');
      note.textContent = layer.id === 'overdoses' || layer.id === 'seizures' ? 'Needs a partner key or higher.' : 'Not available.';
      li.append(note);
    }
    ui.layerList.append(li);
  });
}

ui.layerList.addEventListener('change', event => {
  const li = event.target.closest('li[data-layer]');
  if (!li || event.target.dataset.role !== 'toggle') return;
  const layer = state.layers.find(l => l.id === li.dataset.layer);
  layer.visible = event.target.checked;
  layersChanged();
  if (layer.id === 'heat' && layer.visible) refreshClasses();
});
ui.layerList.addEventListener('input', event => {
  const li = event.target.closest('li[data-layer]');
  if (!li || event.target.dataset.role !== 'opacity') return;
  state.layers.find(l => l.id === li.dataset.layer).opacity = Number(event.target.value);
  applyLayerState(map, state);
  writeUrl();
});
ui.layerList.addEventListener('click', event => {
  const button = event.target.closest('button[data-role]');
  const li = event.target.closest('li[data-layer]');
  if (!button || !li) return;
  const index = state.layers.findIndex(l => l.id === li.dataset.layer);
  const to = button.dataset.role === 'up' ? index - 1 : index + 1;
  if (to < 0 || to >= state.layers.length) return;
  const [moved] = state.layers.splice(index, 1);
  state.layers.splice(to, 0, moved);
  layersChanged();
  ui.layerList.querySelector(`li[data-layer="${moved.id}"] button[data-role="${button.dataset.role}"]:not(:disabled)`)?.focus();
});

function layersChanged() {
  if (map.getLayer('counties-outline')) applyLayerState(map, state);
  renderLayerList();
  updateLegend();
  writeUrl();
}

// ---------------------------------------------------------------- filters and the time slider

// The slider spans the data: from the first event's day (the county-aggregates collection's temporal
// extent) to today; five years back until that is known, or when there are no events.
let sliderStart = addDays(isoDay(new Date()), -5 * 365);

function sliderBounds() {
  const min = state.from < sliderStart ? state.from : sliderStart;
  const max = isoDay(new Date());
  return { min, max };
}

async function loadDataRange() {
  try {
    const collection = await getJson('/ogc/collections/county-aggregates', { what: 'The data range' });
    const first = collection.extent?.temporal?.interval?.[0]?.[0];
    if (typeof first === 'string' && /^\d{4}-\d{2}-\d{2}/.test(first)) {
      sliderStart = first.slice(0, 10);
      window.geoors.dataFrom = sliderStart;
      syncFilterInputs();
    }
  } catch {
    // keep the five-year span
  }
}

function syncFilterInputs() {
  ui.from.value = state.from;
  ui.to.value = state.to;
  ui.drug.value = state.drug;
  ui.fatal.value = state.fatal;
  ui.area.value = state.area;
  ui.metric.value = state.metric;
  const { min, max } = sliderBounds();
  ui.slider.min = '0';
  ui.slider.max = String(Math.max(0, Math.floor(daysBetween(min, max) / 7)));
  ui.slider.value = String(Math.floor(daysBetween(min, state.from) / 7));
  const shown = isPublicView() ? publicWindow(state.from, state.to) : null;
  ui.sliderLabel.textContent = `${state.from} – ${state.to} (${daysBetween(state.from, state.to) + 1} days, local dates)`
    + (shown ? `; public figures: ${shown.from} – ${shown.to}` : '');
}

function filtersChanged() {
  syncFilterInputs();
  applyFilters(map, origin, state);
  refreshClasses();
  writeUrl();
  if (state.selected) openSelected();
}

function setWindow(from, to) {
  if (!from || !to) return;
  if (from > to) [from, to] = [to, from];
  state.from = from;
  state.to = to;
  filtersChanged();
}

ui.from.addEventListener('change', () => setWindow(ui.from.value, state.to));
ui.to.addEventListener('change', () => setWindow(state.from, ui.to.value));
ui.slider.addEventListener('input', () => {
  const length = daysBetween(state.from, state.to);
  const from = addDays(sliderBounds().min, Number(ui.slider.value) * 7);
  setWindow(from, addDays(from, length));
});
ui.drug.addEventListener('change', () => { state.drug = ui.drug.value; filtersChanged(); });
ui.fatal.addEventListener('change', () => { state.fatal = ui.fatal.value; filtersChanged(); });
ui.area.addEventListener('change', () => {
  state.area = ui.area.value;
  applyLayerState(map, state);
  refreshClasses();
  writeUrl();
});
ui.metric.addEventListener('change', () => { state.metric = ui.metric.value; refreshClasses(); writeUrl(); });

let playing = null;
function stopPlaying() {
  clearTimeout(playing);
  playing = null;
  ui.play.setAttribute('aria-pressed', 'false');
  ui.play.textContent = '▶ Play';
}
function step() {
  const length = daysBetween(state.from, state.to);
  const from = addDays(state.from, 7);
  if (addDays(from, length) > isoDay(new Date())) {
    stopPlaying();
    return;
  }
  setWindow(from, addDays(from, length));
  map.once('idle', () => { if (playing) playing = setTimeout(step, 800); });
}
ui.play.addEventListener('click', () => {
  if (playing) {
    stopPlaying();
    return;
  }
  ui.play.setAttribute('aria-pressed', 'true');
  ui.play.textContent = '⏸ Pause';
  playing = setTimeout(step, 0);
});

// ---------------------------------------------------------------- the area panel

function openSelected(tileProperties) {
  applySelection(map, state.selected);
  if (tileProperties) lastTileProperties = tileProperties;
  showArea(ui, state.selected, state, { tileProperties: lastTileProperties, onAlert: openAlert });
}

map.on('click', event => {
  const id = `${state.area}-fill`;
  if (!map.getLayer(id)) return;
  const feature = map.queryRenderedFeatures(event.point, { layers: [id] })[0];
  if (!feature) return;
  state.selected = { kind: AREA_KINDS[state.area], id: String(feature.properties[AREA_KEYS[state.area]]) };
  writeUrl();
  openSelected(feature.properties);
});
map.on('mousemove', event => {
  const id = `${state.area}-fill`;
  const hit = map.getLayer(id) && map.queryRenderedFeatures(event.point, { layers: [id] }).length > 0;
  map.getCanvas().style.cursor = hit ? 'pointer' : '';
});
ui.areaClose.addEventListener('click', () => {
  state.selected = null;
  applySelection(map, null);
  closeArea(ui);
  writeUrl();
});

function bboxOf(geometry) {
  let [w, s, e, n] = [180, 90, -180, -90];
  const walk = c => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return [[w, s], [e, n]];
}

/** Flies to an alert's area (a county's geometry from /api/boundaries, a HIDTA region's from OGC) and opens its panel. */
// An alert clicked in a list: its response panel opens and the map flies to its area.
let responsePanel = null;
function openAlert(alert) {
  responsePanel ??= createResponsePanel($('alert-detail'));
  responsePanel.open(alert.id);
  return flyToAlert(alert);
}

async function flyToAlert(alert) {
  const kind = alert.area_kind === 'hidta' ? 'hidta' : 'county';
  try {
    const feature = kind === 'county'
      ? await getJson(`/api/boundaries/counties/${encodeURIComponent(alert.area_id)}`, { what: 'The county' })
      : await getJson(`/ogc/collections/hidta-regions/items/${encodeURIComponent(alert.area_id)}`, { what: 'The HIDTA region' });
    map.fitBounds(bboxOf(feature.geometry), { padding: 60, maxZoom: 10, duration: 1200 });
    state.selected = { kind, id: alert.area_id };
    if (kind === 'county' && state.area !== 'counties') { state.area = 'counties'; ui.area.value = 'counties'; applyLayerState(map, state); refreshClasses(); }
    if (kind === 'hidta' && state.area !== 'hidta') { state.area = 'hidta'; ui.area.value = 'hidta'; applyLayerState(map, state); refreshClasses(); }
    writeUrl();
    openSelected(null);
  } catch (error) {
    showMessage(error.message);
  }
}

// ---------------------------------------------------------------- sign in

async function catalogFor() {
  try {
    return await getJson('/tiles', { what: 'The tile catalog' });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && apiKey()) {
      setApiKey('');
      showMessage('The server did not accept the stored API key; you are signed out.');
      return getJson('/tiles', { what: 'The tile catalog' });
    }
    throw error;
  }
}

function renderSignin() {
  const signedIn = Boolean(apiKey());
  setPublicView(!signedIn);
  document.body.dataset.role = signedIn ? (readable.has('overdoses') ? 'events' : 'aggregates') : 'public';
  ui.signout.hidden = !signedIn;
  ui.keyInput.hidden = signedIn;
  ui.signin.hidden = signedIn;
  ui.signinStatus.textContent = !signedIn ? 'Public view'
    : readable.has('overdoses') ? 'Signed in: this key sees event points' : 'Signed in: aggregates only';
  ui.jobsLink.hidden = true;
  if (signedIn) showJobsLink();
}

// The jobs dashboard is a page: a navigation cannot send the key's header, so an admin's key first
// gets a short-lived cookie that only /jobs receives. Only an admin key is offered the link.
async function openJobsSession() {
  const response = await fetch('/api/jobs/dashboard-session', { method: 'POST', headers: authHeaders() });
  return response.status === 204;
}

async function showJobsLink() {
  try {
    const response = await fetch('/api/jobs/dashboard-session', { headers: authHeaders({ Accept: 'application/json' }) });
    ui.jobsLink.hidden = !(response.ok && (await response.json()).available === true);
  } catch {
    ui.jobsLink.hidden = true;
  }
}

ui.jobsLink.addEventListener('click', async event => {
  event.preventDefault();
  if (await openJobsSession()) location.assign('/jobs');
});

ui.signinForm.addEventListener('submit', async event => {
  event.preventDefault();
  const key = ui.keyInput.value.trim();
  if (!key) return;
  ui.signin.disabled = true;
  ui.signinStatus.textContent = 'Checking the key…';
  try {
    const response = await fetch('/tiles', { headers: { 'X-Api-Key': key, Accept: 'application/json' } });
    if (!response.ok) {
      ui.signinStatus.textContent = response.status === 401 ? 'The server did not accept this key.' : describeStatus(response.status, response.headers.get('Retry-After'), 'Signing in');
      return;
    }
    setApiKey(key);
    location.reload(); // every layer, source and stream starts again with the key
  } catch {
    ui.signinStatus.textContent = 'The server cannot be reached.';
  } finally {
    ui.signin.disabled = false;
  }
});
ui.signout.addEventListener('click', async () => {
  if (!ui.jobsLink.hidden) await fetch('/api/jobs/dashboard-session', { method: 'DELETE', headers: authHeaders() }).catch(() => {});
  setApiKey('');
  location.reload();
});

// ---------------------------------------------------------------- share, sidebar

ui.shareOpen.addEventListener('click', () => openShare(ui, origin, state));
ui.shareClose.addEventListener('click', () => ui.shareDialog.close());
wireCopyButtons(ui.shareDialog);
ui.sidebarToggle.addEventListener('click', () => {
  const open = ui.sidebarToggle.getAttribute('aria-expanded') !== 'true';
  ui.sidebarToggle.setAttribute('aria-expanded', String(open));
  document.body.classList.toggle('sidebar-closed', !open);
  setTimeout(() => map.resize(), 0);
});
if (matchMedia('(max-width: 760px)').matches) {
  ui.sidebarToggle.setAttribute('aria-expanded', 'false');
  document.body.classList.add('sidebar-closed');
}

// ---------------------------------------------------------------- start

function fillSelect(select, entries) {
  for (const [value, label] of entries) select.append(new Option(label, value));
}

async function start() {
  fillSelect(ui.drug, [['', 'All drugs'], ...DRUGS.map(d => [d, d.replaceAll('_', ' ')])]);
  fillSelect(ui.area, AREAS.map(a => [a, { counties: 'Counties', hidta: 'HIDTA regions', states: 'States' }[a]]));
  fillSelect(ui.metric, Object.entries(METRICS));
  syncFilterInputs();
  loadDataRange();

  let catalog = { layers: [] };
  try {
    catalog = await catalogFor();
  } catch (error) {
    showMessage(error.message);
  }
  readable = new Set(catalog.layers.map(l => l.id));
  renderSignin();
  renderLayerList();
  startAlerts(ui, { onAlert: openAlert, onStatus: change => responsePanel?.changed(change) });

  const ready = async () => {
    addGeoOrsLayers(map, { origin, state, readable, breaks: null });
    applyLayerState(map, state);
    applySelection(map, state.selected);
    await refreshClasses();
    if (state.selected) openSelected();
    initPlanner(map, state);
    map.once('idle', () => { document.body.dataset.ready = 'true'; });
  };
  if (map.isStyleLoaded()) ready();
  else map.once('load', ready);
}

start();
