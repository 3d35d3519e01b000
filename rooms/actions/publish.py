"""The one door out: every event for connected browsers leaves through here.

Groups: one per convening (broadcasts, roster changes), one per space (chat,
hand queue) and one per participant (all their tabs: "you're invited to speak",
"you were moved"). Events carry the client message already serialized, so a
fan-out to a thousand connections encodes JSON once.
"""
from __future__ import annotations

import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from signaling.protocol import ServerMessage

logger = logging.getLogger("convene.signaling")

# The consumer method that forwards a serialized client message (ConveningConsumer.deliver).
DELIVER = "deliver"
# The consumer method that switches a connection to another space (ConveningConsumer.space_enter).
SPACE_ENTER = "space.enter"


def convening_group(convening_id: int) -> str:
    return f"convening.{convening_id}"


def space_group(convening_id: int, space: str) -> str:
    return f"convening.{convening_id}.space.{space}"


def participant_group(convening_id: int, participant_id: int) -> str:
    return f"convening.{convening_id}.person.{participant_id}"


def groups_of(convening_id: int, participant_id: int, space: str) -> list[str]:
    """Every group one connection belongs to."""
    return [convening_group(convening_id), space_group(convening_id, space),
            participant_group(convening_id, participant_id)]


def publish(group: str, message: ServerMessage) -> None:
    """Send ``message`` to everyone in ``group`` once the current transaction commits."""
    publish_event(group, {"type": DELIVER, "text": message.to_json()})


def publish_event(group: str, event: dict[str, Any]) -> None:
    """Send a consumer event (not a client message) to ``group`` after commit."""
    # robust: the change is committed either way; a layer outage is logged, and
    # clients catch up with chat.sync / the welcome when they reconnect.
    transaction.on_commit(partial(_group_send, group, event), robust=True)


def _group_send(group: str, event: dict[str, Any]) -> None:
    async_to_sync(get_channel_layer().group_send)(group, event)


def forget_connection(channel_name: str, groups: list[str]) -> None:
    """Take a dead connection (its worker stopped) out of its groups."""
    layer = get_channel_layer()

    async def discard() -> None:
        for group in groups:
            await layer.group_discard(group, channel_name)

    transaction.on_commit(async_to_sync(discard), robust=True)
