"""A breakout room's shared notes: versioned, merged, never silently overwritten.

An edit names the version it started from. The same version: saved as is. An
older one: merged line by line against that version (kept in the revisions)
when the two edits touch different lines; otherwise refused (NotesConflict)
with the current text, so the writer can redo their change on top of it.

Saving is a compare-and-set: ``save`` writes only if the notes are still at the
version the text was made for, and otherwise hands back the newer notes without
writing. The merge itself (``merged``, pure, bounded by merge.DIFF_BUDGET) runs
between two such calls, outside the transaction and off the database thread every
other message of the worker waits on (see signaling/consumers/handlers/room_work.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from rooms.actions import NotFound
from rooms.actions.publish import publish, space_group
from rooms.breakout_models import RoomNotes, RoomNotesRevision
from rooms.breakouts import roster, store
from rooms.breakouts.merge import Work, merge3
from signaling.protocol.breakout_rooms import NotesUpdated
from signaling.protocol.shapes import Person

OVERLAP = "Someone changed the same lines meanwhile: here is the current text; make your change again on it."
TOO_TANGLED = ("Your edit and a newer one are too long or too repetitive to combine line by line: "
               "here is the current text; make your change again on it.")
BUSY = "The notes kept changing while yours were being saved: here is the current text; make your change again on it."


class NotesConflict(Exception):
    def __init__(self, current: NotesUpdated, reason: str) -> None:
        super().__init__(reason)
        self.current = current


@dataclass(frozen=True)
class Saved:
    """The notes after an edit. ``changed`` False: they already said exactly that, so nothing
    was written or sent to the room (the writer still deserves an answer: ``message``)."""
    message: NotesUpdated
    changed: bool


@dataclass(frozen=True)
class Newer:
    """Others saved since the edit's base version: ``current`` is what the edit must be merged
    into, ``base`` the text the edit started from (None: that version is not kept)."""
    current: NotesUpdated
    base: str | None


def _check_room(convening_id: int, room: str) -> None:
    if all(r.key != room for r in store.load(convening_id).state.rooms):
        raise NotFound(f"There is no breakout room {room!r}.")


def _message(notes: RoomNotes, by: Person | None = None) -> NotesUpdated:
    if by is None and notes.updated_by_id:
        by = Person(participant_id=notes.updated_by_id, name=roster.names([notes.updated_by_id]).get(notes.updated_by_id, ""))
    return NotesUpdated(room=notes.room_key, version=notes.version, text=notes.text, by=by)


def current(convening_id: int, room: str) -> NotesUpdated:
    _check_room(convening_id, room)
    notes = RoomNotes.objects.filter(convening_id=convening_id, room_key=room).first()
    return _message(notes) if notes else NotesUpdated(room=room, version=0, text="", by=None)


def _base_text(notes: RoomNotes, version: int) -> str | None:
    if version == 0:
        return ""
    return notes.revisions.filter(version=version).values_list("text", flat=True).first()


def save(convening_id: int, room: str, base_version: int, text: str, by: Person,
         *, made_for: int | None = None) -> Saved | Newer:
    """Save ``text`` if the notes are still at version ``made_for`` (default: ``base_version``,
    the version the writer started from); else write nothing and return the newer notes.
    Short: one locked row, no merging while the lock is held."""
    _check_room(convening_id, room)
    made_for = base_version if made_for is None else made_for
    with transaction.atomic():
        RoomNotes.objects.get_or_create(convening_id=convening_id, room_key=room)
        notes = RoomNotes.objects.select_for_update().get(convening_id=convening_id, room_key=room)
        if base_version > notes.version:
            raise NotesConflict(_message(notes), f"There is no version {base_version} of these notes yet.")
        if notes.version != made_for:
            return Newer(_message(notes), _base_text(notes, base_version))
        if text == notes.text:
            return Saved(_message(notes), changed=False)
        notes.version += 1
        notes.text, notes.updated_by_id, notes.updated_at = text, by.participant_id, timezone.now()
        notes.save()
        RoomNotesRevision.objects.create(notes=notes, version=notes.version, text=text, by_id=by.participant_id,
                                         at=notes.updated_at)
        message = _message(notes, by)
        publish(space_group(convening_id, room), message)
    return Saved(message, changed=True)


def merged(newer: Newer, text: str) -> str:
    """The writer's ``text`` folded into the newer notes (pure, bounded work), or NotesConflict."""
    work = Work()
    result = None if newer.base is None else merge3(newer.base, newer.current.text, text, work)
    if result is None:
        raise NotesConflict(newer.current, TOO_TANGLED if work.coarse else OVERLAP)
    return result
