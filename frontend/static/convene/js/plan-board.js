/**
 * The draft plan as a board: a column per room (name, topic, members with school and
 * job role) and one for the people not placed; stats; rename, add and remove rooms.
 *
 * Moving someone: drag their card to another room, or by keyboard — Enter/Space on a
 * card picks it up, arrow keys (or the "Move … to" select) choose the room, Enter drops,
 * Escape cancels. Swapping two people: pick one up, then choose the other in the bar's
 * "or swap with" select (everyone in another room) and press Swap. Each change is a `breakout.plan_edit` on the version shown; the board
 * redraws from the `breakout.plan_ready` that follows, focus returns to the moved card,
 * and the move is announced. A stale version gets the current plan and a note to retry.
 */
import { $, announce, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

const percent = (share) => (share === null || share === undefined ? '–' : `${Math.round(share * 100)}%`);

/** "Planned 3 people here now; 69 registered are not connected." (or everyone, planning ahead) */
export function planSummary(plan) {
  const { placed, absent = 0, fits_none: fitsNone = 0 } = plan.stats;
  const people = (n) => `${n} ${n === 1 ? 'person' : 'people'}`;
  const here = absent ? `Planned ${people(placed)} here now; ${absent} registered ${absent === 1 ? 'is' : 'are'} not connected.`
    : `Planned ${people(placed)}.`;
  return fitsNone ? `${here} ${people(fitsNone)} fit no topic (placed in the smallest rooms).` : here;
}

export function mountPlanBoard({ store, net, config }, person) {
  const area = $('#plan-area');
  const empty = $('#plan-empty');
  const board = $('#plan-board');
  const stats = $('#plan-stats');
  const summary = $('#plan-summary');
  const title = $('#plan-title');
  const bar = $('#move-bar');
  const who = $('#move-who');
  const target = $('#move-target');
  const swapPart = $('#swap-part');
  const swapTarget = $('#swap-target');
  const swapLabel = $('#swap-label');
  const editError = $('#plan-edit-error');
  const jobLabel = (code) => config.job_roles?.[code] || code?.replace(/_/g, ' ') || '';
  let picked = null; // {id, from, target}
  let focusAfter = null; // selector to focus after the next render
  let said = null; // announcement after the next render
  let confirming = null; // room key whose removal is being confirmed
  let renaming = null; // room key being renamed

  const plan = () => store.state.plan;
  const rooms = () => plan()?.rooms || [];
  const roomName = (key) => rooms().find((r) => r.key === key)?.name || 'Not placed';

  function edit(fields, after = {}) {
    inlineError(editError, '');
    const p = plan();
    focusAfter = after.focus || null;
    said = after.say || null;
    net.trySend('breakout.plan_edit', { session_id: p.session_id, version: p.version, ...fields }, {
      onError: (err) => {
        said = null;
        inlineError(editError, err.code === 'stale_plan'
          ? 'Someone changed the plan meanwhile: here is the current one. Please make your change again.' : friendly(err), 0);
        announce(editError.textContent, { assertive: true });
      },
    });
  }

  // ---- picking up and dropping ---------------------------------------------------------------
  function highlight() {
    for (const col of board.querySelectorAll('.plan-room')) col.classList.toggle('drop-target', !!picked && col.dataset.room === picked.target);
    for (const card of board.querySelectorAll('.person-card')) {
      card.setAttribute('aria-pressed', String(!!picked && Number(card.dataset.pid) === picked.id));
    }
    bar.hidden = !picked;
    if (!picked) return;
    who.textContent = person(picked.id).name;
    target.replaceChildren(...rooms().map((r) => new Option(`${r.name} (${r.members.length})`, r.key, false, r.key === picked.target)));
  }

  /** The "or swap with" choices: everyone in another room, grouped by room (only placed people swap). */
  function swapChoices() {
    const from = picked && rooms().find((r) => r.members.includes(picked.id));
    swapPart.hidden = !from;
    if (!from) return;
    swapLabel.textContent = `or swap ${person(picked.id).name} with`;
    const kept = swapTarget.value;
    swapTarget.replaceChildren(new Option('Choose someone…', ''), ...rooms().filter((r) => r !== from && r.members.length)
      .map((r) => h('optgroup', { label: r.name }, ...r.members.map((id) => new Option(person(id).name, String(id))))));
    swapTarget.value = [...swapTarget.options].some((o) => o.value === kept) ? kept : '';
  }

  function swap(id, other) {
    const a = person(id).name;
    const b = person(other).name;
    const roomA = rooms().find((r) => r.members.includes(id));
    const roomB = rooms().find((r) => r.members.includes(other));
    picked = null;
    highlight();
    edit({ op: 'swap', participant_id: id, other_participant_id: other },
      { focus: `.person-card[data-pid="${id}"]`, say: `Swapped ${a} and ${b}: ${a} is now in ${roomB?.name}, ${b} in ${roomA?.name}` });
  }

  function pick(id, from) {
    const keys = rooms().map((r) => r.key);
    const next = keys[(keys.indexOf(from) + 1) % keys.length] || keys[0];
    picked = { id, from, target: next };
    highlight();
    swapChoices();
    announce(`Picked up ${person(id).name} from ${roomName(from)}. Arrow keys choose a room, Enter drops, Escape cancels. `
      + `Room: ${roomName(next)}.`);
  }

  function aim(step) {
    const keys = rooms().map((r) => r.key);
    const i = keys.indexOf(picked.target);
    picked.target = keys[(i + step + keys.length) % keys.length];
    highlight();
    const room = rooms().find((r) => r.key === picked.target);
    announce(`${room.name}, ${room.members.length} people${picked.target === picked.from ? ' (where they are now)' : ''}.`);
  }

  function cancel({ say = true } = {}) {
    if (!picked) return;
    const { id } = picked;
    picked = null;
    highlight();
    if (say) announce(`Move of ${person(id).name} cancelled.`);
  }

  function drop(id, room) {
    picked = null;
    highlight();
    if (!room) return;
    const name = person(id).name;
    const from = rooms().find((r) => r.members.includes(id))?.key ?? '';
    if (from === room) { announce(`${name} stays in ${roomName(room)}.`); return; }
    edit({ op: 'move', participant_id: id, room },
      { focus: `.person-card[data-pid="${id}"]`, say: `Moved ${name} to ${roomName(room)}` });
  }

  board.addEventListener('keydown', (event) => {
    const card = event.target.closest('.person-card');
    if (!card) return;
    const id = Number(card.dataset.pid);
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (picked?.id === id) drop(id, picked.target);
      else pick(id, card.dataset.room);
    } else if (picked?.id === id && ['ArrowRight', 'ArrowDown', 'ArrowLeft', 'ArrowUp'].includes(event.key)) {
      event.preventDefault();
      aim(event.key === 'ArrowRight' || event.key === 'ArrowDown' ? 1 : -1);
    } else if (event.key === 'Escape' && picked) {
      event.preventDefault();
      cancel();
    }
  });
  board.addEventListener('click', (event) => {
    const card = event.target.closest('.person-card');
    if (!card || event.detail === 0) return; // keyboard "clicks" are handled on keydown
    const id = Number(card.dataset.pid);
    if (picked?.id === id) cancel();
    else pick(id, card.dataset.room);
  });
  target.addEventListener('change', () => { if (picked) { picked.target = target.value; highlight(); } });
  $('#move-go').addEventListener('click', () => picked && drop(picked.id, target.value));
  $('#swap-go').addEventListener('click', () => {
    if (!picked) return;
    const other = Number(swapTarget.value);
    if (!other) { inlineError(editError, `Choose who swaps places with ${person(picked.id).name}.`, 5000); swapTarget.focus(); return; }
    swap(picked.id, other);
  });
  $('#move-cancel').addEventListener('click', () => {
    const id = picked?.id;
    cancel();
    board.querySelector(`.person-card[data-pid="${id}"]`)?.focus();
  });

  // Drag and drop with a mouse (or any pointer).
  board.addEventListener('dragstart', (event) => {
    const card = event.target.closest?.('.person-card');
    if (!card) return;
    event.dataTransfer.setData('text/plain', card.dataset.pid);
    event.dataTransfer.effectAllowed = 'move';
    card.classList.add('dragging');
  });
  board.addEventListener('dragend', (event) => event.target.classList?.remove('dragging'));
  board.addEventListener('dragover', (event) => {
    const col = event.target.closest('.plan-room:not(.unplaced)');
    if (!col) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    for (const c of board.querySelectorAll('.drag-over')) if (c !== col) c.classList.remove('drag-over');
    col.classList.add('drag-over');
  });
  board.addEventListener('dragleave', (event) => {
    const col = event.target.closest('.plan-room');
    if (col && !col.contains(event.relatedTarget)) col.classList.remove('drag-over');
  });
  board.addEventListener('drop', (event) => {
    const col = event.target.closest('.plan-room:not(.unplaced)');
    if (!col) return;
    event.preventDefault();
    col.classList.remove('drag-over');
    const id = Number(event.dataTransfer.getData('text/plain'));
    if (id) drop(id, col.dataset.room);
  });

  // ---- rooms: rename, remove, add -----------------------------------------------------------------
  function roomHeader(room) {
    const titleId = `plan-room-${room.key}`;
    if (renaming === room.key) {
      const input = h('input', { type: 'text', value: room.name, maxlength: 120, id: `rename-${room.key}`, 'aria-label': `New name for ${room.name}` });
      const done = () => { renaming = null; render(); board.querySelector(`[data-rename="${room.key}"]`)?.focus(); };
      const save = (event) => {
        event.preventDefault();
        const name = input.value.trim();
        if (!name || name === room.name) { done(); return; }
        renaming = null;
        edit({ op: 'rename_room', room: room.key, name }, { focus: `[data-rename="${room.key}"]`, say: `Renamed ${room.name} to ${name}` });
      };
      input.addEventListener('keydown', (event) => { if (event.key === 'Escape') { event.preventDefault(); done(); } });
      return h('form', { class: 'rename-form', onsubmit: save }, input,
        h('button', { type: 'submit', class: 'small primary' }, 'Save'), h('button', { type: 'button', class: 'small', onclick: done }, 'Cancel'));
    }
    const actions = confirming === room.key
      ? h('p', { class: 'confirm', role: 'group', 'aria-label': `Remove ${room.name}?` },
        `Remove? Its ${room.members.length} people go to the smallest rooms. `,
        h('button', { type: 'button', class: 'small danger', id: `confirm-remove-${room.key}`,
          onclick: () => { confirming = null; edit({ op: 'remove_room', room: room.key }, { focus: '#add-room-name', say: `Removed ${room.name}` }); } }, 'Remove room'),
        h('button', { type: 'button', class: 'small', onclick: () => { confirming = null; render(); board.querySelector(`[data-remove="${room.key}"]`)?.focus(); } }, 'Cancel'))
      : h('p', { class: 'room-actions' },
        h('button', { type: 'button', class: 'link', dataset: { rename: room.key }, 'aria-label': `Rename ${room.name}`,
          onclick: () => { renaming = room.key; render(); $(`#rename-${CSS.escape(room.key)}`)?.select(); } }, 'Rename'),
        h('button', { type: 'button', class: 'link', dataset: { remove: room.key }, 'aria-label': `Remove ${room.name}`,
          onclick: () => { confirming = room.key; render(); $(`#confirm-remove-${CSS.escape(room.key)}`)?.focus(); } }, 'Remove'));
    return [h('h4', { id: titleId, class: 'plan-room-name' }, room.name, ' ', h('span', { class: 'count' }, String(room.members.length))),
      room.topic && room.topic !== room.name ? h('p', { class: 'plan-room-topic' }, room.topic) : null, actions];
  }

  function card(id, roomKey, reason = null) {
    const p = person(id);
    const detail = [p.school, jobLabel(p.job_role)].filter(Boolean).join(' · ');
    return h('li', {}, h('button', { type: 'button', class: 'person-card', draggable: 'true', dataset: { pid: id, room: roomKey },
      'aria-pressed': String(picked?.id === id), 'aria-describedby': 'plan-instructions' },
    h('span', { class: 'card-name' }, p.name),
    detail ? h('span', { class: 'card-detail' }, detail) : null,
    reason ? h('span', { class: 'card-detail card-reason' }, reason) : null));
  }

  function render() {
    const p = plan();
    area.hidden = !p;
    empty.hidden = !!p;
    if (!p) { board.replaceChildren(); cancel({ say: false }); return; }
    if (picked && !p.rooms.some((r) => r.key === picked.target)) cancel({ say: false });
    const s = p.stats;
    const noFit = new Set(p.fits_no_topic || []);
    summary.textContent = planSummary(p);
    title.textContent = `Plan · version ${p.version}${p.by ? ` · last change by ${p.by.name}` : ''}`;
    stats.replaceChildren(...[
      ['Placed', `${s.placed}`], ['Not placed', `${s.unplaced}`],
      ...(s.absent ? [['Registered, not connected', `${s.absent} (not planned)`]] : []),
      ...(s.fits_none ? [['Fit no topic', `${s.fits_none} (placed in the smallest rooms)`]] : []),
      ['Rooms', `${s.rooms} (${s.smallest}–${s.largest} people)`],
      ['In their first choice', percent(s.first_choice_share)], ['In a topic they chose', percent(s.any_interest_share)],
    ].map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))));
    const columns = p.rooms.map((room) => h('section', { class: 'plan-room', dataset: { room: room.key },
      'aria-labelledby': `plan-room-${room.key}` }, roomHeader(room),
    h('ul', { class: 'plan-members' }, ...room.members.map((id) => card(id, room.key, noFit.has(id) ? 'fits no topic' : '')))));
    columns.push(h('section', { class: 'plan-room unplaced', dataset: { room: '' }, 'aria-labelledby': 'plan-room-unplaced' },
      h('h4', { id: 'plan-room-unplaced', class: 'plan-room-name' }, 'Not placed ', h('span', { class: 'count' }, String(p.unplaced.length))),
      h('ul', { class: 'plan-members' }, ...p.unplaced.map((u) => card(u.participant_id, '', u.reason)))));
    board.replaceChildren(...columns);
    highlight();
    if (picked) swapChoices();
    if (focusAfter) board.parentElement.querySelector(focusAfter)?.focus();
    focusAfter = null;
    if (said) announce(said, { assertive: true });
    said = null;
  }

  store.watch(['plan'], render);

  $('#add-room-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const name = $('#add-room-name').value.trim();
    if (!name) { inlineError(editError, "Give the new room a name.", 4000); $('#add-room-name').focus(); return; }
    const topic = $('#add-room-topic').value;
    edit({ op: 'add_room', name, ...(topic ? { topic_id: topic } : {}) }, { say: `Added room ${name}` });
    $('#add-room-name').value = '';
  });
}
