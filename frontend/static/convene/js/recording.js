/**
 * Recording: everyone sees whether their space is recorded; moderators start and stop it.
 *
 * A persistent "Recording" indicator (above the stage, under the banners) while the space is
 * recorded, and an announcement to screen readers when recording starts or stops
 * (`recording.state` without a `ref`). The state is asked for on connecting and on entering
 * every space (`recording.sync`), so people moving between rooms always know. Moderators
 * (the `record` permission) get a "Record" button; a recording that stopped on its own
 * (a full disk: `recording.notice`) is said out loud to them.
 */
import { $, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

export function mountRecording({ store, bus, net }) {
  const indicator = h('p', { id: 'recording-indicator', class: 'recording-indicator', role: 'status', hidden: true },
    h('span', { class: 'recording-dot', 'aria-hidden': 'true' }), h('span', { id: 'recording-label' }, 'Recording'));
  const toggle = h('button', { type: 'button', id: 'recording-toggle', class: 'small', 'aria-pressed': 'false', hidden: true },
    'Record this space');
  const error = h('p', { id: 'recording-error', class: 'inline-error', role: 'alert' });
  // Its own live region: the page's shared one is rewritten by every other announcement, and
  // this one must not be lost (consent: people are told they are recorded).
  const said = h('p', { id: 'recording-announce', class: 'visually-hidden', 'aria-live': 'assertive', 'aria-atomic': 'true' });
  const bar = h('div', { id: 'recording-bar', class: 'recording-bar' }, indicator, toggle, error, said);
  $('#banners').prepend(bar);

  let current = store.state.space || 'plenary';
  let recording = false;
  const canRecord = () => (store.state.permissions || []).includes('record');

  function render(state) {
    recording = !!state?.recording;
    indicator.hidden = !recording;
    $('#recording-label', indicator).textContent = recording ? 'Recording' : '';
    indicator.title = recording ? state.message : '';
    toggle.hidden = !canRecord();
    toggle.setAttribute('aria-pressed', String(recording));
    toggle.textContent = recording ? 'Stop recording' : 'Record this space';
  }

  function say(text) {
    said.textContent = '';
    setTimeout(() => { said.textContent = text; }, 30); // a fresh text node: read again if repeated
  }

  function sync() {
    net.trySend('recording.sync', { space: current }, { queue: false });
  }

  bus.on('net:ready', sync);
  bus.on('msg:welcome', (msg) => { current = msg.space || current; });
  bus.on('msg:space.entered', (msg) => {
    current = msg.space;
    render(null);
    sync();
  });
  bus.on('msg:recording.state', (msg) => {
    if (msg.space !== current) return;
    const changed = !!msg.recording !== recording;
    render(msg);
    // A change (not the answer to our own sync): say it, once. On entering a recorded space, too.
    if (!msg.ref || (changed && msg.recording)) say(msg.message);
  });
  bus.on('msg:recording.notice', (msg) => {
    inlineError(error, msg.message, 30000);
    say(msg.message);
  });
  store.watch(['permissions'], () => render({ recording, message: indicator.title }));

  toggle.addEventListener('click', () => {
    const type = recording ? 'recording.stop' : 'recording.start';
    toggle.disabled = true;
    net.trySend(type, { space: current }, {
      onError: (err) => { toggle.disabled = false; inlineError(error, friendly(err)); },
      onAck: () => { toggle.disabled = false; inlineError(error, ''); },
    });
  });

  render(null);
  if (net.welcomed) sync(); // mounted after the welcome (live.js imports this module lazily)
}
