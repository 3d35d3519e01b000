/**
 * The plenary side of breakouts: choosing a room (self-select mode). The share-out of
 * Top 5 Action Items is share-out.js.
 */
import { $, announce, h, inlineError } from './dom.js';
import { friendly } from './errors.js';
import { rescueFocus } from './breakouts.js';
import { formatLeft, secondsUntil } from './timekeeping.js';

function places(room) {
  if (room.capacity === null || room.capacity === undefined) {
    return { free: null, text: `${room.count} ${room.count === 1 ? 'person' : 'people'} · no limit` };
  }
  const free = Math.max(0, room.capacity - room.count);
  return { free, text: `${room.count} of ${room.capacity} places taken · ${free ? `${free} free` : 'full'}` };
}

export function mountRoomChoice({ store, bus, net }) {
  const section = $('#choose-rooms');
  const list = $('#choose-list');
  const status = $('#choose-status');
  const error = $('#choose-error');
  const ends = $('#choose-ends');
  const staff = () => (store.state.permissions || []).includes('join_any_room');
  let shown = false;

  function join(room) {
    inlineError(error, '');
    status.textContent = `Joining ${room.name}…`;
    bus.emit('breakout:choosing', room.key);
    net.trySend('breakout.choose', { room: room.key }, {
      onError: (err) => {
        status.textContent = '';
        const text = err.code === 'room_full'
          ? `Sorry, ${room.name} just filled up. Please choose another room.` : friendly(err);
        inlineError(error, text, 0);
        announce(text, { assertive: true });
      },
    });
  }

  store.watch(['breakouts', 'view', 'permissions', 'clockSkew'], (s) => {
    const b = s.breakouts;
    const open = (b?.rooms || []).filter((r) => r.state === 'open');
    const show = s.view === 'plenary' && b?.mode === 'self_select' && open.length > 0 && !staff();
    section.hidden = !show;
    if (show && !shown) announce('Breakout rooms are open: choose a room.', { assertive: true });
    if (!show && shown) { status.textContent = ''; rescueFocus($('#main')); }
    shown = show;
    if (!show) return;
    const left = secondsUntil(b.ends_at, s.clockSkew || 0);
    ends.textContent = left === null ? '' : `Rooms close in about ${formatLeft(left)}.`;
    const focusedKey = document.activeElement?.closest?.('#choose-list [data-room]')?.dataset.room;
    list.replaceChildren(...open.map((room) => {
      const p = places(room);
      const full = p.free === 0;
      return h('li', { class: `choose-room${full ? ' full' : ''}`, dataset: { roomKey: room.key } },
        h('h3', { class: 'choose-name' }, room.name),
        room.topic && room.topic !== room.name ? h('p', { class: 'choose-topic' }, room.topic) : null,
        h('p', { class: 'meta choose-places' }, p.text),
        h('button', { type: 'button', class: `small${full ? '' : ' primary'}`, dataset: { room: room.key },
          'aria-disabled': full ? 'true' : null, 'aria-label': full ? `Full: ${room.name}` : `Join ${room.name}`,
          onclick: () => (full ? inlineError(error, `${room.name} is full. Please choose another room.`, 6000) : join(room)) },
        full ? 'Full' : 'Join'));
    }));
    if (focusedKey) list.querySelector(`[data-room="${focusedKey}"]`)?.focus();
  });

}
