// The area panel's "Data brief" section: the area's brief of the map's window as PDF or HTML (the
// public's brief without a key, the partner's with one: GET /api/briefs/{kind}/{id}), opened in a new
// tab from the answer fetched with the key; and, for keyed callers, the agency's weekly brief
// subscriptions (GET /api/briefs/subscriptions), those of this area listed.

import { ApiError, apiKey, authHeaders, describeStatus, getJson } from './api.js';

/** The brief's URL for the area and the map's window. */
export function briefUrl(area, state, format) {
  const query = new URLSearchParams({ format });
  if (state.from) query.set('from', state.from);
  if (state.to) query.set('to', state.to);
  return `/api/briefs/${area.kind}/${encodeURIComponent(area.id)}?${query}`;
}

async function openBrief(ui, area, state, format) {
  ui.areaBriefStatus.hidden = false;
  ui.areaBriefStatus.textContent = 'Making the brief…';
  // Opened before the answer arrives, so that browsers do not take the tab for an unasked pop-up.
  const tab = window.open('', '_blank');
  try {
    const response = await fetch(briefUrl(area, state, format), { headers: authHeaders() });
    if (!response.ok) {
      let detail = '';
      try {
        detail = (await response.json()).detail || '';
      } catch {
        // not a problem document
      }
      throw new ApiError(response.status, describeStatus(response.status, response.headers.get('Retry-After'), 'The brief'), detail);
    }
    const url = URL.createObjectURL(await response.blob());
    if (tab) tab.location.href = url;
    ui.areaBriefStatus.textContent = tab ? '' : 'Your browser blocked the new tab.';
    ui.areaBriefStatus.hidden = Boolean(tab);
    ui.areaBriefs.dataset.opened = format;
  } catch (error) {
    tab?.close();
    ui.areaBriefStatus.textContent = [error.message, error.detail].filter(Boolean).join(' ');
  }
}

/** Fills the section for an area. */
export async function renderBriefs(ui, area, state, signal) {
  ui.areaBriefPdf.onclick = () => openBrief(ui, area, state, 'pdf');
  ui.areaBriefHtml.onclick = () => openBrief(ui, area, state, 'html');
  ui.areaBriefStatus.hidden = true;
  ui.areaBriefs.replaceChildren();
  delete ui.areaBriefs.dataset.opened;
  const note = ui.areaBriefsNote;
  note.hidden = false;
  if (!apiKey()) {
    note.textContent = 'The public brief: protected figures, no alerts. Weekly brief subscriptions need a partner key.';
    return;
  }

  let subscriptions;
  try {
    subscriptions = await getJson('/api/briefs/subscriptions', { signal, what: 'Brief subscriptions' });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    note.textContent = error.message;
    return;
  }

  const here = subscriptions.filter(s => s.area === `${area.kind}:${area.id}`);
  for (const s of here) {
    const li = document.createElement('li');
    li.dataset.subscription = String(s.id);
    li.textContent = `Weekly ${s.audience} brief to ${s.url} (since ${s.created_at.slice(0, 10)})`;
    ui.areaBriefs.append(li);
  }
  ui.areaBriefs.dataset.count = String(here.length);
  note.textContent = `${here.length ? '' : 'No weekly brief of this area is subscribed. '}Your agency has ${subscriptions.length} brief subscription(s) in all; ` +
    'subscribe with POST /api/briefs/subscriptions.';
}
