/**
 * A breakout room's ranked "Top 5 Action Items": add, edit, reorder, remove.
 *
 * The list is the server's (`room.action_items` after every change, for everyone in
 * the room); each control sends one `actions.update`. Reordering works with the ↑/↓
 * buttons and with Alt+↑ / Alt+↓ anywhere on an item; focus stays on the item that
 * moved, and its new rank is announced.
 */
import { $, announce, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

const MAX_ITEMS = 5;

export function mountTopFive({ store, bus, net }) {
  const list = $('#top5-list');
  const empty = $('#top5-empty');
  const count = $('#top5-count');
  const form = $('#top5-add');
  const input = $('#top5-input');
  const error = $('#top5-error');
  let room = null;
  let items = [];
  let editing = null; // item id being edited
  let refocus = null; // {id, act} to focus after the next render
  let pendingMove = null; // {id, text}

  const short = (text) => (text.length > 60 ? `${text.slice(0, 57)}…` : text);
  const fail = (err) => inlineError(error, friendly(err), 0);

  function send(fields, onError = fail) {
    inlineError(error, '');
    return net.trySend('actions.update', { room, ...fields }, { onError });
  }

  function move(item, op) {
    const index = items.findIndex((x) => x.id === item.id);
    if ((op === 'up' && index === 0) || (op === 'down' && index === items.length - 1)) {
      announce(`"${short(item.text)}" is already ${op === 'up' ? 'first' : 'last'}.`);
      return;
    }
    pendingMove = { id: item.id, text: item.text };
    send({ op, item_id: item.id });
  }

  function row(item, i) {
    const label = short(item.text);
    const control = (act, text, aria, onclick, extra = {}) => h('button', { type: 'button', class: `small top5-${act}`,
      dataset: { act, itemId: item.id }, 'aria-label': `${aria}: ${label}`, onclick, ...extra }, text);
    if (editing === item.id) {
      const field = h('input', { type: 'text', maxlength: 500, value: item.text, id: `top5-edit-${item.id}`,
        'aria-label': `Edit action item ${i + 1}` });
      const save = () => {
        const text = field.value.trim();
        if (!text) { inlineError(error, 'An action item needs some words.', 4000); return; }
        editing = null;
        refocus = { id: item.id, act: 'edit' };
        if (text !== item.text) send({ op: 'edit', item_id: item.id, text });
        render();
      };
      const cancel = () => { editing = null; refocus = { id: item.id, act: 'edit' }; render(); };
      field.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') { event.preventDefault(); save(); }
        if (event.key === 'Escape') { event.preventDefault(); cancel(); }
      });
      return h('li', { class: 'top5-row editing', dataset: { itemId: item.id } },
        h('span', { class: 'top5-rank', 'aria-hidden': 'true' }, String(i + 1)),
        h('div', { class: 'top5-edit' }, field,
          h('button', { type: 'button', class: 'small primary', dataset: { act: 'save', itemId: item.id }, onclick: save }, 'Save'),
          h('button', { type: 'button', class: 'small', dataset: { act: 'cancel', itemId: item.id }, onclick: cancel }, 'Cancel')));
    }
    return h('li', { class: 'top5-row', dataset: { itemId: item.id } },
      h('span', { class: 'top5-rank', 'aria-hidden': 'true' }, String(i + 1)),
      h('p', { class: 'top5-text' }, item.text),
      h('div', { class: 'top5-actions' },
        control('up', '↑', 'Move up', () => move(item, 'up'), { 'aria-disabled': i === 0 ? 'true' : null }),
        control('down', '↓', 'Move down', () => move(item, 'down'),
          { 'aria-disabled': i === items.length - 1 ? 'true' : null }),
        control('edit', 'Edit', 'Edit', () => { editing = item.id; render(); $(`#top5-edit-${item.id}`)?.focus(); }),
        control('remove', 'Remove', 'Remove', () => {
          refocus = { id: items[i + 1]?.id ?? items[i - 1]?.id, act: 'remove' };
          send({ op: 'remove', item_id: item.id });
        })));
  }

  function render() {
    const focused = document.activeElement;
    const before = list.contains(focused) && focused.dataset.itemId
      ? { id: Number(focused.dataset.itemId), act: focused.dataset.act } : null;
    list.replaceChildren(...items.map(row));
    empty.hidden = items.length > 0;
    count.textContent = `${items.length} of ${MAX_ITEMS}`;
    input.placeholder = items.length >= MAX_ITEMS ? 'The list is full: remove one to add another' : 'Something your schools will do next';
    const want = refocus || before;
    refocus = null;
    if (want && (before || focused === document.body || !focused?.isConnected)) {
      const target = list.querySelector(`[data-item-id="${want.id}"][data-act="${want.act}"]`)
        || list.querySelector(`[data-item-id="${want.id}"] button`);
      if (target) target.focus();
      else if (before || !focused?.isConnected) input.focus();
    }
  }

  bus.on('msg:room.action_items', (msg) => {
    if (msg.room !== room) return;
    items = [...msg.items].sort((a, b) => a.rank - b.rank);
    if (editing && !items.some((x) => x.id === editing)) editing = null;
    if (pendingMove) {
      const rank = items.findIndex((x) => x.id === pendingMove.id) + 1;
      if (rank) announce(`Moved "${short(pendingMove.text)}" to number ${rank} of ${items.length}.`);
      pendingMove = null;
    }
    render();
  });

  store.watch(['room'], (s) => {
    const key = s.room?.key || null;
    if (key === room) return;
    room = key;
    items = [];
    editing = null;
    inlineError(error, '');
    render();
  });

  list.addEventListener('keydown', (event) => {
    if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
    const li = event.target.closest('li[data-item-id]');
    const item = li && items.find((x) => x.id === Number(li.dataset.itemId));
    if (!item || editing === item.id) return;
    event.preventDefault();
    refocus = { id: item.id, act: event.target.dataset.act || 'up' };
    move(item, event.key === 'ArrowUp' ? 'up' : 'down');
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { inlineError(error, 'Write the action item first.', 4000); return; }
    if (items.length >= MAX_ITEMS) {
      inlineError(error, 'The list already has 5 items: remove one before adding another.', 0);
      return;
    }
    const restore = (err) => { if (!input.value) input.value = text; fail(err); };
    if (send({ op: 'add', text }, restore)) {
      input.value = '';
      announce(`Added "${short(text)}".`);
    }
  });
  input.addEventListener('input', () => inlineError(error, ''));
}
