/**
 * DRAFT — WebRTC media with the server's forwarding media server (SFU).
 *
 * Not active yet: it starts only when the server's protocol defines the media
 * messages. Written against the media server's shape (signaling/media/):
 *   client → server  media.offer {sdp, tracks: {mid: 'camera'|'microphone'|'screen'}}
 *   server → client  media.answer {sdp}
 *   server → client  media.offer {sdp, tracks: [{mid, participant_id, label, kind}]}  (renegotiation)
 *   client → server  media.answer {sdp}
 *   both ways        media.ice {candidate}
 *   server → client  media.tracks {tracks: [...]}   (a recycled m-line now carries someone else)
 * Incoming tracks land in `store.remoteStreams` (participant_id → {camera, screen,
 * microphone}) for the grid and stage; RTC stats feed `store.rtcStats`.
 * Names will be adapted to docs/protocol.md once the media family lands.
 */

export function mountMedia({ store, bus, net, config }) {
  const protocol = net.protocol;
  // Opt-in (`?media=1`) until the server's media family exists and this draft is checked against it.
  const optedIn = new URLSearchParams(location.search).has('media');
  if (!optedIn || !['media.offer', 'media.answer', 'media.ice'].every((t) => protocol.types.has(t))) {
    return { active: false };
  }
  let pc = null;
  let labels = new Map(); // mid -> {participant_id, label}
  const senders = { camera: null, microphone: null, screen: null };
  const audioEls = new Map();

  function publishRemote(transceivers) {
    const remote = new Map();
    for (const t of transceivers) {
      const info = t.mid !== null && labels.get(t.mid);
      if (!info || !t.receiver.track) continue;
      const id = Number(info.participant_id);
      const entry = remote.get(id) || {};
      entry[info.label] = new MediaStream([t.receiver.track]);
      remote.set(id, entry);
      if (info.label === 'microphone') playAudio(`${id}`, entry.microphone);
    }
    store.set({ remoteStreams: remote });
  }

  function playAudio(key, stream) {
    let el = audioEls.get(key);
    if (!el) {
      el = document.createElement('audio');
      el.autoplay = true;
      audioEls.set(key, el);
      document.body.append(el);
    }
    el.srcObject = stream;
    if (store.state.speakerId && el.setSinkId) el.setSinkId(store.state.speakerId).catch(() => {});
  }

  function setLabels(tracks) {
    labels = new Map((tracks || []).map((t) => [t.mid, t]));
    if (pc) publishRemote(pc.getTransceivers());
  }

  async function negotiate() {
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const tracks = {};
    for (const t of pc.getTransceivers()) {
      for (const [label, sender] of Object.entries(senders)) if (sender && t.sender === sender && t.mid) tracks[t.mid] = label;
    }
    net.trySend('media.offer', { sdp: pc.localDescription.sdp, tracks }, { queue: false });
  }

  function syncSenders() {
    const stream = store.state.stream;
    const want = {
      camera: stream?.getVideoTracks()[0] || null,
      microphone: stream?.getAudioTracks()[0] || null,
      screen: store.state.screen?.getVideoTracks()[0] || null,
    };
    let renegotiate = false;
    for (const [label, track] of Object.entries(want)) {
      if (senders[label]) senders[label].replaceTrack(track);
      else if (track) { senders[label] = pc.addTrack(track); renegotiate = true; }
    }
    if (renegotiate) negotiate();
  }

  function start() {
    pc?.close();
    pc = new RTCPeerConnection({ iceServers: config.ice_servers || [], bundlePolicy: 'max-bundle' });
    for (const key of Object.keys(senders)) senders[key] = null;
    pc.onicecandidate = (e) => net.trySend('media.ice', { candidate: e.candidate ? e.candidate.toJSON() : null }, { queue: false });
    pc.ontrack = () => publishRemote(pc.getTransceivers());
    pc.onconnectionstatechange = () => store.set({ mediaState: pc.connectionState });
    syncSenders();
  }

  bus.on('net:ready', start);
  bus.on('msg:media.answer', (msg) => pc?.setRemoteDescription({ type: 'answer', sdp: msg.sdp }));
  bus.on('msg:media.offer', async (msg) => {
    if (!pc) return;
    setLabels(msg.tracks);
    await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    net.trySend('media.answer', { sdp: pc.localDescription.sdp }, { queue: false });
    publishRemote(pc.getTransceivers());
  });
  bus.on('msg:media.ice', (msg) => pc?.addIceCandidate(msg.candidate || null).catch((e) => console.warn('[convene] ice', e)));
  bus.on('msg:media.tracks', (msg) => setLabels(msg.tracks));
  store.subscribe((s, changed) => {
    if (pc && (changed.has('stream') || changed.has('screen'))) syncSenders();
  });

  // RTC stats for the connection-quality indicator: round trip and packet loss.
  setInterval(async () => {
    if (!pc || pc.connectionState !== 'connected') return;
    let rtt = null; let lost = 0; let received = 0;
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'candidate-pair' && r.nominated && r.currentRoundTripTime !== undefined) rtt = r.currentRoundTripTime * 1000;
      if (r.type === 'inbound-rtp') { lost += r.packetsLost || 0; received += r.packetsReceived || 0; }
    });
    store.set({ rtcStats: { rtt, packetLoss: received + lost ? lost / (received + lost) : 0 } });
  }, 3000);

  return { active: true, stop: () => pc?.close() };
}
