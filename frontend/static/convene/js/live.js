/**
 * Entry point of the live convening page (`/c/<slug>/live/`).
 *
 * Lobby first (camera preview, devices, mic level, name check); on Join, the
 * websocket opens and the plenary shell's feature modules mount. Each module gets
 * the same small context `{store, bus, net, config, media}` and talks to the
 * others only through the store and the bus — breakouts, a moderator console and
 * media plug in the same way.
 */
import { mountBreakouts } from './breakouts.js';
import { mountChat } from './chat.js';
import { Connection } from './connection.js';
import { mountConsole } from './console.js';
import { mountControls } from './controls.js';
import { LocalMedia } from './devices.js';
import { $, announce } from './dom.js';
import { mountHands } from './hands.js';
import { mountLobby } from './lobby.js';
import { mountMedia } from './media.js';
import { mountBroadcastForm, mountNotices } from './notices.js';
import { Protocol } from './protocol.js';
import { mountRoomChoice } from './room-choice.js';
import { mountShareOut } from './share-out.js';
import { mountNotes } from './room-notes.js';
import { mountRoomView } from './room-view.js';
import { mountRoster } from './roster.js';
import { mountStage } from './stage.js';
import { createBus, createStore } from './store.js';
import { mountTopFive } from './top-five.js';
import { mountTower } from './tower.js';

const config = JSON.parse($('#convene-config').textContent);
const store = createStore({
  you: config.you, permissions: config.permissions, space: 'plenary', people: new Map(), hands: [],
  net: 'idle', rtt: null, tab: 'chat', panelOpen: true, remoteStreams: new Map(), screen: null,
  breakouts: null, room: null, view: 'plenary', clockSkew: 0, summaries: [], helpQueue: [],
});
const bus = createBus();
const media = new LocalMedia(store);
const protocolReady = Protocol.load(config.protocol_url).catch((err) => {
  console.error('[convene] could not load the live protocol', err);
  return null;
});

function wsUrl() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${config.ws_path}`;
}

const lobby = mountLobby({ store, media, onJoin: join, schedule: config.schedule });

async function join() {
  const protocol = await protocolReady;
  if (!protocol) {
    $('#join-hint').textContent = "Convene can't reach the live service right now. Check your connection and reload the page.";
    $('#join-hint').classList.add('error');
    $('#join-button').disabled = false;
    return;
  }
  lobby.unmount();
  const net = new Connection({ url: wsUrl(), protocol, bus, store });
  const ctx = { store, bus, net, config, media };
  bus.on('msg:welcome', (msg) => {
    store.set({ you: { ...config.you, ...msg.you }, permissions: msg.you.permissions, limits: msg.limits });
  });
  mountNotices(ctx);
  mountBroadcastForm(ctx);
  mountRoster(ctx);
  mountChat(ctx);
  mountHands(ctx);
  mountStage(ctx);
  mountControls({ ...ctx, onLeave: () => leave(net) });
  mountMedia(ctx);
  mountBreakouts(ctx);
  mountRoomView(ctx);
  mountNotes(ctx);
  mountTopFive(ctx);
  mountTower(ctx); // the control tower: moderators' room activity; rooms told who listens or speaks
  mountRoomChoice(ctx);
  mountShareOut(ctx);
  import('./captions.js').then(({ mountCaptions }) => mountCaptions(ctx)); // captions under the stage
  import('./recording.js').then(({ mountRecording }) => mountRecording(ctx)); // the "Recording" indicator
  import('./auto-captions.js').then(({ mountAutoCaptions }) => mountAutoCaptions(ctx)); // moderators: machine captions
  import('./polls.js').then(({ mountPolls }) => mountPolls(ctx)); // quick polls, below the captions
  import('./rounds.js').then(({ mountRounds }) => mountRounds(ctx)); // "Round 2 of 3"; the console's Rounds
  if (config.can_run_breakouts) mountConsole(ctx);

  document.body.dataset.phase = 'room';
  $('#lobby').hidden = true;
  $('#room').hidden = false;
  $('#room').focus();
  announce(`Joining ${config.convening.title}.`);
  net.start();
  // For people debugging in the console, and for the browser tests.
  window.convene = { store, bus, net, media };
}

function leave(net) {
  net.stop();
  media.stop();
  document.body.dataset.phase = 'left';
  $('#room').hidden = true;
  $('#left').hidden = false;
  $('#left-title').focus();
}

$('#rejoin').addEventListener('click', () => location.reload());
