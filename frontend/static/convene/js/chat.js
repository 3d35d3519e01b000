/**
 * Chat of the space you are in (the plenary now; a breakout room later).
 *
 * Messages are kept by (space, seq), so a message that arrives twice — live, in
 * the welcome's recent history and in a `chat.sync` page — shows once, in seq
 * order. After a reconnect the module asks `chat.sync` for everything after the
 * last seq it saw, page by page while `has_more`, so nothing sent while you were
 * away is lost.
 */
import { $, announce, clock, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

const PENDING_TIMEOUT_MS = 15000;

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
  const pending = new Map(); // client id -> {text, el}
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
    const n = merge(msg.messages);
    countUnseen(n, msg.messages);
    if (msg.has_more && msg.messages.length) syncAfter(msg.space, msg.messages[msg.messages.length - 1].seq);
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

  /** A message the server never confirmed (while connected) is marked unsent, with a retry. */
  function watchPending(id) {
    setTimeout(() => {
      const p = pending.get(id);
      if (!p) return;
      if (store.state.net !== 'open') { watchPending(id); return; }
      pending.delete(id);
      const retry = h('button', { type: 'button', class: 'link', onclick: () => {
        p.el.remove();
        input.value = p.text;
        form.requestSubmit();
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
    let id = null;
    id = net.trySend('chat.send', { text }, {
      onError: (err) => {
        const p = id && pending.get(id);
        p?.el.remove();
        pending.delete(id);
        if (!input.value) input.value = text;
        updateCounter();
        inlineError(error, friendly(err), 0);
      },
    });
    if (!id) return;
    const offline = store.state.net !== 'open';
    const el = h('li', { class: 'chat-msg mine pending' },
      h('p', { class: 'chat-meta' }, h('span', { class: 'chat-author' }, 'You'), ' ',
        h('span', { class: 'meta' }, offline ? 'Will send when reconnected' : 'Sending…')),
      h('p', { class: 'chat-text' }, text));
    pending.set(id, { text, el });
    watchPending(id);
    log.append(el);
    scroller.scrollTop = scroller.scrollHeight;
    input.value = '';
    updateCounter();
  });

  return { messages, lastSeq };
}
