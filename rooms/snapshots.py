"""Read-only views of a convening's live state, in the protocol's shapes.

Used for the welcome a new connection gets and for the events actions publish.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from people.models import Participant
from rooms.models import ChatMessage, Presence, RaisedHand
from signaling.protocol.shapes import ChatEntry, HandEntry, Person, RosterEntry

_PEOPLE = ("participant__user", "participant__school")


def person(participant: Participant) -> Person:
    return Person(participant_id=participant.pk, name=participant.name)


# Plain values, not model instances: the welcome of the 1,000th person reads a roster of
# 1,000 rows, and building Django objects for them took twice as long as the query.
_ROW = ("participant_id", "role", "space", "camera", "mic", "participant__job_role",
        "participant__user__first_name", "participant__user__last_name", "participant__user__username",
        "participant__school__name")


def _name(row: dict[str, Any]) -> str:
    """Participant.name, from values: the full name, else the username."""
    full = f"{row['participant__user__first_name']} {row['participant__user__last_name']}".strip()
    return full or row["participant__user__username"]


def _entries(rows: Iterable[dict[str, Any]], raised: set[int]) -> list[RosterEntry]:
    """One entry per person: several connections (tabs) count, the newest says where they are."""
    by_person: dict[int, dict[str, Any]] = {}
    for row in rows:  # ordered by connected_at, so later rows win
        pid = row["participant_id"]
        known = by_person.get(pid, {"camera": False, "mic": False, "connections": 0})
        by_person[pid] = {
            "participant_id": pid, "name": _name(row), "school": row["participant__school__name"],
            "job_role": row["participant__job_role"], "role": row["role"], "space": row["space"],
            "hand_raised": pid in raised, "camera": row["camera"] or known["camera"],
            "mic": row["mic"] or known["mic"], "connections": known["connections"] + 1}
    # Trusted values straight from the database: no need to validate them again.
    return [RosterEntry.model_construct(**entry) for entry in by_person.values()]


def roster(convening_id: int) -> list[RosterEntry]:
    rows = Presence.objects.filter(convening_id=convening_id).order_by("connected_at", "id").values(*_ROW)
    raised = set(RaisedHand.objects.filter(convening_id=convening_id).values_list("participant_id", flat=True))
    return sorted(_entries(rows, raised), key=lambda e: e.name)


def roster_entry(convening_id: int, participant_id: int) -> RosterEntry | None:
    rows = (Presence.objects.filter(convening_id=convening_id, participant_id=participant_id)
            .order_by("connected_at", "id").values(*_ROW))
    raised = RaisedHand.objects.filter(convening_id=convening_id, participant_id=participant_id).exists()
    entries = _entries(rows, {participant_id} if raised else set())
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
