from django.contrib import admin

from captions.models import Captioner, CaptionLine, TranscriptAccess

admin.site.register(Captioner)
admin.site.register(TranscriptAccess)


@admin.register(CaptionLine)
class CaptionLineAdmin(admin.ModelAdmin):
    list_display = ("space", "source", "started_at", "final", "text")
    list_filter = ("source", "final")
