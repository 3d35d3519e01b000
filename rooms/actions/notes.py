"""A breakout room's shared notes: versioned, merged, never silently overwritten.

An edit names the version it started from. The same version: saved as is. An
older one: merged line by line against that version (kept in the revisions)
when the two edits touch different lines; otherwise refused (NotesConflict)
with the current text, so the writer can redo their change on top of it.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from rooms.actions import NotFound
from rooms.actions.publish import publish, space_group
from rooms.breakout_models import RoomNotes, RoomNotesRevision
from rooms.breakouts import roster, store
from rooms.breakouts.merge import merge3
from signaling.protocol.breakout_rooms import NotesUpdated
from signaling.protocol.shapes import Person


class NotesConflict(Exception):
    def __init__(self, current: NotesUpdated, reason: str) -> None:
        super().__init__(reason)
        self.current = current


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


def edit(convening_id: int, room: str, base_version: int, text: str, by: Person) -> NotesUpdated:
    _check_room(convening_id, room)
    with transaction.atomic():
        RoomNotes.objects.get_or_create(convening_id=convening_id, room_key=room)
        notes = RoomNotes.objects.select_for_update().get(convening_id=convening_id, room_key=room)
        if base_version > notes.version:
            raise NotesConflict(_message(notes), f"There is no version {base_version} of these notes yet.")
        base = _base_text(notes, base_version)
        merged = text if base_version == notes.version else (None if base is None else merge3(base, notes.text, text))
        if merged is None:
            raise NotesConflict(_message(notes), "Someone changed the same lines meanwhile: "
                                                 "here is the current text; make your change again on it.")
        if merged == notes.text:
            return _message(notes)
        notes.version += 1
        notes.text, notes.updated_by_id, notes.updated_at = merged, by.participant_id, timezone.now()
        notes.save()
        RoomNotesRevision.objects.create(notes=notes, version=notes.version, text=merged, by_id=by.participant_id,
                                         at=notes.updated_at)
        message = _message(notes, by)
        publish(space_group(convening_id, room), message)
    return message
