"""Moderator notices to the whole convening: the plenary and every breakout room."""
from __future__ import annotations

from django.utils import timezone

from rooms.actions.publish import convening_group, publish
from signaling.protocol.plenary import Broadcast
from signaling.protocol.shapes import Person


def send(convening_id: int, text: str, by: Person) -> Broadcast:
    # Nothing to store: a broadcast is for whoever is connected now.
    message = Broadcast(text=text, from_=by, at=timezone.now())
    publish(convening_group(convening_id), message)
    return message
