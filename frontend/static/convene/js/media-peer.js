/**
 * One RTCPeerConnection to the media server (an SFU), negotiated over the convening
 * websocket with the `media.*` messages (docs/protocol.md, "Messages: media").
 *
 * - We publish on our own `sendonly` m-lines: microphone and camera from the start (a
 *   missing device is a silent m-line, filled later with `replaceTrack`), a screen share
 *   on an m-line of its own added when it starts and made `inactive` when it stops.
 * - With `simulcast` (the server's `media.offer` knows `layers`), the camera is up to three
 *   m-lines, one per layer (media-layers.js), labelled `camera` in `tracks` and ranked in `layers`.
 * - The server adds `sendonly` m-lines for what we receive and labels them by mid
 *   (`tracks`: participant_id, label) in `media.server_offer` / `media.tracks`.
 * - Perfect negotiation, and we are the polite peer: a server offer that arrives while our
 *   own offer is outstanding wins — we roll back, answer it, then offer again; the server
 *   answers our rolled-back offer with `glare`, which we ignore.
 * - Every signaling step runs in one promise chain, in arrival order.
 */
import { CameraLayers, screenTransceiver } from './media-layers.js';

const SENDING = { direction: 'sendonly' };

export class MediaPeer {
  /**
   * @param {object} o
   * @param {object} o.net the Connection (send, trySend)
   * @param {Array} o.iceServers RTCIceServer list (STUN/TURN from the server's settings)
   * @param {(remote: Map) => void} o.onRemote participant_id -> {camera, screen, microphone} MediaStreams
   * @param {(state: string) => void} o.onState RTCPeerConnection.connectionState
   * @param {(err: object) => void} o.onFailure the server closed our media (error message)
   * @param {(err: object) => void} o.onRefused an offer refused but media goes on (e.g. forbidden screen)
   * @param {boolean} o.simulcast send the camera as layers (the server understands them)
   */
  constructor({ net, iceServers, onRemote, onState, onFailure, onRefused, simulcast = false }) {
    Object.assign(this, { net, onRemote, onFailure, onRefused, simulcast });
    this.pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle' });
    this.senders = { microphone: null, screen: null }; // label -> RTCRtpTransceiver
    this.camera = new CameraLayers(this.pc, SENDING); // its m-lines, one per layer
    this.labels = new Map(); // mid -> {participant_id, label, kind}
    this.streams = new Map(); // mid -> MediaStream, reused so <video> elements keep playing
    this.chain = Promise.resolve();
    this.initial = true; // the next offer is the first of this RTCPeerConnection
    this.offerId = null; // our outstanding offer
    this.needOffer = false;
    this.closed = false;
    this.pc.onicecandidate = ({ candidate }) => {
      this.send('media.ice', { candidate: candidate && candidate.candidate ? candidate.toJSON() : null });
    };
    this.pc.ontrack = () => this.publish();
    this.wasConnected = false;
    this.pc.onconnectionstatechange = () => {
      if (this.closed) return;
      if (this.pc.connectionState === 'connected') this.wasConnected = true;
      onState(this.pc.connectionState);
    };
  }

  /** Publish `tracks` ({microphone, camera, screen}: MediaStreamTrack or null) and make the first offer. */
  start(tracks) {
    this.run(async () => {
      this.senders.microphone = this.pc.addTransceiver(tracks.microphone || 'audio', SENDING);
      this.camera.start(tracks.camera, this.simulcast);
      if (tracks.screen) this.senders.screen = screenTransceiver(this.pc, tracks.screen, SENDING);
    });
    this.negotiate();
  }

  /** Camera or microphone changed (toggled, another device): same m-line, no renegotiation. */
  setTrack(label, track) {
    if (label === 'camera') {
      // Another camera of another height: the same m-lines, their heights told in a new offer.
      if (this.camera.replace(track)) this.negotiate();
      return;
    }
    const transceiver = this.senders[label];
    if (!transceiver || transceiver.sender.track === track) return;
    transceiver.sender.replaceTrack(track).catch((err) => console.warn(`[convene] ${label} not replaced`, err));
  }

  /** Start (track) or stop (null) sharing a screen: an m-line of its own, renegotiated. */
  setScreen(track) {
    const current = this.senders.screen;
    if ((current?.sender.track || null) === track) return;
    this.run(async () => {
      if (current) this.retire(current);
      this.senders.screen = track ? screenTransceiver(this.pc, track, SENDING) : null;
    });
    this.negotiate();
  }

  retire(transceiver) {
    transceiver.sender.replaceTrack(null).catch(() => {});
    if (transceiver.mid === null) transceiver.stop(); // never negotiated: just drop it
    else transceiver.direction = 'inactive'; // the server ends that publication
    if (this.senders.screen === transceiver) this.senders.screen = null;
  }

  negotiate() {
    this.run(async () => {
      if (this.pc.signalingState !== 'stable') { this.needOffer = true; return; }
      this.needOffer = false;
      await this.pc.setLocalDescription(await this.pc.createOffer());
      const tracks = {};
      for (const [label, t] of Object.entries(this.senders)) if (t?.mid !== null && t?.mid !== undefined) tracks[t.mid] = label;
      for (const t of this.camera.transceivers) if (t.mid !== null) tracks[t.mid] = 'camera';
      const offer = { sdp: this.pc.localDescription.sdp, tracks, initial: this.initial };
      if (this.camera.layered) offer.layers = this.camera.layerSpecs();
      const id = this.send('media.offer', offer, (err) => this.offerRefused(id, err));
      this.offerId = id;
    });
  }

  onAnswer(msg) {
    this.run(async () => {
      if (msg.ref !== this.offerId || this.pc.signalingState !== 'have-local-offer') return; // superseded
      this.offerId = null;
      await this.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
      this.initial = false;
      this.camera.setEncodings(); // the layers' on/off and scale, now that their senders are negotiated
      if (this.needOffer) this.negotiate();
    });
  }

  onServerOffer(msg) {
    this.run(async () => {
      if (this.pc.signalingState === 'have-local-offer') {
        // Glare: we are polite. Ours is answered with `glare` (ignored) and made again after.
        await this.pc.setLocalDescription({ type: 'rollback' });
        this.offerId = null;
        this.needOffer = true;
      }
      await this.pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      this.setLabels(msg.tracks);
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      this.send('media.answer', { sdp: this.pc.localDescription.sdp }, (err) => this.onFailure(err));
      if (this.needOffer) this.negotiate();
    });
  }

  onTracks(msg) {
    this.run(async () => this.setLabels(msg.tracks));
  }

  offerRefused(id, err) {
    this.run(async () => {
      if (id !== this.offerId) return; // rolled back meanwhile (glare): already offered again
      this.offerId = null;
      if (this.pc.signalingState === 'have-local-offer') await this.pc.setLocalDescription({ type: 'rollback' });
      if (err.code === 'glare') { this.negotiate(); return; }
      if (err.code === 'forbidden' || err.code === 'rate_limited') {
        if (this.senders.screen && err.code === 'forbidden') this.retire(this.senders.screen);
        this.onRefused(err);
        return;
      }
      this.onFailure(err);
    });
  }

  setLabels(tracks) {
    this.labels = new Map((tracks || []).map((t) => [t.mid, t]));
    this.publish();
  }

  /** participant_id -> {camera, screen, microphone}: what we receive, labelled. */
  publish() {
    const remote = new Map();
    for (const t of this.pc.getTransceivers()) {
      const info = t.mid !== null ? this.labels.get(t.mid) : null;
      const track = t.receiver.track;
      if (!info || !track) continue;
      let stream = this.streams.get(t.mid);
      if (!stream || stream.getTracks()[0] !== track) {
        stream = new MediaStream([track]);
        this.streams.set(t.mid, stream);
      }
      const entry = remote.get(info.participant_id) || {};
      entry[info.label] = stream;
      remote.set(info.participant_id, entry);
    }
    this.onRemote(remote);
  }

  /** participant_id of the track on receiving m-line `mid` (for stats), or undefined. */
  owner(mid) {
    return this.labels.get(mid)?.participant_id;
  }

  send(type, fields, onError = () => {}) {
    if (this.closed) return null;
    // A late error for a connection we already replaced is about nothing we still have.
    return this.net.trySend(type, fields, { queue: false, onError: (err) => { if (!this.closed) onError(err); } });
  }

  run(step) {
    this.chain = this.chain.then(() => (this.closed ? null : step())).catch((err) => {
      if (this.closed) return;
      console.warn('[convene] media negotiation failed', err);
      this.onFailure({ code: 'negotiation_failed', message: String(err?.message || err), local: true });
    });
    return this.chain;
  }

  close() {
    this.closed = true;
    this.pc.close();
    this.camera.close();
  }
}
