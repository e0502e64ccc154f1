// The naloxone planner panel: an area (the selected county or HIDTA region, or the county under the
// map's centre), candidate sites (an uploaded CSV or GeoJSON, or a grid), optional existing sites, k,
// the coverage radius, the fatal / non-fatal weights, an optional half-life and the page's window go
// to POST /api/planning/naloxone; the chosen sites come back as numbered markers with their coverage
// circles, the coverage curve, the covered share, the bound and the gap, and can be exported.

import { Marker } from 'maplibre-gl';
import uPlot from 'uplot';
import { apiKey, authHeaders, describeStatus, getJson } from './api.js';

const SOURCE_COVERAGE = 'planner-coverage';
const SOURCE_SITES = 'planner-sites';
const CIRCLE_SIDES = 64;
const EARTH_RADIUS = 6371008.8;
const COLOR = '#cc79a7'; // Okabe–Ito reddish purple: apart from the choropleth's YlOrRd and the points' blue

/** The request's fields and the inputs that set them, for a 400 that names a field. */
const FIELD_INPUTS = [
  ['candidates.grid', 'planner-grid'],
  ['candidates', 'planner-candidates-file'],
  ['existing', 'planner-existing-file'],
  ['area', 'planner-area'],
  ['k', 'planner-k'],
  ['radiusMeters', 'planner-radius'],
  ['weights', 'planner-weight-fatal'],
  ['halfLifeDays', 'planner-half-life'],
  ['from', 'filter-from'],
  ['to', 'filter-to'],
];
const FIELD_LABELS = {
  'candidates.grid': 'Grid spacing', candidates: 'Candidate sites', existing: 'Existing sites', area: 'Area',
  k: 'Number of sites (k)', radiusMeters: 'Coverage radius', weights: 'Weights', halfLifeDays: 'Half-life', from: 'From', to: 'To', body: 'Request',
};

/** A circle of `radius` metres around a point as a closed ring of `sides` vertices in longitude and latitude. */
export function circlePolygon(lon, lat, radius, sides = CIRCLE_SIDES) {
  const φ1 = (lat * Math.PI) / 180;
  const λ1 = (lon * Math.PI) / 180;
  const δ = radius / EARTH_RADIUS;
  const ring = [];
  for (let i = 0; i < sides; i++) {
    const θ = (2 * Math.PI * i) / sides;
    const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ));
    const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
    ring.push([Number(((λ2 * 180) / Math.PI).toFixed(6)), Number(((φ2 * 180) / Math.PI).toFixed(6))]);
  }
  ring.push(ring[0]);
  return { type: 'Polygon', coordinates: [ring] };
}

/** The chosen sites as points (the export, in the shape of the API's format=geojson). */
export function sitesGeoJson(result) {
  const { sites, ...plan } = result;
  return {
    type: 'FeatureCollection',
    features: sites.map(site => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [site.lon, site.lat] }, properties: { ...site } })),
    plan,
  };
}

/** The coverage circles of the chosen sites, one polygon per site. */
export function coverageGeoJson(result) {
  return {
    type: 'FeatureCollection',
    features: result.sites.map(site => ({
      type: 'Feature',
      geometry: circlePolygon(site.lon, site.lat, result.radius_meters),
      properties: { rank: site.rank, name: site.name, added_demand: site.added_demand, radius_meters: result.radius_meters },
    })),
  };
}

function csvCell(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function sitesCsv(result) {
  const columns = ['rank', 'name', 'lat', 'lon', 'added_demand', 'covered_demand'];
  return `${[columns.join(','), ...result.sites.map(s => columns.map(c => csvCell(s[c])).join(','))].join('\n')}\n`;
}

const number = (value, digits = 1) => Number(value).toLocaleString('en-US', { maximumFractionDigits: digits });
const percent = value => `${(100 * Number(value)).toLocaleString('en-US', { maximumFractionDigits: 1 })} %`;

/** An uploaded file of sites as the API takes it: {csv: text} or {features: FeatureCollection}. */
export function sitesFromText(name, text) {
  const trimmed = text.trim();
  if (!trimmed) throw new Error('the file is empty');
  if (/\.csv$/i.test(name) || !/^[{[]/.test(trimmed)) return { csv: text };
  let json;
  try {
    json = JSON.parse(trimmed);
  } catch (error) {
    throw new Error(`the file is not GeoJSON: ${error.message}`);
  }
  if (json?.type !== 'FeatureCollection' || !Array.isArray(json.features)) throw new Error('the GeoJSON is not a FeatureCollection of points');
  return { features: json };
}

function download(filename, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Wires the panel to the map; `state` is the page's view state (filters and selection). */
export function initPlanner(map, state) {
  const $ = id => document.getElementById(id);
  const ui = {
    panel: $('planner-panel'), form: $('planner-form'), access: $('planner-access'),
    area: $('planner-area'), areaNote: $('planner-area-note'), window: $('planner-window'),
    mode: $('planner-candidates-mode'), gridRow: $('planner-grid-row'), grid: $('planner-grid'),
    fileRow: $('planner-file-row'), file: $('planner-candidates-file'), existing: $('planner-existing-file'),
    k: $('planner-k'), radius: $('planner-radius'), fatal: $('planner-weight-fatal'), nonfatal: $('planner-weight-nonfatal'),
    halfLife: $('planner-half-life'), run: $('planner-run'), status: $('planner-status'), error: $('planner-error'),
    results: $('planner-results'), summary: $('planner-summary'), gap: $('planner-gap'), sites: $('planner-sites'),
    curve: $('planner-curve'), exportGeoJson: $('planner-export-geojson'), exportCsv: $('planner-export-csv'), clear: $('planner-clear'),
  };
  let markers = [];
  let chart = null;
  let result = null;
  let controller = null;

  const signedIn = Boolean(apiKey());
  ui.access.hidden = signedIn;
  ui.panel.dataset.state = signedIn ? 'idle' : 'locked';

  function describeArea() {
    const selected = state.selected;
    const option = ui.area.querySelector('option[value="selected"]');
    if (selected && (selected.kind === 'county' || selected.kind === 'hidta')) {
      option.textContent = `Selected ${selected.kind === 'county' ? 'county' : 'HIDTA region'} (${selected.id})`;
      option.disabled = false;
    } else {
      option.textContent = 'Selected area (click a county or HIDTA region)';
      option.disabled = true;
      if (ui.area.value === 'selected') ui.area.value = 'centre';
    }
    ui.window.textContent = `${state.from} to ${state.to} (the date filter)`;
  }
  ui.area.value = state.selected && state.selected.kind !== 'state' ? 'selected' : 'centre';
  describeArea();
  ui.panel.addEventListener('focusin', describeArea);
  ui.panel.addEventListener('pointerenter', describeArea);

  const syncMode = () => {
    const grid = ui.mode.value === 'grid';
    ui.gridRow.hidden = !grid;
    ui.fileRow.hidden = grid;
  };
  ui.mode.addEventListener('change', syncMode);
  syncMode();

  /** The request's area: {county} or {hidta} of the selection, or the county under the map's centre. */
  async function resolveArea(signal) {
    describeArea();
    if (ui.area.value === 'selected' && state.selected && state.selected.kind !== 'state') {
      return { area: { [state.selected.kind]: state.selected.id }, label: `${state.selected.kind === 'county' ? 'County' : 'HIDTA region'} ${state.selected.id}` };
    }
    const { lng, lat } = map.getCenter();
    const found = await getJson(`/api/boundaries/lookup?lon=${lng.toFixed(6)}&lat=${lat.toFixed(6)}`, { signal, what: 'The county at the map centre' });
    return { area: { county: found.county.geoid }, label: `${found.county.name}, ${found.state.abbr} (${found.county.geoid})` };
  }

  async function readSites(input, field) {
    const file = input.files?.[0];
    if (!file) return null;
    try {
      return sitesFromText(file.name, await file.text());
    } catch (error) {
      throw Object.assign(new Error(error.message), { field });
    }
  }

  function optionalNumber(input) {
    const text = input.value.trim();
    return text === '' ? undefined : Number(text);
  }

  async function buildRequest(signal) {
    const { area, label } = await resolveArea(signal);
    let candidates;
    if (ui.mode.value === 'grid') {
      candidates = { grid: Number(ui.grid.value) };
    } else {
      candidates = await readSites(ui.file, 'candidates');
      if (!candidates) throw Object.assign(new Error('choose a CSV (name,lat,lon) or GeoJSON file of candidate sites'), { field: 'candidates' });
    }
    const body = {
      area,
      from: state.from,
      to: state.to,
      weights: { fatal: optionalNumber(ui.fatal) ?? 1, nonfatal: optionalNumber(ui.nonfatal) ?? 1 },
      candidates,
      k: optionalNumber(ui.k),
      radiusMeters: optionalNumber(ui.radius),
      format: 'json',
    };
    const halfLife = optionalNumber(ui.halfLife);
    if (halfLife !== undefined) body.halfLifeDays = halfLife;
    const existing = await readSites(ui.existing, 'existing');
    if (existing) body.existing = existing;
    return { body, label };
  }

  function clearInvalid() {
    for (const el of ui.form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    ui.error.hidden = true;
    ui.error.textContent = '';
    delete ui.error.dataset.field;
  }

  function showError(message, field) {
    ui.error.hidden = false;
    if (field) {
      ui.error.dataset.field = field;
      ui.error.textContent = `${FIELD_LABELS[field] || FIELD_LABELS[field.split(/[.\s]/)[0]] || field} (${field}): ${message}`;
      const input = FIELD_INPUTS.find(([name]) => field === name || field.startsWith(`${name}.`) || field.startsWith(`${name} `));
      const element = input && $(input[1]);
      if (element && !element.closest('[hidden]')) {
        element.setAttribute('aria-invalid', 'true');
        element.focus();
      }
    } else {
      ui.error.textContent = message;
    }
  }

  async function post(body, signal) {
    let response;
    try {
      response = await fetch('/api/planning/naloxone', {
        method: 'POST',
        headers: authHeaders({ 'Content-Type': 'application/json', Accept: 'application/json' }),
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      throw Object.assign(new Error('The server cannot be reached.'), { status: 0 });
    }
    if (response.ok) return response.json();
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      // not a problem document
    }
    const error = new Error(problem.detail || describeStatus(response.status, response.headers.get('Retry-After'), 'Planning'));
    error.status = response.status;
    error.title = problem.title || response.statusText || '';
    if (response.status === 400 && problem.errors) {
      const [field, messages] = Object.entries(problem.errors)[0] || [];
      error.field = field;
      error.message = (messages || []).join(' ') || problem.title;
    }
    return Promise.reject(error);
  }

  function ensureLayers() {
    if (map.getSource(SOURCE_COVERAGE)) return;
    const empty = { type: 'FeatureCollection', features: [] };
    map.addSource(SOURCE_COVERAGE, { type: 'geojson', data: empty });
    map.addSource(SOURCE_SITES, { type: 'geojson', data: empty });
    map.addLayer({ id: 'planner-coverage-fill', type: 'fill', source: SOURCE_COVERAGE, paint: { 'fill-color': COLOR, 'fill-opacity': 0.18 } });
    map.addLayer({ id: 'planner-coverage-line', type: 'line', source: SOURCE_COVERAGE, paint: { 'line-color': COLOR, 'line-width': 2 } });
    map.addLayer({ id: 'planner-site-points', type: 'circle', source: SOURCE_SITES, paint: { 'circle-radius': 3, 'circle-color': '#000' } });
  }

  function clearMap() {
    for (const marker of markers) marker.remove();
    markers = [];
    const empty = { type: 'FeatureCollection', features: [] };
    map.getSource(SOURCE_COVERAGE)?.setData(empty);
    map.getSource(SOURCE_SITES)?.setData(empty);
  }

  function drawMap(plan) {
    ensureLayers();
    clearMap();
    const coverage = coverageGeoJson(plan);
    map.getSource(SOURCE_COVERAGE).setData(coverage);
    map.getSource(SOURCE_SITES).setData(sitesGeoJson(plan));
    for (const site of plan.sites) {
      const element = document.createElement('div');
      element.className = 'planner-marker';
      element.dataset.rank = String(site.rank);
      element.textContent = String(site.rank);
      element.title = `${site.rank}. ${site.name}: +${number(site.added_demand)}`;
      element.setAttribute('role', 'img');
      element.setAttribute('aria-label', `Site ${site.rank}: ${site.name}`);
      markers.push(new Marker({ element }).setLngLat([site.lon, site.lat]).addTo(map));
    }
    if (plan.sites.length) {
      let [w, s, e, n] = [180, 90, -180, -90];
      for (const f of coverage.features) {
        for (const [x, y] of f.geometry.coordinates[0]) { w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y); }
      }
      map.fitBounds([[w, s], [e, n]], { padding: 60, maxZoom: 14, duration: window.geoorsTest ? 0 : 800 });
    }
  }

  function renderSummary(plan) {
    const rows = [
      ['covered_share', 'Covered share', percent(plan.covered_share)],
      ['new_share', 'Added by the new sites', percent(plan.new_share)],
      ['total_demand', 'Demand in the area', number(plan.total_demand)],
      ['covered_demand', 'Covered demand', number(plan.covered_demand)],
      ['existing_demand', 'Covered by existing sites', number(plan.existing_demand)],
      ['new_demand', 'Covered by new sites', number(plan.new_demand)],
      ['upper_bound', 'Bound on the optimum (new)', number(plan.upper_bound)],
      ['gap', 'Gap to the bound', number(plan.gap, 3)],
      ['events', 'Overdoses in the window', number(plan.events, 0)],
      ['candidates', 'Candidate sites', number(plan.candidates, 0)],
    ];
    ui.summary.replaceChildren();
    for (const [key, title, text] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = title;
      const dd = document.createElement('dd');
      dd.dataset.measure = key;
      dd.dataset.value = String(plan[key]);
      dd.textContent = text;
      ui.summary.append(dt, dd);
    }
    ui.gap.dataset.optimal = String(Boolean(plan.proven_optimal));
    ui.gap.dataset.relativeGap = String(plan.relative_gap);
    ui.gap.textContent = plan.proven_optimal
      ? 'Optimal: no choice of these candidates covers more.'
      : `Within ${(100 * plan.relative_gap).toLocaleString('en-US', { maximumFractionDigits: 2 })} % of the optimum (bound ${number(plan.upper_bound)}).`;
  }

  function renderSites(plan) {
    ui.sites.replaceChildren();
    for (const site of plan.sites) {
      const li = document.createElement('li');
      li.dataset.rank = String(site.rank);
      li.dataset.name = site.name;
      li.dataset.lon = String(site.lon);
      li.dataset.lat = String(site.lat);
      li.dataset.addedDemand = String(site.added_demand);
      li.dataset.coveredDemand = String(site.covered_demand);
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'planner-site';
      button.textContent = `${site.name}: +${number(site.added_demand)} (covered ${number(site.covered_demand)})`;
      button.setAttribute('aria-label', `Site ${site.rank}, ${site.name}: adds ${number(site.added_demand)}; show on the map`);
      button.addEventListener('click', () => map.flyTo({ center: [site.lon, site.lat], zoom: Math.max(map.getZoom(), 13) }));
      li.append(button);
      ui.sites.append(li);
    }
    if (!plan.sites.length) {
      const li = document.createElement('li');
      li.textContent = 'No site adds coverage (no demand in reach of a candidate).';
      ui.sites.append(li);
    }
  }

  function renderCurve(plan) {
    chart?.destroy();
    chart = null;
    ui.curve.replaceChildren();
    if (!plan.curve.length) return;
    const xs = [0, ...plan.curve.map(p => p.sites)];
    const existingShare = plan.total_demand > 0 ? plan.existing_demand / plan.total_demand : 0;
    const ys = [100 * existingShare, ...plan.curve.map(p => 100 * p.covered_share)];
    chart = new uPlot({
      width: Math.max(220, ui.curve.clientWidth || 260),
      height: 160,
      scales: { x: { time: false }, y: { range: [0, 100] } },
      axes: [{ label: 'sites', size: 36 }, { label: '% covered', size: 46 }],
      series: [{ label: 'sites' }, { label: 'Covered %', stroke: COLOR, width: 2, points: { show: true } }],
      legend: { show: false },
    }, [xs, ys], ui.curve);
    ui.curve.dataset.points = String(plan.curve.length);
  }

  ui.form.addEventListener('submit', async event => {
    event.preventDefault();
    controller?.abort();
    controller = new AbortController();
    const { signal } = controller;
    clearInvalid();
    ui.panel.dataset.state = 'running';
    ui.panel.setAttribute('aria-busy', 'true');
    ui.run.disabled = true;
    ui.status.textContent = 'Choosing sites…';
    delete ui.panel.dataset.status;
    try {
      const { body, label } = await buildRequest(signal);
      ui.status.textContent = `Choosing ${body.k ?? ''} sites in ${label}…`;
      const plan = await post(body, signal);
      if (signal.aborted) return;
      result = plan;
      window.geoors.planner = { request: body, result: plan };
      drawMap(plan);
      renderSummary(plan);
      renderSites(plan);
      ui.results.hidden = false;
      renderCurve(plan);
      ui.status.textContent = `${plan.sites.length} site(s) chosen in ${plan.area_name || label}: ${percent(plan.covered_share)} of the demand covered, ${plan.from} to ${plan.to}.`;
      ui.panel.dataset.state = 'ready';
    } catch (error) {
      if (error.name === 'AbortError') return;
      ui.panel.dataset.status = String(error.status ?? '');
      if (error.status === 401 || error.status === 403) {
        ui.panel.dataset.state = 'denied';
        ui.access.hidden = false;
        ui.access.textContent = `Planning reads overdose points, so it needs an analyst, law enforcement or admin key. The server answered ${error.status}${error.title ? ` ${error.title}` : ''}: ${error.message}`;
        ui.status.textContent = '';
      } else {
        ui.panel.dataset.state = 'error';
        ui.status.textContent = '';
        showError(error.message, error.field);
      }
    } finally {
      if (!signal.aborted) {
        ui.panel.removeAttribute('aria-busy');
        ui.run.disabled = false;
      }
    }
  });

  ui.exportGeoJson.addEventListener('click', () => {
    if (result) download('naloxone-sites.geojson', 'application/geo+json', `${JSON.stringify(sitesGeoJson(result), null, 1)}\n`);
  });
  ui.exportCsv.addEventListener('click', () => {
    if (result) download('naloxone-sites.csv', 'text/csv', sitesCsv(result));
  });
  ui.clear.addEventListener('click', () => {
    clearMap();
    chart?.destroy();
    chart = null;
    result = null;
    ui.results.hidden = true;
    ui.status.textContent = '';
    ui.panel.dataset.state = signedIn ? 'idle' : 'locked';
    ui.run.focus();
  });
}
