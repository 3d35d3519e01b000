"""Automatic captions into the convening: the media server's caption sink (``CAPTION_SINK``).

The media server knows nothing of Convene's apps: its caption service hands each line and
status to the module named by the ``CAPTION_SINK`` setting (this one), as Django hands mail to
its ``EMAIL_BACKEND``; here they become the convening's captions.

A line goes through ``rooms.actions.captions.automatic_line`` -- the one function for
a caption line (``source="automatic"``): stored for the transcript, published to the space
only, and skipped while a person captions the space. The service awaits each call before the
next, so a line's partial updates and its final line are written in order.
"""
from __future__ import annotations

import logging

from channels.db import database_sync_to_async

from signaling.media.captioning.rules import parse_space_key

logger = logging.getLogger(__name__)
# What people read when the engine stumbles (the log has the technical reason).
STATUS_TEXT = {
    "on": "Automatic captions are on — they may contain errors.",
    "off": "Automatic captions are off.",
    "restarted": "Automatic captions stopped for a moment and were restarted: a line may be missing.",
    "failed": "Automatic captions stopped working. A moderator can ask a person to caption.",
}


def _speaker(media_id: str) -> int | None:
    from signaling.media.hub import roster_id

    try:
        return roster_id(media_id)
    except ValueError:
        return None


async def on_line(space_key: str, media_id: str, text: str, final: bool) -> None:
    where = parse_space_key(space_key)
    if where is None:
        return
    from rooms.actions.captions import automatic_line

    await database_sync_to_async(automatic_line)(where[0], where[1], text, final, _speaker(media_id))


def _publish_status(convening_id: int, space: str, state: str) -> None:
    from rooms.actions.publish import publish, space_group
    from signaling.protocol.captions import CaptionsStatus

    publish(space_group(convening_id, space), CaptionsStatus(space=space, state=state, message=STATUS_TEXT[state]))


async def on_status(space_key: str, state: str, message: str) -> None:
    where = parse_space_key(space_key)
    if where is not None:
        await database_sync_to_async(_publish_status)(where[0], where[1], state)


async def tell_space(convening_id: int, space: str, on: bool) -> None:
    """A moderator's ``captions.automatic``: the space learns it."""
    await database_sync_to_async(_publish_status)(convening_id, space, "on" if on else "off")
