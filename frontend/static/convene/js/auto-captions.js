/**
 * Automatic captions on or off for the space, for whoever may choose its captioner
 * (`captions.automatic`). The button sits in the captioner box under the stage (captions.js
 * shows that box to those people only) and follows `captions.status` from the server.
 */
import { $, announce, h, inlineError } from './dom.js';
import { friendly } from './errors.js';

export function mountAutoCaptions({ store, bus, net }) {
  const box = $('#captions-assign');
  if (!box) return;
  const button = h('button', { type: 'button', id: 'captions-automatic', class: 'small', 'aria-pressed': 'false' },
    'Automatic captions');
  const error = h('p', { id: 'captions-automatic-error', class: 'inline-error', role: 'alert' });
  box.append(button, error);
  let current = store.state.space || 'plenary';
  let on = false;

  function render() {
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? 'Turn automatic captions off' : 'Turn automatic captions on';
  }

  bus.on('msg:welcome', (msg) => { current = msg.space || current; });
  bus.on('msg:space.entered', (msg) => { current = msg.space; on = false; render(); });
  bus.on('msg:captions.status', (msg) => {
    if (msg.space !== current) return;
    if (msg.state === 'on' || msg.state === 'off' || msg.state === 'failed') on = msg.state === 'on';
    render();
  });
  button.addEventListener('click', () => {
    net.trySend('captions.automatic', { space: current, on: !on }, {
      onError: (err) => inlineError(error, friendly(err)),
      onAck: () => announce(!on ? 'Turning automatic captions on.' : 'Turning automatic captions off.'),
    });
  });
  render();
}
