/**
 * Chat of the space you are in (the plenary or a breakout room).
 *
 * Messages are kept by (space, seq), so a message that arrives twice — live, in
 * the welcome's recent history and in a `chat.sync` page — shows once, in seq
 * order. After a reconnect the module asks `chat.sync` once for everything after
 * the last seq it saw; the server sends every page of it (`has_more`: another page
 * follows), so nothing sent while you were away is lost and nothing is asked twice.
 *
 * What you send is kept until the server acknowledges it (`ack`: it is stored). A
 * message whose connection dropped first is sent again after the next welcome, with
 * the same `client_id`, so a message that was stored but whose `ack` was lost is
 * stored and shown once (the server keeps one message per client id and author).
 */
import { $, announce, clock, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

const PENDING_TIMEOUT_MS = 15000;

/** This browser's id for one chat message (chat.send's `client_id`: 8–64 of [A-Za-z0-9_-]). */
export function newClientId(cryptoApi = globalThis.crypto) {
  if (cryptoApi?.randomUUID) return cryptoApi.randomUUID();
  const bytes = cryptoApi.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function mountChat({ store, bus, net, config }) {
  const log = $('#chat-log');
  const scroller = $('#chat-scroll');
  const form = $('#chat-form');
  const input = $('#chat-input');
  const counter = $('#chat-counter');
  const error = $('#chat-error');
  const unread = $('#chat-unread');
  const messages = new Map(); // `${space}:${seq}` -> entry
  const lastSeq = new Map(); // space -> highest seq seen
  const pending = new Map(); // client_id -> {text, el, clientId, acked}
  let rendered = 0; // highest seq rendered for the current space
  let unseen = 0;

  const space = () => store.state.space || 'plenary';
  const me = () => store.state.you?.participant_id;
  const maxChars = () => Number(store.state.limits?.chat_max_chars ?? net.protocol.limit('chat_max_chars', 2000));
  const canDelete = () => (store.state.permissions || []).includes('delete_chat');

  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  function messageItem(m) {
    const mine = m.author && m.author.participant_id === me();
    const item = h('li', { class: `chat-msg${mine ? ' mine' : ''}${m.deleted ? ' deleted' : ''}`, dataset: { seq: m.seq } },
      h('p', { class: 'chat-meta' },
        h('span', { class: 'chat-author' }, m.author ? (mine ? 'You' : m.author.name) : 'Convene'),
        ' ', h('time', { datetime: m.at }, clock(m.at))),
      h('p', { class: 'chat-text' }, m.deleted ? 'Message removed by a moderator' : m.text));
    if (canDelete() && !m.deleted) {
      item.append(h('button', { type: 'button', class: 'link chat-delete', 'aria-label': `Delete message from ${m.author?.name || 'Convene'}: ${m.text.slice(0, 40)}`,
        onclick: () => remove(m, item) }, 'Delete'));
    }
    return item;
  }

  /** Render everything of the current space again (space change, deletion, out-of-order arrival). */
  function renderAll() {
    const s = space();
    const items = [...messages.values()].filter((m) => m.space === s).sort((a, b) => a.seq - b.seq);
    log.replaceChildren(...items.map(messageItem), ...[...pending.values()].map((p) => p.el));
    rendered = items.length ? items[items.length - 1].seq : 0;
    scroller.scrollTop = scroller.scrollHeight;
  }

  /** Merge entries; returns how many were new. */
  function merge(entries) {
    const s = space();
    let fresh = 0;
    let outOfOrder = false;
    const stick = nearBottom();
    for (const m of [...entries].sort((a, b) => a.seq - b.seq)) {
      const key = `${m.space}:${m.seq}`;
      const known = messages.get(key);
      if (known && known.deleted === m.deleted) continue;
      messages.set(key, m);
      lastSeq.set(m.space, Math.max(lastSeq.get(m.space) || 0, m.seq));
      if (m.space !== s) continue;
      if (known || m.seq < rendered) { outOfOrder = true; continue; }
      fresh += 1;
      settlePending(m);
      const firstPending = [...pending.values()][0]?.el;
      log.insertBefore(messageItem(m), firstPending && firstPending.parentNode === log ? firstPending : null);
      rendered = m.seq;
    }
    if (outOfOrder) renderAll();
    else if (stick) scroller.scrollTop = scroller.scrollHeight;
    return fresh;
  }

  /** Our own message came back from the server: drop its "Sending…" placeholder. */
  function settlePending(m) {
    if (!m.author || m.author.participant_id !== me()) return;
    for (const [id, p] of pending) {
      if (p.text === m.text) { p.el.remove(); pending.delete(id); return; }
    }
  }

  /** Stored (acknowledged): no resend. If it is already in the log (a resend of a message
   * stored before the connection dropped), the placeholder goes now; else when it arrives. */
  function acknowledged(p) {
    p.acked = true;
    const mine = [...messages.values()].some((m) => m.space === space() && m.author?.participant_id === me()
      && m.text === p.text && !m.deleted);
    if (mine && pending.get(p.clientId) === p) { p.el.remove(); pending.delete(p.clientId); }
  }

  /** Send (or send again) a pending message; offline, it waits for the next welcome. */
  function transmit(p) {
    if (store.state.net !== 'open') return true;
    const id = net.trySend('chat.send', { text: p.text, client_id: p.clientId }, {
      queue: false, // not the connection's outbox: `net:ready` below resends what is unacknowledged
      onAck: () => acknowledged(p),
      onError: (err) => {
        if (pending.get(p.clientId) !== p) return;
        p.el.remove();
        pending.delete(p.clientId);
        if (!input.value) input.value = p.text;
        updateCounter();
        inlineError(error, friendly(err), 0);
      },
    });
    return Boolean(id);
  }

  function countUnseen(n, entries) {
    const visible = store.state.panelOpen !== false && store.state.tab === 'chat';
    if (visible || !n) return;
    unseen += n;
    unread.hidden = false;
    unread.textContent = String(unseen);
    unread.setAttribute('aria-label', `${unseen} unread`);
    const last = entries[entries.length - 1];
    if (last?.author && last.author.participant_id !== me()) announce(`New chat message from ${last.author.name}`);
  }

  // In a breakout room, the chat is the room's.
  store.watch(['room'], (s) => {
    $('label[for="chat-input"]').textContent = s.room ? 'Message your room' : 'Message everyone';
    input.placeholder = s.room ? `Message ${s.room.name}` : 'Message everyone';
  });

  store.watch(['tab', 'panelOpen'], (s) => {
    if (s.panelOpen !== false && s.tab === 'chat') {
      unseen = 0;
      unread.hidden = true;
    }
  });

  bus.on('msg:welcome', (msg) => {
    const before = lastSeq.get(msg.space) || 0;
    const changedSpace = msg.space !== space();
    store.set({ space: msg.space });
    if (changedSpace) renderAll();
    merge(msg.chat);
    if (before > 0) syncAfter(msg.space, before);
  });
  bus.on('msg:space.entered', (msg) => {
    store.set({ space: msg.space });
    renderAll();
    merge(msg.chat);
  });
  bus.on('msg:chat.message', (msg) => {
    const { type, ...entry } = msg;
    countUnseen(merge([entry]), [entry]);
  });
  bus.on('msg:chat.history', (msg) => {
    // Every page of one chat.sync comes by itself (has_more: more follow); asking again for
    // the next page would make the server stream the rest a second time.
    const n = merge(msg.messages);
    countUnseen(n, msg.messages);
  });
  // After each welcome (whose recent chat has settled what was stored and shown meanwhile):
  // whatever the server has not acknowledged goes again, under the same client_id.
  bus.on('net:ready', () => {
    for (const p of pending.values()) {
      if (p.acked) continue;
      transmit(p);
      p.el.classList.remove('failed');
      p.el.querySelector('.meta')?.replaceChildren('Sending…');
    }
  });
  bus.on('msg:chat.deleted', (msg) => {
    const key = `${msg.space}:${msg.seq}`;
    const known = messages.get(key);
    if (!known) return;
    messages.set(key, { ...known, deleted: true });
    if (msg.space === space()) renderAll();
  });

  function syncAfter(s, after) {
    net.trySend('chat.sync', { space: s, after_seq: after }, {
      onError: (err) => console.warn('[convene] chat sync failed', err) });
  }

  function remove(m, item) {
    net.trySend('chat.delete', { space: m.space, seq: m.seq }, {
      onError: (err) => inlineError(error, friendly(err)) });
    item.classList.add('removing');
  }

  function updateCounter() {
    const length = [...input.value].length;
    const limit = maxChars();
    counter.textContent = length > limit * 0.8 ? `${length.toLocaleString()} / ${limit.toLocaleString()}` : '';
    counter.classList.toggle('over', length > limit);
  }

  /** A message the server never confirmed (while connected) is marked unsent, with a retry
   * that sends it again under the same client_id (stored once, whatever happened to the first). */
  function watchPending(p) {
    setTimeout(() => {
      if (pending.get(p.clientId) !== p || p.acked) return; // shown, or stored and on its way
      if (store.state.net !== 'open') { watchPending(p); return; }
      const retry = h('button', { type: 'button', class: 'link', onclick: () => {
        p.el.classList.remove('failed');
        p.el.querySelector('.meta').replaceChildren('Sending…');
        transmit(p);
        watchPending(p);
      } }, 'Try again');
      p.el.classList.add('failed');
      p.el.querySelector('.meta').replaceChildren('Not sent. ', retry);
    }, PENDING_TIMEOUT_MS);
  }

  input.addEventListener('input', () => { updateCounter(); if (error.textContent) inlineError(error, ''); });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { inlineError(error, 'Type a message first.', 4000); return; }
    const limit = maxChars();
    if ([...text].length > limit) {
      inlineError(error, `Message too long: ${[...text].length.toLocaleString()} characters, the limit is ${limit.toLocaleString()}.`, 0);
      return;
    }
    const offline = store.state.net !== 'open';
    const el = h('li', { class: 'chat-msg mine pending' },
      h('p', { class: 'chat-meta' }, h('span', { class: 'chat-author' }, 'You'), ' ',
        h('span', { class: 'meta' }, offline ? 'Will send when reconnected' : 'Sending…')),
      h('p', { class: 'chat-text' }, text));
    const p = { text, el, clientId: newClientId(), acked: false };
    pending.set(p.clientId, p);
    if (!transmit(p)) { pending.delete(p.clientId); return; } // refused before sending (onError said why)
    watchPending(p);
    log.append(el);
    scroller.scrollTop = scroller.scrollHeight;
    input.value = '';
    updateCounter();
  });

  return { messages, lastSeq };
}
