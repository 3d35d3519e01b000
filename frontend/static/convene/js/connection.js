/**
 * The websocket to `/ws/convenings/<slug>/`: connect, validate, dispatch, recover.
 *
 * - Every valid server message is emitted on the bus as `msg:<type>`; invalid or
 *   unknown ones are logged to the console and dropped. A `batch` frame (roster
 *   updates the server coalesced) is unpacked and each of its messages handled in turn.
 * - When the socket drops (not by leaving), it reconnects with exponential backoff
 *   and full jitter; `net:ready` fires after each `welcome` with `{resumed}` so
 *   modules can catch up (the chat module sends `chat.sync` with its last seq).
 * - `send(type, fields, {onError, onAck})` builds the message from the protocol's schemas;
 *   while offline it is queued and sent after the next welcome. A server `error`
 *   whose `ref` matches the message id goes to that `onError` callback, its `ack` to `onAck`.
 * - A ping every few seconds measures the round trip for the quality indicator
 *   and notices a silent dead socket.
 */
import { ProtocolError } from './protocol.js';

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 15000;
const PING_EVERY_MS = 5000;
const DEAD_AFTER_MS = 12000;
const OUTBOX_MAX = 50;
/** Close codes after which reconnecting cannot help: not signed in, not registered, no such convening (4408 "expired" does reconnect). */
const FATAL_CLOSE = new Set([4401, 4403, 4404]);

export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(250 + random() * ceiling);
}

export class Connection {
  constructor({ url, protocol, bus, store }) {
    Object.assign(this, { url, protocol, bus, store });
    this.ws = null;
    this.attempt = 0;
    this.leaving = false;
    this.welcomed = false;
    this.outbox = [];
    this.pending = new Map(); // id -> {onError, at}
    this.lastHeard = 0;
    this.rtt = null;
    this.pings = new Map(); // ping id -> sent at
  }

  start() {
    this.leaving = false;
    this.connect();
    this.timer = setInterval(() => this.tick(), PING_EVERY_MS / 2);
    this.onOffline = () => this.ws?.close();
    this.onOnline = () => this.retryNow();
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
  }

  /** Leave on purpose: no reconnecting. */
  stop() {
    this.leaving = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    this.ws?.close(1000, 'left');
    this.setState('closed');
  }

  setState(net, extra = {}) {
    this.store.set({ net, ...extra });
    this.bus.emit('net:state', { net, ...extra });
  }

  connect() {
    this.welcomed = false;
    this.setState(this.attempt ? 'reconnecting' : 'connecting', { netAttempt: this.attempt });
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      console.error('[convene] cannot open websocket', err);
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => { this.lastHeard = Date.now(); };
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.leaving) return;
      if (FATAL_CLOSE.has(event.code)) {
        this.setState('refused', { netCloseCode: event.code, netCloseReason: event.reason || '' });
        return;
      }
      this.scheduleRetry();
    };
  }

  scheduleRetry() {
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.setState('reconnecting', { netAttempt: this.attempt, netRetryAt: Date.now() + delay });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Reconnect now (the banner's "Try now" button). */
  retryNow() {
    if (this.ws || this.leaving) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  receive(raw) {
    this.lastHeard = Date.now();
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch {
      console.warn('[convene] server sent something that is not JSON', raw);
      return;
    }
    this.handle(msg);
  }

  /** One parsed server message; a `batch` is its messages, in order, each checked on its own. */
  handle(msg, inBatch = false) {
    if (msg && msg.type === 'batch' && !inBatch && Array.isArray(msg.messages)) {
      for (const part of msg.messages) this.handle(part, true);
      return;
    }
    const check = this.protocol.checkIncoming(msg);
    if (!check.ok) {
      console.warn(`[convene] dropped invalid server message: ${check.reason}`, msg);
      return;
    }
    if (msg.type === 'pong') this.onPong(msg);
    if (msg.type === 'error') this.onServerError(msg);
    if (msg.type === 'ack') this.onAck(msg);
    if (msg.type === 'welcome') {
      const resumed = this.attempt > 0 || this.everWelcomed;
      this.welcomed = true;
      this.everWelcomed = true;
      this.attempt = 0;
      this.setState('open', { netAttempt: 0 });
      this.bus.emit('msg:welcome', msg);
      this.bus.emit('net:ready', { resumed, welcome: msg });
      this.flush();
      return;
    }
    this.bus.emit(`msg:${msg.type}`, msg);
  }

  /** The server confirmed a message: the sender's `onAck` (a chat message is then stored). */
  onAck(msg) {
    const waiting = msg.ref && this.pending.get(msg.ref);
    if (!waiting) return;
    this.pending.delete(msg.ref);
    waiting.onAck?.(msg);
  }

  onServerError(msg) {
    const waiting = msg.ref && this.pending.get(msg.ref);
    if (waiting) {
      this.pending.delete(msg.ref);
      waiting.onError?.(msg);
    } else if (!this.welcomed || msg.code === 'expired' || msg.code === 'unauthenticated') {
      // Said just before the server closes: the close handler shows it (or reconnects).
      this.store.set({ netLastError: msg });
    } else {
      this.bus.emit('net:error', msg);
    }
  }

  /**
   * Send a client message. Returns its id. Throws ProtocolError (before sending) when
   * the type is unknown or the fields break the schema. Options: `onError(errorMsg)`,
   * `onAck(ack)` (the server's `ack` for it), `queue` (default true: keep it for the next
   * connection when offline; false: drop it then, the caller resends on `net:ready`).
   */
  send(type, fields = {}, { onError, onAck, queue = true } = {}) {
    const msg = this.protocol.build(type, fields);
    if (msg.id && (onError || onAck)) this.pending.set(msg.id, { onError, onAck, at: Date.now() });
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.welcomed) {
      this.ws.send(JSON.stringify(msg));
    } else if (queue) {
      if (this.outbox.length >= OUTBOX_MAX) this.outbox.shift();
      this.outbox.push(msg);
    }
    return msg.id;
  }

  /** Send, turning a ProtocolError into a call of onError with a client-side error. */
  trySend(type, fields, options = {}) {
    try {
      return this.send(type, fields, options);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      console.warn(`[convene] not sent: ${err.message}`);
      options.onError?.({ type: 'error', code: err.code, message: err.message, problems: err.problems, local: true });
      return null;
    }
  }

  flush() {
    const queued = this.outbox.splice(0);
    for (const msg of queued) this.ws?.send(JSON.stringify(msg));
  }

  tick() {
    const now = Date.now();
    for (const [id, p] of this.pending) if (now - p.at > 30000) this.pending.delete(id);
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    if (this.welcomed && now - this.lastHeard > DEAD_AFTER_MS) {
      console.warn('[convene] no word from the server: reconnecting');
      this.ws.close(4000, 'silent');
      return;
    }
    if (this.welcomed && this.protocol.canSend('ping') && now - (this.lastPing || 0) >= PING_EVERY_MS) {
      this.lastPing = now;
      const id = this.send('ping', {}, { queue: false });
      this.pings.set(id, performance.now());
      if (this.pings.size > 5) this.pings.delete(this.pings.keys().next().value);
    }
  }

  onPong(msg) {
    const sentAt = this.pings.get(msg.ref ?? msg.id);
    if (sentAt === undefined) return;
    this.pings.delete(msg.ref ?? msg.id);
    const sample = performance.now() - sentAt;
    this.rtt = this.rtt === null ? sample : this.rtt * 0.7 + sample * 0.3;
    this.store.set({ rtt: Math.round(this.rtt) });
  }
}
