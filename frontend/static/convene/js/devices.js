/**
 * Your own camera and microphone: acquire, switch, turn on/off, measure level.
 *
 * `LocalMedia` keeps the current local stream and what went wrong in the store:
 *   stream, camOn, micOn, camProblem, micProblem ({code, message} or null),
 *   cameraId, micId, speakerId, devices ({camera, microphone, speaker} lists).
 * Camera and microphone are acquired together and, if that fails, one by one, so
 * a blocked camera never costs you your microphone (and the other way round).
 */

const PROBLEMS = {
  blocked: (what) => `Convene isn't allowed to use your ${what}. Allow it in your browser's site settings (the icon beside the address bar), then choose “Try again”.`,
  missing: (what) => `No ${what} was found. Connect one and choose “Try again”.`,
  busy: (what) => `Your ${what} is in use by another app or stopped working. Close the other app and choose “Try again”.`,
  unsupported: (what) => `This browser can't use a ${what} here. Try an up-to-date Chrome, Edge, Firefox or Safari.`,
  failed: (what) => `Your ${what} couldn't start.`,
};

/** `{code, message}` for a getUserMedia error about `what` ('camera' or 'microphone'). */
export function describeProblem(what, err) {
  const name = err?.name || '';
  let code = 'failed';
  if (['NotAllowedError', 'PermissionDeniedError', 'SecurityError'].includes(name)) code = 'blocked';
  else if (['NotFoundError', 'DevicesNotFoundError', 'OverconstrainedError'].includes(name)) code = 'missing';
  else if (['NotReadableError', 'TrackStartError', 'AbortError'].includes(name)) code = 'busy';
  else if (name === 'TypeError' || name === 'unsupported') code = 'unsupported';
  return { code, message: PROBLEMS[code](what) };
}

const videoConstraints = (id) => (id ? { deviceId: { exact: id }, width: { ideal: 1280 }, height: { ideal: 720 } }
  : { width: { ideal: 1280 }, height: { ideal: 720 } });
const audioConstraints = (id) => (id ? { deviceId: { exact: id }, echoCancellation: true, noiseSuppression: true }
  : { echoCancellation: true, noiseSuppression: true });

export class LocalMedia {
  constructor(store) {
    this.store = store;
    this.supported = !!navigator.mediaDevices?.getUserMedia;
    store.set({ stream: null, camOn: true, micOn: true, camProblem: null, micProblem: null,
      cameraId: '', micId: '', speakerId: '', devices: { camera: [], microphone: [], speaker: [] } });
    navigator.mediaDevices?.addEventListener?.('devicechange', () => this.listDevices());
  }

  /** Get camera and/or microphone as the store's camOn/micOn ask. */
  async start() {
    const { camOn, micOn, cameraId, micId } = this.store.state;
    if (camOn && micOn && this.supported) {
      // One request, so the browser asks once for both.
      try {
        const both = await navigator.mediaDevices.getUserMedia({
          video: videoConstraints(cameraId), audio: audioConstraints(micId) });
        this.store.set({ camProblem: null, micProblem: null });
        this.replaceTracks({ video: both.getVideoTracks()[0] || null, audio: both.getAudioTracks()[0] || null });
        await this.listDevices();
        return;
      } catch (err) {
        console.info(`[convene] camera + microphone together failed (${err?.name}); trying each`);
      }
    }
    const video = camOn ? await this.getTrack('video', cameraId) : null;
    const audio = micOn ? await this.getTrack('audio', micId) : null;
    this.replaceTracks({ video, audio });
    await this.listDevices();
  }

  /** One track of `kind`, or null with the problem recorded in the store. */
  async getTrack(kind, deviceId) {
    const what = kind === 'video' ? 'camera' : 'microphone';
    const problemKey = kind === 'video' ? 'camProblem' : 'micProblem';
    if (!this.supported) {
      this.store.set({ [problemKey]: describeProblem(what, { name: 'unsupported' }) });
      return null;
    }
    try {
      const constraints = kind === 'video' ? { video: videoConstraints(deviceId) } : { audio: audioConstraints(deviceId) };
      const stream = await navigator.mediaDevices.getUserMedia(constraints);
      this.store.set({ [problemKey]: null });
      return stream.getTracks()[0];
    } catch (err) {
      console.info(`[convene] ${what} unavailable: ${err?.name} ${err?.message}`);
      this.store.set({ [problemKey]: describeProblem(what, err) });
      return null;
    }
  }

  /** Put new tracks into a fresh stream (stopping the old ones) and publish it. */
  replaceTracks({ video, audio }) {
    const old = this.store.state.stream;
    const keep = (kind) => old?.getTracks().find((t) => t.kind === kind && t.readyState === 'live');
    const next = [video === undefined ? keep('video') : video, audio === undefined ? keep('audio') : audio].filter(Boolean);
    for (const track of old?.getTracks() || []) if (!next.includes(track)) track.stop();
    const stream = next.length ? new MediaStream(next) : null;
    const hasVideo = !!stream?.getVideoTracks().length;
    const hasAudio = !!stream?.getAudioTracks().length;
    this.store.set({ stream, camOn: hasVideo, micOn: hasAudio && this.store.state.micOn });
    if (hasVideo) this.store.set({ cameraId: stream.getVideoTracks()[0].getSettings().deviceId || this.store.state.cameraId });
    if (hasAudio) this.store.set({ micId: stream.getAudioTracks()[0].getSettings().deviceId || this.store.state.micId });
  }

  async setCamera(on) {
    if (!on) {
      this.store.set({ camOn: false });
      this.replaceTracks({ video: null });
      return;
    }
    this.store.set({ camOn: true });
    this.replaceTracks({ video: await this.getTrack('video', this.store.state.cameraId) });
    await this.listDevices();
  }

  /** Mute keeps the microphone open (instant unmute) but sends silence. */
  async setMic(on) {
    let track = this.store.state.stream?.getAudioTracks()[0];
    if (on && !track) {
      track = await this.getTrack('audio', this.store.state.micId);
      if (!track) { this.store.set({ micOn: false }); return; }
      this.store.set({ micOn: true });
      this.replaceTracks({ audio: track });
      await this.listDevices();
      return;
    }
    if (track) track.enabled = on;
    this.store.set({ micOn: on && !!track });
  }

  /** Switch to camera `id` (turning the camera on: choosing one means wanting it). */
  async chooseCamera(id) {
    this.store.set({ cameraId: id });
    await this.setCamera(true);
  }

  async chooseMicrophone(id) {
    this.store.set({ micId: id });
    const wasOn = this.store.state.micOn;
    const track = await this.getTrack('audio', id);
    if (track) track.enabled = wasOn;
    this.replaceTracks({ audio: track });
    this.store.set({ micOn: wasOn && !!track });
  }

  async listDevices() {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const all = await navigator.mediaDevices.enumerateDevices();
    const pick = (kind, label) => all.filter((d) => d.kind === kind && d.deviceId)
      .map((d, i) => ({ id: d.deviceId, label: d.label || `${label} ${i + 1}` }));
    this.store.set({ devices: { camera: pick('videoinput', 'Camera'), microphone: pick('audioinput', 'Microphone'),
      speaker: pick('audiooutput', 'Speaker') } });
  }

  stop() {
    for (const track of this.store.state.stream?.getTracks() || []) track.stop();
    this.store.set({ stream: null });
  }
}

/** Whether this browser can route audio to a chosen speaker. */
export const canChooseSpeaker = () => typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

/**
 * Measure the microphone level of `stream` (0–100, about 10 times a second) with WebAudio.
 * Returns `{stop()}`. Chrome keeps an AudioContext suspended until the person interacts
 * with the page, so it resumes on the first click or key press.
 */
export function levelMeter(stream, onLevel) {
  const track = stream?.getAudioTracks()[0];
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (!track || !Ctx) { onLevel(0); return { stop() {} }; }
  const ctx = new Ctx();
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const resume = () => ctx.state === 'suspended' && ctx.resume();
  resume();
  document.addEventListener('pointerdown', resume, true);
  document.addEventListener('keydown', resume, true);
  let shown = 0;
  const timer = setInterval(() => {
    if (!track.enabled || track.readyState !== 'live') { onLevel(0); return; }
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const s of samples) sum += s * s;
    const db = 20 * Math.log10(Math.sqrt(sum / samples.length) || 1e-8);
    const now = Math.max(0, Math.min(100, ((db + 60) / 60) * 100));
    // Rise at once, fall gently: a meter people can read.
    shown = Math.max(now, shown * 0.8);
    onLevel(Math.round(shown));
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      document.removeEventListener('pointerdown', resume, true);
      document.removeEventListener('keydown', resume, true);
      source.disconnect();
      ctx.close();
    },
  };
}
