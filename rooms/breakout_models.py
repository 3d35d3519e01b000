"""Breakout rooms in the database: draft plans, the live state, who was where, room notes.

The database is the record: every worker reads and writes these rows (locked
while changing), and Redis only fans the results out. So a reconnecting
browser or a restarted worker loses nothing.
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone

__all__ = ["BreakoutPlanDraft", "LiveBreakoutState", "RoomAssignment", "RoomNotes", "RoomNotesRevision"]


class BreakoutPlanDraft(models.Model):
    """The plan of one breakout session, prepared (and edited) before it is opened."""

    session = models.OneToOneField("convenings.Session", on_delete=models.CASCADE, related_name="breakout_draft")
    options = models.JSONField(default=dict, help_text="How the plan was made (strategy, sizes, teams, seed).")
    plan = models.JSONField(default=dict, help_text="Rooms, members and unplaced people (rooms.breakouts.codec).")
    version = models.PositiveIntegerField(default=1, help_text="Raised by every change; edits name the version they saw.")
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        verbose_name = "breakout plan draft"

    def __str__(self) -> str:
        return f"Plan for {self.session} (v{self.version})"


class LiveBreakoutState(models.Model):
    """The convening's live breakouts (rooms.live.LiveBreakouts as JSON), one row per convening.

    Changes lock the row (select_for_update) and raise ``version``; ``next_deadline``
    is the earliest time the clock changes something, so the workers' timer tick
    finds due rows with one indexed query.
    """

    convening = models.OneToOneField("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("convenings.Session", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    state = models.JSONField(default=dict)
    visits = models.JSONField(default=dict, help_text="Moderators visiting a room: participant id → room key.")
    topics = models.JSONField(default=dict, help_text="Topic id → name, for the rooms' labels.")
    rounds = models.JSONField(default=dict, blank=True,
                              help_text="A multi-round sequence and how far it got (rooms.rounds; empty: none).")
    version = models.PositiveIntegerField(default=0)
    next_deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "live breakouts"
        verbose_name_plural = "live breakouts"

    def __str__(self) -> str:
        return f"Breakouts of convening {self.convening_id} (v{self.version})"


class RoomAssignment(models.Model):
    """One stay of a person in a breakout room: the full history of who was where, and why."""

    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey("convenings.Session", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="+")
    room_key = models.CharField(max_length=64)
    room_name = models.CharField(max_length=200, blank=True)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    # opened | reopened | moved | swapped | self_selected | visited
    reason = models.CharField(max_length=20)
    # closed | recalled | moved | swapped | self_selected | returned | reopened
    left_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["convening", "joined_at", "id"]
        indexes = [models.Index(fields=["convening", "participant", "left_at"], name="assignment_open_stay")]

    def __str__(self) -> str:
        return f"{self.participant_id} in {self.room_name or self.room_key} ({self.reason})"


class RoomNotes(models.Model):
    """A breakout room's shared notes: the current text and its version (locked while editing)."""

    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    room_key = models.CharField(max_length=64)
    version = models.PositiveIntegerField(default=0)
    text = models.TextField(blank=True)
    updated_by = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "room notes"
        constraints = [models.UniqueConstraint(fields=["convening", "room_key"], name="one_notes_per_room")]

    def __str__(self) -> str:
        return f"Notes of {self.room_key} (v{self.version})"


class RoomNotesRevision(models.Model):
    """Every saved version of a room's notes: the base a late edit is merged against."""

    notes = models.ForeignKey(RoomNotes, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    by = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["notes", "version"]
        constraints = [models.UniqueConstraint(fields=["notes", "version"], name="one_revision_per_version")]

    def __str__(self) -> str:
        return f"{self.notes.room_key} v{self.version}"
