/**
 * Raised hands: your own hand (the controls bar button), the moderators' queue
 * (invite to speak, lower) and the "You're invited to speak" prompt.
 */
import { $, announce, clock, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

/** 1 → "1st", 2 → "2nd", 11 → "11th", 23 → "23rd". */
export function ordinal(n) {
  const suffixes = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return `${n}${suffixes[(v - 20) % 10] || suffixes[v] || suffixes[0]}`;
}

export function mountHands({ store, bus, net }) {
  const button = $('#ctl-hand');
  const buttonLabel = $('.control-label', button);
  const handError = $('#hand-error');
  const queue = $('#hand-queue');
  const queueEmpty = $('#queue-empty');
  const queueCount = $('#queue-count');
  const queueError = $('#queue-error');
  const prompt = $('#invite-prompt');
  const me = () => store.state.you?.participant_id;
  let myHandWasUp = false;
  let iLowered = false;
  let known = new Set();

  const setHands = (hands) => store.set({ hands });
  bus.on('msg:welcome', (msg) => { known = new Set(msg.hands.map((x) => x.participant_id)); setHands(msg.hands); });
  bus.on('msg:space.entered', (msg) => setHands(msg.hands));
  bus.on('msg:hand.queue', (msg) => { if (msg.space === (store.state.space || 'plenary')) setHands(msg.hands); });

  // ---- your own hand -------------------------------------------------------------
  store.watch(['hands', 'you'], (s) => {
    const hands = s.hands || [];
    const index = hands.findIndex((x) => x.participant_id === me());
    const up = index >= 0;
    button.dataset.on = String(up);
    buttonLabel.textContent = up ? 'Lower hand' : 'Raise hand';
    button.title = up ? `Your hand is raised (${ordinal(index + 1)} in line)` : 'Raise your hand to speak';
    if (up && !myHandWasUp) announce(`Your hand is raised. You're ${ordinal(index + 1)} in line.`);
    if (!up && myHandWasUp) announce(iLowered ? 'Your hand is lowered.' : 'A moderator lowered your hand.');
    myHandWasUp = up;
    iLowered = false;
  });

  button.addEventListener('click', () => {
    const up = button.dataset.on === 'true';
    iLowered = up;
    inlineError(handError, '');
    net.trySend(up ? 'hand.lower' : 'hand.raise', {}, { onError: (err) => inlineError(handError, friendly(err)) });
  });

  // ---- invitation to speak ---------------------------------------------------------
  bus.on('msg:hand.invited', (msg) => {
    const dismiss = () => { prompt.hidden = true; prompt.replaceChildren(); };
    const unmute = h('button', { type: 'button', class: 'primary', onclick: () => { bus.emit('control:mic', true); dismiss(); } },
      store.state.micOn ? 'Speak now' : 'Unmute and speak');
    prompt.replaceChildren(
      h('span', { class: 'icon icon-hand', 'aria-hidden': 'true' }),
      h('p', { class: 'banner-text' }, h('strong', {}, `${msg.by.name} invited you to speak.`),
        store.state.micOn ? ' Your microphone is on.' : ' Unmute your microphone when you are ready.'),
      unmute,
      h('button', { type: 'button', onclick: dismiss }, 'Not now'));
    prompt.hidden = false;
    announce(`${msg.by.name} invited you to speak.`, { assertive: true });
  });

  // ---- the moderators' queue -------------------------------------------------------
  if (!queue) return;
  const people = () => store.state.people || new Map();

  function act(type, person) {
    inlineError(queueError, '');
    net.trySend(type, { participant_id: person.participant_id }, {
      onError: (err) => inlineError(queueError, `${person.name}: ${friendly(err)}`, 0) });
    if (type === 'hand.invite') announce(`Invited ${person.name} to speak.`);
  }

  function render(hands) {
    const focused = document.activeElement?.closest?.('#hand-queue [data-action]');
    const focusKey = focused ? { id: Number(focused.dataset.participantId), action: focused.dataset.action } : null;
    const focusIndex = focusKey ? hands.findIndex((x) => x.participant_id === focusKey.id) : -1;
    queue.replaceChildren(...hands.map((hand, i) => {
      const person = people().get(hand.participant_id) || hand;
      return h('li', { class: 'queue-item', dataset: { participantId: hand.participant_id } },
        h('span', { class: 'queue-pos', 'aria-hidden': 'true' }, String(i + 1)),
        h('div', { class: 'queue-who' },
          h('p', { class: 'person-name' }, hand.name),
          h('p', { class: 'person-detail' }, [person.school, `raised ${clock(hand.raised_at)}`].filter(Boolean).join(' · '))),
        h('div', { class: 'queue-actions' },
          h('button', { type: 'button', class: 'small primary', dataset: { action: 'invite', participantId: hand.participant_id },
            'aria-label': `Invite to speak: ${hand.name}`, onclick: () => act('hand.invite', hand) }, 'Invite to speak'),
          h('button', { type: 'button', class: 'small', dataset: { action: 'lower', participantId: hand.participant_id },
            'aria-label': `Lower hand: ${hand.name}`, onclick: () => act('hand.lower', hand) }, 'Lower hand')));
    }));
    queueEmpty.hidden = hands.length > 0;
    queueCount.textContent = String(hands.length);
    if (focusKey && !queue.contains(document.activeElement)) {
      // The focused entry went away: keep focus in the queue, on the next entry.
      const next = queue.querySelector(`[data-participant-id="${focusKey.id}"][data-action="${focusKey.action}"]`)
        || queue.querySelectorAll(`[data-action="${focusKey.action}"]`)[Math.min(focusIndex, hands.length - 1)];
      (next || $('#queue-title')).focus();
    }
  }

  store.watch(['hands', 'people'], (s) => {
    const hands = s.hands || [];
    for (const hand of hands) {
      if (!known.has(hand.participant_id) && hand.participant_id !== me()) {
        announce(`${hand.name} raised their hand. ${hands.length} in the queue.`);
      }
    }
    known = new Set(hands.map((x) => x.participant_id));
    render(hands);
    const badge = $('#hands-badge');
    badge.hidden = hands.length === 0;
    badge.replaceChildren(h('span', { class: 'icon icon-hand', 'aria-hidden': 'true' }), String(hands.length));
    badge.setAttribute('aria-label', `${hands.length} raised ${hands.length === 1 ? 'hand' : 'hands'}`);
    bus.emit('hands:count', hands.length);
  });
}
