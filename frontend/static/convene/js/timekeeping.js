/**
 * Time as the server keeps it: breakout deadlines (`ends_at`, `closes_at`) are the
 * server's clock, and every timed message carries the server's `now`, so the client
 * keeps the skew (server − local) in `store.clockSkew` and counts down against it —
 * a laptop whose clock is two minutes off still shows the right time left.
 */

/** Epoch milliseconds for an ISO 8601 time (any number of fraction digits); NaN when invalid. */
export function parseTime(text) {
  if (!text) return NaN;
  // "…:00.123456Z" → "…:00.123Z": not every engine takes microseconds.
  return Date.parse(String(text).replace(/(\.\d{3})\d+/, '$1'));
}

/** Skew in ms from a server `now`, or `previous` when `now` is missing/invalid. */
export function skewFrom(now, previous = 0) {
  const server = parseTime(now);
  return Number.isNaN(server) ? previous : server - Date.now();
}

/** Seconds from the server's now until `at` (never negative); null without a deadline. */
export function secondsUntil(at, skew = 0) {
  const end = parseTime(at);
  if (Number.isNaN(end)) return null;
  return Math.max(0, Math.ceil((end - (Date.now() + skew)) / 1000));
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatLeft(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** Words for a screen reader: "12 minutes", "1 minute", "40 seconds". */
export function spokenLeft(seconds) {
  if (seconds >= 60) {
    const m = Math.round(seconds / 60);
    return `${m} ${m === 1 ? 'minute' : 'minutes'}`;
  }
  return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
}

/**
 * Whether a countdown tick deserves an announcement: each minute over the last
 * ten (and every fifth before), every 10 s in the last minute, never each second.
 */
export function worthSaying(seconds) {
  if (seconds <= 0) return false;
  if (seconds < 60) return seconds % 10 === 0;
  if (seconds % 60 !== 0) return false;
  const minutes = seconds / 60;
  return minutes <= 10 || minutes % 5 === 0;
}

const tickers = new Set();
let interval = null;

/** Call `fn` every second (one shared interval for all countdowns); returns a stop function. */
export function everySecond(fn) {
  tickers.add(fn);
  if (!interval) {
    interval = setInterval(() => {
      for (const tick of [...tickers]) {
        try { tick(); } catch (err) { console.error('[convene] countdown failed', err); }
      }
    }, 1000);
  }
  return () => {
    tickers.delete(fn);
    if (!tickers.size) { clearInterval(interval); interval = null; }
  };
}
