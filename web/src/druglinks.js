// The area panel's "Seizures and overdoses" section: for keyed callers, the lagged cross-correlation
// of the area's weekly seizures and overdoses of one drug (the map's drug filter, else fentanyl),
// from GET /api/areas/{kind}/{id}/drug-links. Each lag is a bar; significant lags (prewhitened) are
// marked. The public is told the section needs a key: it rests on exact weekly counts.

import { ApiError, apiKey, getJson } from './api.js';

/** Fills `ui.areaLinks` and `ui.areaLinksNote` for an area; `state.drug` chooses the drug. */
export async function renderDrugLinks(ui, area, state, signal) {
  ui.areaLinks.replaceChildren();
  const note = ui.areaLinksNote;
  note.hidden = false;
  if (!apiKey()) {
    note.textContent = 'How seizures and overdoses move together needs a partner key: sign in to see it.';
    return;
  }

  const drug = state.drug || 'fentanyl';
  let links;
  try {
    const query = new URLSearchParams({ drug });
    if (state.to) query.set('to', state.to);
    links = await getJson(`/api/areas/${area.kind}/${encodeURIComponent(area.id)}/drug-links?${query}`, { signal, what: 'Seizures and overdoses' });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    note.textContent = error instanceof ApiError ? error.message : 'Seizures and overdoses are not available.';
    return;
  }

  ui.areaLinks.dataset.drug = drug;
  if (!links.lags.length) {
    note.textContent = `${drug}, ${links.from} to ${links.to}: no correlation: ${links.note}.`;
    return;
  }

  const table = document.createElement('table');
  table.className = 'lags';
  table.innerHTML = '<caption></caption><thead><tr><th scope="col">Seizures lead by</th><th scope="col">r (raw)</th><th scope="col">r (prewhitened)</th><th scope="col"></th></tr></thead>';
  table.caption.textContent = `${drug}, weeks ${links.from} to ${links.to}`;
  const body = document.createElement('tbody');
  for (const lag of links.lags) {
    const row = document.createElement('tr');
    row.dataset.lag = String(lag.lag);
    row.dataset.significant = String(lag.significant);
    const cells = [
      `${lag.lag} week${lag.lag === 1 ? '' : 's'}`,
      lag.raw.toFixed(2),
      lag.prewhitened.toFixed(2),
      lag.significant ? `significant (p = ${lag.p.toPrecision(2)})` : '',
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      row.append(td);
    }
    const bar = row.children[2];
    bar.style.setProperty('--r', String(Math.max(-1, Math.min(1, lag.prewhitened))));
    bar.className = 'lag-bar';
    body.append(row);
  }
  table.append(body);
  ui.areaLinks.append(table);
  note.textContent = links.caveat;
}
