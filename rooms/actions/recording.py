"""Recordings as the people in a space see them: started, stopped, failed. Write, then publish
through the one door (rooms.actions.publish). Who may record and the rows themselves are the
recordings app's (recordings.actions); the handler (signaling/consumers/handlers/recording.py)
calls both through ``database_sync_to_async``.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from convenings.models import Registration
from recordings.actions import state_of
from recordings.models import Recording, State
from rooms.actions.publish import participant_group, publish, space_group
from signaling.protocol import PLENARY
from signaling.protocol.recording import RecordingNotice, RecordingState
from signaling.protocol.shapes import Person

STOPPED = "Recording stopped."
FAULTS = {
    "disk_full": "Recording of {space} stopped: the server's disk is full. What was recorded until now is kept.",
    "write_failed": "Recording of {space} stopped: the server could not write it. What was recorded until now is kept.",
    "media_unavailable": "Recording of {space} could not start: the media server is not available.",
}
MODERATING = ("moderator", "organizer")


def announce(recording: Recording, by: Person | None) -> None:
    publish(space_group(recording.convening_id, recording.space), state_of(recording, by))


def end(convening_id: int, space: str, by: Person | None, *, reason: str = "stopped",
        gaps: list[tuple[str, float, float]] | None = None, dropped: int = 0) -> Recording | None:
    """The recording of ``space`` stopped: waiting to be rendered. Everyone in the space is told."""
    with transaction.atomic():
        recording = (Recording.objects.select_for_update()
                     .filter(convening_id=convening_id, space=space, state=State.RECORDING).first())
        if recording is not None:
            recording.state, recording.stopped_at, recording.stop_reason = State.STOPPED, timezone.now(), reason
            recording.gaps = [[pub, round(a, 3), round(b, 3)] for pub, a, b in gaps or ()]
            recording.dropped_frames = dropped
            recording.save(update_fields=["state", "stopped_at", "stop_reason", "gaps", "dropped_frames"])
    publish(space_group(convening_id, space), RecordingState(space=space, recording=False, since=None, by=by,
                                                             message=STOPPED))
    return recording


def fault(convening_id: int, space: str, reason: str) -> Recording | None:
    """The recording stopped on its own (a full disk): the space is told, the moderators why."""
    recording = end(convening_id, space, None, reason=reason)
    notify_moderators(convening_id, space, reason)
    return recording


def notify_moderators(convening_id: int, space: str, reason: str) -> None:
    text = FAULTS.get(reason, FAULTS["write_failed"]).format(space="the plenary" if space == PLENARY else space)
    notice = RecordingNotice(space=space, reason=reason if reason in FAULTS else "write_failed", message=text)
    for pid in Registration.objects.filter(convening_id=convening_id, role__in=MODERATING).values_list(
            "participant_id", flat=True):
        publish(participant_group(convening_id, pid), notice)
