from django.contrib import admin

from mail.models import OutboxMessage, ReminderSettings


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("to", "subject", "kind", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind", "convening")
    search_fields = ("to", "subject", "key")
    readonly_fields = ("key", "message_id", "claimed_by", "claimed_until", "last_attempt_at", "sent_at", "created_at")


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = ("convening", "reminders_on", "offsets_minutes", "survey_reminder_on")
