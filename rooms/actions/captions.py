"""Live captions: who captions a space, and the lines they send. Write, then publish.

Live-room work, so it lives in rooms (the captions app keeps the models, the pure rules and the
transcripts people read afterwards).

Synchronous (the consumers call these through ``database_sync_to_async``); every change
happens in one transaction and is announced through ``rooms.actions.publish`` — the one door
out — to the space's group only, so a room's captions never reach the plenary or another room.

The speech engine of automatic captions (issue 19 item 2) calls :func:`automatic_line`: the
same lines, the same messages, ``source="automatic"``, and nothing while a person captions.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from captions.models import Captioner, CaptionLine
from captions.rules import HISTORY_LINES, Source, clean_line, line_step, takes_automatic
from convenings.agenda import session_at
from convenings.models import Registration
from people.models import Participant
from rooms.actions import NotFound
from rooms.actions.publish import participant_group, publish, space_group
from signaling.protocol.captions import CaptionEntry, CaptionsAssigned, CaptionsCaption, CaptionsHistory
from signaling.protocol.shapes import Person


class NotCaptioner(PermissionError):
    """Someone who is not the captioner of their space sent a caption line."""


def _person(participant: Participant | None) -> Person | None:
    return None if participant is None else Person(participant_id=participant.pk, name=participant.name)


def captioner_of(convening_id: int, space: str) -> Person | None:
    row = Captioner.objects.filter(convening_id=convening_id, space=space).select_related(
        "participant__user").first()
    return None if row is None else _person(row.participant)


def assign(convening_id: int, space: str, participant_id: int | None, by: Person) -> Person | None:
    """Make ``participant_id`` the captioner of ``space`` (None: nobody). Returns the captioner.

    A line the previous captioner had not finished is dropped: it was never said in full."""
    with transaction.atomic():
        captioner = None
        if participant_id is not None:
            registration = Registration.objects.filter(convening_id=convening_id, participant_id=participant_id
                                                       ).select_related("participant__user").first()
            if registration is None:
                raise NotFound("That person is not registered for this convening.")
            captioner = _person(registration.participant)
        previous = Captioner.objects.select_for_update().filter(convening_id=convening_id, space=space).first()
        before = previous.participant_id if previous is not None else None
        if previous is not None:
            previous.delete()
        if participant_id is not None:
            Captioner.objects.create(convening_id=convening_id, space=space, participant_id=participant_id,
                                     assigned_by_id=by.participant_id, assigned_at=timezone.now())
        CaptionLine.objects.filter(convening_id=convening_id, space=space, final=False,
                                   source=Source.PERSON).delete()
        message = CaptionsAssigned(space=space, captioner=captioner, by=by)
        publish(space_group(convening_id, space), message)
        # The new and the previous captioner may be elsewhere (a CART provider assigned before
        # they enter the room): their own tabs learn it too, to show or hide the text box.
        for pid in sorted({before, participant_id} - {None}):
            publish(participant_group(convening_id, pid), message)  # type: ignore[arg-type]
    return captioner


def _entry(line: CaptionLine) -> CaptionEntry:
    return CaptionEntry(space=line.space, id=line.pk, by=_person(line.captioner), speaker=_person(line.speaker),
                        source=line.source, text=line.text, final=line.final, at=line.started_at)


def _step(convening_id: int, space: str, source: Source, text: str, final: bool, *,
          captioner_id: int | None = None, speaker_id: int | None = None) -> CaptionEntry | None:
    """Update the space's open line of this source (or start one) and tell the space.
    Call inside a transaction."""
    text = clean_line(text)
    # of=self: PostgreSQL locks no row of a nullable join (the captioner, the speaker).
    line = (CaptionLine.objects.select_for_update(of=("self",))
            .filter(convening_id=convening_id, space=space, source=source, final=False, captioner_id=captioner_id)
            .select_related("captioner__user", "speaker__user").first())
    step = line_step(line is not None, text, final)
    if not step.publish:
        return None
    now = timezone.now()
    if line is None:
        line = CaptionLine(convening_id=convening_id, space=space, source=source, captioner_id=captioner_id,
                           session=session_at(convening_id, now), started_at=now)
    line.text, line.speaker_id = text, speaker_id if speaker_id is not None else line.speaker_id
    if step.commit:
        line.final, line.ended_at = True, now
    line.save()
    entry = _entry(line)
    publish(space_group(convening_id, space), CaptionsCaption(**entry.model_dump()))
    return entry


def type_line(convening_id: int, space: str, by: Person, text: str, final: bool) -> CaptionEntry | None:
    """The captioner of ``space`` typed (``final``: finished) a line. NotCaptioner otherwise."""
    with transaction.atomic():
        if not Captioner.objects.filter(convening_id=convening_id, space=space,
                                        participant_id=by.participant_id).exists():
            raise NotCaptioner("Only the captioner of this space can send captions; a moderator chooses them.")
        return _step(convening_id, space, Source.PERSON, text, final, captioner_id=by.participant_id)


def automatic_line(convening_id: int, space: str, text: str, final: bool,
                   speaker_id: int | None = None) -> CaptionEntry | None:
    """A speech engine's hypothesis (``final``: settled) for ``space``; None when nothing was
    published — a person captions the space (their captions win) or an empty partial."""
    with transaction.atomic():
        person_captioning = Captioner.objects.filter(convening_id=convening_id, space=space).exists()
        if not takes_automatic(person_captioning):
            return None
        return _step(convening_id, space, Source.AUTOMATIC, text, final, speaker_id=speaker_id)


def history(convening_id: int, space: str, limit: int = HISTORY_LINES) -> CaptionsHistory:
    """Who captions ``space`` and its last ``limit`` final lines, oldest first."""
    lines = list(CaptionLine.objects.filter(convening_id=convening_id, space=space, final=True)
                 .select_related("captioner__user", "speaker__user").order_by("-started_at", "-id")[:limit])
    return CaptionsHistory(space=space, captioner=captioner_of(convening_id, space),
                           lines=[_entry(line) for line in reversed(lines)])
