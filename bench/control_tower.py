"""Benchmark: the control tower's room activity at 100 rooms (issue 17 item 2). Not a test.

What the tower adds to the server, as CPU seconds per second (% of one core):

* Speaker tracking in rooms: every audio packet's level (RFC 6464) now feeds the room's
  SpeakerTracker (before, only the plenary and captioned rooms tracked speakers). Measured on
  the real ``MediaServer.on_audio_level`` for 1,000 people in 100 rooms of 10, 50 packets a
  second each, one person speaking per room; the baseline is the same packets through the
  code before the tower (skips rooms), in the same run.
* The activity feed: one moderator's tick every ``FEED_S`` — the breakouts row decoded
  (rooms.breakouts.codec, as ``store.load`` does; the two SQL round trips themselves are the
  database's time, not counted), the media hub's per-room facts (``MediaHub.activity``),
  ``rooms.activity`` lines and delta, and the ``tower.activity`` message serialized: once in
  full, then with 10 rooms changed (a typical tick).

    .venv/bin/python bench/control_tower.py [--rooms 100] [--per-room 10] [--seconds 2]

Last stdout line: JSON with tower_cpu_pct (speaker tracking + one moderator's feed, % of a
core), target_pct (5), the parts, and the baseline.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "platform"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from rooms import activity  # noqa: E402
from rooms.breakouts import codec  # noqa: E402
from rooms.lifecycle import OPEN  # noqa: E402
from rooms.live import LiveBreakouts, LiveRoom  # noqa: E402
from signaling.consumers.handlers.tower import CLOCK_OFFSET, FEED_S, out  # noqa: E402
from signaling.media import MediaServer  # noqa: E402
from signaling.media.hub import MediaHub, Member  # noqa: E402
from signaling.protocol.tower import TowerActivity  # noqa: E402

PACKETS_PER_S = 50  # Opus, 20 ms frames
LOUD, SILENT = 20, 127
TARGET_PCT = 5.0


def old_on_audio_level(server: MediaServer, peer: SimpleNamespace, level: int) -> None:
    """MediaServer.on_audio_level before the tower (the baseline): rooms did not track speakers."""
    space = server._spaces.get(peer.space_id)  # noqa: SLF001
    captioned = server.captions is not None and space is not None and server.captions.captioned(space)
    if space is not None and (space.large or captioned):
        if space.speakers.observe(peer.participant_id, level, time.monotonic()):
            server._touch(space, skip=None)  # noqa: SLF001


def build(server: MediaServer, hub: MediaHub, rooms: int, per_room: int) -> tuple[list[SimpleNamespace], str]:
    """Fake peers (no RTCPeerConnection: only what on_audio_level and the hub read) in rooms."""
    peers, assignments, live_rooms = [], {}, []
    for r in range(rooms):
        key = f"s1-room-{r}"
        space_key = f"convening.1.space.{key}"
        live_rooms.append(LiveRoom(key=key, name=f"Room {r}", state=OPEN))
        for i in range(per_room):
            person = r * per_room + i + 1
            media_id = f"{person}:bench"
            peer = SimpleNamespace(participant_id=media_id, space_id=space_key,
                                   pc=SimpleNamespace(connectionState="connected"), speaking=i == 0)
            server._space(space_key).add(media_id)  # noqa: SLF001
            server._peers[media_id] = peer  # type: ignore[assignment]  # noqa: SLF001
            hub._members[media_id] = Member(space_key, "participant")  # noqa: SLF001
            assignments[person] = key
            peers.append(peer)
    state = LiveBreakouts(rooms=tuple(live_rooms), assignments=assignments)
    return peers, codec.live_to_json(state)


def packets(server: MediaServer, peers: list[SimpleNamespace], seconds: float, handler) -> float:  # noqa: ANN001
    """CPU seconds to handle ``seconds`` of every peer's audio levels, paced in real time (the
    tracker reads the clock: speech counts after 0.2 s of it)."""
    cpu, start = 0.0, time.monotonic()
    for n in range(int(seconds * PACKETS_PER_S)):
        began = time.process_time()
        for peer in peers:
            handler(peer, LOUD if peer.speaking else SILENT)
        cpu += time.process_time() - began
        time.sleep(max(0.0, start + (n + 1) / PACKETS_PER_S - time.monotonic()))
    return cpu


def tick(hub: MediaHub, row: str, before: dict[str, activity.RoomActivity]) -> tuple[float, dict, int, int]:
    """One feed tick as handlers.tower._feed does it, minus the SQL round trips."""
    started = time.process_time()
    state = codec.live_from_json(row)
    facts = [activity.RoomFacts(key=r.key, name=r.name, people=tuple(state.members(r.key))) for r in state.rooms]
    keys = {f"convening.1.space.{f.key}": f.key for f in facts}
    now = time.monotonic()
    media = {keys[k]: activity.MediaFacts(heard=m.heard, trouble=m.trouble) for k, m in hub.activity(keys, now).items()}
    after = activity.summarize_all(facts, media, now, CLOCK_OFFSET)
    changed, gone = activity.delta(before, after)
    text = TowerActivity(rooms=[out(line) for line in changed], gone=gone, full=not before).to_json()
    return time.process_time() - started, after, len(text), len(changed)


async def run(rooms: int, per_room: int, seconds: float) -> dict[str, object]:
    server = MediaServer(host_addresses=["127.0.0.1"])
    hub = MediaHub(server)
    peers, row = build(server, hub, rooms, per_room)
    baseline_s = packets(server, peers, seconds, lambda p, lv: old_on_audio_level(server, p, lv))
    tracking_s = packets(server, peers, seconds, server.on_audio_level)  # type: ignore[arg-type]
    full_s, lines, full_bytes, _ = tick(hub, row, {})
    for peer in peers[:: per_room * 10]:  # a tenth of the rooms change: someone new speaks
        peer.speaking = False
        server._peers[f"{int(peer.participant_id.split(':')[0]) + 1}:bench"].speaking = True  # noqa: SLF001
    packets(server, peers, 0.5, server.on_audio_level)  # type: ignore[arg-type]
    ticks = [tick(hub, row, lines) for _ in range(5)]
    tick_s = sorted(t[0] for t in ticks)[len(ticks) // 2]
    server._peers.clear()  # noqa: SLF001 — fakes: nothing to close
    await server.close()
    tracking_pct = 100 * (tracking_s - baseline_s) / seconds
    feed_pct = 100 * max(full_s, tick_s) / FEED_S
    return {
        "rooms": rooms, "people": len(peers), "packets_per_s": len(peers) * PACKETS_PER_S,
        "tower_cpu_pct": round(tracking_pct + feed_pct, 2), "target_pct": TARGET_PCT,
        "speaker_tracking_pct": round(tracking_pct, 2), "feed_pct": round(feed_pct, 3),
        "baseline_audio_levels_pct": round(100 * baseline_s / seconds, 2),
        "with_tower_audio_levels_pct": round(100 * tracking_s / seconds, 2),
        "ratio_vs_baseline": round(tracking_s / baseline_s, 2) if baseline_s else None,
        "tick_full_ms": round(full_s * 1000, 2), "tick_ms": round(tick_s * 1000, 2),
        "full_message_bytes": full_bytes, "changed_rooms_per_tick": ticks[0][3],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=100)
    parser.add_argument("--per-room", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    result = asyncio.run(run(args.rooms, args.per_room, args.seconds))
    print(f"{result['rooms']} rooms, {result['people']} people: speaker tracking "
          f"{result['speaker_tracking_pct']}% of a core over the baseline's {result['baseline_audio_levels_pct']}%, "
          f"feed {result['feed_pct']}% (tick {result['tick_ms']} ms, full {result['tick_full_ms']} ms)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
