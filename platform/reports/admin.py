from __future__ import annotations

from django.contrib import admin

from reports.intervals import minutes
from rooms.models import Attendance


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["participant", "convening", "space", "joined_at", "left_at", "minutes"]
    list_filter = ["convening", "space"]
    search_fields = ["participant__user__first_name", "participant__user__last_name", "participant__user__email",
                     "space"]
    list_select_related = ["participant__user", "convening"]
    autocomplete_fields = ["participant"]
    date_hierarchy = "joined_at"

    @admin.display(description="Minutes")
    def minutes(self, obj: Attendance) -> int | str:
        # One interval only; the report merges a person's overlapping intervals.
        return minutes(obj.left_at - obj.joined_at) if obj.left_at else "open"
