from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from convenings import joinlinks
from convenings.models import Convening, Material, Registration, Session, Topic
from people.roster import RosterError, decode, export_roster, import_roster


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 1


class SessionInline(admin.TabularInline):
    model = Session
    fields = ["order", "title", "kind", "starts_at", "ends_at"]
    extra = 0
    show_change_link = True


class RegistrationInlineBase(admin.TabularInline):
    """Registrations listed on a convening or on a participant (the other side is ``other``)."""

    model = Registration
    other = "participant"
    readonly_fields = ["join_expires_at"]
    extra = 0
    show_change_link = True

    def get_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [self.other, "role", "join_expires_at"]

    def get_autocomplete_fields(self, request: HttpRequest) -> list[str]:
        return [self.other]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Registration]:
        return super().get_queryset(request).select_related("participant__user", "convening")


class RegistrationInline(RegistrationInlineBase):
    """Who attends a convening, and in which role."""


class RosterUploadForm(forms.Form):
    csv_file = forms.FileField(label="Roster CSV", help_text="Columns: " + ", ".join(
        ["name", "email", "job role", "school", "district", "region", "team", "interests", "convening role"]))


@admin.register(Convening)
class ConveningAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "starts_at", "ends_at", "registration_count", "roster_links"]
    list_filter = ["kind"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "starts_at"
    inlines = [SessionInline, RegistrationInline]

    @admin.display(description="Registered")
    def registration_count(self, obj: Convening) -> int:
        return obj.registrations.count()

    @admin.display(description="Roster")
    def roster_links(self, obj: Convening) -> str:
        return format_html(
            '<a href="{}">Import CSV</a> · <a href="{}">Export CSV</a>',
            reverse("admin:convenings_convening_import_roster", args=[obj.pk]),
            reverse("admin:convenings_convening_export_roster", args=[obj.pk]),
        )

    def get_urls(self) -> list[URLPattern]:
        own = [
            path("<int:pk>/import-roster/", self.admin_site.admin_view(self.import_roster_view),
                 name="convenings_convening_import_roster"),
            path("<int:pk>/export-roster/", self.admin_site.admin_view(self.export_roster_view),
                 name="convenings_convening_export_roster"),
        ]
        return own + super().get_urls()

    def import_roster_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        convening = get_object_or_404(Convening, pk=pk)
        if not self.has_change_permission(request, convening):
            return HttpResponse(status=403)
        form = RosterUploadForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = import_roster(convening, decode(form.cleaned_data["csv_file"].read()))
            except RosterError as exc:
                errors = exc.errors
            else:
                messages.success(request, f"Imported {result.created} new and {result.updated} updated participants.")
                return redirect("admin:convenings_convening_change", convening.pk)
        context = {**self.admin_site.each_context(request), "convening": convening, "form": form,
                   "errors": errors, "title": f"Import roster into {convening}", "opts": self.model._meta}
        return render(request, "admin/convenings/import_roster.html", context)

    def export_roster_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        convening = get_object_or_404(Convening, pk=pk)
        # The roster lists people's email addresses: only for those who may see registrations.
        if not (self.has_view_permission(request, convening)
                and request.user.has_perm("convenings.view_registration")):
            return HttpResponse("You do not have permission to export this roster.", status=403)
        response = HttpResponse(export_roster(convening), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{convening.slug}-roster.csv"'
        return response


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "convening", "kind", "order", "starts_at", "ends_at"]
    list_filter = ["kind", "convening", "topics__kind"]
    search_fields = ["title", "description", "convening__title"]
    filter_horizontal = ["presenters", "topics"]
    inlines = [MaterialInline]
    list_select_related = ["convening"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "url"]
    search_fields = ["title", "session__title"]
    list_filter = ["session__convening"]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["participant", "convening", "role", "join_expires_at"]
    list_filter = ["convening", "role", "participant__job_role"]
    search_fields = ["participant__user__first_name", "participant__user__last_name",
                     "participant__user__email"]
    autocomplete_fields = ["participant"]
    list_select_related = ["participant__user", "convening"]
    actions = ["issue_join_links", "revoke_join_links"]
    readonly_fields = ["join_nonce", "created_at"]

    @admin.action(description="Issue join links (shown once)")
    def issue_join_links(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        for registration in queryset.select_related("participant__user"):
            reason = joinlinks.why_not_issued(registration)
            if reason:  # staff and deactivated accounts: no link, and say why
                messages.warning(request, f"No join link for {registration.participant}: {reason}.")
                continue
            link = joinlinks.issue(registration)
            messages.info(request, f"{registration.participant}: {request.build_absolute_uri(link.path)}")

    @admin.action(description="Revoke join links")
    def revoke_join_links(self, request: HttpRequest, queryset: object) -> None:
        count = 0
        for registration in queryset:  # type: ignore[attr-defined]
            joinlinks.revoke(registration)
            count += 1
        messages.success(request, f"Revoked join links for {count} registrations.")
