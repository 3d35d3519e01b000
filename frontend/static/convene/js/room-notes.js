/**
 * A breakout room's shared notes: one textarea everyone in the room writes in.
 *
 * `base` is the server version the textarea's text derives from (plus your unsaved
 * typing). Typing saves after a pause (`notes.edit` with `base_version`), one save at
 * a time. Other people's saves are folded into what you are typing (notes-merge.js)
 * when they touch other lines; the server merges the same way. When it can't
 * (`notes_conflict`), the notes show the current text and your version stays below,
 * never lost, to copy from or to put back.
 */
import { $, announce, inlineError } from './dom.js';
import { friendly } from './errors.js';
import { merge3 } from './notes-merge.js';

const SAVE_AFTER_MS = 700;
const ACK_TIMEOUT_MS = 6000;

export function mountNotes({ store, bus, net }) {
  const area = $('#notes-text');
  const status = $('#notes-status');
  const versionText = $('#notes-version');
  const conflictBox = $('#notes-conflict');
  const mineArea = $('#notes-mine');
  const errorText = $('#notes-error');
  const me = () => store.state.you?.participant_id;
  let room = null;
  let base = { version: 0, text: '' };
  let inFlight = null; // {text, base}
  let conflict = null; // {mine} — waiting for the current text after notes_conflict
  let saveTimer = null;
  let ackTimer = null;

  function setStatus() {
    const dirty = area.value !== base.text;
    let state = 'saved';
    let text = 'Saved';
    if (inFlight) { state = 'saving'; text = store.state.net === 'open' ? 'Saving…' : "Will save when you're back online"; }
    else if (dirty) { state = 'dirty'; text = 'Unsaved changes'; }
    status.dataset.state = state;
    status.textContent = text;
  }

  /** Replace the textarea's text, keeping the caret where it was relative to the text around it. */
  function setText(text) {
    if (area.value === text) return;
    const old = area.value;
    const { selectionStart: start, selectionEnd: end } = area;
    let prefix = 0;
    while (prefix < old.length && prefix < text.length && old[prefix] === text[prefix]) prefix += 1;
    const shift = (pos) => (pos > prefix ? Math.max(prefix, pos + text.length - old.length) : pos);
    area.value = text;
    if (document.activeElement === area) area.setSelectionRange(shift(start), shift(end));
  }

  function reset() {
    clearTimeout(saveTimer);
    clearTimeout(ackTimer);
    base = { version: 0, text: '' };
    inFlight = null;
    conflict = null;
    area.value = '';
    conflictBox.hidden = true;
    versionText.textContent = '';
    inlineError(errorText, '');
    setStatus();
  }

  const sync = () => room && net.trySend('room.sync', { room }, { queue: false });

  // What the room held when you entered it (`room_work` of `space.entered` / `welcome`): shown
  // without asking `room.sync`. Used once; without it (e.g. a room nobody has used yet is
  // entered without it), ask.
  let entered = null; // {space, room_work, used}
  const keep = (msg) => { entered = msg.room_work ? { space: msg.space, work: msg.room_work, used: false } : null; };
  bus.on('msg:welcome', keep);
  bus.on('msg:space.entered', keep);
  function load() {
    if (!room) return;
    if (entered?.space !== room) { sync(); return; }
    if (entered.used) return;
    entered.used = true;
    const { notes, action_items: items } = entered.work;
    bus.emit('msg:notes.updated', { type: 'notes.updated', room, ...notes });
    bus.emit('msg:room.action_items', { type: 'room.action_items', room, items });
  }

  store.watch(['room'], (s) => {
    const key = s.room?.key || null;
    if (key === room) return;
    room = key;
    reset();
    // After every module has handled the message that changed the room (its room_work too).
    queueMicrotask(load);
  });
  bus.on('net:ready', () => { if (room) load(); });

  function scheduleSave(delay = SAVE_AFTER_MS) {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, delay);
  }

  function save() {
    clearTimeout(saveTimer);
    if (!room || inFlight || area.value === base.text) { setStatus(); return; }
    const sent = { text: area.value, base: { ...base } };
    const id = net.trySend('notes.edit', { room, base_version: base.version, text: sent.text }, {
      onError: (err) => {
        clearTimeout(ackTimer);
        inFlight = null;
        if (err.code === 'notes_conflict') {
          conflict = { mine: area.value };
        } else {
          inlineError(errorText, friendly(err), 0);
        }
        setStatus();
      },
    });
    if (!id) return;
    inFlight = sent;
    setStatus();
    // Every save is answered (notes.updated, or an error); should the answer be lost on a
    // reconnect, ask for the current text.
    clearTimeout(ackTimer);
    ackTimer = setTimeout(() => { if (inFlight === sent && store.state.net === 'open') { inFlight = null; sync(); setStatus(); } },
      ACK_TIMEOUT_MS);
  }

  function showConflict(mine) {
    mineArea.value = mine;
    conflictBox.hidden = false;
    announce("Your notes edit overlapped someone else's. The current notes are shown; your version is kept below.", { assertive: true });
  }

  bus.on('msg:notes.updated', (msg) => {
    if (msg.room !== room) return;
    versionText.textContent = msg.version ? `Version ${msg.version}${msg.by ? `, last saved by ${msg.by.participant_id === me() ? 'you' : msg.by.name}` : ''}.` : '';
    if (conflict) {
      // After notes_conflict: the notes become the current text; yours waits below.
      const { mine } = conflict;
      conflict = null;
      base = { version: msg.version, text: msg.text };
      setText(msg.text);
      showConflict(mine);
      setStatus();
      return;
    }
    if (msg.version < base.version) return;
    const local = area.value;
    // Our save's answer: our change saved (maybe merged with others'), or the current notes
    // already held exactly what we sent (a save that changed nothing).
    const ack = inFlight && ((msg.by?.participant_id === me() && msg.version > inFlight.base.version)
      || msg.text === inFlight.text);
    if (ack) {
      // Our save, maybe merged with others': keep what we typed since sending on top of it.
      const sent = inFlight.text;
      inFlight = null;
      clearTimeout(ackTimer);
      const merged = local === sent ? msg.text : merge3(sent, local, msg.text);
      if (merged !== null) { base = { version: msg.version, text: msg.text }; setText(merged); }
    } else if (local === base.text) {
      base = { version: msg.version, text: msg.text };
      setText(msg.text);
    } else {
      // Someone else saved while we type: fold their lines in when they don't touch ours.
      const merged = merge3(base.text, local, msg.text);
      if (merged !== null) { base = { version: msg.version, text: msg.text }; setText(merged); }
    }
    if (area.value !== base.text && !inFlight) scheduleSave();
    setStatus();
  });

  area.addEventListener('input', () => {
    inlineError(errorText, '');
    setStatus();
    scheduleSave();
  });
  area.addEventListener('blur', () => { if (area.value !== base.text) save(); });
  store.watch(['net'], setStatus);

  $('#notes-use-mine').addEventListener('click', () => {
    setText(mineArea.value);
    conflictBox.hidden = true;
    area.focus();
    save();
    announce('Your version replaces the notes.');
  });
  $('#notes-dismiss').addEventListener('click', () => {
    conflictBox.hidden = true;
    area.focus();
  });
}
