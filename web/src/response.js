// An alert's response: its status, owner and assignee with the moves the caller may make, its
// history, notes and actions (from the area's response plan), and — for analysts, law enforcement
// and admins — the line list of its events with the seizures near them. GET /api/alerts/{id},
// PATCH with If-Match, POST /api/alerts/{id}/notes, GET /api/alerts/{id}/line-list.

import { ApiError, getJson, sendJson } from './api.js';

const LABELS = {
  acknowledged: 'Acknowledge',
  investigating: 'Start investigating',
  responded: 'Mark responded',
  closed: 'Close',
  dismissed: 'Dismiss…',
};

const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name in node) node[name] = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter(c => c !== null && c !== undefined));
  return node;
};

const when = iso => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const who = by => `${by.agency || 'unknown agency'} (${by.role}, key ${by.key_prefix || '?'})`;

export function createResponsePanel(section, { onChanged } = {}) {
  let current = null; // the alert's detail as last read
  let loading = null;

  const title = el('h2', { id: 'alert-detail-title' }, 'Alert');
  const subtitle = el('p', { id: 'alert-detail-subtitle' });
  const close = el('button', { type: 'button', id: 'alert-detail-close', ariaLabel: 'Close the alert' }, '✕');
  const badge = el('span', { id: 'alert-status', className: 'status-badge' });
  const owner = el('span', { id: 'alert-owner' });
  const message = el('p', { id: 'alert-message', role: 'status', ariaLive: 'polite' });
  const moves = el('div', { id: 'alert-moves', className: 'alert-moves' });
  const reason = el('input', { id: 'alert-dismiss-reason', maxLength: 2000, placeholder: 'Why is it dismissed?' });
  const dismiss = el('div', { id: 'alert-dismiss', hidden: true },
    el('label', { htmlFor: 'alert-dismiss-reason' }, 'Reason'), reason,
    el('button', { type: 'button', id: 'alert-dismiss-confirm' }, 'Dismiss'));
  const assignee = el('input', { id: 'alert-assignee', maxLength: 200, placeholder: 'Name or team' });
  const assign = el('div', { id: 'alert-assign', hidden: true },
    el('label', { htmlFor: 'alert-assignee' }, 'Assignee'), assignee,
    el('button', { type: 'button', id: 'alert-assign-save' }, 'Assign'));
  const history = el('ol', { id: 'alert-history', className: 'alert-log' });
  const notes = el('ol', { id: 'alert-notes', className: 'alert-log' });
  const noteText = el('textarea', { id: 'alert-note-text', rows: 2, maxLength: 4000 });
  const noteAction = el('select', { id: 'alert-note-action' });
  const noteForm = el('form', { id: 'alert-note-form' },
    el('label', { htmlFor: 'alert-note-text' }, 'Note'), noteText,
    el('label', { htmlFor: 'alert-note-action' }, 'Action taken'), noteAction,
    el('button', { type: 'submit', id: 'alert-note-add' }, 'Add'));
  const events = el('tbody');
  const seizures = el('tbody');
  const lineNote = el('p', { id: 'alert-line-list-note', className: 'note' });
  const lineList = el('div', { id: 'alert-line-list', hidden: true },
    el('h3', { className: 'note' }, 'Line list'), lineNote,
    el('table', { id: 'alert-events' },
      el('thead', {}, el('tr', {}, ...['Time', 'Place', 'Drugs', 'Fatal', 'Naloxone', 'Age', 'Sex', 'Agency'].map(h => el('th', {}, h)))), events),
    el('h3', { className: 'note' }, 'Seizures nearby, by drug'),
    el('table', { id: 'alert-seizures' },
      el('thead', {}, el('tr', {}, ...['Drug', 'Seizures', 'Grams', 'Dosage units'].map(h => el('th', {}, h)))), seizures));

  section.replaceChildren(
    el('div', { className: 'panel-head' }, el('div', {}, title, subtitle), close),
    el('p', {}, badge, ' ', owner), message, moves, dismiss, assign,
    el('h3', { className: 'note' }, 'History'), history,
    el('h3', { className: 'note' }, 'Notes and actions'), notes, noteForm,
    lineList);

  const say = (text, state = 'ready') => {
    message.textContent = text;
    section.dataset.state = state;
  };

  const patch = async body => {
    say('Saving…', 'saving');
    try {
      const { etag } = current;
      current = { ...(await sendJson(`/api/alerts/${encodeURIComponent(current.alert.id)}`, 'PATCH', body, { ifMatch: etag, what: 'The change' })), etag: null };
      await load(current.alert.id, { quiet: true });
      onChanged?.(current);
      say('Saved.');
    } catch (error) {
      // A conflict means someone else changed it first: show it as it is now.
      if (error instanceof ApiError && (error.status === 409 || error.status === 412)) await load(current.alert.id, { quiet: true });
      say(error.detail || error.message, 'error');
    }
  };

  const render = () => {
    const { alert, state } = current;
    section.dataset.alertId = alert.id;
    section.dataset.status = state.status;
    title.textContent = `${alert.area_name || alert.area_id} — ${alert.day}`;
    subtitle.textContent = `${alert.observed} observed (${alert.method})`;
    badge.textContent = state.status;
    badge.dataset.status = state.status;
    owner.textContent = [
      state.owner_agency ? `owned by ${state.owner_agency}` : 'no owner yet',
      state.assignee ? `assigned to ${state.assignee}` : null,
      state.reason ? `reason: ${state.reason}` : null,
    ].filter(Boolean).join(' · ');

    moves.replaceChildren(...current.allowed.map(status => {
      const button = el('button', { type: 'button', className: 'alert-move', dataset: { status } }, LABELS[status] || status);
      button.addEventListener('click', () => {
        if (status === 'dismissed') {
          dismiss.hidden = false;
          reason.focus();
        } else {
          patch({ status });
        }
      });
      return button;
    }));
    if (!current.allowed.includes('dismissed')) dismiss.hidden = true;
    assign.hidden = !current.may_assign;
    assignee.value = state.assignee || '';

    history.replaceChildren(...current.changes.map(c => el('li', {},
      el('strong', {}, `${c.previous_status} → ${c.status}`), ` ${when(c.at)} by ${who(c.by)}`,
      c.reason ? ` — ${c.reason}` : null)));
    notes.replaceChildren(...current.notes.map(n => el('li', { className: 'alert-note' },
      n.action_label ? el('strong', {}, `✔ ${n.action_label}`) : null,
      n.text ? el('span', { className: 'note-text' }, n.text) : null,
      el('span', { className: 'note' }, ` ${when(n.at)} by ${who(n.by)}`))));
    noteAction.replaceChildren(el('option', { value: '' }, '— none —'),
      ...current.plan.actions.map(a => el('option', { value: a.key }, a.label)));
  };

  const renderLineList = list => {
    lineNote.textContent = `${list.events.length} overdose${list.events.length === 1 ? '' : 's'} on ${list.from}${list.truncated ? ' (the first ones only)' : ''}; `
      + `seizures within ${(list.seizure_distance_meters / 1000).toFixed(1)} km, ${list.seizures_from} to ${list.seizures_to}. This read is audited.`;
    events.replaceChildren(...list.events.map(e => el('tr', { dataset: { eventId: String(e.id) } },
      el('td', {}, when(e.occurred_at)),
      el('td', {}, `${e.lat.toFixed(4)}, ${e.lon.toFixed(4)}${e.county_name ? ` (${e.county_name})` : ''}`),
      el('td', {}, e.drugs.join(', ') || '—'),
      el('td', {}, e.fatal ? 'yes' : 'no'),
      el('td', {}, e.naloxone_administered === null ? '—' : e.naloxone_administered ? `yes${e.naloxone_doses ? ` (${e.naloxone_doses})` : ''}` : 'no'),
      el('td', {}, e.age_band || '—'),
      el('td', {}, e.sex || '—'),
      el('td', {}, e.agency))));
    seizures.replaceChildren(...list.seizures.map(s => el('tr', {},
      el('td', {}, s.drug), el('td', {}, String(s.seizures)),
      el('td', {}, s.grams ? s.grams.toFixed(1) : '—'), el('td', {}, s.dosage_units ? String(Math.round(s.dosage_units)) : '—'))));
  };

  async function load(id, { quiet = false } = {}) {
    const ticket = {};
    loading = ticket;
    if (!quiet) say('Loading the alert…', 'loading');
    section.hidden = false;
    try {
      const detail = await getJson(`/api/alerts/${encodeURIComponent(id)}`, { what: 'The alert', withEtag: true });
      if (loading !== ticket) return;
      current = detail;
      render();
      lineList.hidden = !detail.may_see_line_list;
      if (detail.may_see_line_list && !quiet) {
        renderLineList(await getJson(`/api/alerts/${encodeURIComponent(id)}/line-list`, { what: 'The line list' }));
      }
      if (loading !== ticket) return;
      if (!quiet) say('');
      else section.dataset.state = 'ready';
    } catch (error) {
      if (loading === ticket) say(error.message, 'error');
    }
  }

  close.addEventListener('click', () => {
    section.hidden = true;
    section.dataset.state = 'closed';
    current = null;
  });
  dismiss.querySelector('button').addEventListener('click', () => {
    if (!reason.value.trim()) {
      say('Give a reason for dismissing the alert.', 'error');
      return;
    }
    patch({ status: 'dismissed', reason: reason.value.trim() });
  });
  assign.querySelector('button').addEventListener('click', () => patch({ assignee: assignee.value.trim() }));
  noteForm.addEventListener('submit', async event => {
    event.preventDefault();
    const body = {};
    if (noteText.value.trim()) body.text = noteText.value.trim();
    if (noteAction.value) body.action = noteAction.value;
    if (!body.text && !body.action) {
      say('Write a note or choose an action.', 'error');
      return;
    }
    say('Saving…', 'saving');
    try {
      await sendJson(`/api/alerts/${encodeURIComponent(current.alert.id)}/notes`, 'POST', body, { what: 'The note' });
      noteText.value = '';
      noteAction.value = '';
      await load(current.alert.id, { quiet: true });
      say('Note added.');
    } catch (error) {
      say(error.detail || error.message, 'error');
    }
  });

  return {
    open: id => load(id),
    /** A change of an alert's state arrived on the stream: the open alert is read again. */
    changed: change => {
      if (current && change.alert_id === current.alert.id && change.change > current.state.change) load(change.alert_id, { quiet: true });
    },
  };
}
