/**
 * Simulcast, the browser's half (docs/media.md, "In the browser"): the camera is sent as up to
 * three layers, each on a sendonly video m-line of its own ("one transceiver per layer": aiortc
 * has no RID simulcast), the top layer the camera track itself and the lower ones clones of it
 * scaled down by the sender (`scaleResolutionDownBy`). The server says which layers anyone needs
 * (`media.layers`); our own uplink may cap them further (`UplinkGuard`).
 *
 * The decisions here are plain functions and small classes without I/O (tested in the browser
 * by tests/frontend/test_media_layers.py); `CameraLayers` applies them to the transceivers.
 */

/** The highest layer we send (a 1080p camera is sent at 720p: more costs everyone, helps few). */
export const TOP_HEIGHT = 720;
/** No layer below this: a smaller picture is not worth its own stream. */
export const LOWEST_HEIGHT = 90;
export const MAX_LAYERS = 3;
const DEFAULT_CAMERA_HEIGHT = 720;

/** Bits per second for a layer of `height` rows (about what browsers' own simulcast uses). */
export function bitrateFor(height) {
  if (height <= 120) return 100_000;
  if (height <= 180) return 150_000;
  if (height <= 270) return 300_000;
  if (height <= 360) return 500_000;
  if (height <= 540) return 900_000;
  return 1_500_000;
}

/**
 * The layers for a camera `cameraHeight` rows high: `[{rank, height, scale, maxBitrate}]`, rank 0
 * the lowest; each layer half the height of the next, none below LOWEST_HEIGHT (a 640×480 camera:
 * 120/240/480; a 160×120 one: a single layer). `count` fixes the number of layers (the m-lines
 * exist already); missing height: a 720p camera is assumed.
 */
export function layerPlan(cameraHeight, count = null) {
  const camera = cameraHeight > 0 ? cameraHeight : DEFAULT_CAMERA_HEIGHT;
  const top = Math.min(camera, TOP_HEIGHT);
  const heights = [top];
  while (heights.length < (count ?? MAX_LAYERS) && (count !== null || heights[0] / 2 >= LOWEST_HEIGHT)) {
    heights.unshift(Math.max(1, Math.round(heights[0] / 2)));
  }
  return heights.map((height, rank) => ({ rank, height, scale: camera / height, maxBitrate: bitrateFor(height) }));
}

/**
 * Which layers to send: those the server asked for (`wanted`: a Set of ranks, or null before it
 * said anything = all), never above our own uplink's `cap` (a rank). The lowest layer the server
 * wants is kept even when the cap is below it: someone watches, and a weak picture beats none.
 */
export function activeRanks(count, wanted, cap) {
  const ranks = [...Array(count).keys()].filter((r) => !wanted || wanted.has(r));
  const kept = ranks.filter((r) => r <= cap);
  return new Set(kept.length || !ranks.length ? kept : [ranks[0]]);
}

const WEAK_SAMPLES = 2; // one bad second is often a busy machine, not the link
const RECOVER_SAMPLES = 3;
const HEADROOM = 1.25; // the estimate must carry the layer back with room to spare
const RETRY_MS = [10_000, 20_000, 40_000, 80_000];
const HELD_MS = 30_000; // a layer back this long without trouble: the link recovered, retries start over
const RAMP_MS = 8_000; // a new connection's estimate starts low and climbs: no verdict before

/**
 * Our own uplink, from the outbound stats once a second: when it cannot carry the layers we
 * send — the encoder says `bandwidth` holds back the top layer *and* the send-side estimate is
 * below the layers' sum (either alone is common on a good link: a still picture never needs its
 * maximum, so the estimate never climbs to it) — for two samples in a row, the top layer goes
 * (`cap` drops by one rank). It comes back when the estimate carries it with 25 % to spare for
 * three samples, or — because an estimate rarely climbs above what is sent — on a trial after
 * 10 s, then 20, 40, 80 s while the link stays weak. Nothing is judged in a connection's first
 * 8 s (the estimate starts at a few hundred kbit/s and climbs).
 */
export class UplinkGuard {
  constructor(plan) {
    this.top = Math.max(0, plan.length - 1);
    this.plan = plan;
    this.cap = this.top;
    this.weakFor = 0;
    this.goodFor = 0;
    this.failures = 0;
    this.retryAt = null;
    this.raisedAt = null;
    this.since = null;
  }

  /** Bits per second of the layers up to rank `cap`, of those `wanted` (null = all). */
  need(cap, wanted = null) {
    return this.plan.filter((l) => l.rank <= cap && (!wanted || wanted.has(l.rank))).reduce((s, l) => s + l.maxBitrate, 0);
  }

  /**
   * One sample: `{now (ms), available (bps or null), limited (the highest layer sending is held
   * back by bandwidth), wanted (Set of ranks or null)}`. Returns the cap (a rank) to apply.
   */
  sample({ now, available = null, limited = false, wanted = null }) {
    this.since ??= now;
    const weak = now - this.since >= RAMP_MS && limited && (available === null || available < this.need(this.cap, wanted));
    this.weakFor = weak ? this.weakFor + 1 : 0;
    if (this.weakFor >= WEAK_SAMPLES && this.cap > 0) return this.lower(now);
    if (this.raisedAt !== null && now - this.raisedAt >= HELD_MS) { this.failures = 0; this.raisedAt = null; }
    if (this.cap >= this.top) return this.cap;
    const carries = available !== null && available >= this.need(this.cap + 1, wanted) * HEADROOM;
    this.goodFor = carries ? this.goodFor + 1 : 0;
    if (this.goodFor >= RECOVER_SAMPLES || now >= this.retryAt) this.raise(now);
    return this.cap;
  }

  lower(now) {
    this.cap -= 1;
    this.weakFor = 0;
    this.goodFor = 0;
    this.raisedAt = null;
    this.retryAt = now + RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
    this.failures += 1;
    return this.cap;
  }

  raise(now) {
    this.cap += 1;
    this.goodFor = 0;
    this.weakFor = 0;
    this.raisedAt = now;
    this.retryAt = now + RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
  }

  /** Are we sending less than the server asked for because of our uplink? */
  holdsBack(wanted) {
    return this.plan.some((l) => l.rank > this.cap && (!wanted || wanted.has(l.rank)));
  }
}

/**
 * The camera's layer transceivers: creates them (or one plain transceiver when the browser
 * refuses per-sender encodings), swaps the camera track (clones for the lower layers, stopped
 * when replaced) and switches layers on and off with `setParameters` — no renegotiation.
 */
export class CameraLayers {
  constructor(pc, sending) {
    this.pc = pc;
    this.sending = sending;
    this.transceivers = []; // by rank
    this.plan = [];
    this.clones = [];
    this.track = null;
    this.on = null; // Set of ranks to send (null: all)
    this.pending = new Set(); // ranks whose setParameters is under way
  }

  /** Add the m-lines for `track` (or null: no camera yet); falls back to one layer. */
  start(track, simulcast) {
    this.track = track;
    this.plan = simulcast ? layerPlan(heightOf(track)) : [];
    if (this.plan.length > 1) {
      try {
        const tracks = this.tracksFor(track);
        for (const [rank, layer] of this.plan.entries()) {
          this.transceivers.push(this.pc.addTransceiver(tracks[rank] || 'video', {
            ...this.sending, sendEncodings: [{ scaleResolutionDownBy: layer.scale, maxBitrate: layer.maxBitrate }] }));
        }
        return;
      } catch (err) {
        console.warn('[convene] camera layers refused: one layer', err);
        for (const t of this.transceivers) t.stop(); // those added before the refusal
        this.stopClones();
      }
    }
    this.plan = [];
    this.transceivers = [this.pc.addTransceiver(track || 'video', this.sending)];
  }

  get layered() {
    return this.plan.length > 1;
  }

  /** mid -> {rank, height} of the negotiated layer m-lines (empty with one layer). */
  layerSpecs() {
    const specs = {};
    if (!this.layered) return specs;
    this.transceivers.forEach((t, rank) => { if (t.mid !== null) specs[t.mid] = { rank, height: this.plan[rank].height }; });
    return specs;
  }

  rankOf(mid) {
    return this.transceivers.findIndex((t) => t.mid === mid);
  }

  /** A new camera track (or null). Returns true when the layers' heights changed (offer again). */
  replace(track) {
    if (track === this.track) return false;
    this.track = track;
    const before = JSON.stringify(this.plan.map((l) => l.height));
    if (this.layered && track) this.plan = layerPlan(heightOf(track), this.plan.length);
    const tracks = this.tracksFor(track);
    this.transceivers.forEach((t, rank) => {
      t.sender.replaceTrack(tracks[rank] || null).catch((err) => console.warn('[convene] camera layer not replaced', err));
    });
    this.setEncodings();
    return JSON.stringify(this.plan.map((l) => l.height)) !== before;
  }

  /**
   * Send only the layers of rank in `ranks` (a Set). Called again with each stats sample, so a
   * sender whose parameters did not take (set during a negotiation, say) is set again.
   */
  activate(ranks) {
    this.on = new Set(ranks);
    this.setEncodings();
  }

  /** Bring each layer's sender to what it should be (on/off, scale, bitrate); those already there are left alone. */
  setEncodings() {
    if (!this.layered) return;
    this.transceivers.forEach((t, rank) => {
      const params = t.sender.getParameters();
      const encoding = params.encodings?.[0];
      if (!encoding || t.currentDirection === 'stopped') return; // not negotiated yet: applied again after
      const want = { active: !this.on || this.on.has(rank), scaleResolutionDownBy: this.plan[rank].scale, maxBitrate: this.plan[rank].maxBitrate };
      if (Object.entries(want).every(([k, v]) => encoding[k] === v) || this.pending.has(rank)) return;
      Object.assign(encoding, want);
      this.pending.add(rank); // one change at a time per sender: a second would race the first
      t.sender.setParameters(params).catch((err) => console.warn('[convene] camera layer parameters', err))
        .finally(() => this.pending.delete(rank));
    });
  }

  /** The top layer sends the camera track itself, the lower ones clones (each sender scales its own). */
  tracksFor(track) {
    this.stopClones();
    if (!track) return [];
    const count = Math.max(1, this.plan.length);
    this.clones = Array.from({ length: count - 1 }, () => track.clone());
    return [...this.clones, track];
  }

  stopClones() {
    for (const clone of this.clones) clone.stop();
    this.clones = [];
  }

  close() {
    this.stopClones();
  }
}

/** A screen share for reading: full resolution, few frames (slides change rarely, text must stay sharp). */
export const SCREEN_ENCODING = { scaleResolutionDownBy: 1, maxFramerate: 5, maxBitrate: 1_500_000 };

/** Tune a screen track and its transceiver options for text; falls back to defaults when refused. */
export function screenTransceiver(pc, track, sending) {
  if ('contentHint' in track) track.contentHint = 'text';
  try {
    return pc.addTransceiver(track, { ...sending, sendEncodings: [SCREEN_ENCODING] });
  } catch (err) {
    console.warn('[convene] screen encoding refused: defaults', err);
    return pc.addTransceiver(track, sending);
  }
}

function heightOf(track) {
  const s = track?.getSettings?.() || {};
  return s.height || 0;
}

/**
 * What our camera sends, from the two voices that decide it: the server's `media.layers` (which
 * layer mids anyone watches) and our own uplink (`UplinkGuard`). `update` returns the ranks to
 * send and whether we send less than asked (the "sending less video" notice).
 */
export class LayerChoice {
  constructor() {
    this.wanted = null; // Set of ranks the server asked for; null until it says
    this.guard = null;
    this.planKey = '';
  }

  /** The server's `media.layers` `active` mids, as ranks of `camera` (a CameraLayers). */
  serverSaid(mids, camera) {
    this.wanted = new Set(mids.map((mid) => camera.rankOf(mid)).filter((rank) => rank >= 0));
  }

  /** One stats sample (`uplink` of media-stats.js) for `camera`: `{ranks, holdingBack}`. */
  update(camera, uplink, now) {
    const key = JSON.stringify(camera.plan);
    if (key !== this.planKey) { this.guard = new UplinkGuard(camera.plan); this.planKey = key; }
    const top = camera.on ? Math.max(-1, ...[...camera.on]) : camera.plan.length - 1;
    const limited = top >= 0 && uplink.limited.has(camera.transceivers[top]?.mid);
    const cap = this.guard.sample({ now, available: uplink.available, limited, wanted: this.wanted });
    return { ranks: activeRanks(camera.plan.length, this.wanted, cap), holdingBack: this.guard.holdsBack(this.wanted) };
  }

  /** Ranks to send right now, without a new sample (the server just spoke). */
  current(camera) {
    return activeRanks(camera.plan.length, this.wanted, this.guard ? this.guard.cap : camera.plan.length - 1);
  }
}
