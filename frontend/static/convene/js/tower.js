/**
 * The control tower (`tower.*` in docs/protocol.md).
 *
 * Moderators: every open room's activity (`store.towerActivity`, room key → line: who speaks,
 * quiet since when, Top 5 progress, help, connection trouble), from `tower.watch` — a full
 * list, then only the rooms that changed. Listening in to one room and speaking by voice to all
 * rooms or one: the console's buttons emit `tower:listen` / `tower:stop-listening` /
 * `tower:speak` / `tower:stop-speaking`; `store.tower` ({listening, speaking}) says what runs.
 *
 * Everyone in a room: a banner while a moderator listens in or speaks to the room ("Moderator
 * Maria Lopez speaking to all rooms"), announced when it starts and ends.
 */
import { $, announce, h } from './dom.js';
import { friendly } from './errors.js';
import { parseTime } from './timekeeping.js';

export function mountTower({ store, bus, net, config }) {
  const me = () => store.state.you?.participant_id;
  const moderator = !!config.can_run_breakouts;
  store.set({ towerActivity: new Map(), tower: { listening: null, speaking: null } });

  // ---- moderators: the activity feed and the controls -----------------------------------------
  if (moderator) {
    bus.on('msg:welcome', () => net.trySend('tower.watch', {}));
    bus.on('msg:tower.activity', (msg) => {
      const lines = msg.full ? new Map() : new Map(store.state.towerActivity);
      for (const key of msg.gone || []) lines.delete(key);
      for (const line of msg.rooms) lines.set(line.room, line);
      store.set({ towerActivity: lines });
    });
    const failed = (what) => (err) => {
      const text = err.code === 'unknown_participant'
        ? `Turn on your microphone first: ${what} needs your audio connection.` : `${what}: ${friendly(err)}`;
      bus.emit('tower:error', text);
      announce(text, { assertive: true });
    };
    bus.on('tower:listen', (room) => net.trySend('tower.listen', { room: room.key }, { onError: failed('Listening in') }));
    bus.on('tower:stop-listening', () => net.trySend('tower.stop_listening', {}));
    bus.on('tower:speak', (rooms) => net.trySend('tower.speak', { rooms }, { onError: failed('Speaking to rooms') }));
    bus.on('tower:stop-speaking', () => net.trySend('tower.stop_speaking', {}));
  }

  // ---- everyone: what the rooms are told ----------------------------------------------------------
  const banner = h('div', { id: 'tower-banner', class: 'banner banner-tower', hidden: true });
  $('#notices')?.before(banner);
  const listeners = new Map(); // participant id → name, moderators listening to my room
  const speakers = new Map(); // participant id → {name, toAll}

  function render() {
    const lines = [
      ...[...speakers.values()].map((s) => `Moderator ${s.name} speaking to ${s.toAll ? 'all rooms' : 'this room'}`),
      ...[...listeners.values()].map((name) => `Moderator ${name} is listening`),
    ];
    banner.replaceChildren(...lines.map((text) => h('p', { class: 'tower-line' }, text)));
    banner.hidden = lines.length === 0;
  }

  bus.on('msg:tower.listening', (msg) => {
    const who = msg.by.participant_id;
    if (who === me()) {
      store.set({ tower: { ...store.state.tower, listening: msg.listening ? msg.room : null } });
      announce(msg.listening ? 'You are listening in.' : 'You stopped listening in.');
      return;
    }
    if (msg.room !== store.state.space) return;
    if (msg.listening === listeners.has(who)) return;
    if (msg.listening) listeners.set(who, msg.by.name); else listeners.delete(who);
    render();
    announce(msg.listening ? `Moderator ${msg.by.name} is listening to this room.` : `Moderator ${msg.by.name} stopped listening.`);
  });

  bus.on('msg:tower.speaking', (msg) => {
    const who = msg.by.participant_id;
    if (who === me()) {
      store.set({ tower: { ...store.state.tower, speaking: msg.speaking ? { toAll: msg.to_all } : null } });
      announce(msg.speaking ? `You are speaking to ${msg.to_all ? 'all rooms' : 'the room'}.` : 'You stopped speaking to the rooms; the plenary hears you again.',
        { assertive: true });
      return;
    }
    if (msg.speaking === speakers.has(who)) return;
    if (msg.speaking) speakers.set(who, { name: msg.by.name, toAll: msg.to_all }); else speakers.delete(who);
    render();
    announce(msg.speaking ? `Moderator ${msg.by.name} speaking to ${msg.to_all ? 'all rooms' : 'this room'}.`
      : `Moderator ${msg.by.name} stopped speaking.`, { assertive: true });
  });

  // What was said to a room ends when you leave it.
  store.watch(['space'], () => {
    listeners.clear();
    speakers.clear();
    render();
  });
}

/** "speaking: Ana, Ben" / "quiet for 4 min" / "nobody has spoken yet", for a room's line. */
export function activityText(line, nameOf, now = Date.now(), skewMs = 0) {
  if (!line) return '';
  if (line.speaking.length) return `Speaking: ${line.speaking.map(nameOf).join(', ')}`;
  if (!line.quiet_since) return 'Nobody has spoken yet';
  const seconds = Math.max(0, Math.round((now + skewMs - parseTime(line.quiet_since)) / 1000));
  if (seconds < 60) return 'Quiet for under a minute';
  const minutes = Math.floor(seconds / 60);
  return `Quiet for ${minutes} min`;
}
