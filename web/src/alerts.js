// The alerts panel, fed live by GET /api/alerts/stream. EventSource cannot send the X-Api-Key
// header, so the stream is read with fetch and a ReadableStream, parsed as Server-Sent Events, and
// resumed after a drop with Last-Event-ID. Changes of an alert's state come on the same stream as
// their own event type (alert_status) and update the listed alert's status.

import { apiKey, authHeaders, describeStatus, getJson } from './api.js';
import { renderAlertItems } from './panel.js';

const KEEP = 50;

/** Parses Server-Sent Events from text chunks; calls onEvent({id, event, data}) per complete event. */
export function sseParser(onEvent) {
  let buffer = '';
  return chunk => {
    buffer += chunk;
    const blocks = buffer.split(/\r\n\r\n|\n\n|\r\r/);
    buffer = blocks.pop();
    for (const block of blocks) {
      const event = { id: null, event: 'message', data: [] };
      for (const line of block.split(/\r\n|\n|\r/)) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'data') event.data.push(value);
        else if (field === 'id') event.id = value;
        else if (field === 'event') event.event = value;
      }
      if (event.data.length) onEvent({ ...event, data: event.data.join('\n') });
    }
  };
}

export function startAlerts(ui, { onAlert, onStatus }) {
  const controller = new AbortController();
  const { signal } = controller;
  const alerts = [];
  let lastId = null;

  const status = (text, state) => {
    ui.alertsStatus.textContent = text;
    ui.alertsPanel.dataset.state = state;
  };
  const render = () => {
    renderAlertItems(ui.alertsList, alerts, onAlert);
    ui.alertsCount.textContent = alerts.length ? `(${alerts.length})` : '';
  };
  const add = alert => {
    if (alerts.some(a => a.id === alert.id)) return;
    alerts.unshift(alert);
    alerts.sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0));
    alerts.length = Math.min(alerts.length, KEEP);
    lastId = Math.max(Number(lastId ?? 0), Number(alert.seq ?? 0)) || lastId;
    render();
  };

  if (!apiKey()) {
    status('Alerts need a partner key or higher: sign in to see them live.', 'signed-out');
    return () => {};
  }

  (async () => {
    status('Loading alerts…', 'loading');
    try {
      const listed = await getJson('/api/alerts?limit=20', { signal, what: 'Alerts' });
      listed.reverse().forEach(add);
    } catch (error) {
      if (error.name === 'AbortError') return;
      status(error.message, 'error');
      if (error.status === 401 || error.status === 403) return;
    }

    let wait = 1000;
    while (!signal.aborted) {
      try {
        const headers = authHeaders({ Accept: 'text/event-stream' });
        if (lastId) headers['Last-Event-ID'] = String(lastId);
        const response = await fetch('/api/alerts/stream', { headers, signal, cache: 'no-store' });
        if (!response.ok) {
          status(describeStatus(response.status, response.headers.get('Retry-After'), 'The alert stream'), 'error');
          if (response.status === 401 || response.status === 403) return;
          throw new Error(String(response.status));
        }

        status(alerts.length ? 'Live.' : 'Live: no alerts yet.', 'live');
        wait = 1000;
        const feed = sseParser(event => {
          if (event.event === 'alert_status') {
            try {
              const change = JSON.parse(event.data);
              const listed = alerts.find(a => a.id === change.alert_id);
              if (listed) {
                listed.status = change.status;
                render();
              }
              if (event.id) lastId = event.id;
              onStatus?.(change);
            } catch {
              // a malformed event is skipped
            }
            return;
          }
          if (event.event !== 'alert') return;
          try {
            add(JSON.parse(event.data));
            if (event.id) lastId = event.id;
            status('Live.', 'live');
          } catch {
            // a malformed event is skipped
          }
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          feed(value);
        }
      } catch (error) {
        if (signal.aborted) return;
      }

      if (signal.aborted) return;
      status('Reconnecting to the alert stream…', 'reconnecting');
      await new Promise(resolve => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 30000);
    }
  })();

  return () => controller.abort();
}
