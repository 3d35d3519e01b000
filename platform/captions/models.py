"""Who captions which space, the lines they caption, and whether participants may read them."""
from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from captions.rules import Source

SOURCES = [(Source.PERSON.value, "A person (CART)"), (Source.AUTOMATIC.value, "Automatic")]


class Captioner(models.Model):
    """The person a moderator made the captioner of a space (the plenary or a room key)."""

    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    space = models.CharField(max_length=64)
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="+")
    assigned_by = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["convening", "space"], name="one_captioner_per_space")]

    def __str__(self) -> str:
        return f"{self.participant_id} captions {self.space}"


class CaptionLine(models.Model):
    """One caption line. Open (``final`` false) while it is being typed or recognized; the
    final text is what transcripts keep. ``session`` is the agenda item live when the line
    began (as action items find theirs); ``captioner`` typed it (empty for automatic lines);
    ``speaker`` said it, when known (automatic captions know the active speaker)."""

    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("convenings.Session", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    space = models.CharField(max_length=64)
    source = models.CharField(max_length=12, choices=SOURCES, default=Source.PERSON.value)
    captioner = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    speaker = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    text = models.TextField()
    final = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, help_text="When the line was committed.")

    class Meta:
        ordering = ["convening", "space", "started_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                                   name="caption_ends_after_start"),
        ]
        indexes = [models.Index(fields=["convening", "space", "final", "started_at"], name="caption_space_idx")]

    def __str__(self) -> str:
        return f"{self.space}: {self.text[:40]}"


class TranscriptAccess(models.Model):
    """The organizer's choice: may participants read the transcripts of their own rooms?"""

    convening = models.OneToOneField("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    participants_may_read = models.BooleanField(
        default=False, help_text="Participants read the transcripts of the spaces they were in, afterwards.")

    def __str__(self) -> str:
        return f"transcripts of {self.convening_id}: {'open' if self.participants_may_read else 'organizers only'}"
