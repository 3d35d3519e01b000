/**
 * The breakout room view: which parts of the page show (plenary or room), the room's
 * header (topic, name, live time left), who is in the room, "Ask for help" and, for a
 * visiting moderator, "Return to plenary". The video grid (stage.js) already shows the
 * people of your space; room chat is chat.js in the room's space; notes and the Top 5
 * are room-notes.js and top-five.js.
 */
import { $, announce, h, initials, inlineError } from './dom.js';
import { friendly } from './errors.js';
import { PLENARY, rescueFocus } from './breakouts.js';
import { everySecond, formatLeft, secondsUntil, spokenLeft, worthSaying } from './timekeeping.js';

export function mountRoomView({ store, bus, net, config }) {
  const header = $('#breakout-header');
  const topic = $('#breakout-topic');
  const name = $('#breakout-name');
  const timeLabel = $('#breakout-time-label');
  const time = $('#breakout-time');
  const timeWrap = $('#breakout-time-wrap');
  const peopleList = $('#room-people');
  const peopleCount = $('#room-people-count');
  const helpButton = $('#help-toggle');
  const helpLabel = $('.help-label', helpButton);
  const helpStatus = $('#help-status');
  const helpError = $('#help-error');
  const returnButton = $('#visit-return');
  const me = () => store.state.you?.participant_id;
  const snapshotRoom = (s) => s.breakouts?.rooms?.find((r) => r.key === s.room?.key) || null;
  let help = { waiting: false };
  let lastView = 'plenary';
  let visitorsSeen = new Set();
  let said = null;
  let ticking = false; // the first tick in a room sets the clock without speaking

  // ---- which parts of the page show -----------------------------------------------------
  store.watch(['view', 'room'], (s) => {
    const inRoom = s.view === 'room';
    document.body.dataset.view = s.view || 'plenary';
    header.hidden = !inRoom;
    $('#room-people-wrap').hidden = !inRoom;
    $('#room-work').hidden = !inRoom;
    const label = inRoom && s.room ? `Breakout · ${s.room.name}` : 'Plenary';
    $('#session-label').textContent = label;
    $('#room-title').textContent = inRoom && s.room
      ? `Breakout room ${s.room.name} · ${config.convening.title}` : `Plenary session · ${config.convening.title}`;
    if (s.room) {
      topic.textContent = s.room.topic || s.room.name;
      name.textContent = s.room.name;
    }
    if (inRoom && lastView !== 'room') rescueFocus(topic);
    if (!inRoom && lastView === 'room') rescueFocus($('#main'));
    lastView = s.view;
  });

  // ---- time left ----------------------------------------------------------------------------
  function tick() {
    const s = store.state;
    const b = s.breakouts;
    if (s.view !== 'room' || !b) { ticking = false; return; }
    const closing = !!b.closes_at;
    const left = secondsUntil(closing ? b.closes_at : b.ends_at, s.clockSkew || 0);
    timeWrap.hidden = left === null;
    if (left === null) return;
    timeLabel.textContent = closing ? 'Closing in' : 'Time left';
    time.textContent = formatLeft(left);
    // The closing banner speaks during the wrap-up; here, the minutes before it.
    if (ticking && !closing && worthSaying(left) && left !== said && left >= 60) announce(`${spokenLeft(left)} left in this room.`);
    said = left;
    ticking = true;
  }
  everySecond(tick);
  store.watch(['breakouts', 'view', 'clockSkew'], tick);

  // ---- who is in the room --------------------------------------------------------------------
  store.watch(['breakouts', 'people', 'room', 'view'], (s) => {
    const room = snapshotRoom(s);
    if (!room || s.view !== 'room') { visitorsSeen = new Set(); return; }
    const people = s.people || new Map();
    const visitors = new Set(room.visitors || []);
    const ids = [...new Set([...(room.members || []), ...visitors])].filter((id) => people.has(id) || id === me());
    const items = ids.map((id) => {
      const p = people.get(id) || { ...s.you, participant_id: id };
      const visiting = visitors.has(id);
      return h('li', { class: `room-person${visiting ? ' visiting' : ''}`, dataset: { participantId: id } },
        h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(p.name)),
        h('span', { class: 'room-person-name' }, p.name, id === me() ? ' (you)' : ''),
        visiting ? h('span', { class: 'badge role-moderator' }, 'Moderator') : null);
    });
    peopleList.replaceChildren(...items);
    peopleCount.textContent = String(ids.length);
    for (const id of visitors) {
      if (!visitorsSeen.has(id) && id !== me()) {
        const who = people.get(id)?.name || 'A moderator';
        announce(`${who}, a moderator, joined the room.`);
      }
    }
    visitorsSeen = visitors;
    const visiting = visitors.has(me());
    returnButton.hidden = !visiting;
    helpButton.hidden = visiting;
  });

  // ---- help -------------------------------------------------------------------------------------
  function renderHelp() {
    helpButton.setAttribute('aria-pressed', String(help.waiting));
    helpLabel.textContent = help.waiting ? 'Withdraw help request' : 'Ask for help';
    helpStatus.textContent = help.waiting ? 'A moderator has been asked. They will join your room.'
      : help.resolvedBy ? `${help.resolvedBy} joined to help.` : '';
    helpStatus.dataset.state = help.waiting ? 'waiting' : help.resolvedBy ? 'resolved' : '';
  }
  helpButton.addEventListener('click', () => {
    inlineError(helpError, '');
    net.trySend(help.waiting ? 'help.withdraw' : 'help.request', {}, {
      onError: (err) => inlineError(helpError, friendly(err)) });
  });
  bus.on('msg:help.status', (msg) => {
    const was = help.waiting;
    help = { waiting: msg.waiting, resolvedBy: msg.resolved_by?.name || null };
    renderHelp();
    if (msg.waiting && !was) announce('A moderator has been asked to join your room.');
    else if (msg.resolved_by) announce(`${msg.resolved_by.name} joined your room to help.`, { assertive: true });
    else if (was) announce('Your help request was withdrawn.');
  });
  store.watch(['room'], () => { help = { waiting: false }; renderHelp(); });

  // ---- a visiting moderator goes back -------------------------------------------------------------
  returnButton.addEventListener('click', () => {
    net.trySend('breakout.return', {}, { onError: (err) => inlineError(helpError, friendly(err)) });
  });

  bus.on('net:ready', () => { if ((store.state.space || PLENARY) === PLENARY) help = { waiting: false }; renderHelp(); });
}
