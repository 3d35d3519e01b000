/**
 * Multi-round breakouts (`breakout.rounds.*`): the room header's "Round 2 of 3" for everyone,
 * and, for moderators, the console's "Rounds" form — add rounds (grouping and minutes) or
 * take a preset, start them, move on to the next round, or stop. The sequence itself comes
 * from `breakout.state`'s `rounds`; transitions happen on the server's clock.
 */
import { $, announce, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

const STRATEGIES = [
  ['topic', 'By topic'], ['role', 'By job role'], ['region', 'By region'], ['random', 'Random'],
  ['jigsaw', 'Jigsaw: one from each earlier room'], ['rotation', 'Rotation: no one meets twice'],
];
const PRESETS = {
  jigsaw: [['topic', 15], ['jigsaw', 15]],
  'role-region': [['role', 15], ['region', 15]],
  rotation: [['rotation', 10], ['rotation', 10], ['rotation', 10]],
};

/** "Round 2 of 3" for the room with `key`, or '' when it is not a round's room. */
export function roundLabel(rounds, key) {
  const index = (rounds?.room_keys || []).findIndex((keys) => keys.includes(key));
  return index < 0 ? '' : `Round ${index + 1} of ${rounds.total}`;
}

export function mountRounds({ store, net, config }) {
  mountHeader(store);
  if (config.can_run_breakouts && $('#rounds-form')) mountForm(store, net);
}

function mountHeader(store) {
  const kicker = $('#breakout-header .bh-kicker');
  if (!kicker) return;
  const label = h('p', { id: 'breakout-round', class: 'bh-round', hidden: true });
  kicker.after(label);
  let said = '';
  store.watch(['breakouts', 'view', 'room'], (s) => {
    const text = s.view === 'room' && s.room ? roundLabel(s.breakouts?.rounds, s.room.key) : '';
    label.textContent = text;
    label.hidden = !text;
    if (text && text !== said) announce(`${text}.`);
    said = text;
  });
}

function mountForm(store, net) {
  const form = $('#rounds-form');
  const list = $('#rounds-list');
  const error = $('#rounds-error');
  const status = $('#rounds-status');
  const start = $('#rounds-start');
  const next = $('#rounds-next');
  const stop = $('#rounds-stop');
  let rows = [['topic', 15], ['jigsaw', 15]];

  function render({ focusRow = null } = {}) {
    list.replaceChildren(...rows.map(([strategy, minutes], i) => {
      const n = i + 1;
      const select = h('select', { id: `round-${n}-strategy`, 'aria-label': `Round ${n}: how people are grouped`,
        onchange: (e) => { rows[i][0] = e.target.value; } },
      ...STRATEGIES.map(([value, text]) => h('option', { value, selected: value === strategy }, text)));
      const time = h('input', { id: `round-${n}-minutes`, type: 'number', min: '1', max: '1440', value: String(minutes),
        inputmode: 'numeric', 'aria-label': `Round ${n}: minutes`, onchange: (e) => { rows[i][1] = Number(e.target.value); } });
      const remove = h('button', { type: 'button', class: 'small', 'aria-label': `Remove round ${n}`,
        disabled: rows.length === 1, onclick: () => {
          rows.splice(i, 1);
          render({ focusRow: Math.min(i, rows.length - 1) });
          announce(`Round ${n} removed; ${rows.length} ${rows.length === 1 ? 'round' : 'rounds'}.`);
        } }, 'Remove');
      return h('li', { class: 'round-row' }, h('span', { class: 'round-number' }, `Round ${n}`), select, time,
        h('span', { class: 'meta' }, 'min'), remove);
    }));
    if (focusRow !== null) $(`#round-${focusRow + 1}-strategy`)?.focus();
  }

  $('#rounds-preset').addEventListener('change', (e) => {
    const preset = PRESETS[e.target.value];
    if (!preset) return;
    rows = preset.map(([s, m]) => [s, m]);
    render();
    announce(`${e.target.selectedOptions[0].textContent}: ${rows.length} rounds set.`);
  });
  $('#rounds-add').addEventListener('click', () => {
    rows.push(['rotation', rows[rows.length - 1]?.[1] || 15]);
    render({ focusRow: rows.length - 1 });
  });

  const failed = (err) => inlineError(error, err.code === 'illegal_transition'
    ? `${friendly(err)} Close the open rooms (or let them finish) first.` : friendly(err), 0);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    inlineError(error, '');
    const sessionId = Number($('#plan-session')?.value) || null;
    if (!sessionId) { inlineError(error, 'This convening has no breakout session on its agenda.', 0); return; }
    if (rows.some(([, m]) => !(m > 0 && m <= 1440))) {
      inlineError(error, 'Each round needs between 1 and 1440 minutes.', 0);
      return;
    }
    const fields = { session_id: sessionId, rounds: rows.map(([strategy, minutes]) => ({ strategy, minutes })),
      grace_s: Math.max(0, Number($('#rounds-grace').value || 0)) };
    const rooms = Math.floor(Number($('#rounds-rooms').value || 0));
    if (rooms >= 1) fields.room_count = rooms;
    if (rows.some(([s]) => s === 'random') && !fields.room_count) {
      inlineError(error, 'Random rounds need a number of rooms per round.', 0);
      $('#rounds-rooms').focus();
      return;
    }
    // Messages are handled in order: the sequence is defined before it starts.
    if (net.trySend('breakout.rounds.set', fields, { onError: failed })) {
      net.trySend('breakout.rounds.start', {}, { onError: failed });
    }
  });
  next.addEventListener('click', () => net.trySend('breakout.rounds.next', { countdown: true }, { onError: failed }));
  stop.addEventListener('click', () => net.trySend('breakout.rounds.stop', {}, { onError: failed }));

  let lastNumber = null;
  store.watch(['breakouts'], (s) => {
    const rounds = s.breakouts?.rounds;
    const running = rounds?.state === 'running';
    next.hidden = !running;
    stop.hidden = !running;
    start.disabled = running;
    if (!rounds) { status.textContent = ''; return; }
    const words = { defined: 'Rounds defined, not started.', finished: `All ${rounds.total} rounds are done.`,
      stopped: `Rounds stopped after round ${rounds.number}.`,
      running: `Round ${rounds.number} of ${rounds.total} is running.` };
    status.textContent = [words[rounds.state], rounds.note].filter(Boolean).join(' ');
    if (running && rounds.number !== lastNumber) next.textContent = rounds.number < rounds.total ? 'Wrap up this round' : 'Wrap up the last round';
    lastNumber = rounds.number;
  });
  render();
}
