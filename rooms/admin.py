"""Live state in the admin: mostly for looking, since the live protocol owns changes."""
from __future__ import annotations

from django.contrib import admin

from rooms.models import ChatMessage, Presence, RaisedHand


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
