/**
 * Breakouts as everyone lives them: where you are, and the moments between.
 *
 * Keeps in the store:
 *   - `breakouts`: the latest snapshot (`welcome.breakouts`, `breakout.state`; an older
 *     version never replaces a newer one; `breakout.changed` patches the rooms a move
 *     touched, and a version gap asks `breakout.resync`), `clockSkew` (server − local ms),
 *   - `room`: the room of your space ({key, name, topic}) or null in the plenary,
 *   - `view`: 'plenary' | 'moving' (the "Moving you to …" countdown) | 'room',
 *   - `summaries`: the closed rooms' Top 5 (`breakout.summary`), for the share-out.
 * and patches each roster entry's `space` from the snapshot (a thousand people moving
 * at once are not announced one by one). Tells you, in words and aloud, when rooms
 * open, when a moderator moves or recalls you, and counts the rooms' closing down.
 */
import { $, announce, h } from './dom.js';
import { everySecond, formatLeft, secondsUntil, skewFrom, spokenLeft, worthSaying } from './timekeeping.js';

export const PLENARY = 'plenary';
const LIVE = new Set(['open', 'closing']);

/** The open/closing rooms of a snapshot. */
export const liveRooms = (snapshot) => (snapshot?.rooms || []).filter((r) => LIVE.has(r.state));

/** {key, name, topic} of room `key` from the snapshot (or the last assignment). */
export function roomInfo(state, key, assigned = null) {
  if (!key || key === PLENARY) return null;
  const r = state.breakouts?.rooms?.find((x) => x.key === key) || (assigned?.key === key ? assigned : null);
  return r ? { key: r.key, name: r.name, topic: r.topic ?? null } : { key, name: 'Breakout room', topic: null };
}

/** Where each person is according to a snapshot: participant id → room key (members and visitors). */
export function placesOf(snapshot) {
  const where = new Map();
  for (const room of liveRooms(snapshot)) {
    for (const id of room.members || []) where.set(id, room.key);
    for (const id of room.visitors || []) where.set(id, room.key);
  }
  return where;
}

/** Move focus to `target` when it sits on nothing visible any more (a hidden section, a removed button). */
export function rescueFocus(target) {
  const el = document.activeElement;
  if (!el || el === document.body || !el.isConnected || el.closest('[hidden]') || !el.getClientRects().length) {
    target?.focus();
  }
}

export function mountBreakouts({ store, bus, config, net }) {
  const moveBanner = $('#move-banner');
  const closingBanner = $('#closing-banner');
  const countdownS = Number(config.breakout_move_countdown_s ?? 5);
  let moving = null; // {room, stop}
  let choosing = null; // the room you just chose (self-select)
  let assigned = null; // the room of the last breakout.assigned
  let stopClosing = null;
  let said = null; // the last countdown second spoken

  function recompute() {
    const s = store.state;
    const space = s.space || PLENARY;
    const room = roomInfo(s, space, assigned);
    const view = space === PLENARY ? 'plenary' : moving && moving.room.key === space ? 'moving' : 'room';
    const same = (room?.key === s.room?.key && room?.name === s.room?.name && room?.topic === s.room?.topic);
    store.set({ view, ...(same ? {} : { room }) });
  }

  function patchPeople(snapshot) {
    const where = placesOf(snapshot);
    const people = store.state.people;
    if (!people?.size) return;
    let next = null;
    for (const [id, person] of people) {
      const space = where.get(id) || PLENARY;
      if ((person.space || PLENARY) !== space) {
        next ||= new Map(people);
        next.set(id, { ...person, space });
      }
    }
    if (next) store.set({ people: next });
  }

  function takeSnapshot(snapshot, { force = false } = {}) {
    if (!snapshot) return;
    const have = store.state.breakouts;
    if (!force && have && have.version > snapshot.version) return;
    const { type, ...rest } = snapshot;
    store.set({ breakouts: rest, clockSkew: skewFrom(rest.now, store.state.clockSkew || 0),
      ...(rest.help_queue ? { helpQueue: rest.help_queue } : {}) });
    patchPeople(rest);
    recompute();
  }

  // ---- "Moving you to …" ----------------------------------------------------------------
  function endMoving() {
    if (!moving) return;
    moving.stop();
    moving = null;
    moveBanner.hidden = true;
    moveBanner.replaceChildren();
  }

  function startMoving(room) {
    endMoving();
    let left = countdownS;
    const count = h('span', { class: 'move-count' }, String(left));
    const finish = () => {
      const hadFocus = moveBanner.contains(document.activeElement);
      endMoving();
      recompute();
      if (hadFocus && store.state.view === 'room') $('#breakout-topic').focus();
    };
    moveBanner.replaceChildren(
      h('span', { class: 'icon icon-rooms', 'aria-hidden': 'true' }),
      h('p', { class: 'banner-text' }, 'Breakout rooms are open. Moving you to ', h('strong', {}, room.name),
        room.topic && !room.name.startsWith(room.topic) ? ` (${room.topic})` : '', ' in ', count, '…'),
      h('button', { type: 'button', class: 'small primary', onclick: finish }, 'Go now'));
    moveBanner.hidden = false;
    announce(`Breakout rooms are open. Moving you to ${room.name} in ${left} seconds.`, { assertive: true });
    moving = { room, stop: everySecond(() => {
      left -= 1;
      if (left <= 0) finish();
      else count.textContent = String(left);
    }) };
    if (countdownS <= 0) finish();
  }

  const notice = (title, text, kind = 'info') => bus.emit('notice', { title, text, kind });

  bus.on('msg:welcome', (msg) => takeSnapshot(msg.breakouts, { force: true }));
  bus.on('msg:breakout.state', (msg) => takeSnapshot(msg));
  // A change that only moved people: the rooms it touched, as they are at `version`. It holds
  // for any snapshot from `base_version` on (merged changes list every room they touched); an
  // older one missed a change: ask for the whole state, once per version we are stuck at.
  let resyncFrom = null;
  bus.on('msg:breakout.changed', (msg) => {
    const have = store.state.breakouts;
    if (!have || have.version >= msg.version) return;
    if (have.version < msg.base_version) {
      if (resyncFrom !== have.version) {
        resyncFrom = have.version;
        net?.trySend('breakout.resync', {}, { queue: false });
      }
      return;
    }
    const touched = new Map(msg.rooms.map((r) => [r.key, r]));
    takeSnapshot({ ...have, version: msg.version, now: msg.now, rooms: have.rooms.map((r) => touched.get(r.key) || r) });
  });
  bus.on('breakout:choosing', (key) => { choosing = key; });

  bus.on('msg:breakout.assigned', (msg) => {
    store.set({ clockSkew: skewFrom(msg.now, store.state.clockSkew || 0) });
    assigned = msg.room;
    const from = store.state.space || PLENARY;
    const opening = from === PLENARY && !liveRooms(store.state.breakouts).length;
    const name = msg.room.name;
    if (choosing === msg.room.key) {
      choosing = null;
      announce(`You joined ${name}.`, { assertive: true });
    } else if (opening) {
      startMoving(msg.room);
    } else {
      const text = from === PLENARY ? `A moderator moved you to ${name}.` : `You were moved to ${name}.`;
      notice('Moved:', text);
      announce(text, { assertive: true });
    }
    recompute();
  });

  bus.on('msg:breakout.returned', (msg) => {
    endMoving();
    const text = {
      closed: "Breakout rooms closed. You're back in the plenary.",
      recalled: 'A moderator brought you back to the plenary.',
    }[msg.reason] || "You're back in the plenary.";
    if (msg.reason !== 'returned') notice('Back in the plenary:', text);
    announce(text, { assertive: true });
  });

  bus.on('msg:breakout.closing', (msg) => {
    const b = store.state.breakouts;
    store.set({ clockSkew: skewFrom(msg.now, store.state.clockSkew || 0),
      ...(b ? { breakouts: { ...b, closes_at: msg.closes_at } } : {}) });
    if ((store.state.space || PLENARY) !== PLENARY) {
      const left = secondsUntil(msg.closes_at, store.state.clockSkew);
      announce(`Breakout rooms close in ${spokenLeft(left)}. Wrap up and check your Top 5 action items.`, { assertive: true });
    }
  });

  bus.on('msg:breakout.summary', (msg) => {
    const summaries = new Map((store.state.summaries || []).map((r) => [r.key, r]));
    for (const room of msg.rooms) summaries.set(room.key, room);
    store.set({ summaries: [...summaries.values()] });
  });

  store.watch(['space'], recompute);

  // ---- the closing countdown (in a room, while rooms close) -------------------------------
  const closingText = h('span', { class: 'closing-time' }, '');
  closingBanner.replaceChildren(
    h('span', { class: 'icon icon-clock', 'aria-hidden': 'true' }),
    h('p', { class: 'banner-text' }, 'Rooms close in ', h('strong', {}, closingText),
      '. Wrap up and check your Top 5 action items.'));
  store.watch(['breakouts', 'view', 'clockSkew'], (s) => {
    const closesAt = s.breakouts?.closes_at;
    const show = !!closesAt && s.view === 'room';
    closingBanner.hidden = !show;
    if (!show) { stopClosing?.(); stopClosing = null; return; }
    const tick = () => {
      const left = secondsUntil(closesAt, store.state.clockSkew);
      closingText.textContent = formatLeft(left);
      if (worthSaying(left) && left !== said) announce(`Rooms close in ${spokenLeft(left)}.`);
      said = left;
    };
    stopClosing?.();
    tick();
    stopClosing = everySecond(tick);
  });
}
