from django.contrib import admin

from certificates.models import Certificate, CertificateRule


@admin.register(CertificateRule)
class CertificateRuleAdmin(admin.ModelAdmin):
    list_display = ["convening", "percent", "survey", "organization", "updated_at"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    # Issued certificates are records: read them here, issue them from the organizer page.
    list_display = ["code", "participant", "convening", "issued_at", "replaced_at"]
    list_filter = ["convening"]
    search_fields = ["code", "participant__user__last_name", "participant__user__email"]
    readonly_fields = ["code", "convening", "participant", "snapshot", "issued_at", "replaced_at"]
    exclude = ["pdf"]

    def has_add_permission(self, request: object) -> bool:
        return False
