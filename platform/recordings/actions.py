"""Recordings: who may record where, the row the report lists, its state and captions.

Synchronous (the handler calls these through ``database_sync_to_async``). The media server's
part -- the packets on its disk -- is signaling.media.recording; what people in the space are
told when a recording starts, stops or fails is live-room work: rooms.actions.recording.
"""
from __future__ import annotations

import secrets
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from captions.models import CaptionLine
from convenings.agenda import session_at
from recordings.models import Recording, RecordingPolicy, State
from recordings.storage import spool_dir
from signaling.protocol import PLENARY
from signaling.protocol.recording import RecordingState
from signaling.protocol.shapes import Person

STARTED = "This session is being recorded."
NOT_RECORDING = "This space is not being recorded."


class AlreadyRecording(Exception):
    """Someone else started recording this space a moment ago."""


def rooms_allowed(convening_id: int) -> bool:
    return RecordingPolicy.objects.filter(convening_id=convening_id, rooms_allowed=True).exists()


def set_rooms_allowed(convening_id: int, allowed: bool) -> None:
    RecordingPolicy.objects.update_or_create(convening_id=convening_id, defaults={"rooms_allowed": allowed})


def may_record(convening_id: int, space: str) -> bool:
    return space == PLENARY or rooms_allowed(convening_id)


def live(convening_id: int, space: str) -> Recording | None:
    return Recording.objects.filter(convening_id=convening_id, space=space, state=State.RECORDING).first()


def begin(convening_id: int, space: str, by: Person | None) -> Recording:
    """A new recording row (not announced yet: the media server starts first)."""
    now = timezone.now()
    folder = spool_dir() / str(convening_id) / f"{space}-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    try:
        with transaction.atomic():
            return Recording.objects.create(
                convening_id=convening_id, space=space, session=session_at(convening_id, now), started_at=now,
                started_by_id=None if by is None else by.participant_id, folder=str(folder))
    except IntegrityError as exc:  # one_live_recording_per_space
        raise AlreadyRecording(space) from exc


def abandon(recording_id: int) -> None:
    """The media server could not start: no recording after all."""
    Recording.objects.filter(pk=recording_id, state=State.RECORDING).delete()


def state(convening_id: int, space: str) -> RecordingState:
    recording = live(convening_id, space)
    if recording is None:
        return RecordingState(space=space, recording=False, since=None, by=None, message=NOT_RECORDING)
    return state_of(recording, None)


def state_of(recording: Recording, by: Person | None) -> RecordingState:
    if by is None and recording.started_by is not None:
        by = Person(participant_id=recording.started_by.pk, name=recording.started_by.name)
    return RecordingState(space=recording.space, recording=True, since=recording.started_at, by=by, message=STARTED)


def cues(recording: Recording) -> list[tuple[float, float, str]]:
    """The space's final caption lines during the recording: (start s, end s, text)."""
    lines = CaptionLine.objects.filter(convening_id=recording.convening_id, space=recording.space, final=True,
                                       started_at__gte=recording.started_at)
    if recording.stopped_at is not None:
        lines = lines.filter(started_at__lt=recording.stopped_at)
    out = []
    for line in lines.order_by("started_at", "id"):
        start = (line.started_at - recording.started_at).total_seconds()
        end = ((line.ended_at or line.started_at) - recording.started_at).total_seconds()
        out.append((start, max(end, start + 1.0), line.text))
    return out


def folder_of(recording: Recording) -> Path:
    return Path(recording.folder)
