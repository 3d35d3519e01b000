/**
 * The console's "Live rooms" tab: every open room, who is in it, time left — and
 * calls for help first, highlighted, each with "Join room". Per room: Visit, Close room;
 * per person: Move to… and Recall; for all rooms: the timer (+5 / −5 min, set), Close all
 * (confirmed, starts the wrap-up countdown), End now (apart, confirmed, closes at once),
 * switching assigned/self-select, and a message to one room or everyone.
 * Once every room is closed: open them again from the plan, as it is or reshuffled.
 *
 * Redrawn from the moderators' `breakout.state` (with the help queue) and `help.queue`;
 * focus and half-made choices (a "Move to…" select) survive each redraw.
 */
import { $, announce, clock, h, inlineError } from './dom.js';
import { friendly } from './errors.js';
import { PLENARY, liveRooms } from './breakouts.js';
import { everySecond, formatLeft, secondsUntil } from './timekeeping.js';
import { activityText } from './tower.js';

export function mountOverview({ store, bus, net }, person) {
  const none = $('#ov-none');
  const openPane = $('#ov-open');
  const summary = $('#ov-summary');
  const timeLabel = $('#ov-time-label');
  const time = $('#ov-time');
  const error = $('#ov-error');
  const helpList = $('#help-list');
  const roomsList = $('#ov-rooms');
  const plenaryList = $('#ov-plenary');
  const broadcastTo = $('#rooms-broadcast-to');
  const me = () => store.state.you?.participant_id;
  const chosen = new Map(); // participant id → room key picked in their "Move to…" select
  const reopenForm = $('#ov-reopen');
  const reopenError = $('#reopen-error');
  let knownCalls = null;
  let reopening = false; // a reopen was sent: when the rooms open, focus and say so

  const act = (type, fields, done) => {
    inlineError(error, '');
    const id = net.trySend(type, fields, { onError: (err) => {
      const text = err.code === 'room_full' ? `${friendly(err)} Close the room or raise its capacity.` : friendly(err);
      inlineError(error, text, 0);
      announce(text, { assertive: true });
    } });
    if (id && done) done();
    return id;
  };

  bus.on('msg:help.queue', (msg) => store.set({ helpQueue: msg.requests }));
  bus.on('tower:error', (text) => inlineError(error, text, 0));

  // The control tower (tower.js): each room's activity, listening in, speaking by voice.
  const nameOf = (id) => person(id).name;
  function activityLine(room, tower) {
    const line = (store.state.towerActivity || new Map()).get(room.key);
    if (!line) return null;
    const trouble = line.trouble.map(nameOf);
    return h('p', { class: `ov-activity${line.speaking.length ? ' speaking' : ''}`, dataset: { activityRoom: room.key } },
      h('span', { class: 'ov-activity-text' }, activityText(line, nameOf, Date.now(), store.state.clockSkew || 0)),
      h('span', { class: 'meta' }, ` · Top 5: ${line.top_five}/5`),
      trouble.length ? h('span', { class: 'ov-trouble' }, ` · Connection trouble: ${trouble.join(', ')}`) : null,
      tower.listening === room.key ? h('span', { class: 'badge' }, 'Listening') : null);
  }
  function towerButtons(room, tower) {
    const listening = tower.listening === room.key;
    return [
      h('button', { type: 'button', class: `small${listening ? ' primary' : ''}`, dataset: { focusKey: `listen-${room.key}` },
        'aria-pressed': listening ? 'true' : 'false', 'aria-label': listening ? `Stop listening to ${room.name}` : `Listen in to ${room.name}`,
        onclick: () => bus.emit(listening ? 'tower:stop-listening' : 'tower:listen', room) }, listening ? 'Stop listening' : 'Listen'),
      h('button', { type: 'button', class: 'small', dataset: { focusKey: `speak-${room.key}` }, 'aria-label': `Speak to room ${room.name} by voice`,
        disabled: !!tower.speaking, onclick: () => bus.emit('tower:speak', [room.key]) }, 'Speak to room'),
    ];
  }
  function speakAllButton(tower) {
    const button = $('#ov-speak-all') || h('button', { type: 'button', class: 'small', id: 'ov-speak-all', dataset: { focusKey: 'speak-all' } });
    button.textContent = tower.speaking ? 'Stop speaking' : 'Speak to all rooms';
    button.classList.toggle('danger', !!tower.speaking);
    button.setAttribute('aria-pressed', tower.speaking ? 'true' : 'false');
    button.onclick = () => bus.emit(tower.speaking ? 'tower:stop-speaking' : 'tower:speak', 'all');
    return button;
  }

  function visit(room) {
    act('breakout.visit', { room: room.key }, () => {
      announce(`Joining ${room.name}.`);
      bus.emit('console:close');
    });
  }

  function moveControls(id, name, here, rooms) {
    const options = rooms.filter((r) => r.state === 'open' && r.key !== here);
    if (!options.length && here === PLENARY) return null;
    const select = h('select', { class: 'move-select', 'aria-label': `Move ${name} to`, dataset: { focusKey: `sel-${id}` } },
      h('option', { value: '' }, 'Move to…'), ...options.map((r) => h('option', { value: r.key }, r.name)));
    select.value = options.some((r) => r.key === chosen.get(id)) ? chosen.get(id) : '';
    select.addEventListener('change', () => chosen.set(id, select.value));
    return h('span', { class: 'person-actions' }, select,
      h('button', { type: 'button', class: 'small', dataset: { focusKey: `move-${id}` }, 'aria-label': `Move ${name}`,
        onclick: () => {
          const room = rooms.find((r) => r.key === select.value);
          if (!room) { inlineError(error, `Choose a room for ${name} first.`, 5000); select.focus(); return; }
          act('breakout.move', { participant_id: id, room: room.key }, () => {
            chosen.delete(id);
            announce(`Moving ${name} to ${room.name}.`, { assertive: true });
          });
        } }, 'Move'),
      here !== PLENARY ? h('button', { type: 'button', class: 'small', dataset: { focusKey: `recall-${id}` },
        'aria-label': `Recall ${name} to the plenary`,
        onclick: () => act('breakout.recall', { participant_id: id }, () => announce(`Recalling ${name} to the plenary.`)) }, 'Recall') : null);
  }

  function personRow(id, here, rooms, connected) {
    const p = person(id);
    return h('li', { class: `ov-person${connected.has(id) ? '' : ' away'}`, dataset: { participantId: id } },
      h('span', { class: 'ov-person-name' }, p.name, id === me() ? ' (you)' : '',
        connected.has(id) ? null : h('span', { class: 'meta' }, ' · not connected')),
      moveControls(id, p.name, here, rooms));
  }

  function render(s) {
    const b = s.breakouts;
    const rooms = liveRooms(b);
    none.hidden = rooms.length > 0;
    openPane.hidden = rooms.length === 0;
    reopenForm.hidden = rooms.length > 0 || !(b?.rooms || []).length; // only closed rooms: open them again
    if (!rooms.length) { knownCalls = new Set(); return; }
    if (reopening) {
      reopening = false;
      inlineError(reopenError, '');
      announce(`${rooms.length} breakout rooms are open again.`, { assertive: true });
      summary.focus();
    }
    const before = document.activeElement;
    const wasInside = !!before && $('#cpane-live').contains(before);
    const focused = before?.closest?.('#cpane-live [data-focus-key]')?.dataset.focusKey;
    const calls = s.helpQueue || [];
    const connected = new Set((s.people || new Map()).keys());
    const people = rooms.reduce((n, r) => n + r.count, 0);
    const closing = rooms.some((r) => r.state === 'closing');
    summary.textContent = `${rooms.length} ${rooms.length === 1 ? 'room' : 'rooms'} ${closing ? 'closing' : 'open'} · `
      + `${people} ${people === 1 ? 'person' : 'people'} in rooms · ${b.mode === 'self_select' ? 'people choose their room' : 'rooms assigned'}`;
    const modeButton = $('#ov-mode') || h('button', { type: 'button', class: 'small', id: 'ov-mode', dataset: { focusKey: 'mode' } });
    modeButton.textContent = b.mode === 'self_select' ? 'Switch to assigned rooms' : 'Let people choose (self-select)';
    modeButton.onclick = () => act('breakout.mode', { mode: b.mode === 'self_select' ? 'assigned' : 'self_select' });
    if (!modeButton.isConnected) summary.after(modeButton);
    const tower = s.tower || {};
    const speakAll = speakAllButton(tower);
    if (!speakAll.isConnected) modeButton.after(speakAll);

    // Help first.
    $('#help-count').textContent = String(calls.length);
    $('#help-empty').hidden = calls.length > 0;
    helpList.replaceChildren(...calls.map((call) => {
      const room = rooms.find((r) => r.key === call.room) || { key: call.room, name: call.room_name };
      return h('li', { class: 'help-call', dataset: { participantId: call.participant_id } },
        h('p', { class: 'help-who' }, h('strong', {}, call.name), ` in ${call.room_name}`,
          h('span', { class: 'meta' }, ` · asked at ${clock(call.requested_at)}`)),
        h('button', { type: 'button', class: 'small primary', dataset: { focusKey: `join-${call.participant_id}` },
          'aria-label': `Join room ${call.room_name} to help ${call.name}`, onclick: () => visit(room) }, 'Join room'));
    }));
    const helped = new Set(calls.map((c) => c.room));

    roomsList.replaceChildren(...rooms.map((room) => {
      const visiting = (room.visitors || []).includes(me());
      const capacity = room.capacity ? ` of ${room.capacity}` : '';
      return h('li', { class: `ov-room${helped.has(room.key) ? ' needs-help' : ''}`, dataset: { roomKey: room.key } },
        h('div', { class: 'ov-room-head' },
          h('h4', {}, room.name, room.state === 'closing' ? h('span', { class: 'badge' }, 'Closing') : null,
            helped.has(room.key) ? h('span', { class: 'badge badge-help' }, 'Help requested') : null),
          room.topic && room.topic !== room.name ? h('p', { class: 'meta' }, room.topic) : null,
          h('p', { class: 'meta' }, `${room.count}${capacity} ${room.count === 1 ? 'person' : 'people'}`,
            (room.visitors || []).length ? ` · visiting: ${room.visitors.map((v) => person(v).name).join(', ')}` : ''),
          activityLine(room, tower),
          h('p', { class: 'ov-room-actions' },
            ...(visiting ? [] : towerButtons(room, tower)),
            visiting ? h('span', { class: 'badge' }, "You're here")
              : h('button', { type: 'button', class: 'small', dataset: { focusKey: `visit-${room.key}` }, 'aria-label': `Visit ${room.name}`,
                onclick: () => visit(room) }, 'Visit'),
            h('button', { type: 'button', class: 'small danger', dataset: { focusKey: `close-${room.key}` }, 'aria-label': `Close room ${room.name}`,
              onclick: () => act('breakout.close', { room: room.key }, () => announce(`Closing ${room.name}.`)) }, 'Close room'))),
        h('ul', { class: 'ov-people', 'aria-label': `People in ${room.name}` },
          ...(room.members || []).map((id) => personRow(id, room.key, rooms, connected))));
    }));

    const inRooms = new Set(rooms.flatMap((r) => [...(r.members || []), ...(r.visitors || [])]));
    const waiting = [...(s.people || new Map()).values()]
      .filter((p) => !inRooms.has(p.participant_id) && p.role === 'participant');
    $('#ov-plenary-count').textContent = String(waiting.length);
    plenaryList.replaceChildren(...waiting.map((p) => personRow(p.participant_id, PLENARY, rooms, connected)));

    const to = broadcastTo.value;
    broadcastTo.replaceChildren(broadcastTo.options[0], ...rooms.map((r) => new Option(r.name, r.key)));
    broadcastTo.value = rooms.some((r) => r.key === to) ? to : '';

    if (wasInside && !before.isConnected) {
      ($(`#cpane-live [data-focus-key="${focused}"]`) || $('#help-title')).focus();
    }

    // New calls for help are said at once, wherever the moderator is.
    const ids = new Set(calls.map((c) => `${c.participant_id}:${c.room}`));
    for (const call of calls) {
      if (knownCalls && !knownCalls.has(`${call.participant_id}:${call.room}`)) {
        announce(`${call.name} in ${call.room_name} asked for help.`, { assertive: true });
        if (!s.consoleOpen) bus.emit('notice', { title: 'Help requested:', text: `${call.name} in ${call.room_name} asked for a moderator. Open Breakouts to join the room.`, kind: 'help' });
      }
    }
    knownCalls = ids;
  }
  // Roster changes come in bursts (a thousand people): redraw once per burst.
  let pending = null;
  store.watch(['breakouts', 'helpQueue', 'people', 'towerActivity', 'tower'], () => {
    pending ??= setTimeout(() => { pending = null; render(store.state); }, 30);
  });

  everySecond(() => {
    const b = store.state.breakouts;
    if (!b || openPane.hidden) return;
    const closing = !!b.closes_at;
    const left = secondsUntil(closing ? b.closes_at : b.ends_at, store.state.clockSkew || 0);
    timeLabel.textContent = closing ? 'Rooms close in' : 'Time left';
    for (const el of document.querySelectorAll('#ov-rooms [data-activity-room]')) { // "quiet for 4 min" moves on
      const line = store.state.towerActivity?.get(el.dataset.activityRoom);
      const text = $('.ov-activity-text', el);
      if (line && text) text.textContent = activityText(line, nameOf, Date.now(), store.state.clockSkew || 0);
    }
    time.textContent = left === null ? '–' : formatLeft(left);
  });

  // ---- opening the closed rooms again ------------------------------------------------------------
  function reopen(reshuffle) {
    inlineError(reopenError, '');
    const minutes = Number($('#reopen-minutes').value);
    if (!(minutes > 0)) { inlineError(reopenError, 'Give the rooms some time: minutes above zero.', 0); $('#reopen-minutes').focus(); return; }
    const id = net.trySend('breakout.reopen', { duration_s: Math.round(minutes * 60), reshuffle }, { onError: (err) => {
      reopening = false;
      // not_found says why in its own words (no plan, or an imported plan that cannot be reshuffled).
      const text = err.code === 'not_found' && err.message ? err.message
        : err.code === 'illegal_transition' ? 'Some rooms are open already: close them before opening again.'
          : err.code === 'room_full' ? `${friendly(err)} Rooms keep the capacity they were opened with.` : friendly(err);
      inlineError(reopenError, text, 0);
    } });
    if (id) {
      reopening = true;
      announce(reshuffle ? 'Reshuffling the plan and opening the rooms again…' : 'Opening the rooms again…');
    }
  }
  reopenForm.addEventListener('submit', (event) => { event.preventDefault(); reopen(false); });
  $('#reopen-shuffle').addEventListener('click', () => reopen(true));

  // ---- timer, closing, messages -----------------------------------------------------------------
  $('#ov-plus').addEventListener('click', () => act('breakout.timer', { op: 'extend', seconds: 300 }, () => announce('Five more minutes.')));
  $('#ov-minus').addEventListener('click', () => act('breakout.timer', { op: 'shorten', seconds: 300 }, () => announce('Five minutes less.')));
  $('#ov-set').addEventListener('click', () => {
    const minutes = Number($('#ov-set-minutes').value);
    if (!(minutes > 0)) { inlineError(error, 'Give the minutes left, above zero.', 5000); $('#ov-set-minutes').focus(); return; }
    act('breakout.timer', { op: 'set', seconds: minutes * 60 }, () => announce(`Rooms now end in ${minutes} minutes.`));
  });
  // Closing asks first. "Close all rooms" starts the wrap-up countdown (people finish their
  // sentence); "End now", apart and in red, cuts every room off at once.
  const confirmBox = $('#ov-confirm');
  const confirmText = $('#ov-confirm-text');
  const confirmYes = $('#ov-confirm-yes');
  let confirming = null; // { run, back }: what Yes does, and the button to return focus to
  function ask(question, yes, run, back) {
    confirming = { run, back };
    confirmText.textContent = question;
    confirmYes.textContent = yes;
    confirmYes.classList.toggle('danger', back.id === 'ov-end');
    confirmBox.hidden = false;
    confirmText.focus();
    announce(question, { assertive: true });
  }
  function settle(yes) {
    const asked = confirming;
    confirming = null;
    confirmBox.hidden = true;
    if (!asked) return;
    if (yes) asked.run();
    asked.back.focus();
  }
  confirmYes.addEventListener('click', () => settle(true));
  $('#ov-confirm-no').addEventListener('click', () => settle(false));
  confirmBox.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { event.preventDefault(); settle(false); }
  });
  $('#ov-close-all').addEventListener('click', (event) => {
    ask('Close all rooms? Every room gets the wrap-up countdown, then everyone returns to the plenary.',
      'Start the countdown', () => act('breakout.close', { countdown: true }, () => announce('The wrap-up countdown started in every room.')),
      event.currentTarget);
  });
  $('#ov-end').addEventListener('click', (event) => {
    ask('End every room now? People are brought back to the plenary at once, without a countdown.', 'End now',
      () => act('breakout.close', {}, () => announce('Closing every room now.')), event.currentTarget);
  });
  $('#rooms-broadcast').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('#rooms-broadcast-text');
    const text = input.value.trim();
    const errorEl = $('#rooms-broadcast-error');
    if (!text) { inlineError(errorEl, 'Write the message first.', 4000); return; }
    const room = broadcastTo.value || null;
    const id = net.trySend('breakout.broadcast', { text, ...(room ? { room } : {}) }, {
      onError: (err) => { if (!input.value) input.value = text; inlineError(errorEl, friendly(err), 0); } });
    if (id) {
      input.value = '';
      announce(room ? `Message sent to ${broadcastTo.selectedOptions[0].textContent}.` : 'Message sent to everyone.');
    }
  });
}
