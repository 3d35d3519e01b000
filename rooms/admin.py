"""Live state in the admin: mostly for looking, since the live protocol owns changes."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from rooms.models import (
    BreakoutPlanDraft,
    ChatMessage,
    LiveBreakoutState,
    Presence,
    RaisedHand,
    RoomAssignment,
    RoomNotes,
    RoomNotesRevision,
)


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ["participant", "convening", "space", "role", "camera", "mic", "worker", "last_seen"]
    list_filter = ["convening", "space", "role"]
    search_fields = ["participant__user__first_name", "participant__user__last_name", "worker"]
    list_select_related = ["participant__user", "convening"]


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ["convening", "space", "seq", "author", "text", "created_at", "deleted_at"]
    list_filter = ["convening", "space"]
    search_fields = ["text", "author__user__first_name", "author__user__last_name"]
    list_select_related = ["author__user", "convening"]
    raw_id_fields = ["author", "deleted_by"]


@admin.register(RaisedHand)
class RaisedHandAdmin(admin.ModelAdmin):
    list_display = ["participant", "convening", "space", "raised_at"]
    list_filter = ["convening", "space"]
    list_select_related = ["participant__user", "convening"]


# ---- breakouts (rooms.breakout_models) ----------------------------------------------------

@admin.register(BreakoutPlanDraft)
class BreakoutPlanDraftAdmin(admin.ModelAdmin):
    list_display = ["session", "version", "updated_at", "updated_by"]
    list_select_related = ["session__convening", "updated_by__user"]
    readonly_fields = ["version", "updated_at", "updated_by"]
    raw_id_fields = ["session"]


@admin.register(LiveBreakoutState)
class LiveBreakoutStateAdmin(admin.ModelAdmin):
    # Read-only: the live protocol owns this row (it is locked and versioned on every change).
    list_display = ["convening", "session", "version", "next_deadline", "updated_at"]
    readonly_fields = ["convening", "session", "state", "visits", "topics", "version", "next_deadline", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(RoomAssignment)
class RoomAssignmentAdmin(admin.ModelAdmin):
    list_display = ["participant", "room_name", "room_key", "session", "joined_at", "left_at", "reason", "left_reason"]
    list_filter = ["convening", "session", "reason"]
    search_fields = ["room_name", "room_key", "participant__user__first_name", "participant__user__last_name"]
    list_select_related = ["participant__user", "session"]
    raw_id_fields = ["participant", "session"]


class RoomNotesRevisionInline(admin.TabularInline):
    model = RoomNotesRevision
    extra = 0
    readonly_fields = ["version", "text", "by", "at"]
    can_delete = False


@admin.register(RoomNotes)
class RoomNotesAdmin(admin.ModelAdmin):
    list_display = ["room_key", "convening", "version", "updated_by", "updated_at"]
    list_filter = ["convening"]
    readonly_fields = ["version", "updated_by", "updated_at"]
    inlines = [RoomNotesRevisionInline]
