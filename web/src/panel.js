// The side panel of a clicked county, HIDTA region or state: its counts, rate, weekly chart of
// overdoses and seizures, hot spot status, latest alerts and (keyed) how seizures and overdoses of a
// drug move together, from GET /api/areas/{kind}/{id} and its drug-links. Where
// the server has no such endpoint (404), a county's numbers come from the OGC county-aggregates
// collection and other areas' from the tile feature that was clicked; the chart then says so.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError, apiKey, getJson } from './api.js';
import { filterQuery } from './state.js';
import { COLORS } from './layers.js';
import { renderDrugLinks } from './druglinks.js';
import { renderBriefs } from './briefs.js';

const MEASURES = [
  ['overdoses', 'Overdoses'],
  ['fatal', 'Fatal'],
  ['nonfatal', 'Non-fatal'],
  ['naloxone', 'Naloxone given'],
  ['rate', 'Rate per 100,000'],
  ['fatal_rate', 'Fatal rate per 100,000'],
  ['seizures', 'Seizures'],
  ['seizure_grams', 'Seized (g)'],
];

const KIND_TITLES = { county: 'County', hidta: 'HIDTA region', state: 'State' };

let chart = null;
let controller = null;

function formatValue(key, value, suppressed) {
  if (value === null || value === undefined) return suppressed ? 'withheld (suppressed)' : '–';
  if (key.endsWith('rate') || key === 'seizure_grams') return Number(value).toLocaleString('en-US', { maximumFractionDigits: 1 });
  return Number(value).toLocaleString('en-US');
}

/** The area as the areas API gives it, or the fallback's nearest equivalent; `source` says which. */
async function loadArea(selection, state, tileProperties, signal) {
  const query = filterQuery(state, 'counties').toString();
  try {
    const area = await getJson(`/api/areas/${selection.kind}/${encodeURIComponent(selection.id)}?${query}`, { signal, what: 'This area' });
    return { ...area, source: 'areas' };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
  }

  if (selection.kind === 'county') {
    const feature = await getJson(`/ogc/collections/county-aggregates/items/${encodeURIComponent(selection.id)}?${query}`, { signal, what: 'This county' });
    const p = feature.properties || {};
    return { kind: 'county', id: selection.id, name: p.name, population: p.population, measures: p, weekly: null, hotspot: undefined, alerts: undefined, source: 'ogc' };
  }

  const p = tileProperties || {};
  return { kind: selection.kind, id: selection.id, name: p.name, population: p.population, measures: p, weekly: null, hotspot: undefined, alerts: undefined, source: 'tile' };
}

function renderMeasures(ui, area) {
  const m = area.measures || {};
  const suppressed = m.suppressed === true || m.suppressed === 'true';
  ui.areaMeasures.replaceChildren();
  for (const [key, title] of MEASURES) {
    const dt = document.createElement('dt');
    dt.textContent = title;
    const dd = document.createElement('dd');
    dd.dataset.measure = key;
    const raw = m[key];
    dd.dataset.value = raw === null || raw === undefined ? '' : String(raw);
    dd.textContent = formatValue(key, raw, suppressed && ['overdoses', 'fatal', 'nonfatal', 'naloxone', 'seizures'].includes(key));
    ui.areaMeasures.append(dt, dd);
  }
  ui.areaSuppressed.hidden = !suppressed;
  const unstable = m.rate_unstable === true || m.rate_unstable === 'true';
  ui.areaUnstable.hidden = !unstable;
}

function renderChart(ui, area) {
  chart?.destroy();
  chart = null;
  ui.areaChart.replaceChildren();
  // Keyed callers get weeks; the public gets the months of its window (protected figures).
  const monthly = !Array.isArray(area.weekly) && Array.isArray(area.monthly);
  const series = monthly ? area.monthly.map(m => ({ ...m, week: m.month })) : area.weekly;
  if (!Array.isArray(series)) {
    ui.areaChartNote.textContent = area.source === 'areas' ? 'No series.' : 'The series is not available from this server yet.';
    ui.areaChartNote.hidden = false;
    return;
  }

  const weeks = series.map(w => Date.parse(`${w.week}T00:00:00Z`) / 1000);
  const suppressedWeeks = series.filter(w => w.suppressed).length;
  ui.areaChartNote.textContent = monthly
    ? `Public figures, perturbed by up to ±${area.disclosure_control?.max_noise ?? '?'}${suppressedWeeks ? `; ${suppressedWeeks} month(s) withheld (gaps)` : ''}.`
    : suppressedWeeks ? `${suppressedWeeks} week(s) are withheld (gaps).` : '';
  ui.areaChartNote.hidden = !monthly && !suppressedWeeks;
  const width = Math.max(240, ui.areaChart.clientWidth || 300);
  chart = new uPlot({
    width,
    height: 180,
    scales: { x: { time: true } },
    // The weeks' Mondays and the months' first days are the area's local dates: shown as written, not
    // moved into the browser's zone (a Monday would read as the Sunday before in the Americas).
    tzDate: ts => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'),
    axes: [{ label: monthly ? 'month (local dates)' : 'week from Monday (local dates)' }, { label: monthly ? 'per month' : 'per week', size: 50 }],
    series: [
      {},
      { label: 'Overdoses', stroke: COLORS.overdose, width: 2, spanGaps: false },
      { label: 'Seizures', stroke: COLORS.seizure, width: 2, dash: [6, 4], spanGaps: false },
    ],
  }, [weeks, series.map(w => w.overdoses), series.map(w => w.seizures)], ui.areaChart);
}

function renderHotspot(ui, area) {
  const h = area.hotspot;
  if (h === undefined) {
    ui.areaHotspot.textContent = 'Hot spot status is not available from this server yet.';
  } else if (h === null) {
    ui.areaHotspot.textContent = 'Not in the latest hot spot run.';
  } else {
    const bin = Number(h.bin);
    const word = bin > 0 ? `Hot spot, ${[0, 90, 95, 99][Math.abs(bin)]}% confidence` : bin < 0 ? `Cold spot, ${[0, 90, 95, 99][Math.abs(bin)]}% confidence` : 'Not significant';
    ui.areaHotspot.textContent = `${word} (Gi* z = ${Number(h.z).toFixed(2)}, p = ${Number(h.p).toFixed(3)}; run ${h.run_id}).`;
  }
  ui.areaHotspot.dataset.bin = h && h.bin !== undefined ? String(h.bin) : '';
}

export function renderAlertItems(list, alerts, onClick) {
  list.replaceChildren();
  for (const alert of alerts) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'alert-item';
    button.dataset.alertId = alert.id;
    button.dataset.area = `${alert.area_kind}:${alert.area_id}`;
    button.innerHTML = '';
    const title = document.createElement('strong');
    title.textContent = `${alert.area_name || alert.area_id} — ${alert.day}`;
    title.title = `${alert.day} is a local date: the area's own calendar day`;
    const detail = document.createElement('span');
    detail.textContent = ` ${alert.observed} observed, ${Number(alert.expected).toFixed(1)} expected (${alert.method}${alert.drug ? `: ${alert.drug}` : ''})`;
    button.append(title, detail);
    if (alert.status) {
      button.dataset.status = alert.status;
      button.append(' ', Object.assign(document.createElement('span'), { className: 'status-badge', textContent: alert.status }));
    }
    if (onClick) button.addEventListener('click', () => onClick(alert));
    li.append(button);
    list.append(li);
  }
}

async function renderAlerts(ui, area, signal, onAlert) {
  let alerts = area.alerts;
  if (alerts === undefined && apiKey() && (area.kind === 'county' || area.kind === 'hidta')) {
    try {
      alerts = await getJson(`/api/alerts?area=${area.kind}:${encodeURIComponent(area.id)}&limit=5`, { signal, what: 'Alerts' });
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      alerts = null;
    }
  }

  if (!Array.isArray(alerts)) {
    ui.areaAlertsNote.textContent = apiKey() ? 'No alerts available.' : 'Alerts need a partner key: sign in to see them.';
    ui.areaAlertsNote.hidden = false;
    ui.areaAlerts.replaceChildren();
    return;
  }

  ui.areaAlertsNote.textContent = alerts.length ? '' : 'No alerts for this area.';
  ui.areaAlertsNote.hidden = alerts.length > 0;
  renderAlertItems(ui.areaAlerts, alerts.slice(0, 5), onAlert);
}

/** Opens the panel on an area and fills it; a newer call cancels an older one. */
export async function showArea(ui, selection, state, { tileProperties, onAlert } = {}) {
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  const panel = ui.areaPanel;
  panel.hidden = false;
  panel.dataset.kind = selection.kind;
  panel.dataset.id = selection.id;
  panel.dataset.state = 'loading';
  panel.setAttribute('aria-busy', 'true');
  ui.areaTitle.textContent = `${KIND_TITLES[selection.kind]} ${selection.id}`;
  ui.areaStatus.textContent = 'Loading…';
  ui.areaStatus.hidden = false;
  try {
    const area = await loadArea(selection, state, tileProperties, signal);
    if (signal.aborted) return;
    panel.dataset.source = area.source;
    ui.areaTitle.textContent = area.name ? `${area.name}` : `${KIND_TITLES[selection.kind]} ${selection.id}`;
    ui.areaSubtitle.textContent = `${KIND_TITLES[selection.kind]} ${selection.id}` +
      (area.population ? ` · population ${Number(area.population).toLocaleString('en-US')}` : '') +
      ` · ${state.from} to ${state.to}${state.drug ? ` · ${state.drug}` : ''}${state.fatal ? (state.fatal === 'true' ? ' · fatal' : ' · non-fatal') : ''}`;
    renderMeasures(ui, area);
    renderChart(ui, area);
    renderHotspot(ui, area);
    await renderAlerts(ui, area, signal, onAlert);
    await renderBriefs(ui, area, state, signal);
    await renderDrugLinks(ui, area, state, signal);
    ui.areaStatus.hidden = true;
    panel.dataset.state = 'ready';
  } catch (error) {
    if (error.name === 'AbortError') return;
    ui.areaStatus.textContent = error.message;
    ui.areaStatus.hidden = false;
    panel.dataset.state = 'error';
    panel.dataset.status = String(error.status ?? '');
  } finally {
    if (!signal.aborted) panel.removeAttribute('aria-busy');
  }
}

export function closeArea(ui) {
  controller?.abort();
  chart?.destroy();
  chart = null;
  ui.areaPanel.hidden = true;
  delete ui.areaPanel.dataset.kind;
  delete ui.areaPanel.dataset.id;
  ui.areaPanel.dataset.state = 'closed';
}
