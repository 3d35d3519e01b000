"""Run a media worker: ``manage.py media_worker --name media1`` (needs REDIS_URL).

With ``MEDIA_WORKERS=true`` the web workers place each space's media on one media worker
(signaling/media/placement.py) and relay signaling to it over the channel layer
(signaling/media/relay.py). This process owns one MediaServer; it stops cleanly on SIGTERM
or SIGINT (peer connections closed, its spaces released for other workers).

``--check`` is the health check: exit 0 (printing the worker's last counters) if worker
``--name`` has a fresh heartbeat in Redis, else 1.
"""
from __future__ import annotations

import asyncio
import json
import signal

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from signaling import adapters
from signaling.consumers.handlers.recording import on_fault
from signaling.media.hub import create_hub
from signaling.media.placement import Placement, get_placement
from signaling.media.relay import MediaWorker


class Command(BaseCommand):
    help = "Run a media worker process (MEDIA_WORKERS=true), or --check one's health."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="this worker's name, unique among media workers")
        parser.add_argument("--check", action="store_true", help="exit 0 if the worker's heartbeat is fresh")

    def handle(self, *args: object, name: str, check: bool, **options: object) -> None:
        if not settings.REDIS_URL:
            raise CommandError("Media workers talk to the web workers through Redis: set REDIS_URL.")
        if not check and not adapters.usable(adapters.MEDIA):  # logged: what no longer fits
            raise CommandError("This media worker's libraries do not fit its adapter (see the log): not serving, "
                               "so the web workers tell clients media is unavailable.")
        if check:
            beat = asyncio.run(_heartbeat(name))
            if beat is None:
                raise CommandError(f"media worker {name!r} has no fresh heartbeat")
            self.stdout.write(json.dumps(beat))
            return
        asyncio.run(_serve(name))


async def _heartbeat(name: str) -> dict | None:
    placement = get_placement()
    try:
        return await placement.heartbeat(name)
    finally:
        await placement.close()


async def _serve(name: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    placement: Placement = get_placement()
    try:
        # A recording this worker stops on its own (a full disk): the space and moderators are told.
        await MediaWorker(name, create_hub(), get_channel_layer(), placement, on_recording_fault=on_fault,
                          relay_host=settings.MEDIA_RELAY_HOST or None).run(stop)
    finally:
        await placement.close()
