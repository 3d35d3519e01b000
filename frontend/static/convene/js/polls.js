/**
 * Quick polls: a moderator asks, people where the poll was asked vote, results show as bars.
 *
 * Moderators (the `run_polls` permission) get "Ask a poll": a question, a kind (single
 * choice, multiple choice, a 1–5 scale), options one per line, and where to ask it (the
 * plenary or every breakout room at once). While a poll runs they see its results live, overall
 * and per room, with "Share results" (everyone sees the bars) and "Close poll".
 *
 * Everyone hears of a new poll (`poll.opened`, to the whole convening) through a polite live
 * region; the card to vote with shows where the poll was asked (`scope`): a fieldset whose
 * legend is the question, radios or checkboxes, Submit. A vote may change until the poll
 * closes. Results reach participants only when a moderator shares them.
 *
 * Results arrive as snapshots with a `version` (combined and possibly reordered by the server):
 * the highest version seen for a poll wins. On every welcome and space.entered the module
 * asks `poll.sync` for the open poll, your vote and the results you may see.
 */
import { $, announce, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

const KINDS = { single: 'Single choice', multiple: 'Multiple choice', scale: 'Scale of 1 to 5' };
const SCALE_WORDS = { 0: ' (not at all)', 4: ' (very)' };
const MAX_OPTIONS = 10;
const VOTED = 'Your vote is in — you can change it until the poll closes.';

/** The server's own sentence for poll refusals (they are written for people). */
function reason(err) {
  const own = ['illegal_transition', 'forbidden', 'not_found'].includes(err?.code) && err.message;
  return own || friendly(err);
}

export function mountPolls({ store, bus, net }) {
  const root = $('#polls-root');
  if (!root) return;
  let current = store.state.space || 'plenary';
  let poll = null; // the poll shown: the open one, else the latest closed one we may see
  let results = null; // its newest results we may see (null: not shared / none)
  let version = 0;
  let yourChoices = [];
  let dismissed = null; // a closed poll's id the person put away
  let announced = null; // the poll whose card was last announced to screen readers

  const staff = () => (store.state.permissions || []).includes('run_polls');
  const inScope = (p) => (p.scope === 'plenary') === (current === 'plenary');

  // ---- the pieces of the page ----------------------------------------------------------
  const said = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'poll-announce' });
  const card = h('section', { class: 'poll-card', id: 'poll-card', 'aria-labelledby': 'poll-card-title', hidden: true });
  const modBox = h('section', { class: 'poll-mod', id: 'poll-mod', 'aria-labelledby': 'poll-mod-title', hidden: true });
  root.append(modBox, card);
  root.before(said); // outside the box that is not displayed while empty: a live region must stay rendered

  // ---- moderators: the form to ask --------------------------------------------------------
  const askToggle = h('button', { type: 'button', class: 'small', id: 'poll-ask-toggle', 'aria-expanded': 'false',
    'aria-controls': 'poll-ask-form' }, 'Ask a poll');
  const question = h('input', { id: 'poll-question', type: 'text', maxlength: 300, autocomplete: 'off', required: true });
  const kind = h('select', { id: 'poll-kind' }, ...Object.entries(KINDS).map(([v, t]) => h('option', { value: v }, t)));
  const options = h('textarea', { id: 'poll-options', rows: 4, 'aria-describedby': 'poll-options-hint' });
  const optionsField = h('div', { class: 'poll-field' },
    h('label', { for: 'poll-options' }, 'Options, one per line'),
    options,
    h('p', { class: 'meta', id: 'poll-options-hint' }, `2 to ${MAX_OPTIONS} options.`));
  const scopeRadio = (value, text, checked) => h('label', { class: 'poll-choice' },
    h('input', { type: 'radio', name: 'poll-scope', value, checked }), ` ${text}`);
  const askError = h('p', { class: 'inline-error', role: 'alert', id: 'poll-ask-error' });
  const askForm = h('form', { id: 'poll-ask-form', class: 'poll-ask-form', hidden: true, novalidate: true },
    h('div', { class: 'poll-field' }, h('label', { for: 'poll-question' }, 'Question'), question),
    h('div', { class: 'poll-field' }, h('label', { for: 'poll-kind' }, 'Kind of poll'), kind),
    optionsField,
    h('fieldset', { class: 'poll-scope' }, h('legend', {}, 'Ask it in'),
      scopeRadio('plenary', 'The plenary', true), scopeRadio('rooms', 'Every breakout room at once', false)),
    h('button', { type: 'submit', class: 'primary', id: 'poll-ask' }, 'Ask'),
    askError);
  const modResults = h('div', { class: 'poll-mod-results', id: 'poll-mod-results' });
  modBox.append(h('div', { class: 'work-head' }, h('h2', { id: 'poll-mod-title' }, 'Polls'), askToggle), askForm, modResults);

  askToggle.addEventListener('click', () => {
    const open = askForm.hidden;
    askForm.hidden = !open;
    askToggle.setAttribute('aria-expanded', String(open));
    if (open) question.focus();
  });
  kind.addEventListener('change', () => { optionsField.hidden = kind.value === 'scale'; });

  askForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = question.value.trim();
    const list = kind.value === 'scale' ? [] : options.value.split('\n').map((o) => o.trim()).filter(Boolean);
    if (!text) return inlineError(askError, 'Write the question first.');
    if (kind.value !== 'scale' && (list.length < 2 || list.length > MAX_OPTIONS)) {
      return inlineError(askError, `A poll has 2 to ${MAX_OPTIONS} options, one per line.`);
    }
    const scope = askForm.querySelector('input[name="poll-scope"]:checked').value;
    net.trySend('poll.ask', { question: text, kind: kind.value, options: list, scope }, {
      onError: (err) => inlineError(askError, reason(err)),
      onAck: () => {
        question.value = '';
        options.value = '';
        askForm.hidden = true;
        askToggle.setAttribute('aria-expanded', 'false');
        inlineError(askError, '');
        askToggle.focus();
        announce('Poll asked. Its results appear here as people vote.');
      },
    });
  });

  // ---- rendering -------------------------------------------------------------------------
  function bars(count, labels, caption) {
    const voters = count.voters;
    return h('ul', { class: 'poll-bars', 'aria-label': caption },
      ...labels.map((label, i) => {
        const n = count.counts[i] || 0;
        const pct = voters ? Math.round((100 * n) / voters) : 0;
        return h('li', { class: 'poll-bar-row' },
          h('span', { class: 'poll-bar-label' }, label),
          h('span', { class: 'poll-bar', 'aria-hidden': 'true' }, h('span', { class: 'poll-bar-fill', style: `width:${pct}%` })),
          h('span', { class: 'poll-bar-count' }, `${n} vote${n === 1 ? '' : 's'} (${pct}%)`));
      }));
  }

  function summary(count) {
    const mean = count.mean === null || count.mean === undefined ? '' : ` · average ${count.mean} of 5`;
    return `${count.voters} ${count.voters === 1 ? 'person' : 'people'} voted${mean}`;
  }

  function resultsView(withRooms) {
    if (!results) return null;
    return h('div', { class: 'poll-results', dataset: { version: results.version } },
      h('p', { class: 'meta poll-summary' }, summary(results.total)),
      bars(results.total, poll.options, `Results: ${poll.question}`),
      withRooms && results.rooms.length ? h('details', { class: 'poll-rooms' },
        h('summary', {}, `Results in each room (${results.rooms.length})`),
        ...results.rooms.map((room) => h('div', { class: 'poll-room' },
          h('h4', {}, room.name), h('p', { class: 'meta' }, summary(room)),
          bars(room, poll.options, `Results in ${room.name}`)))) : null);
  }

  function voteForm() {
    const multiple = poll.kind === 'multiple';
    const status = h('p', { class: 'poll-status', role: 'status', id: 'poll-status' }, yourChoices.length ? VOTED : '');
    const error = h('p', { class: 'inline-error', role: 'alert' });
    const inputs = poll.options.map((label, i) => h('label', { class: 'poll-choice' },
      h('input', { type: multiple ? 'checkbox' : 'radio', name: `poll-${poll.id}`, value: i,
        checked: yourChoices.includes(i) }),
      ` ${label}${poll.kind === 'scale' ? (SCALE_WORDS[i] || '') : ''}`));
    const form = h('form', { class: 'poll-vote', novalidate: true },
      h('fieldset', { class: poll.kind === 'scale' ? 'poll-options poll-scale' : 'poll-options' },
        h('legend', {}, poll.question, multiple ? h('span', { class: 'meta' }, ' (choose one or more)') : null),
        ...inputs),
      h('button', { type: 'submit', class: 'primary' }, yourChoices.length ? 'Change my vote' : 'Submit'),
      status, error);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const choices = [...form.querySelectorAll('input:checked')].map((el) => Number(el.value));
      if (!choices.length) return inlineError(error, 'Choose an option first.');
      const id = poll.id;
      net.trySend('poll.vote', { poll_id: id, choices }, {
        onError: (err) => inlineError(error, reason(err)),
        onAck: () => {
          if (!poll || poll.id !== id) return;
          yourChoices = choices.sort((a, b) => a - b);
          status.textContent = VOTED;
          form.querySelector('button[type="submit"]').textContent = 'Change my vote';
        },
      });
    });
    return form;
  }

  // The card and the moderator's box keep their elements while results change, so a choice
  // being made, and the focus on a button just pressed, survive every update.
  const cardHead = h('h2', { id: 'poll-card-title' }, 'Poll');
  const dismiss = h('button', { type: 'button', class: 'small', hidden: true },
    'Dismiss', h('span', { class: 'visually-hidden' }, ' the poll results'));
  const cardMeta = h('p', { class: 'meta' });
  const cardBody = h('div', { class: 'poll-body' });
  const cardResults = h('div', { class: 'poll-results-slot' });
  card.append(h('div', { class: 'work-head' }, cardHead, dismiss), cardMeta, cardBody, cardResults);
  dismiss.addEventListener('click', () => { dismissed = poll?.id; renderCard(); });
  let bodyFor = ''; // which poll and state the card's body shows

  function renderCard() {
    const votes = !!poll && poll.state === 'open' && inScope(poll);
    // Moderators see theirs above. A closed poll's results stay where it was asked: in a
    // breakout room they would push the room's own work (notes, Top 5) out of view.
    const showResults = !!poll && !!results?.shared && !staff() && (poll.state === 'open' || inScope(poll));
    const visible = !!poll && dismissed !== poll.id && (votes || showResults);
    card.hidden = !visible;
    if (!visible) return;
    const closed = poll.state === 'closed';
    const where = poll.scope === 'rooms' ? 'every breakout room' : 'the plenary';
    cardHead.textContent = closed ? 'Poll results' : 'Poll';
    dismiss.hidden = !closed;
    cardMeta.textContent = `${poll.asked_by ? `Asked by ${poll.asked_by.name} in ` : 'Asked in '}${where} · ${KINDS[poll.kind]}${closed ? ' · closed' : ''}`;
    const key = `${poll.id}:${votes}`;
    if (bodyFor !== key) {
      bodyFor = key;
      cardBody.replaceChildren(votes ? voteForm() : h('p', { class: 'poll-question' }, poll.question));
    }
    cardResults.replaceChildren(showResults ? resultsView(false) : '');
  }

  const modHead = h('h3', { class: 'poll-mod-question' });
  const modMeta = h('p', { class: 'meta' });
  const modBars = h('div', { class: 'poll-results-slot' });
  const shareButton = h('button', { type: 'button', class: 'small', id: 'poll-share' }, 'Share results');
  const closeButton = h('button', { type: 'button', class: 'small', id: 'poll-close' }, 'Close poll');
  const modError = h('p', { class: 'inline-error', role: 'alert', id: 'poll-mod-error' });
  const modEmpty = h('p', { class: 'meta' }, 'No poll yet.');
  const modPoll = h('div', { class: 'poll-mod-current', hidden: true }, modHead, modMeta, modBars,
    h('div', { class: 'poll-actions' }, shareButton, closeButton), modError);
  modResults.append(modEmpty, modPoll);
  const act = (type, fields, done) => net.trySend(type, { poll_id: poll.id, ...fields }, {
    onError: (err) => inlineError(modError, reason(err)), onAck: done });
  shareButton.addEventListener('click', () => {
    const shared = !!results?.shared;
    act('poll.share', { shared: !shared },
      () => announce(shared ? 'Results hidden from participants.' : 'Results shared with everyone.'));
  });
  closeButton.addEventListener('click', () => act('poll.close', {}, () => {
    announce('Poll closed.');
    shareButton.focus(); // the Close button goes away with the open poll
  }));

  function renderMod() {
    modBox.hidden = !staff();
    if (modBox.hidden) return;
    modEmpty.hidden = !!poll;
    modPoll.hidden = !poll;
    if (!poll) return;
    const open = poll.state === 'open';
    const shared = !!results?.shared;
    modHead.textContent = poll.question;
    modMeta.textContent = `${KINDS[poll.kind]} · ${poll.scope === 'rooms' ? 'every breakout room' : 'the plenary'} · ${open ? 'open' : 'closed'} · ${shared ? 'results shared with everyone' : 'results seen by moderators only'}`;
    const roomsOpen = modBars.querySelector('details')?.open;
    modBars.replaceChildren(resultsView(true) || '');
    if (roomsOpen) modBars.querySelector('details').open = true;
    shareButton.textContent = shared ? 'Hide results' : 'Share results';
    closeButton.hidden = !open;
  }

  function render() {
    renderCard();
    renderMod();
  }

  // ---- from the server --------------------------------------------------------------------
  function show(entry, yours, res) {
    if (!poll || poll.id !== entry.id) version = 0;
    poll = entry;
    yourChoices = yours;
    if (res && res.version >= version) {
      results = res;
      version = res.version;
    } else if (!res) {
      results = null;
    }
  }

  function say(text, pollId) {
    announced = pollId;
    said.textContent = '';
    setTimeout(() => { said.textContent = text; }, 30); // a fresh text node: read even when repeated
  }

  bus.on('msg:welcome', (msg) => { current = msg.space; });
  bus.on('net:ready', () => net.trySend('poll.sync', {}, { queue: false }));
  bus.on('msg:space.entered', (msg) => {
    current = msg.space;
    render();
    net.trySend('poll.sync', {}, { queue: false });
  });
  bus.on('msg:poll.state', (msg) => {
    const open = msg.polls.find((v) => v.poll.state === 'open');
    const view = open || msg.polls[msg.polls.length - 1];
    if (view) show(view.poll, view.your_choices, view.results);
    else poll = results = null;
    bodyFor = ''; // your vote may have changed in another tab: show it
    render();
    // Moved into a room (or arrived) while a poll for here is open: say so once.
    if (poll && poll.state === 'open' && inScope(poll) && !yourChoices.length && announced !== poll.id) {
      say(`A poll is open here: ${poll.question}. Vote in the poll card below the stage.`, poll.id);
    }
  });
  bus.on('msg:poll.opened', (msg) => {
    show(msg.poll, [], null);
    dismissed = null;
    render();
    if (!inScope(msg.poll) && !staff()) return; // a poll for elsewhere: nothing to do here
    const where = inScope(msg.poll) ? ' Vote in the poll card below the stage.' : '';
    say(`New poll from ${msg.poll.asked_by?.name || 'a moderator'}: ${msg.poll.question}.${where}`, msg.poll.id);
  });
  bus.on('msg:poll.results', (msg) => {
    if (!poll || msg.poll_id !== poll.id || msg.version < version) return;
    version = msg.version;
    const { type, ...res } = msg;
    const wasShared = !!results?.shared;
    // Not shared any more: participants put the bars away; moderators keep theirs.
    results = res.shared || staff() ? res : null;
    if (res.shared && !wasShared && !staff()) announce('The moderator shared the poll results.');
    render();
  });
  bus.on('msg:poll.voted', (msg) => { // this tab or another of yours voted
    if (!poll || msg.poll_id !== poll.id) return;
    yourChoices = msg.choices;
    // Updated in place (not rebuilt): the focus stays on the button just pressed.
    const form = cardBody.querySelector('form.poll-vote');
    if (!form) return render();
    for (const input of form.querySelectorAll('input')) input.checked = yourChoices.includes(Number(input.value));
    form.querySelector('.poll-status').textContent = VOTED;
    form.querySelector('button[type="submit"]').textContent = 'Change my vote';
  });
  bus.on('msg:poll.closed', (msg) => {
    if (!poll || msg.poll_id !== poll.id) return;
    poll = { ...poll, state: 'closed' };
    if (msg.results && msg.results.version >= version) {
      results = msg.results;
      version = msg.results.version;
    }
    if (inScope(poll) && !staff()) announce('The poll has closed.');
    render();
  });
  store.watch(['permissions'], render);

  render();
  if (net.welcomed) net.trySend('poll.sync', {}, { queue: false }); // mounted after the welcome (lazy import)
}
