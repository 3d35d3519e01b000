/**
 * A tiny store and event bus: the only shared state of the live client.
 *
 * `store.state` is a plain object; `store.set(patch)` merges a patch and tells
 * subscribers which keys changed. `bus.on(type, fn)` / `bus.emit(type, data)`
 * carry events: every valid server message is emitted as `msg:<type>`, and
 * modules talk to each other with their own names (`room:join`, `net:state`...).
 * Feature modules (chat, roster, hands, breakouts, media, captions…) only ever
 * see `{store, bus, net, config}`, so new ones plug in without touching others.
 */

export function createBus() {
  const handlers = new Map();
  return {
    /** Subscribe; returns an unsubscribe function. */
    on(type, fn) {
      if (!handlers.has(type)) handlers.set(type, new Set());
      handlers.get(type).add(fn);
      return () => handlers.get(type)?.delete(fn);
    },
    emit(type, data) {
      for (const fn of [...(handlers.get(type) || [])]) {
        try {
          fn(data);
        } catch (err) {
          console.error(`[convene] handler for ${type} failed`, err);
        }
      }
    },
  };
}

export function createStore(initial = {}) {
  const subscribers = new Set();
  const store = {
    state: { ...initial },
    /** Merge `patch` into the state and notify subscribers with the changed keys. */
    set(patch) {
      const changed = Object.keys(patch).filter((k) => store.state[k] !== patch[k]);
      if (!changed.length) return;
      store.state = { ...store.state, ...patch };
      for (const fn of [...subscribers]) fn(store.state, new Set(changed));
    },
    /** Call `fn(state, changedKeys)` on every change; returns an unsubscribe function. */
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    /** Like subscribe, but only when one of `keys` changed; also runs once now. */
    watch(keys, fn) {
      fn(store.state);
      return store.subscribe((state, changed) => {
        if (keys.some((k) => changed.has(k))) fn(state);
      });
    },
  };
  return store;
}
