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
 * - RTC stats feed `store.rtcStats` (connection quality) and `store.speaking` (the grid
 *   highlights who speaks).
 * - `media.reconnect` (moved to a space on another media server), a failed connection or a
 *   media error the server closed our media for: start over, with backoff.
 */
import { $, announce, h } from './dom.js';
import { MediaPeer } from './media-peer.js';
import { StatsSampler } from './media-stats.js';

const STATS_EVERY_MS = 1000;
const VISIBILITY_EVERY_MS = 1000;
const RETRY_MS = [1000, 2000, 5000, 10000, 20000];
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
  let visibility = offScreen();

  function tracks() {
    const stream = store.state.stream;
    return { microphone: stream?.getAudioTracks()[0] || null, camera: stream?.getVideoTracks()[0] || null,
      screen: store.state.screen?.getVideoTracks()[0] || null };
  }

  function start() {
    stop();
    try {
      peer = new MediaPeer({ net, iceServers: config.ice_servers || [], onRemote, onState, onFailure, onRefused });
      peer.start(tracks());
      sampler = new StatsSampler();
      visibility = offScreen();
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
    store.set({ mediaState: 'closed', speaking: new Set(), videoPaused: false });
    document.getElementById('media-weak')?.setAttribute('hidden', '');
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
    try {
      const { rtt, packetLoss, speaking } = await sampler.sample(peer);
      store.set({ rtcStats: { rtt, packetLoss } });
      if (!sameSet(speaking, store.state.speaking)) store.set({ speaking });
    } catch (err) {
      console.warn('[convene] media stats', err);
    }
  }, STATS_EVERY_MS);

  // Visible-only video: the server sends no video for tiles off screen (or a hidden tab).
  const report = () => { if (peer?.pc.connectionState === 'connected') visibility.report(peer); };
  const visibilityTimer = setInterval(report, VISIBILITY_EVERY_MS);
  document.addEventListener('visibilitychange', report);

  return { active: true, stop: () => { clearInterval(timer); clearInterval(visibilityTimer); stop(); }, restart: start };
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
 * Which received videos are off screen, told to the server as `media.visible` when that changes.
 * A video counts as off screen after two checks in a row (a new tile is not paused before it
 * had the chance to render); a hidden tab hides them all.
 */
function offScreen() {
  let before = new Set();
  let told = '[]';
  return {
    report(peer) {
      const shown = new Set();
      if (!document.hidden) for (const el of document.querySelectorAll('video')) if (el.srcObject && onScreen(el)) shown.add(el.srcObject);
      const off = new Set();
      for (const [mid, info] of peer.labels) if (info.kind === 'video' && !shown.has(peer.streams.get(mid))) off.add(mid);
      const hidden = [...off].filter((mid) => before.has(mid) || document.hidden).sort();
      before = off;
      const json = JSON.stringify(hidden);
      if (json === told) return;
      told = json;
      peer.send('media.visible', { hidden });
    },
  };
}

function onScreen(el) {
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth
    && !el.closest('[hidden]');
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
