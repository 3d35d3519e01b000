from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from action_items.models import ActionItem


class OwnerKindFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "owner"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("team", "School Leadership Team"), ("room", "Breakout room")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
        if self.value() == "team":
            return queryset.filter(team__isnull=False)
        if self.value() == "room":
            return queryset.filter(room_key__isnull=False)
        return queryset


@admin.register(ActionItem)
class ActionItemAdmin(admin.ModelAdmin):
    list_display = ["text", "owner_name", "rank", "convening", "session", "updated_by", "updated_at"]
    list_filter = [OwnerKindFilter, "convening", "session__kind"]
    search_fields = ["text", "team__name", "team__school__name", "room_name", "room_key"]
    list_select_related = ["convening", "session", "team", "updated_by__user"]
    autocomplete_fields = ["team", "updated_by"]
    ordering = ["convening", "team__name", "room_name", "rank"]
    fields = ["convening", "session", "team", "room_key", "room_name", "rank", "text", "updated_by", "updated_at"]
