"""Chat in a space: numbered messages, so reconnecting browsers miss nothing."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from rooms.actions import NotFound
from rooms.actions.publish import publish, space_group
from rooms.models import ChatMessage, SpaceCounter
from signaling.protocol.plenary import ChatDeleted, ChatMessageOut
from signaling.protocol.shapes import ChatEntry, Person


def _next_seq(convening_id: int, space: str) -> int:
    """Allocate the space's next sequence number; call inside a transaction.

    The counter row is locked (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the
    IMMEDIATE transaction holds the write lock), so concurrent posts on any
    worker get distinct, gap-free numbers in commit order.
    """
    counter, _ = SpaceCounter.objects.select_for_update().get_or_create(convening_id=convening_id, space=space)
    counter.last_seq += 1
    counter.save(update_fields=["last_seq"])
    return counter.last_seq


def post(convening_id: int, space: str, author: Person, text: str, client_id: str | None = None) -> ChatEntry:
    """Store and announce a message. With ``client_id`` (the browser's id for it), a message that
    author already stored under that id is returned as it is: a resend after a reconnect (the
    first try's acknowledgement was lost with the connection) stores and announces nothing twice."""
    if client_id is not None and (known := _posted(convening_id, author, client_id)) is not None:
        return known
    try:
        with transaction.atomic():
            message = ChatMessage.objects.create(convening_id=convening_id, space=space, text=text,
                                                 author_id=author.participant_id, client_id=client_id,
                                                 seq=_next_seq(convening_id, space))
            entry = _entry(message, author)
            publish(space_group(convening_id, space), ChatMessageOut(**entry.model_dump()))
    except IntegrityError:
        # The same resend on another worker won the race (the unique client id): that one counts.
        if client_id is None or (known := _posted(convening_id, author, client_id)) is None:
            raise
        return known
    return entry


def _posted(convening_id: int, author: Person, client_id: str) -> ChatEntry | None:
    message = ChatMessage.objects.filter(convening_id=convening_id, author_id=author.participant_id,
                                         client_id=client_id).first()
    return None if message is None else _entry(message, author)


def _entry(message: ChatMessage, author: Person) -> ChatEntry:
    return ChatEntry(space=message.space, seq=message.seq, author=author, text=message.text, at=message.created_at,
                     deleted=message.deleted_at is not None)


def delete(convening_id: int, space: str, seq: int, by: Person) -> None:
    """A moderator removes a message for everyone; history keeps a tombstone."""
    with transaction.atomic():
        removed = ChatMessage.objects.filter(convening_id=convening_id, space=space, seq=seq,
                                             deleted_at__isnull=True).update(
            deleted_at=timezone.now(), deleted_by_id=by.participant_id)
        if not removed:
            raise NotFound(f"There is no message {seq} in {space} to delete.")
        publish(space_group(convening_id, space), ChatDeleted(space=space, seq=seq, by=by))
