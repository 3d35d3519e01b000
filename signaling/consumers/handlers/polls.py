"""poll.ask, poll.vote, poll.close, poll.share and poll.sync: parse, authorize, delegate to
rooms.actions.polls; the rules' refusals become errors the person can act on."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from convenings.permissions import Action
from polls.rules import NotNow, OutOfScope, PollRefused
from rooms.actions import polls as actions
from signaling.consumers.connection import Connection
from signaling.consumers.handlers import db, handles
from signaling.protocol import ErrorCode, ProtocolError
from signaling.protocol.polls import PollAsk, PollClose, PollShare, PollSync, PollVote


async def _refusals(work: Callable[..., Any], ref: str | None, *args: Any) -> Any:
    """Run an action off the event loop; a rule it breaks becomes the matching error."""
    try:
        return await db(work)(*args)
    except OutOfScope as exc:
        raise ProtocolError(ErrorCode.FORBIDDEN, str(exc), ref) from exc
    except NotNow as exc:
        raise ProtocolError(ErrorCode.ILLEGAL_TRANSITION, str(exc), ref) from exc
    except PollRefused as exc:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, str(exc), ref) from exc


@handles(PollAsk, requires=Action.RUN_POLLS, what="ask polls")
async def ask(conn: Connection, message: PollAsk) -> None:
    await _refusals(actions.ask, message.id, conn.convening_id, conn.person, message.question, message.kind,
                    message.options, message.scope)


@handles(PollVote)
async def vote(conn: Connection, message: PollVote) -> None:
    # The space is the connection's own: people vote where they are, never for another room.
    await _refusals(actions.vote, message.id, conn.convening_id, conn.participant_id, conn.space,
                    message.poll_id, message.choices)


@handles(PollClose, requires=Action.RUN_POLLS, what="close polls")
async def close(conn: Connection, message: PollClose) -> None:
    await _refusals(actions.close, message.id, conn.convening_id, conn.person, message.poll_id)


@handles(PollShare, requires=Action.RUN_POLLS, what="share poll results")
async def share(conn: Connection, message: PollShare) -> None:
    await _refusals(actions.share, message.id, conn.convening_id, message.poll_id, message.shared)


@handles(PollSync)
async def sync(conn: Connection, message: PollSync) -> None:
    state = await db(actions.state)(conn.convening_id, conn.participant_id, conn.can(Action.RUN_POLLS))
    await conn.reply(state.model_copy(update={"ref": message.id}))
