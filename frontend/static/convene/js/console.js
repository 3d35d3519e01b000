/**
 * The moderators' breakout console: a panel that takes the stage's place (the
 * "Breakouts" button in the controls bar), with two tabs — Plan (generate a draft
 * plan, adjust it in plan-board.js, open the rooms) and Live rooms (overview.js).
 * It stays available while a moderator visits a room.
 *
 * Plans name people by id; `config.directory` (everyone registered, moderators only)
 * turns ids into names, schools and job roles.
 */
import { $, announce, inlineError } from './dom.js';
import { friendly } from './errors.js';
import { liveRooms } from './breakouts.js';
import { mountOverview } from './overview.js';
import { mountPlanBoard, planSummary } from './plan-board.js';

/** A lookup: participant id → {participant_id, name, school, job_role, role}. */
export function directoryOf(config, store) {
  const known = new Map((config.directory || []).map((p) => [p.participant_id, p]));
  return (id) => known.get(id) || store.state.people?.get(id)
    || { participant_id: id, name: `Participant ${id}`, school: '', job_role: '', role: 'participant' };
}

const intOrNull = (input) => {
  const value = input.value.trim();
  return value === '' ? null : Math.floor(Number(value));
};

export function mountConsole(ctx) {
  const { store, bus, net, config } = ctx;
  const section = $('#console');
  if (!section) return;
  const button = $('#ctl-console');
  const stageWrap = $('#stage-wrap');
  const tabs = [$('#ctab-plan'), $('#ctab-live')];
  const sessionSelect = $('#plan-session');
  const planError = $('#plan-error');
  const openError = $('#open-error');
  const generate = $('#plan-generate');
  const shuffle = $('#plan-shuffle');
  const person = directoryOf(config, store);
  const sessions = new Map((config.breakout_sessions || []).map((s) => [s.id, s]));
  let seed = 0;
  let awaitingOpen = false;

  // ---- open / close, tabs ---------------------------------------------------------------
  let opened = false;
  function setOpen(open, { focus = true } = {}) {
    // The first time, while rooms are open, the live overview is what a moderator wants.
    if (open && !opened && liveRooms(store.state.breakouts).length) selectTab('live');
    opened ||= open;
    section.hidden = !open;
    stageWrap.hidden = open;
    document.body.dataset.console = open ? 'open' : 'closed';
    button.setAttribute('aria-expanded', String(open));
    store.set({ consoleOpen: open });
    if (focus) (open ? $('#console-title') : button).focus();
  }
  button.addEventListener('click', () => setOpen(section.hidden));
  $('#console-close').addEventListener('click', () => setOpen(false));
  section.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && event.target.closest('.console-head')) setOpen(false);
  });
  bus.on('console:close', () => setOpen(false, { focus: false }));

  function selectTab(name, { focus = false } = {}) {
    for (const tab of tabs) {
      const selected = tab.id === `ctab-${name}`;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      $(`#${tab.getAttribute('aria-controls')}`).hidden = !selected;
      if (selected && focus) tab.focus();
    }
    store.set({ consoleTab: name });
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => selectTab(tab.id.slice(5)));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: tabs.length - 1 - i }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      selectTab(tabs[(i + step + tabs.length) % tabs.length].id.slice(5), { focus: true });
    });
  });
  bus.on('console:tab', (name) => selectTab(name));
  selectTab('plan');

  // ---- help badge ---------------------------------------------------------------------------
  store.watch(['helpQueue'], (s) => {
    const n = (s.helpQueue || []).length;
    for (const badge of [$('#console-badge'), $('#ctab-help')]) {
      badge.hidden = n === 0;
      badge.textContent = String(n);
      badge.setAttribute('aria-label', `${n} ${n === 1 ? 'help request' : 'help requests'}`);
    }
    if (n) button.setAttribute('aria-describedby', 'console-badge');
    else button.removeAttribute('aria-describedby');
  });

  // ---- the session and its plan --------------------------------------------------------------
  const sessionId = () => Number(sessionSelect.value) || null;
  function chooseSession({ fetch = true } = {}) {
    const id = sessionId();
    store.set({ consoleSession: id, plan: store.state.plans?.get(id) || null });
    const topicSelect = $('#add-room-topic');
    topicSelect.replaceChildren(topicSelect.options[0],
      ...(sessions.get(id)?.topics || []).map((t) => new Option(t.name, t.id)));
    // No plan yet is a not_found error: the empty state says so already.
    if (id && fetch) net.trySend('breakout.plan_get', { session_id: id }, { onError: () => {}, queue: false });
  }
  sessionSelect.addEventListener('change', () => chooseSession());
  bus.on('net:ready', () => { if (sessionId()) chooseSession(); });

  bus.on('msg:breakout.plan_ready', (msg) => {
    const plans = new Map(store.state.plans || []);
    plans.set(msg.session_id, msg);
    store.set({ plans, ...(msg.session_id === sessionId() ? { plan: msg } : {}) });
    if (msg.session_id === sessionId() && generate.dataset.busy) {
      delete generate.dataset.busy;
      $('#plan-board').removeAttribute('aria-busy');
      generate.textContent = 'Generate plan';
      shuffle.hidden = false;
      announce(`Plan ready: ${msg.rooms.length} rooms. ${planSummary(msg)}`);
    }
  });

  // ---- generate ------------------------------------------------------------------------------------
  function plan(event) {
    event?.preventDefault();
    inlineError(planError, '');
    const id = sessionId();
    if (!id) { inlineError(planError, 'This convening has no breakout session on its agenda.', 0); return; }
    const fields = { session_id: id, strategy: $('#plan-strategy').value, teams: $('#plan-teams').value, seed,
      exclude_roles: [...section.querySelectorAll('input[name="plan-leave-out"]:checked')].map((box) => box.value) };
    const sizes = { room_count: intOrNull($('#plan-rooms')), min_size: intOrNull($('#plan-min')), max_size: intOrNull($('#plan-max')) };
    for (const [key, value] of Object.entries(sizes)) {
      if (value !== null && !(value >= 1)) { inlineError(planError, 'Room counts and sizes are whole numbers from 1.', 0); return; }
      if (value !== null) fields[key] = value;
    }
    if ($('#plan-everyone').checked) fields.everyone = true;
    // Without a count or sizes the rule decides: one room per topic, job role or region.
    if (fields.strategy === 'random' && !fields.room_count && !fields.min_size && !fields.max_size) {
      inlineError(planError, 'Random rooms need a number of rooms, or how many people per room (min and max).', 0);
      $('#plan-rooms').focus();
      return;
    }
    if (fields.min_size && fields.max_size && fields.min_size > fields.max_size) {
      inlineError(planError, 'The minimum per room is larger than the maximum.', 0);
      return;
    }
    const sent = net.trySend('breakout.plan', fields, { onError: (err) => {
      delete generate.dataset.busy;
      $('#plan-board').removeAttribute('aria-busy');
      generate.textContent = 'Generate plan';
      inlineError(planError, friendly(err), 0);
    } });
    if (sent) {
      generate.dataset.busy = '1';
      generate.textContent = 'Generating…';
      $('#plan-board').setAttribute('aria-busy', 'true');
    }
  }
  $('#plan-form').addEventListener('submit', plan);
  shuffle.addEventListener('click', () => { seed += 1; plan(); });

  // ---- the plan as CSV: download, import (prepared in a spreadsheet before the session) -------
  const csvForm = $('#plan-csv');
  const csvError = $('#plan-csv-error');
  const csvExport = $('#plan-csv-export');
  const csvFile = $('#plan-csv-file');
  const csvUrl = (id) => csvForm.dataset.url.replace('/sessions/0/', `/sessions/${id}/`);
  store.watch(['plan', 'consoleSession'], (s) => {
    const id = sessionId();
    csvExport.hidden = !(id && s.plan);
    if (id) csvExport.href = csvUrl(id);
  });
  csvForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    inlineError(csvError, '');
    const id = sessionId();
    const file = csvFile.files[0];
    if (!id) { inlineError(csvError, 'This convening has no breakout session on its agenda.', 0); return; }
    if (!file) { inlineError(csvError, 'Choose a CSV file first.', 6000); csvFile.focus(); return; }
    const body = new FormData();
    body.append('file', file);
    const button = $('#plan-csv-import');
    button.disabled = true;
    announce(`Importing ${file.name}…`);
    try {
      const response = await fetch(csvUrl(id), { method: 'POST', body, credentials: 'same-origin',
        headers: { 'X-CSRFToken': csvForm.querySelector('[name="csrfmiddlewaretoken"]')?.value || '' } });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        const errors = answer.errors || [response.status === 403 ? 'Only moderators can import plans.' : 'The import failed.'];
        inlineError(csvError, `Not imported: ${errors.slice(0, 3).join('; ')}${errors.length > 3 ? ` (and ${errors.length - 3} more)` : ''}`, 0);
        return;
      }
      csvFile.value = '';
      bus.emit('msg:breakout.plan_ready', answer); // also comes over the socket, to every moderator
      announce(`Imported ${file.name}: ${answer.rooms.length} rooms, ${answer.stats.placed} people placed.`, { assertive: true });
    } catch {
      inlineError(csvError, 'The import could not reach the server. Check the connection and try again.', 0);
    } finally {
      button.disabled = false;
    }
  });

  // ---- open the rooms ---------------------------------------------------------------------------
  $('#open-form').addEventListener('submit', (event) => {
    event.preventDefault();
    inlineError(openError, '');
    const minutes = Number($('#open-minutes').value || 0);
    const seconds = Number($('#open-seconds').value || 0);
    const duration = minutes * 60 + seconds;
    if (!(duration > 0)) { inlineError(openError, 'Give the rooms some time: a duration above zero.', 0); return; }
    const fields = { session_id: sessionId(), duration_s: duration,
      mode: section.querySelector('input[name="open-mode"]:checked').value,
      grace_s: Math.max(0, Number($('#open-grace').value || 0)),
      late_joiners: section.querySelector('input[name="open-late"]:checked')?.value || 'place' };
    const capacity = intOrNull($('#open-capacity'));
    if (capacity !== null) fields.capacity = capacity;
    const sent = net.trySend('breakout.open', fields, { onError: (err) => {
      awaitingOpen = false;
      const text = err.code === 'illegal_transition' ? 'Rooms are already open: close them before opening new ones.'
        : err.code === 'room_full' ? `${friendly(err)} Raise the places per room, or leave it empty.` : friendly(err);
      inlineError(openError, text, 0);
    } });
    if (sent) awaitingOpen = true;
  });

  store.watch(['breakouts'], (s) => {
    if (!awaitingOpen || !liveRooms(s.breakouts).length) return;
    awaitingOpen = false;
    selectTab('live');
    announce(`${liveRooms(s.breakouts).length} breakout rooms are open.`, { assertive: true });
    $('#ov-summary')?.focus();
  });

  mountPlanBoard(ctx, person);
  mountOverview(ctx, person);
  chooseSession({ fetch: false });
}
