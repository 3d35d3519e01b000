"""The organizer's email page: parse, authorize (organizer.access), delegate."""
from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from convenings.models import Convening
from mail.forms import ReminderSettingsForm
from mail.models import OutboxMessage
from mail.scheduling import enqueue_invitations, reminder_settings, rostered
from organizer.access import require_organizer

SHOWN = 300  # the newest messages listed; counts cover all of them


@require_http_methods(["GET", "POST"])
def organize(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    denied = require_organizer(request, convening)
    if denied is not None:
        return denied
    prefs = reminder_settings(convening)
    form = ReminderSettingsForm.for_settings(prefs)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "invite":
            return _send_invitations(request, convening)
        if action == "reminders":
            form = ReminderSettingsForm.for_settings(prefs, request.POST)
            if form.is_valid():
                form.save(prefs)
                messages.success(request, "Reminder settings saved.")
                return redirect(reverse("mail:organize", kwargs={"slug": slug}))
        else:
            messages.error(request, "Unknown action: nothing was changed.")
            return redirect(reverse("mail:organize", kwargs={"slug": slug}))
    return render(request, "mail/organize.html", _context(convening, form), status=400 if form.errors else 200)


def _send_invitations(request: HttpRequest, convening: Convening) -> HttpResponse:
    result = enqueue_invitations(convening)
    parts = [f"{result.queued} invitation{'' if result.queued == 1 else 's'} queued"]
    if result.earlier:
        parts.append(f"{result.earlier} people were invited earlier and are not invited twice")
    if result.no_email:
        parts.append(f"{result.no_email} without an email address (add one in the admin)")
    messages.success(request, "; ".join(parts) + ". They go out within a minute.")
    return redirect(reverse("mail:organize", kwargs={"slug": convening.slug}))


def _context(convening: Convening, form: ReminderSettingsForm) -> dict[str, object]:
    outbox = OutboxMessage.objects.filter(convening=convening)
    counts = {"queued": 0, "retrying": 0, "sent": 0, "failed": 0}
    for row in outbox.values("status", "attempts").annotate(n=Count("pk")):
        shown = "retrying" if row["status"] == OutboxMessage.Status.QUEUED and row["attempts"] else row["status"]
        counts[shown] += row["n"]
    return {
        "convening": convening, "active": "mail:organize", "form": form, "counts": counts,
        "total": sum(counts.values()), "shown": list(outbox.order_by("-created_at", "-pk")[:SHOWN]),
        "limit": SHOWN, "rostered": rostered(convening).count(),
        "invited": outbox.filter(kind="invitation").count(), "now": timezone.now(),
    }
