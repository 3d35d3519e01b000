/**
 * Live captions of the space you are in (the plenary or your breakout room).
 *
 * A person (a CART provider or a volunteer) captions a space when a moderator makes them its
 * captioner (`captions.assign`). Their text arrives as `captions.caption`: a partial line
 * (`final: false`) is replaced in place by the next one with the same `id`; a final line
 * joins the history. Automatic captions (a speech engine) come the same way with
 * `source: "automatic"` and are labelled "may contain errors"; a space with a person
 * captioning uses the person's captions (the server decides).
 *
 * Screen readers: only *final* lines are announced, through a polite live region of their
 * own. The history box itself is not live, and the partial line sits outside any live region:
 * a partial line changes several times a second while the captioner types, and announcing
 * each version would read the same words over and over, half-finished, and queue up behind
 * the speech it is meant to help with. A final line is read once, complete.
 *
 * The captioner gets a text box ("Type captions; Enter sends a line"): what they type goes
 * out as partial lines while they type (at most one per PARTIAL_EVERY_MS, under the
 * connection's rate limit), Enter sends the final line. Moderators get a select of the
 * people in the space and "Make captioner".
 */
import { $, announce, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

// The rate limit refills 2 messages a second: partial lines at most every 0.7 s leave room for
// the finished lines (and a chat message) while someone types without a pause.
const PARTIAL_EVERY_MS = 700;
const HISTORY_MAX = 200; // lines kept on screen (the server sends the last 50 on entering)
const ANNOUNCED_MAX = 3; // finished lines kept in the live region (older ones are removed)
const SIZES = { s: 'Small', m: 'Medium', l: 'Large' };
const KEY_SIZE = 'convene.captions.size';
const KEY_ON = 'convene.captions.on';

function remembered(key, fallback) {
  try {
    return localStorage.getItem(key) ?? fallback;
  } catch {
    return fallback; // storage blocked (private mode, policies): the default it is
  }
}

function remember(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* not remembered: it still applies to this page */
  }
}

/** The honest label under the captions (captions.rules.attribution on the server). */
export function attribution(captioner, lastSource) {
  if (captioner) return `Captions by ${captioner.name} (CART)`;
  if (lastSource === 'automatic') return 'Automatic captions — may contain errors';
  return 'No one is captioning this space.';
}

export function mountCaptions({ store, bus, net }) {
  const region = $('#captions');
  if (!region) return;
  const scroller = $('#captions-scroll');
  const log = $('#captions-log');
  const partialEl = $('#captions-partial');
  const said = $('#captions-announce');
  const label = $('#captions-attribution');
  const toggle = $('#captions-toggle');
  const body = $('#captions-body');
  const form = $('#captions-form');
  const input = $('#captions-input');
  const formError = $('#captions-error');
  const assignBox = $('#captions-assign');
  const who = $('#captions-who');
  const assignError = $('#captions-assign-error');

  let captioner = null; // Person captioning the current space, or null
  let lines = new Map(); // id -> final entry, current space
  let partial = null; // the line being typed or recognized, current space
  let lastSource = null;
  let timer = null;
  let lastPartialAt = 0;
  let sentText = '';
  let choice = null; // the moderator's pick in the select, until it is made (or the space changes)
  // The space whose captions are shown: from the welcome and each space.entered (kept here, not
  // read from the store, so this module does not depend on another one's handler running first).
  let current = store.state.space || 'plenary';

  const space = () => current;
  const me = () => store.state.you?.participant_id;
  const canAssign = () => (store.state.permissions || []).includes('assign_captioner');
  const iCaption = () => !!captioner && captioner.participant_id === me();
  const shown = () => toggle.getAttribute('aria-pressed') === 'true';

  // ---- display preferences: on/off and text size, remembered on this device -------------
  function setShown(on) {
    toggle.setAttribute('aria-pressed', String(on));
    body.hidden = !on;
    region.classList.toggle('captions-off', !on);
    remember(KEY_ON, on ? '1' : '0');
  }

  function setSize(size) {
    const chosen = SIZES[size] ? size : 'm';
    region.dataset.size = chosen;
    for (const button of region.querySelectorAll('[data-caption-size]')) {
      button.setAttribute('aria-pressed', String(button.dataset.captionSize === chosen));
    }
    remember(KEY_SIZE, chosen);
  }

  toggle.addEventListener('click', () => {
    setShown(!shown());
    announce(shown() ? 'Captions shown.' : 'Captions hidden.');
  });
  for (const button of region.querySelectorAll('[data-caption-size]')) {
    button.addEventListener('click', () => setSize(button.dataset.captionSize));
  }
  setShown(remembered(KEY_ON, '1') !== '0');
  setSize(remembered(KEY_SIZE, 'm'));

  // ---- rendering -----------------------------------------------------------------------
  function nearBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  }

  function lineItem(line) {
    const speaker = line.speaker ? h('span', { class: 'caption-speaker' }, `${line.speaker.name}: `) : null;
    return h('li', { class: `caption-line caption-${line.source}`, dataset: { id: line.id } }, speaker, line.text);
  }

  function renderLabel() {
    label.textContent = attribution(captioner, lastSource);
    region.dataset.source = captioner ? 'person' : (lastSource || 'none');
  }

  function renderPartial() {
    partialEl.textContent = partial ? partial.text : '';
    partialEl.hidden = !partial || !partial.text;
  }

  function renderAll() {
    const ordered = [...lines.values()].sort((a, b) => a.id - b.id).slice(-HISTORY_MAX);
    lines = new Map(ordered.map((l) => [l.id, l]));
    log.replaceChildren(...ordered.map(lineItem));
    renderPartial();
    renderLabel();
    scroller.scrollTop = scroller.scrollHeight;
  }

  function renderControls() {
    form.hidden = !iCaption();
    if (form.hidden) clearTimeout(timer);
    assignBox.hidden = !canAssign();
    if (!assignBox.hidden) fillPeople();
  }

  function fillPeople() {
    const here = [...(store.state.people || new Map()).values()]
      .filter((p) => (p.space || 'plenary') === space())
      .sort((a, b) => a.name.localeCompare(b.name));
    const current = captioner?.participant_id ?? '';
    const chosen = choice ?? String(current);
    who.replaceChildren(h('option', { value: '' }, 'Nobody'),
      ...here.map((p) => h('option', { value: p.participant_id }, p.participant_id === me() ? `${p.name} (you)` : p.name)));
    if (current && !here.some((p) => p.participant_id === current)) {
      who.append(h('option', { value: current }, `${captioner.name} (not here)`));
    }
    // Keep a choice being made while the roster changes (people come and go all the time);
    // if the chosen person left, show who captions now.
    who.value = chosen;
    if (who.value !== chosen) who.value = String(current);
  }

  /** A finished line: into the history, and read once to screen readers. */
  function addFinal(line) {
    if (lines.has(line.id)) { // already here (a history that raced the live line): no repeat
      lines.set(line.id, line);
      renderAll();
      return;
    }
    const stick = nearBottom();
    lines.set(line.id, line);
    if (partial && partial.id === line.id) partial = null;
    lastSource = line.source;
    if (log.lastElementChild && Number(log.lastElementChild.dataset.id) > line.id) {
      renderAll();
    } else {
      log.append(lineItem(line));
      while (log.children.length > HISTORY_MAX) {
        lines.delete(Number(log.firstElementChild.dataset.id));
        log.firstElementChild.remove();
      }
      renderPartial();
      renderLabel();
    }
    if (stick) scroller.scrollTop = scroller.scrollHeight;
    if (shown() && line.by?.participant_id !== me()) {
      said.append(h('p', {}, line.speaker ? `${line.speaker.name}: ${line.text}` : line.text));
      while (said.children.length > ANNOUNCED_MAX) said.firstElementChild.remove();
    }
  }

  // ---- from the server ------------------------------------------------------------------
  function sync() {
    net.trySend('captions.sync', { space: space() }, { queue: false });
  }

  function enter(newSpace) {
    current = newSpace;
    choice = null;
    captioner = null;
    lines = new Map();
    partial = null;
    lastSource = null;
    said.replaceChildren();
    renderAll();
    renderControls();
  }

  bus.on('msg:welcome', (msg) => { if (msg.space !== current) enter(msg.space); });
  bus.on('net:ready', sync);
  bus.on('msg:space.entered', (msg) => {
    enter(msg.space);
    sync();
  });
  bus.on('msg:captions.history', (msg) => {
    if (msg.space !== space()) return;
    captioner = msg.captioner;
    for (const line of msg.lines) lines.set(line.id, line);
    lastSource = msg.lines.length ? msg.lines[msg.lines.length - 1].source : lastSource;
    renderAll();
    renderControls();
  });
  bus.on('msg:captions.caption', (msg) => {
    if (msg.space !== space()) return;
    const { type, ...line } = msg;
    if (line.final) {
      addFinal(line);
    } else {
      partial = line;
      lastSource = line.source;
      renderPartial();
      renderLabel();
      if (nearBottom()) scroller.scrollTop = scroller.scrollHeight;
    }
  });
  bus.on('msg:captions.assigned', (msg) => {
    const before = iCaption();
    if (msg.space === space()) {
      captioner = msg.captioner;
      choice = null;
      if (partial && partial.source === 'person') partial = null; // an unfinished line is dropped
      renderAll();
    }
    const mine = msg.captioner?.participant_id === me();
    if (mine && msg.space === space() && !before) announce('You are now the captioner of this space. Type captions below the stage.');
    else if (before && !iCaption()) announce('You are no longer the captioner of this space.');
    renderControls();
  });
  // Automatic captions on or off, restarted or failed (captions.status): said in words.
  bus.on('msg:captions.status', (msg) => {
    if (msg.space === space()) announce(msg.message);
  });
  store.watch(['people', 'permissions'], () => renderControls());

  // ---- the captioner's text box ------------------------------------------------------------
  function sendPartial() {
    clearTimeout(timer);
    const text = input.value.slice(0, Number(input.maxLength) || 500);
    if (text === sentText) return;
    sentText = text;
    lastPartialAt = Date.now();
    net.trySend('captions.line', { text, final: false }, { onError: failedPartial, queue: false });
  }

  function failed(err) {
    inlineError(formError, friendly(err));
  }

  function failedPartial(err) {
    // A dropped partial line is replaced by the next one (or the final line) anyway.
    if (err.code !== 'rate_limited') failed(err);
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const wait = Math.max(0, lastPartialAt + PARTIAL_EVERY_MS - Date.now());
    timer = setTimeout(sendPartial, wait); // debounced: one partial per PARTIAL_EVERY_MS at most
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(timer);
    const text = input.value.trim();
    if (!text) return;
    net.trySend('captions.line', { text, final: true }, { onError: failed });
    input.value = '';
    sentText = '';
    inlineError(formError, '');
  });

  // ---- moderators: who captions this space ---------------------------------------------------
  who.addEventListener('change', () => { choice = who.value; });
  $('#captions-assign-button').addEventListener('click', () => {
    const value = who.value;
    const person = value ? store.state.people?.get(Number(value)) : null;
    net.trySend('captions.assign', { space: space(), participant_id: value ? Number(value) : null }, {
      onError: (err) => inlineError(assignError, friendly(err)),
      onAck: () => announce(person ? `${person.name} is now the captioner of this space.` : 'No one captions this space now.'),
    });
  });

  renderAll();
  renderControls();
  if (net.welcomed) sync(); // mounted after the welcome (live.js imports this module lazily)
}
