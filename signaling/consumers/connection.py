"""One admitted websocket, as the handlers see it: who, where, and how to reply."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from convenings.permissions import Action, allowed
from rooms.actions.publish import convening_group, participant_group, space_group
from signaling.protocol import ErrorCode, Limits, ProtocolError, ServerMessage
from signaling.protocol.shapes import ConveningRef, Identity, Person

Reply = Callable[[ServerMessage], Awaitable[None]]


async def _at_once() -> None:
    """No socket to watch (tests' communicator): nothing to wait for."""


class ConnectionTasks:
    """Background work of one connection; all of it is cancelled when the socket closes."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], name: str, replacing: bool = False) -> asyncio.Task[None]:
        """Run ``work`` until it ends or the socket closes; ``replacing``: cancel the running
        tasks of the same name first (a newer request supersedes an older one)."""
        if replacing:
            for older in [t for t in self._tasks if t.get_name() == name]:
                older.cancel()
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def __len__(self) -> int:
        return len(self._tasks)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass
class Connection:
    channel_name: str
    convening_id: int
    convening: ConveningRef
    you: Identity
    space: str
    limits: Limits
    reply: Reply
    tasks: ConnectionTasks = field(default_factory=ConnectionTasks)
    # Until what is queued for this client has gone out (signaling.consumers.backpressure):
    # long answers (chat.sync pages) go out as the socket drains, not all at once.
    drained: Callable[[], Awaitable[None]] = _at_once

    @property
    def participant_id(self) -> int:
        return self.you.participant_id

    @property
    def role(self) -> str:
        return self.you.role

    @property
    def person(self) -> Person:
        return Person(participant_id=self.you.participant_id, name=self.you.name)

    @property
    def own_group(self) -> str:
        """The consumer's own channel-layer group (this person's tabs)."""
        return participant_group(self.convening_id, self.participant_id)

    @property
    def shared_groups(self) -> tuple[str, str]:
        """The convening's and the space's groups: joined through the worker's fan-out hub."""
        return convening_group(self.convening_id), space_group(self.convening_id, self.space)

    def can(self, action: Action) -> bool:
        return allowed(self.role, action)

    def require(self, action: Action, ref: str | None, what: str) -> None:
        """Refuse with ``forbidden`` unless this person's role allows ``action``."""
        if not self.can(action):
            raise ProtocolError(ErrorCode.FORBIDDEN, f"Your role ({self.role}) cannot {what}.", ref)
