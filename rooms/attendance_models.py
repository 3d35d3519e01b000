"""Attendance: one row per presence interval, written as people's connections enter and leave
spaces (rooms.attendance, called by rooms.actions.presence). It is live state that rooms owns;
reports and certificates only read it (``convening.attendance``, ``participant.attendance``).

The table came from the reports app (reports 0002 renamed ``reports_attendance`` to
``rooms_attendance``, rooms 0005 took over the model): the rows were kept.
"""
from __future__ import annotations

from django.db import models
from django.db.models import F, Q

__all__ = ["Attendance"]


class Attendance(models.Model):
    """Someone was in a space of a convening from ``joined_at`` to ``left_at``.

    ``space`` is the presence layer's name for where they were, by convention
    ``"lobby"``, ``"plenary"`` or ``"room:<room key>"``. One person with two tabs has
    two overlapping rows; reports count the overlap once.
    """

    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="attendance")
    space = models.CharField(max_length=120)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True, help_text="Empty while they are still there.")

    class Meta:
        ordering = ["convening", "joined_at"]
        verbose_name_plural = "attendance"
        constraints = [
            models.CheckConstraint(condition=Q(left_at__isnull=True) | Q(left_at__gte=F("joined_at")),
                                   name="attendance_leaves_after_joining"),
        ]
        indexes = [models.Index(fields=["convening", "participant", "space"], name="attendance_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.participant} in {self.space} from {self.joined_at:%H:%M}"
