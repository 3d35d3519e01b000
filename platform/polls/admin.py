from django.contrib import admin

from polls.models import Poll


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ("question", "convening", "kind", "scope", "state", "results_shared", "asked_at")
    list_filter = ("state", "kind", "scope")
