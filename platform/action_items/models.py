"""Top 5 action items, owned by a School Leadership Team or by a breakout room.

An owner is (convening, team) or (convening, room_key): exactly one kind, never both.
The database keeps ranks within 1..5 and unique per owner, which also caps an owner
at five items; ``action_items.ranking`` keeps them contiguous (1..n).
"""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

MAX_ITEMS = 5


class ActionItem(models.Model):
    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="action_items")
    session = models.ForeignKey("convenings.Session", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="action_items", help_text="Where the item was written, if known.")
    team = models.ForeignKey("people.SchoolLeadershipTeam", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="action_items")
    # Breakout rooms live in the live layer, not in a table here: a key unique within the
    # convening, and the name people saw, written by the breakouts code.
    room_key = models.CharField(max_length=100, null=True, blank=True)
    room_name = models.CharField(max_length=200, blank=True)
    rank = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    updated_by = models.ForeignKey("people.Participant", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    # Set explicitly (not auto_now) so reranking can keep the time of the last real edit.
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["convening", "team", "room_key", "rank"]
        constraints = [
            models.CheckConstraint(condition=Q(rank__gte=1, rank__lte=MAX_ITEMS), name="action_item_rank_1_to_5"),
            models.CheckConstraint(
                condition=(Q(team__isnull=False, room_key__isnull=True)
                           | Q(team__isnull=True, room_key__isnull=False) & ~Q(room_key="")),
                name="action_item_one_owner",
            ),
            models.UniqueConstraint(fields=["convening", "team", "rank"], condition=Q(team__isnull=False),
                                    name="unique_team_action_item_rank"),
            models.UniqueConstraint(fields=["convening", "room_key", "rank"], condition=Q(room_key__isnull=False),
                                    name="unique_room_action_item_rank"),
        ]
        indexes = [models.Index(fields=["convening", "room_key"], name="action_item_room_idx")]

    def __str__(self) -> str:
        return f"{self.owner_name} #{self.rank}: {self.text}"

    @property
    def owner_name(self) -> str:
        return str(self.team) if self.team_id else (self.room_name or self.room_key or "")
