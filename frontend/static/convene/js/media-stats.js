/**
 * What the media connection's RTC stats say: round trip and packet loss (the
 * connection-quality indicator) and who is speaking (audio level of each received
 * microphone, and of our own).
 */
const SPEAKING_LEVEL = 0.02; // RTCAudioSourceStats / inbound-rtp audioLevel, 0..1 (linear)

export class StatsSampler {
  constructor() {
    this.last = { lost: 0, received: 0 };
  }

  /**
   * One sample of `peer` (a MediaPeer): `{rtt, packetLoss, speaking: Set<participant_id | 'me'>}`.
   * Packet loss is over the interval since the previous sample.
   */
  async sample(peer) {
    let rtt = null;
    let lost = 0;
    let received = 0;
    const speaking = new Set();
    (await peer.pc.getStats()).forEach((r) => {
      if (r.type === 'candidate-pair' && r.nominated && r.currentRoundTripTime !== undefined) rtt = r.currentRoundTripTime * 1000;
      if (r.type === 'inbound-rtp') {
        lost += r.packetsLost || 0;
        received += r.packetsReceived || 0;
        if (r.kind === 'audio' && (r.audioLevel || 0) > SPEAKING_LEVEL && peer.owner(r.mid) !== undefined) speaking.add(peer.owner(r.mid));
      }
      if (r.type === 'media-source' && r.kind === 'audio' && (r.audioLevel || 0) > SPEAKING_LEVEL) speaking.add('me');
    });
    const dLost = Math.max(0, lost - this.last.lost);
    const dReceived = Math.max(0, received - this.last.received);
    this.last = { lost, received };
    return { rtt, packetLoss: dLost + dReceived ? dLost / (dLost + dReceived) : 0, speaking };
  }
}
