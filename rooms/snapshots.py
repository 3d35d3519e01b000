"""Read-only views of a convening's live state, in the protocol's shapes.

Used for the welcome a new connection gets and for the events actions publish.
"""
from __future__ import annotations

from collections.abc import Iterable

from people.models import Participant
from rooms.models import ChatMessage, Presence, RaisedHand
from signaling.protocol.shapes import ChatEntry, HandEntry, Person, RosterEntry

_PEOPLE = ("participant__user", "participant__school")


def person(participant: Participant) -> Person:
    return Person(participant_id=participant.pk, name=participant.name)


def _entries(rows: Iterable[Presence], raised: set[int]) -> list[RosterEntry]:
    """One entry per person: several connections (tabs) count, the newest says where they are."""
    by_person: dict[int, RosterEntry] = {}
    for row in rows:  # ordered by connected_at, so later rows win
        known = by_person.get(row.participant_id)
        p = row.participant
        by_person[row.participant_id] = RosterEntry(
            participant_id=p.pk, name=p.name, school=p.school.name if p.school_id else None,
            job_role=p.job_role, role=row.role, space=row.space,
            hand_raised=row.participant_id in raised,
            camera=row.camera or bool(known and known.camera), mic=row.mic or bool(known and known.mic),
            connections=(known.connections if known else 0) + 1)
    return list(by_person.values())


def roster(convening_id: int) -> list[RosterEntry]:
    rows = Presence.objects.filter(convening_id=convening_id).select_related(*_PEOPLE)
    raised = set(RaisedHand.objects.filter(convening_id=convening_id).values_list("participant_id", flat=True))
    return sorted(_entries(rows.order_by("connected_at", "id"), raised), key=lambda e: e.name)


def roster_entry(convening_id: int, participant_id: int) -> RosterEntry | None:
    rows = Presence.objects.filter(convening_id=convening_id, participant_id=participant_id)
    raised = RaisedHand.objects.filter(convening_id=convening_id, participant_id=participant_id).exists()
    entries = _entries(rows.select_related(*_PEOPLE).order_by("connected_at", "id"),
                       {participant_id} if raised else set())
    return entries[0] if entries else None


def hand_queue(convening_id: int, space: str) -> list[HandEntry]:
    hands = RaisedHand.objects.filter(convening_id=convening_id, space=space).select_related(*_PEOPLE)
    return [HandEntry(participant_id=h.participant_id, name=h.participant.name, raised_at=h.raised_at)
            for h in hands.order_by("raised_at", "id")]


def chat_entry(message: ChatMessage) -> ChatEntry:
    deleted = message.deleted_at is not None
    author = message.author
    return ChatEntry(space=message.space, seq=message.seq, at=message.created_at, deleted=deleted,
                     author=Person(participant_id=author.pk, name=author.name) if author else None,
                     text="" if deleted else message.text)


def _chat(convening_id: int, space: str):  # noqa: ANN202 — a QuerySet[ChatMessage]
    return ChatMessage.objects.filter(convening_id=convening_id, space=space).select_related("author__user")


def recent_chat(convening_id: int, space: str, limit: int) -> list[ChatEntry]:
    """The last ``limit`` messages of a space, oldest first (deleted ones as tombstones)."""
    newest = list(_chat(convening_id, space).order_by("-seq")[:limit])
    return [chat_entry(m) for m in reversed(newest)]


def chat_after(convening_id: int, space: str, after_seq: int, limit: int) -> tuple[list[ChatEntry], bool]:
    """Up to ``limit`` messages with seq > after_seq in order, and whether more follow."""
    page = list(_chat(convening_id, space).filter(seq__gt=after_seq).order_by("seq")[: limit + 1])
    return [chat_entry(m) for m in page[:limit]], len(page) > limit
