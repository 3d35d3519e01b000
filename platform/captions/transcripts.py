"""Reading transcripts: the final caption lines of a convening, per session and space."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Min

from captions.access import Interval, was_there
from captions.models import CaptionLine, TranscriptAccess
from captions.transcript import Line, Transcript
from convenings.models import Convening, Session
from people.models import Participant
from rooms.breakout_models import RoomAssignment
from signaling.protocol import PLENARY

NO_SESSION = 0  # in URLs: lines captioned when no session was live


@dataclass(frozen=True)
class TranscriptRef:
    """One transcript: the final lines of one space during one session."""
    session_id: int  # NO_SESSION when none was live
    session_title: str
    space: str
    space_name: str
    lines: int
    first: object  # datetime of the first line
    last: object

    @property
    def title(self) -> str:
        return f"{self.session_title} · {self.space_name}"


def participants_may_read(convening: Convening) -> bool:
    return TranscriptAccess.objects.filter(convening=convening, participants_may_read=True).exists()


def set_participants_may_read(convening: Convening, allowed: bool) -> None:
    TranscriptAccess.objects.update_or_create(convening=convening, defaults={"participants_may_read": allowed})


def space_names(convening: Convening) -> dict[str, str]:
    """Room keys → the names people saw (the breakouts' history); the plenary is "Plenary"."""
    names = dict(RoomAssignment.objects.filter(convening=convening).exclude(room_name="")
                 .order_by("joined_at").values_list("room_key", "room_name"))
    return {**names, PLENARY: "Plenary"}


def transcripts(convening: Convening) -> list[TranscriptRef]:
    """Every transcript of the convening, in the order they began."""
    groups = (CaptionLine.objects.filter(convening=convening, final=True).values("session_id", "space")
              .annotate(lines=Count("id"), first=Min("started_at"), last=Max("ended_at")).order_by("first"))
    titles = dict(Session.objects.filter(convening=convening).values_list("id", "title"))
    names = space_names(convening)
    return [TranscriptRef(session_id=g["session_id"] or NO_SESSION,
                          session_title=titles.get(g["session_id"], "Outside the agenda's sessions"),
                          space=g["space"], space_name=names.get(g["space"], g["space"]), lines=g["lines"],
                          first=g["first"], last=g["last"] or g["first"])
            for g in groups]


def readable(convening: Convening, participant: Participant) -> list[TranscriptRef]:
    """The transcripts of spaces ``participant`` was in while they were captioned."""
    stays: dict[str, list[Interval]] = {}
    # Attendance rows are rooms' live state, read through the convening (platform apps never import rooms).
    for space, joined, left in convening.attendance.filter(participant=participant
                                                           ).values_list("space", "joined_at", "left_at"):
        stays.setdefault(space, []).append((joined, left))
    return [ref for ref in transcripts(convening) if was_there(stays.get(ref.space, []), ref.first, ref.last)]


def _name(participant: Participant | None) -> str | None:
    return None if participant is None else participant.name


def transcript(convening: Convening, ref: TranscriptRef) -> Transcript:
    rows = (CaptionLine.objects.filter(convening=convening, final=True, space=ref.space,
                                       session_id=ref.session_id or None)
            .select_related("captioner__user", "speaker__user", "session").order_by("started_at", "id"))
    lines = tuple(Line(text=row.text, started_at=row.started_at, ended_at=row.ended_at or row.started_at,
                       source=row.source, captioner=_name(row.captioner), speaker=_name(row.speaker))
                  for row in rows)
    session = rows[0].session if rows else None
    origin = session.starts_at if session is not None else (lines[0].started_at if lines else ref.first)
    return Transcript(title=f"{convening.title} · {ref.title}", origin=origin, lines=lines)  # type: ignore[arg-type]


def find(refs: list[TranscriptRef], session_id: int, space: str) -> TranscriptRef | None:
    return next((r for r in refs if r.session_id == session_id and r.space == space), None)
