"""Read-only views of a convening's live state, in the protocol's shapes.

Used for the welcome a new connection gets and for the events actions publish.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Window
from django.db.models.functions import RowNumber

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
Row = tuple[int, str, str, bool, bool, str, str, str, str, str | None]
# participant_id, name, school, job_role, role, space, hand_raised, camera, mic, connections
Fields = tuple[int, str, str | None, str, str, str, bool, bool, bool, int]

# Entries already built, by everything they say: between two joins almost nobody's entry
# changes, and building 1,000 of them per welcome was a third of a join's time on the
# database thread. Shared instances are only ever serialized, never changed.
_built: dict[Fields, RosterEntry] = {}
_BUILT_MAX = 50_000


def _entry(fields: Fields) -> RosterEntry:
    entry = _built.get(fields)
    if entry is None:
        if len(_built) >= _BUILT_MAX:
            _built.clear()
        pid, name, school, job_role, role, space, hand, camera, mic, connections = fields
        # Trusted values straight from the database: no need to validate them again.
        entry = _built[fields] = RosterEntry.model_construct(
            participant_id=pid, name=name, school=school, job_role=job_role, role=role, space=space,
            hand_raised=hand, camera=camera, mic=mic, connections=connections)
    return entry


def _entries(rows: Iterable[Row], raised: set[int]) -> list[RosterEntry]:
    """One entry per person: several connections (tabs) count, the newest says where they are."""
    by_person: dict[int, Fields] = {}
    for pid, role, space, camera, mic, job_role, first, last, username, school in rows:  # by connected_at:
        known = by_person.get(pid)  # later rows win
        connections = 1
        if known is not None:
            camera, mic, connections = camera or known[7], mic or known[8], known[9] + 1
        name = f"{first} {last}".strip() or username  # Participant.name
        by_person[pid] = (pid, name, school, job_role, role, space, pid in raised, camera, mic, connections)
    return [_entry(fields) for fields in by_person.values()]


def roster(convening_id: int, raised: set[int] | None = None) -> list[RosterEntry]:
    """Everyone here, once each; ``raised``: whose hands are up, if already read (``hands``)."""
    rows = Presence.objects.filter(convening_id=convening_id).order_by("connected_at", "id").values_list(*_ROW)
    if raised is None:
        raised = set(RaisedHand.objects.filter(convening_id=convening_id).values_list("participant_id", flat=True))
    return sorted(_entries(rows, raised), key=lambda e: e.name)


def hands(convening_id: int) -> list[RaisedHand]:
    """Every raised hand of the convening, queue order, with names: one read for both the
    roster's raised hands and a space's queue (a welcome needs both)."""
    return list(RaisedHand.objects.filter(convening_id=convening_id).select_related(*_PEOPLE)
                .order_by("raised_at", "id"))


def queue_of(raised: list[RaisedHand], space: str) -> list[HandEntry]:
    """A space's hand queue from ``hands``."""
    return [HandEntry(participant_id=h.participant_id, name=h.participant.name, raised_at=h.raised_at)
            for h in raised if h.space == space]


def roster_entry(convening_id: int, participant_id: int) -> RosterEntry | None:
    rows = (Presence.objects.filter(convening_id=convening_id, participant_id=participant_id)
            .order_by("connected_at", "id").values_list(*_ROW))
    raised = RaisedHand.objects.filter(convening_id=convening_id, participant_id=participant_id).exists()
    entries = _entries(rows, {participant_id} if raised else set())
    return entries[0] if entries else None


def hand_queue(convening_id: int, space: str) -> list[HandEntry]:
    return queue_of(list(RaisedHand.objects.filter(convening_id=convening_id, space=space).select_related(*_PEOPLE)
                         .order_by("raised_at", "id")), space)


def chat_entry(message: ChatMessage) -> ChatEntry:
    deleted = message.deleted_at is not None
    author = message.author
    return ChatEntry(space=message.space, seq=message.seq, at=message.created_at, deleted=deleted,
                     author=Person(participant_id=author.pk, name=author.name) if author else None,
                     text="" if deleted else message.text)


def _chat(convening_id: int, *spaces: str):  # noqa: ANN202 — a QuerySet[ChatMessage]
    return ChatMessage.objects.filter(convening_id=convening_id, space__in=spaces).select_related("author__user")


def recent_chat(convening_id: int, space: str, limit: int) -> list[ChatEntry]:
    """The last ``limit`` messages of a space, oldest first (deleted ones as tombstones)."""
    return recent_chats(convening_id, [space], limit)[space]


def recent_chats(convening_id: int, spaces: Iterable[str], limit: int) -> dict[str, list[ChatEntry]]:
    """``recent_chat`` of several spaces in one query (people arriving together in many rooms)."""
    wanted = sorted(set(spaces))
    newest = Window(RowNumber(), partition_by=[F("space")], order_by=F("seq").desc())
    rows = _chat(convening_id, *wanted).annotate(newest=newest).filter(newest__lte=limit).order_by("space", "seq")
    chats: dict[str, list[ChatEntry]] = {space: [] for space in wanted}
    for message in rows:
        chats[message.space].append(chat_entry(message))
    return chats


def chat_after(convening_id: int, space: str, after_seq: int, limit: int) -> tuple[list[ChatEntry], bool]:
    """Up to ``limit`` messages with seq > after_seq in order, and whether more follow."""
    page = list(_chat(convening_id, space).filter(seq__gt=after_seq).order_by("seq")[: limit + 1])
    return [chat_entry(m) for m in page[:limit]], len(page) > limit
