"""Quick polls a moderator asks during a live session, and the votes people give."""
from __future__ import annotations

from django.db import models

from polls.rules import Kind, Scope

KINDS = [(Kind.SINGLE.value, "Single choice"), (Kind.MULTIPLE.value, "Multiple choice"),
         (Kind.SCALE.value, "Scale of 1 to 5")]
SCOPES = [(Scope.PLENARY.value, "The plenary"), (Scope.ROOMS.value, "Every breakout room")]


class Poll(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("convenings.Session", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", help_text="The agenda item live when the poll was asked.")
    question = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=KINDS)
    options = models.JSONField(default=list, help_text="The options' texts, in order (a scale: 1 to 5).")
    scope = models.CharField(max_length=10, choices=SCOPES)
    rooms = models.JSONField(default=dict, blank=True,
                             help_text="Room polls: the rooms open when it was asked, key → name (for the report).")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    results_shared = models.BooleanField(default=False, help_text="Everyone sees the results, not only moderators.")
    asked_by = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    asked_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Raised by every vote, share and close: clients "
                                                               "keep the newest results they hear.")

    class Meta:
        ordering = ["convening", "asked_at", "id"]
        indexes = [models.Index(fields=["convening", "state"], name="poll_open_idx")]

    def __str__(self) -> str:
        return self.question[:60]


class Vote(models.Model):
    """One person's vote; they may change it until the poll closes (the row is updated)."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    person = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="+")
    space = models.CharField(max_length=64, help_text="Where they voted from: the plenary or a room key.")
    choices = models.JSONField(default=list, help_text="Option numbers, 0-based, sorted.")
    voted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "person"], name="one_vote_per_person")]

    def __str__(self) -> str:
        return f"{self.person_id} on poll {self.poll_id}: {self.choices}"
