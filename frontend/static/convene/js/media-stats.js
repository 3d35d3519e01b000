/**
 * What the media connection's RTC stats say, once a second:
 * - round trip and packet loss, received and sent (the connection-quality indicator);
 * - who is speaking (audio level of each received microphone, and of our own);
 * - for each received camera, what arrives of it (the layer's height, loss, frames): the
 *   per-person quality on their tile (media-quality.js);
 * - our uplink: the send-side estimate and whether the encoder is held back by bandwidth
 *   (media-layers.js `UplinkGuard`).
 * Counters are cumulative in getStats(); loss is over the interval since the previous sample.
 */
const SPEAKING_LEVEL = 0.02; // RTCAudioSourceStats / inbound-rtp audioLevel, 0..1 (linear)

export class StatsSampler {
  constructor() {
    this.last = { lost: 0, received: 0 };
    this.lastIn = new Map(); // mid -> {lost, received, frames}
  }

  /**
   * One sample of `peer` (a MediaPeer): `{rtt, packetLoss, sendLoss, speaking, cameras, uplink}`:
   * `speaking` a Set of participant_id | 'me'; `cameras` participant_id → {mid, height, loss,
   * frames, rtt}; `uplink` {available (bps or null), limited: Set of our camera mids held back by bandwidth}.
   */
  async sample(peer) {
    let rtt = null;
    let available = null;
    let lost = 0;
    let received = 0;
    let sendLoss = 0;
    const speaking = new Set();
    const inbound = [];
    const limited = new Set();
    (await peer.pc.getStats()).forEach((r) => {
      if (r.type === 'candidate-pair' && r.nominated) {
        if (r.currentRoundTripTime !== undefined) rtt = r.currentRoundTripTime * 1000;
        if (r.availableOutgoingBitrate !== undefined) available = r.availableOutgoingBitrate;
      }
      if (r.type === 'inbound-rtp') {
        lost += r.packetsLost || 0;
        received += r.packetsReceived || 0;
        if (r.kind === 'audio' && (r.audioLevel || 0) > SPEAKING_LEVEL && peer.owner(r.mid) !== undefined) speaking.add(peer.owner(r.mid));
        if (r.kind === 'video') inbound.push(r);
      }
      // The media server's receiver reports on what we send (fractionLost: 0..1 over its last report).
      if (r.type === 'remote-inbound-rtp') sendLoss = Math.max(sendLoss, r.fractionLost || 0);
      if (r.type === 'outbound-rtp' && r.kind === 'video' && r.qualityLimitationReason === 'bandwidth') limited.add(r.mid);
      if (r.type === 'media-source' && r.kind === 'audio' && (r.audioLevel || 0) > SPEAKING_LEVEL) speaking.add('me');
    });
    const dLost = Math.max(0, lost - this.last.lost);
    const dReceived = Math.max(0, received - this.last.received);
    this.last = { lost, received };
    return { rtt, packetLoss: dLost + dReceived ? dLost / (dLost + dReceived) : 0, sendLoss, speaking,
      cameras: this.cameras(peer, inbound, rtt), uplink: { available, limited } };
  }

  /** participant_id → what arrives of their camera since the last sample. */
  cameras(peer, inbound, rtt) {
    const out = new Map();
    const seen = new Map();
    for (const r of inbound) {
      const info = peer.labels.get(r.mid);
      const now = { lost: r.packetsLost || 0, received: r.packetsReceived || 0, frames: r.framesReceived || 0 };
      seen.set(r.mid, now);
      if (info?.label !== 'camera') continue;
      const before = this.lastIn.get(r.mid) || { lost: 0, received: 0, frames: 0 };
      const dLost = Math.max(0, now.lost - before.lost);
      const dReceived = Math.max(0, now.received - before.received);
      out.set(info.participant_id, { mid: r.mid, height: r.frameHeight || 0, frames: Math.max(0, now.frames - before.frames),
        loss: dLost + dReceived ? dLost / (dLost + dReceived) : 0, rtt });
    }
    this.lastIn = seen;
    return out;
  }
}
