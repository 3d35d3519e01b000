"""Events between Convene's own server parts, over the channel layer: never sent to browsers.

The client protocol (the rest of ``signaling.protocol``) is what browsers and the server say to
each other; these are what one server process says to another. Each is defined once here, as
a frozen model whose ``type`` is the receiving consumer's handler (Channels' routing), so the
sender (``rooms.actions``, ``signaling.media.relay``) and the receiver (``signaling.consumers``,
the media worker) import the same definition. This package is a leaf, as the client protocol is.

* ``breakouts.event`` (breakouts.py): a breakouts change, from rooms.actions.breakout_publish to
  every connection (signaling.consumers.breakout_events).
* ``media.event`` and ``media.rpc`` (media.py): between a websocket connection and the media
  worker that hosts its space (signaling.media.relay), and a moderator's screen-share permission.
* ``deliver`` (below): an already-serialized client message for everyone in a group.

Senders call ``to_event()``; receivers ``parse()``: an event that does not fit its model (a bug,
or a process of another version) is logged and dropped, never raised into the consumer's or the
worker's loop.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

logger = logging.getLogger("convene.signaling")
T = TypeVar("T")
DELIVER: Literal["deliver"] = "deliver"
_LOGGED_ERRORS = 3  # a malformed event's log line stays short, however large the event


class InternalEvent(BaseModel):
    """A message between server processes, as the channel layer carries it (a flat dict)."""

    # Fields a receiver does not know are ignored: during a rolling deploy a newer process may add one.
    model_config = ConfigDict(frozen=True, extra="ignore")

    def to_event(self) -> dict[str, Any]:
        """The channel-layer message: dicts, lists, strings, numbers (msgpack maps want string keys)."""
        return self.model_dump()


class Deliver(InternalEvent):
    """A client message, serialized once, for every connection of a group."""

    type: Literal["deliver"] = DELIVER
    text: str


def parse(adapter: TypeAdapter[T], event: Any, where: str) -> T | None:
    """``event`` as its model, or None (logged) if it does not fit: dropped, the receiver goes on."""
    try:
        return adapter.validate_python(event)
    except ValidationError as exc:
        kind = str(event.get("type"))[:80] if isinstance(event, Mapping) else type(event).__name__
        logger.warning("dropped a malformed %r event at %s: %s", kind, where,
                       exc.errors(include_url=False, include_input=False)[:_LOGGED_ERRORS])
        return None


DELIVER_EVENT: TypeAdapter[Deliver] = TypeAdapter(Deliver)
