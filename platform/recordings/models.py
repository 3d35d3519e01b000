"""Recordings of a space (the plenary or a breakout room) during a session, and the organizer's
choice of whether breakout rooms may be recorded."""
from __future__ import annotations

from django.db import models


class State(models.TextChoices):
    RECORDING = "recording", "Recording"
    STOPPED = "stopped", "Waiting to be rendered"
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Recording(models.Model):
    """One recording: raw packets in ``folder`` while it runs (the media server's disk), one
    rendered file in the recordings storage (``file``) once ready."""

    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("convenings.Session", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    space = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECORDING)
    started_by = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=24, blank=True, help_text="stopped, disk_full, write_failed…")
    folder = models.CharField(max_length=500, help_text="Where the media server writes the raw packets.")
    file = models.CharField(max_length=500, blank=True, help_text="The rendered file, in the recordings storage.")
    size = models.BigIntegerField(default=0)
    duration_s = models.FloatField(default=0.0)
    progress = models.FloatField(default=0.0, help_text="Rendering progress, 0 to 1.")
    gaps = models.JSONField(default=list, blank=True, help_text="[[publication, from_s, to_s], …]: frames dropped.")
    dropped_frames = models.IntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["convening", "started_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "space"], condition=models.Q(state="recording"),
                                    name="one_live_recording_per_space"),
        ]
        indexes = [models.Index(fields=["state", "stopped_at"], name="recording_state_idx")]

    def __str__(self) -> str:
        return f"recording {self.pk} of {self.space} ({self.state})"


class RecordingPolicy(models.Model):
    """The organizer's choice: may moderators record breakout rooms? (The plenary always may.)"""

    convening = models.OneToOneField("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    rooms_allowed = models.BooleanField(default=False, help_text="Moderators may record breakout rooms.")

    def __str__(self) -> str:
        return f"recording policy of {self.convening_id}"
