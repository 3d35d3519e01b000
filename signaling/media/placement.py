"""Where each media space lives when media runs in worker processes (``MEDIA_WORKERS``).

Redis keys, under ``<CHANNEL_PREFIX>:media:``:

* ``worker:<name>`` — a worker's heartbeat: JSON ``{channel, at, stats, relay}``, refreshed every
  ``HEARTBEAT_S`` and expiring after ``HEARTBEAT_TTL_S``: a worker without one is dead (the web
  side then moves its connections: signaling/consumers/media_failover.py). ``relay``: the
  worker's address for the relay between workers (cascade.py).
* ``workers`` — the set of worker names ever seen (the heartbeats say which are alive).
* ``placement`` — hash space key → worker name. A space stays on its worker for as long as
  that worker lives (entries are never removed on empty spaces: a join could be racing);
  one on a dead worker is placed again, atomically (a Lua script), on the live worker with
  the fewest spaces. That worker is the space's *home*.
* ``spread:<space>:<name>`` — connections of a large space sent to a worker in the last
  ``SPREAD_MEMORY_S`` (a sorted set by time): those sent after its last heartbeat are not counted
  in it yet. A large space (the plenary) places each connection, not the space
  (``worker_for_connection``).
* ``cascade:<space>`` — cascade.py: who is connected to which worker in a large space.
"""
from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import Counter
from typing import Any

import redis.asyncio as aioredis

# A dead worker's people are moved within ~HEARTBEAT_TTL_S + the web side's watch interval
# (media_failover.py); the issue asks for 5 s.
HEARTBEAT_S = 1.0
HEARTBEAT_TTL_S = 3
SPREAD_MEMORY_S = 3
# On the home worker of a large space: the roles whose media the whole space receives (the
# stage), so recording and captions, which run there, see them.
HOME_ROLES = frozenset({"presenter", "moderator", "organizer"})
# Keep the space where it is if its worker lives; else put it on ARGV[2].
_PLACE = """
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and redis.call('EXISTS', ARGV[3] .. current) == 1 then return current end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
"""
# Remove the placements that still point at worker ARGV[1].
_RETIRE = """
local n = 0
for _, space in ipairs(redis.call('HKEYS', KEYS[1])) do
  if redis.call('HGET', KEYS[1], space) == ARGV[1] then redis.call('HDEL', KEYS[1], space); n = n + 1 end
end
return n
"""


def worker_channel(name: str) -> str:
    """The channel-layer channel a media worker listens on."""
    return f"media-worker.{name}"


class Placement:
    def __init__(self, url: str, prefix: str) -> None:
        self.redis = aioredis.Redis.from_url(url, decode_responses=True)
        self.loop = asyncio.get_running_loop()
        self._base = f"{prefix}:media:"
        self._place = self.redis.register_script(_PLACE)
        self._retire = self.redis.register_script(_RETIRE)

    def _key(self, name: str) -> str:
        return self._base + name

    # ---- web side -------------------------------------------------------------------------
    async def worker_for(self, space_key: str) -> str | None:
        """The live worker serving ``space_key`` (placing it now if needed); None: no worker lives."""
        alive = await self.alive()
        if not alive:
            return None
        current: str | None = await self.redis.hget(self._key("placement"), space_key)
        if current in alive:
            return current
        load = Counter(v for v in (await self.redis.hvals(self._key("placement"))) if v in alive)
        candidate = min(alive, key=lambda name: (load[name], name))
        placed = await self._place(keys=[self._key("placement")], args=[space_key, candidate, self._key("worker:")])
        return str(placed)

    async def worker_for_connection(self, space_key: str, *, role: str, current: str | None = None) -> str | None:
        """Where one connection to large space ``space_key`` goes: the stage's roles to the space's
        home worker; anyone else stays on ``current`` (their worker, if alive), else goes to the
        live worker with the fewest of this space's connections (the home one on a tie)."""
        home = await self.worker_for(space_key)
        if home is None:
            return None
        alive = await self.alive()
        if role not in HOME_ROLES and current in alive:
            return current
        if role in HOME_ROLES:
            chosen = home
        else:
            load = {n: await self._load(space_key, n, beat) for n, beat in alive.items()}
            chosen = min(sorted(alive), key=lambda n: (load[n], n != home, n))
        now = time.time()
        key = self._key(f"spread:{space_key}:{chosen}")
        await self.redis.zadd(key, {f"{now}:{secrets.token_hex(4)}": now})
        await self.redis.zremrangebyscore(key, "-inf", now - SPREAD_MEMORY_S)
        await self.redis.expire(key, SPREAD_MEMORY_S)
        return chosen

    async def _load(self, space_key: str, name: str, beat: dict[str, Any]) -> int:
        """A worker's connections in a space: its last heartbeat's count, plus the connections
        sent to it since that heartbeat (which it could not count yet)."""
        counted = int(beat.get("stats", {}).get("space_peers", {}).get(space_key, 0))
        since = await self.redis.zcount(self._key(f"spread:{space_key}:{name}"), float(beat.get("at", 0)), "+inf")
        return counted + int(since)

    async def place_with(self, space_key: str, preferred: str) -> str:
        """Where ``space_key`` lives: its live worker if it has one, else it is placed on
        ``preferred`` now (the control tower puts an unplaced room with the moderator's media)."""
        placed = await self._place(keys=[self._key("placement")], args=[space_key, preferred, self._key("worker:")])
        return str(placed)

    async def hosts(self, space_keys: list[str]) -> dict[str, str]:
        """The live worker of each of ``space_keys`` that has one (placing none)."""
        if not space_keys:
            return {}
        alive = await self.alive()
        names = await self.redis.hmget(self._key("placement"), space_keys)
        return {key: name for key, name in zip(space_keys, names, strict=True) if name in alive}

    async def alive(self) -> dict[str, dict[str, Any]]:
        """Live workers by name: their last heartbeat."""
        names = sorted(await self.redis.smembers(self._key("workers")))
        if not names:
            return {}
        beats = await self.redis.mget([self._key(f"worker:{n}") for n in names])
        return {n: json.loads(b) for n, b in zip(names, beats, strict=True) if b}

    # ---- worker side ------------------------------------------------------------------------
    async def beat(self, name: str, stats: dict[str, Any], relay: str = "") -> None:
        payload = json.dumps({"channel": worker_channel(name), "at": time.time(), "stats": stats, "relay": relay})
        await self.redis.set(self._key(f"worker:{name}"), payload, ex=HEARTBEAT_TTL_S)
        await self.redis.sadd(self._key("workers"), name)

    async def heartbeat(self, name: str) -> dict[str, Any] | None:
        raw = await self.redis.get(self._key(f"worker:{name}"))
        return json.loads(raw) if raw else None

    async def retire(self, name: str) -> None:
        """A worker stopping: its spaces are free to go elsewhere at once."""
        await self.redis.delete(self._key(f"worker:{name}"))
        await self._retire(keys=[self._key("placement")], args=[name])

    async def close(self) -> None:
        await self.redis.aclose()


_placement: Placement | None = None


def get_placement() -> Placement:
    """This process's placement client (one per event loop)."""
    global _placement
    from django.conf import settings

    loop = asyncio.get_running_loop()
    if _placement is None or _placement.loop is not loop:
        prefix = settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("prefix", "convene")
        _placement = Placement(settings.REDIS_URL, prefix)
    return _placement
