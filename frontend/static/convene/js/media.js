/**
 * Video and audio with the media server, over the convening websocket (on by default;
 * `?media=0` turns it off). The page never depends on it: if media fails, a notice says
 * "Media unavailable: …" and chat, hands and everything else go on.
 *
 * - After every `welcome` (first join and each websocket reconnect) a fresh RTCPeerConnection
 *   (media-peer.js) publishes the lobby's camera and microphone (`store.stream`) and, while
 *   sharing, the screen (`store.screen`); toggles swap tracks without renegotiating.
 * - What we receive lands in `store.remoteStreams` (participant_id → {camera, screen,
 *   microphone}): stage.js shows screens on the stage and cameras in the grid; microphones
 *   play here, in <audio> elements.
 * - RTC stats feed `store.rtcStats` (connection quality), `store.speaking` (the grid
 *   highlights who speaks) and `store.cameraQuality` (each tile's badge, media-quality.js).
 * - The camera goes out in layers when the server knows them (media-layers.js): the server's
 *   `media.layers` and our own uplink decide which are sent ("Your connection is weak — sending
 *   less video"); `media.visible` tells the server which videos are on screen and how large.
 * - `media.reconnect` (moved to a space on another media server), a failed connection or a
 *   media error the server closed our media for: start over, with backoff.
 */
import { $, announce, h } from './dom.js';
import { MediaPeer } from './media-peer.js';
import { LayerChoice } from './media-layers.js';
import { mountTileQuality } from './media-quality.js';
import { StatsSampler } from './media-stats.js';

const STATS_EVERY_MS = 1000;
const VISIBILITY_EVERY_MS = 1000;
const RETRY_MS = [1000, 2000, 5000, 10000, 20000];
const MAX_SIZE_PX = 8640; // media.visible's bound on a rendered height
// Media errors after which trying again cannot help (our own SDP is refused).
const HOPELESS = new Set(['malformed_sdp', 'no_media', 'unsupported_media', 'bundle_required', 'no_common_codec']);

export function mountMedia({ store, bus, net, config }) {
  const off = new URLSearchParams(location.search).get('media') === '0';
  if (off || !net.protocol.canSend('media.offer')) return { active: false };
  const notice = mediaNotice();
  if (typeof RTCPeerConnection === 'undefined') {
    notice.show("Media unavailable: this browser can't do video calls. Chat and everything else still work.");
    return { active: false };
  }
  const audio = audioPlayer(store);
  let peer = null;
  let failures = 0;
  let retryTimer = null;
  let sampler = new StatsSampler();
  let visibility = offScreen(knows(net, 'media.visible', 'sizes'));
  let layers = new LayerChoice();
  const sendingLess = sendingLessNotice();

  function tracks() {
    const stream = store.state.stream;
    return { microphone: stream?.getAudioTracks()[0] || null, camera: stream?.getVideoTracks()[0] || null,
      screen: store.state.screen?.getVideoTracks()[0] || null };
  }

  function start() {
    stop();
    try {
      peer = new MediaPeer({ net, iceServers: config.ice_servers || [], onRemote, onState, onFailure, onRefused,
        simulcast: knows(net, 'media.offer', 'layers') });
      peer.start(tracks());
      sampler = new StatsSampler();
      visibility = offScreen(knows(net, 'media.visible', 'sizes'));
      layers = new LayerChoice();
    } catch (err) {
      console.error('[convene] media could not start', err);
      notice.show(`Media unavailable: ${err?.message || err}. Chat and everything else still work.`);
      peer = null;
    }
  }

  function stop() {
    clearTimeout(retryTimer);
    peer?.close();
    peer = null;
    onRemote(new Map());
    store.set({ mediaState: 'closed', speaking: new Set(), videoPaused: false, cameraQuality: new Map() });
    document.getElementById('media-weak')?.setAttribute('hidden', '');
    sendingLess.set(false);
  }

  function onRemote(remote) {
    store.set({ remoteStreams: remote });
    audio.play(remote);
  }

  function onState(state) {
    store.set({ mediaState: state });
    if (state === 'connected') {
      failures = 0;
      notice.hide();
    } else if (state === 'failed' || (peer?.wasConnected && (state === 'new' || state === 'closed'))) {
      // 'new'/'closed' after being connected: the media server closed it (e.g. a worker stopped).
      retry('the connection to the media server failed');
    } else if (state === 'disconnected') {
      // Often back by itself within seconds (ICE); if not, start over.
      const stuck = peer;
      setTimeout(() => { if (peer === stuck && peer?.pc.connectionState === 'disconnected') retry('the media connection was lost'); }, 5000);
    }
  }

  function onFailure(err) {
    if (HOPELESS.has(err.code)) {
      console.warn('[convene] media refused for good', err);
      stop();
      notice.show(`Media unavailable: ${err.message}. Chat and everything else still work.`);
      return;
    }
    retry(err.message || err.code);
  }

  function onRefused(err) {
    if (err.code === 'forbidden' && store.state.screen) bus.emit('control:stop-share');
    notice.flash(err.code === 'forbidden' ? "You can't share your screen here." : 'Media: try again in a moment.');
  }

  /** Start over after a delay (none if the websocket is down: its welcome restarts media). */
  function retry(reason) {
    const delay = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];
    failures += 1;
    stop();
    notice.show(`Media unavailable: ${reason}. Trying again in ${Math.round(delay / 1000)} s; chat still works.`);
    retryTimer = setTimeout(() => { if (store.state.net === 'open') start(); }, delay);
  }

  bus.on('net:ready', () => { failures = 0; start(); });
  bus.on('net:state', ({ net: state }) => { if (state !== 'open' && peer) stop(); });
  bus.on('msg:media.server_answer', (msg) => peer?.onAnswer(msg));
  bus.on('msg:media.server_offer', (msg) => peer?.onServerOffer(msg));
  bus.on('msg:media.tracks', (msg) => peer?.onTracks(msg));
  bus.on('msg:media.reconnect', () => start());
  // The server paused the video it sends us: our connection showed it cannot carry it (audio goes on).
  const weak = weakNotice();
  bus.on('msg:media.video_paused', (msg) => { store.set({ videoPaused: msg.paused }); weak.set(msg.paused); });
  // Which of our camera layers anyone watches: the others are switched off (no renegotiation).
  bus.on('msg:media.layers', (msg) => {
    if (!peer?.camera.layered) return;
    layers.serverSaid(msg.active, peer.camera);
    peer.camera.activate(layers.current(peer.camera));
  });
  bus.on('msg:error', (msg) => {
    // Without a ref: the server dropped our media on its own (the connection failed).
    if (!msg.ref && ['connection_failed', 'server_closed', 'media_unavailable'].includes(msg.code) && peer) retry(msg.message);
  });
  bus.on('msg:media.screen_allowed', (msg) => {
    const perms = (store.state.permissions || []).filter((p) => p !== 'share_screen' || config.can_present);
    store.set({ permissions: msg.allowed ? [...perms, 'share_screen'] : perms });
    announce(msg.allowed ? 'A moderator let you share your screen in breakout rooms.' : 'Screen sharing is off for you again.');
  });
  store.subscribe((s, changed) => {
    if (!peer) return;
    if (changed.has('stream')) {
      const now = tracks();
      peer.setTrack('microphone', now.microphone);
      peer.setTrack('camera', now.camera);
    }
    if (changed.has('screen')) peer.setScreen(tracks().screen);
  });

  const timer = setInterval(async () => {
    if (!peer || peer.pc.connectionState !== 'connected') return;
    const sampled = peer;
    try {
      const { rtt, packetLoss, sendLoss, speaking, cameras, uplink } = await sampler.sample(sampled);
      if (peer !== sampled) return; // started over meanwhile: these figures are about a closed connection
      store.set({ rtcStats: { rtt, packetLoss, sendLoss }, cameraQuality: cameras });
      if (!sameSet(speaking, store.state.speaking)) store.set({ speaking });
      if (peer.camera.layered) {
        const { ranks, holdingBack } = layers.update(peer.camera, uplink, performance.now());
        peer.camera.activate(ranks);
        sendingLess.set(holdingBack);
      }
    } catch (err) {
      console.warn('[convene] media stats', err);
    }
  }, STATS_EVERY_MS);

  // Visible-only video: the server sends no video for tiles off screen (or a hidden tab).
  const report = () => { if (peer?.pc.connectionState === 'connected') visibility.report(peer); };
  const visibilityTimer = setInterval(report, VISIBILITY_EVERY_MS);
  document.addEventListener('visibilitychange', report);
  const untile = mountTileQuality({ store, grid: $('#grid') });

  return { active: true, stop: () => { clearInterval(timer); clearInterval(visibilityTimer); untile(); stop(); }, restart: start };
}

/** Does the server's `type` message have `field`? (A client newer than its server sends without it.) */
function knows(net, type, field) {
  return !!net.protocol.types?.get(type)?.schema?.properties?.[field];
}

function sameSet(a, b) {
  return !!b && a.size === b.size && [...a].every((x) => b.has(x));
}

/** Remote microphones, one <audio> each (played from a user gesture: the Join click). */
function audioPlayer(store) {
  const holder = h('div', { id: 'media-audio', hidden: true });
  document.body.append(holder);
  const elements = new Map(); // participant_id -> <audio>
  return {
    play(remote) {
      for (const [id, streams] of remote) {
        if (!streams.microphone) continue;
        let el = elements.get(id);
        if (!el) {
          el = h('audio', { dataset: { participantId: id } });
          elements.set(id, el);
          holder.append(el);
        }
        if (el.srcObject !== streams.microphone) el.srcObject = streams.microphone;
        if (store.state.speakerId && el.setSinkId) el.setSinkId(store.state.speakerId).catch(() => {});
        if (el.paused) el.play().catch((err) => console.info('[convene] audio waits for a click', err?.name));
      }
      for (const [id, el] of elements) {
        if (!remote.get(id)?.microphone) { el.srcObject = null; el.remove(); elements.delete(id); }
      }
    },
  };
}

/**
 * Which received videos are off screen, and how large the others are drawn, told to the server as
 * `media.visible` when that changes. A video counts as off screen after two checks in a row (a new
 * tile is not paused before it had the chance to render); a hidden tab hides them all. A size is
 * the rendered height in device pixels, the largest where one video shows twice (stage and grid);
 * a change under a sixth is not worth a message (the next layer is twice or half the height).
 */
function offScreen(withSizes) {
  let before = new Set();
  let told = { hidden: '[]', sizes: {} };
  return {
    report(peer) {
      const drawn = new Map(); // MediaStream -> device pixels high
      if (!document.hidden) {
        for (const el of document.querySelectorAll('video')) {
          if (!el.srcObject || !onScreen(el)) continue;
          const px = Math.round(el.getBoundingClientRect().height * devicePixelRatio);
          drawn.set(el.srcObject, Math.max(px, drawn.get(el.srcObject) || 0));
        }
      }
      const off = new Set();
      const sizes = {};
      for (const [mid, info] of peer.labels) {
        if (info.kind !== 'video') continue;
        const px = drawn.get(peer.streams.get(mid));
        if (px === undefined) off.add(mid);
        else sizes[mid] = Math.min(MAX_SIZE_PX, Math.max(1, px));
      }
      const hidden = [...off].filter((mid) => before.has(mid) || document.hidden).sort();
      before = off;
      const json = JSON.stringify(hidden);
      if (json === told.hidden && (!withSizes || !sizesMoved(told.sizes, sizes))) return;
      told = { hidden: json, sizes };
      peer.send('media.visible', withSizes ? { hidden, sizes } : { hidden });
    },
  };
}

/** Did a video appear, go, or change its drawn height by more than a sixth? */
export function sizesMoved(before, now) {
  const mids = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...mids].some((mid) => !(mid in before) || !(mid in now)
    || Math.abs(now[mid] - before[mid]) > before[mid] / 6);
}

function onScreen(el) {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth
    && !el.closest('[hidden]');
}

/** "Your connection is weak — sending less video": our uplink holds back camera layers people asked for. */
function sendingLessNotice() {
  const banner = h('div', { id: 'media-sending-less', class: 'banner banner-warn', role: 'status', hidden: true },
    'Your connection is weak — sending less video. Others still see and hear you; more comes back when your connection allows.');
  ($('#banners') || document.body).prepend(banner);
  return {
    set(weak) {
      if (weak && banner.hidden) announce('Your connection is weak — sending less video.');
      banner.hidden = !weak;
    },
  };
}

/** "Video paused — weak connection": shown while the server holds our incoming video back. */
function weakNotice() {
  const banner = h('div', { id: 'media-weak', class: 'banner banner-warn', role: 'status', hidden: true },
    'Video paused — weak connection. You still hear everyone; video comes back when your connection allows.');
  ($('#banners') || document.body).prepend(banner);
  return {
    set(paused) {
      if (paused && banner.hidden) announce('Video paused — weak connection. Audio continues.');
      banner.hidden = !paused;
    },
  };
}

/** The "Media unavailable: …" banner above the stage. */
function mediaNotice() {
  const banner = h('div', { id: 'media-notice', class: 'banner banner-warn', role: 'status', hidden: true });
  ($('#banners') || document.body).prepend(banner);
  let flashTimer = null;
  return {
    show(text) {
      clearTimeout(flashTimer);
      if (banner.hidden || banner.textContent !== text) announce(text);
      banner.textContent = text;
      banner.hidden = false;
    },
    hide() { banner.hidden = true; },
    flash(text) {
      this.show(text);
      flashTimer = setTimeout(() => { banner.hidden = true; }, 6000);
    },
  };
}
