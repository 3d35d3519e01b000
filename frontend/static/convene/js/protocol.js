/**
 * The live protocol as the client sees it.
 *
 * The server publishes every message type as a generated ES module (`/protocol.js`:
 * `PROTOCOL_VERSION`, `SCHEMAS` keyed by type with a direction, and limits). This
 * module loads it once and offers:
 *   - `checkIncoming(msg)`: is this a known, valid server→client message? (problems
 *     are logged by the caller; an invalid message is dropped, never fatal)
 *   - `build(type, fields)`: an outgoing message, only for client→server types the
 *     server defines, with a fresh `id` the server echoes as `ref` on errors.
 */
import { validate } from './validate.js';

let counter = 0;

/** One SCHEMAS entry (`{direction: 'client' | 'server', family, schema}`, signaling/protocol_export.py)
 * as `{schema, toServer, toClient}`. */
function entryOf(type, entry) {
  return { type, schema: entry.schema, toServer: entry.direction === 'client', toClient: entry.direction === 'server' };
}

export class Protocol {
  /** @param {object} mod the imported `/protocol.js` module */
  constructor(mod) {
    this.version = mod.PROTOCOL_VERSION;
    this.limits = mod.LIMITS;
    this.types = new Map(Object.entries(mod.SCHEMAS).map(([t, e]) => [t, entryOf(t, e)]));
  }

  /** Load the server's protocol module (throws if it cannot be fetched). */
  static async load(url = '/protocol.js') {
    return new Protocol(await import(url));
  }

  /** A limit by its name in LIMITS (e.g. 'chat_max_chars'), or `fallback` when the server publishes none. */
  limit(name, fallback) {
    const value = this.limits[name];
    return value === undefined ? fallback : value;
  }

  canSend(type) {
    return !!this.types.get(type)?.toServer;
  }

  /** `{ok: true}` or `{ok: false, reason}` for a parsed server message. */
  checkIncoming(msg) {
    if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return { ok: false, reason: 'no type' };
    const entry = this.types.get(msg.type);
    if (!entry || !entry.toClient) return { ok: false, reason: `unknown server message type ${msg.type}` };
    const problems = validate(entry.schema, msg);
    if (problems.length) {
      return { ok: false, reason: problems.map((p) => `${p.path}: ${p.message}`).join('; ') };
    }
    return { ok: true };
  }

  /**
   * An outgoing message of a client→server `type`; throws `ProtocolError` for a type
   * the server does not define or fields that break its schema (e.g. text too long).
   */
  build(type, fields = {}) {
    const entry = this.types.get(type);
    if (!entry || !entry.toServer) throw new ProtocolError(`not a client message type: ${type}`, 'unknown_type');
    counter += 1;
    const msg = { type, id: `c${Date.now().toString(36)}${counter}`, ...fields };
    if (entry.schema.properties && !('id' in entry.schema.properties)) delete msg.id;
    const problems = validate(entry.schema, msg);
    if (problems.length) {
      throw new ProtocolError(problems.map((p) => `${p.path}: ${p.message}`).join('; '), 'invalid', problems);
    }
    // The version rides outside the schema: a page older than the server is told to reload.
    if (this.version !== undefined) msg.v = this.version;
    return msg;
  }
}

export class ProtocolError extends Error {
  constructor(message, code, problems = []) {
    super(message);
    this.code = code;
    this.problems = problems;
  }
}
