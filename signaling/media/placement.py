"""Where each media space lives when media runs in worker processes (``MEDIA_WORKERS``).

Redis keys, under ``<CHANNEL_PREFIX>:media:``:

* ``worker:<name>`` — a worker's heartbeat: JSON ``{channel, at, stats}``, refreshed every
  ``HEARTBEAT_S`` and expiring after ``HEARTBEAT_TTL_S``: a worker without one is dead.
* ``workers`` — the set of worker names ever seen (the heartbeats say which are alive).
* ``placement`` — hash space key → worker name. A space stays on its worker for as long as
  that worker lives (entries are never removed on empty spaces: a join could be racing);
  one on a dead worker is placed again, atomically (a Lua script), on the live worker with
  the fewest spaces.
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import redis.asyncio as aioredis

HEARTBEAT_S = 2.0
HEARTBEAT_TTL_S = 8
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
        current = await self.redis.hget(self._key("placement"), space_key)
        if current in alive:
            return current
        load = Counter(v for v in (await self.redis.hvals(self._key("placement"))) if v in alive)
        candidate = min(alive, key=lambda name: (load[name], name))
        placed = await self._place(keys=[self._key("placement")], args=[space_key, candidate, self._key("worker:")])
        return str(placed)

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
    async def beat(self, name: str, stats: dict[str, Any]) -> None:
        payload = json.dumps({"channel": worker_channel(name), "at": time.time(), "stats": stats})
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
