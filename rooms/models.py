"""Live state of a convening's spaces (the plenary and breakout rooms).

Kept in the database, not in a worker's memory, so every daphne worker sees
the same presence, chat and hand queue, and a restarted worker loses nothing.
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone

PLENARY = "plenary"


class Presence(models.Model):
    """One open websocket of a participant; a person with two tabs has two rows.

    The worker that holds the connection refreshes ``last_seen`` every
    PRESENCE_HEARTBEAT_S; rows older than PRESENCE_TIMEOUT_S belong to a worker
    that died and are swept (see rooms.actions.presence).
    """

    channel_name = models.CharField(max_length=200, unique=True)
    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20, help_text="Convening role when the connection opened.")
    space = models.CharField(max_length=64, default=PLENARY)
    camera = models.BooleanField(default=False)
    mic = models.BooleanField(default=False)
    worker = models.CharField(max_length=120, db_index=True)
    connected_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name_plural = "presence"
        ordering = ["convening", "connected_at"]
        indexes = [models.Index(fields=["convening", "participant"], name="presence_person")]

    def __str__(self) -> str:
        return f"{self.participant_id} in {self.space} via {self.worker}"


class SpaceCounter(models.Model):
    """The last chat sequence number handed out in a space (locked while allocating)."""

    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    space = models.CharField(max_length=64)
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["convening", "space"], name="one_counter_per_space")]

    def __str__(self) -> str:
        return f"{self.space}: {self.last_seq}"


class ChatMessage(models.Model):
    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    space = models.CharField(max_length=64, default=PLENARY)
    seq = models.PositiveBigIntegerField()
    author = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True,
                               related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    # The sending browser's own id for the message (chat.send's ``client_id``): a browser resends
    # what was not acknowledged after reconnecting, and a resend of a stored message stores nothing.
    client_id = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        ordering = ["convening", "space", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "space", "seq"], name="one_chat_seq_per_space"),
            models.UniqueConstraint(fields=["convening", "author", "client_id"], name="one_chat_message_per_client_id",
                                    condition=models.Q(client_id__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.space}#{self.seq}: {self.text[:40]}"


class RaisedHand(models.Model):
    """A raised hand waiting for a moderator; survives disconnects and worker restarts."""

    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey("people.Participant", on_delete=models.CASCADE, related_name="+")
    space = models.CharField(max_length=64, default=PLENARY)
    raised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["convening", "space", "raised_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["convening", "participant"], name="one_hand_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} in {self.space}"
from rooms.attendance_models import *  # noqa: E402,F401,F403
from rooms.breakout_models import *  # noqa: E402,F401,F403
