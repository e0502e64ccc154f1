// The view's state (filters, layers, the selected area) and its round trip through the URL's query;
// the map's position is in the URL's hash (MapLibre's own #zoom/lat/lng).

/** The layers a person can toggle, reorder and fade; the first is drawn on top. */
export const LAYER_IDS = ['overdoses', 'seizures', 'hotspots', 'emerging', 'heat', 'choropleth'];
export const LAYER_TITLES = {
  choropleth: 'Areas (choropleth)',
  overdoses: 'Overdoses (clusters, points from z10)',
  seizures: 'Seizures',
  hotspots: 'Hot spots (Gi* bins)',
  emerging: 'Emerging hot spots',
  heat: 'Heat (kernel density)',
};
const DEFAULT_VISIBLE = new Set(['choropleth', 'overdoses']);
export const DEFAULT_OPACITY = { choropleth: 80, overdoses: 85, seizures: 85, hotspots: 75, emerging: 75, heat: 70 };

export const AREAS = ['counties', 'hidta', 'states'];
export const METRICS = {
  rate: 'Overdoses per 100,000',
  fatal_rate: 'Fatal overdoses per 100,000',
  overdoses: 'Overdoses',
  fatal: 'Fatal overdoses',
  nonfatal: 'Non-fatal overdoses',
  naloxone: 'Naloxone administered',
  seizures: 'Seizures',
};
export const DRUGS = ['fentanyl', 'heroin', 'prescription_opioid', 'other_opioid', 'cocaine', 'methamphetamine',
  'xylazine', 'nitazene', 'benzodiazepine', 'other', 'unknown'];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/**
 * The zone whose date says which months the public may see (LayerQuery.PublicZone on the server):
 * Pacific/Honolulu, the westernmost zone of the counties, so a month is published once it is
 * complete in every area's local dates.
 */
export const PUBLIC_ZONE = 'Pacific/Honolulu';

/** The date (YYYY-MM-DD) an instant falls on in a time zone. */
export function zoneDay(date, timeZone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(date).map(p => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

export function addDays(day, days) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return isoDay(d);
}

export function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400000);
}

/** The last day of a day's month. */
export function monthEnd(day) {
  const d = new Date(`${day.slice(0, 8)}01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  d.setUTCDate(0);
  return isoDay(d);
}

/** The first day of the month n months after a day's month. */
export function monthStart(day, n = 0) {
  const d = new Date(`${day.slice(0, 8)}01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + n);
  return isoDay(d);
}

/**
 * The public window that stands for a window of days: the server publishes public figures for one
 * calendar month or twelve, ending by the last complete month (docs/ACCESS.md). A window of up to 45
 * days becomes the month its last day is in, a longer one the twelve months ending there. Dates are
 * each area's local dates; today is the date in PUBLIC_ZONE, as the server counts it.
 */
export function publicWindow(from, to, today = zoneDay(new Date(), PUBLIC_ZONE)) {
  const latest = addDays(monthStart(today), -1);
  const end = monthEnd(to) > latest ? latest : monthEnd(to);
  return { from: monthStart(end, daysBetween(from, to) <= 45 ? 0 : -11), to: end };
}

let publicView = true;

/** Whether requests are the public's (no key): their windows are then public windows. */
export function setPublicView(value) {
  publicView = Boolean(value);
}

export function isPublicView() {
  return publicView;
}

export function defaultState(today = isoDay(new Date())) {
  return {
    from: addDays(today, -364),
    to: today,
    drug: '',
    fatal: '',
    area: 'counties',
    metric: 'rate',
    layers: LAYER_IDS.map(id => ({ id, visible: DEFAULT_VISIBLE.has(id), opacity: DEFAULT_OPACITY[id] })),
    selected: null, // { kind, id }
  };
}

/** The state a query string describes; anything missing or malformed takes its default. */
export function parseState(search) {
  const q = new URLSearchParams(search);
  const state = defaultState();
  if (DATE.test(q.get('from') || '')) state.from = q.get('from');
  if (DATE.test(q.get('to') || '')) state.to = q.get('to');
  if (state.from > state.to) [state.from, state.to] = [state.to, state.from];
  if (DRUGS.includes(q.get('drug'))) state.drug = q.get('drug');
  if (['true', 'false'].includes(q.get('fatal'))) state.fatal = q.get('fatal');
  if (AREAS.includes(q.get('area'))) state.area = q.get('area');
  if (q.get('metric') in METRICS) state.metric = q.get('metric');

  if (q.has('layers')) {
    const listed = q.get('layers').split(',').map(s => ({ id: s.replace(/^-/, ''), visible: !s.startsWith('-') }))
      .filter(l => LAYER_IDS.includes(l.id));
    const seen = new Set(listed.map(l => l.id));
    state.layers = [...listed, ...LAYER_IDS.filter(id => !seen.has(id)).map(id => ({ id, visible: false }))]
      .map(l => ({ ...l, opacity: DEFAULT_OPACITY[l.id] }));
  }

  for (const pair of (q.get('opacity') || '').split(',')) {
    const [id, value] = pair.split(':');
    const layer = state.layers.find(l => l.id === id);
    const n = Number(value);
    if (layer && Number.isInteger(n) && n >= 0 && n <= 100) layer.opacity = n;
  }

  const sel = /^(county|hidta|state):([A-Za-z0-9_-]{1,32})$/.exec(q.get('sel') || '');
  if (sel) state.selected = { kind: sel[1], id: sel[2] };
  return state;
}

/** The query string of a state: defaults left out, so short links stay short. */
export function stateQuery(state) {
  const q = new URLSearchParams();
  q.set('from', state.from);
  q.set('to', state.to);
  if (state.drug) q.set('drug', state.drug);
  if (state.fatal) q.set('fatal', state.fatal);
  if (state.area !== 'counties') q.set('area', state.area);
  if (state.metric !== 'rate') q.set('metric', state.metric);
  const layers = state.layers.map(l => (l.visible ? l.id : `-${l.id}`)).join(',');
  if (layers !== defaultState().layers.map(l => (l.visible ? l.id : `-${l.id}`)).join(',')) q.set('layers', layers);
  const opacity = state.layers.filter(l => l.opacity !== DEFAULT_OPACITY[l.id]).map(l => `${l.id}:${l.opacity}`).join(',');
  if (opacity) q.set('opacity', opacity);
  if (state.selected) q.set('sel', `${state.selected.kind}:${state.selected.id}`);
  return q.toString();
}

/** The filter parameters a tile layer takes (seizures have no fatal; hot spots and heat none). */
export function filterQuery(state, layer) {
  const q = new URLSearchParams();
  if (layer === 'hotspots' || layer === 'heat') return q;
  const window = publicView ? publicWindow(state.from, state.to) : state;
  q.set('from', window.from);
  q.set('to', window.to);
  if (state.drug) q.set('drug', state.drug);
  if (state.fatal && layer !== 'seizures') q.set('fatal', state.fatal);
  return q;
}
