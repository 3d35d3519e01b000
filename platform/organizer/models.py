"""What the organizer pages keep beside a convening (the convenings app's models stay as they are)."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ConveningSetup(models.Model):
    """How a convening was set up from its kind: the breakout strategy that fits it."""

    class Strategy(models.TextChoices):  # rooms.planning.STRATEGIES
        TOPIC = "topic", "Topic interest"
        ROLE = "role", "Job role"
        REGION = "region", "Region"
        RANDOM = "random", "Random"

    convening = models.OneToOneField("convenings.Convening", on_delete=models.CASCADE, related_name="setup")
    breakout_strategy = models.CharField(max_length=10, choices=Strategy.choices, default=Strategy.TOPIC)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Setup of {self.convening}"


class SessionChange(models.Model):
    """A change to a session that registered people were told about (one email each).

    ``version`` numbers the changes of one session; it is part of each email's outbox key,
    so one change is emailed once however often the save is retried.
    """

    session = models.ForeignKey("convenings.Session", on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    summary = models.TextField()
    told = models.PositiveIntegerField(default=0, help_text="How many registered people were emailed.")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "-version"]
        constraints = [models.UniqueConstraint(fields=["session", "version"], name="one_change_per_version")]

    def __str__(self) -> str:
        return f"{self.session} v{self.version}"
