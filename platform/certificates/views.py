"""Certificates: the organizer's page and downloads, the participant's download, public verification."""
from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from certificates import codes, issue
from certificates.export import certificates_zip, hours_csv
from certificates.forms import RuleForm
from certificates.hours import SessionHours, SessionWindow, hours_text
from certificates.models import Certificate, CertificateRule
from config.signin import client_ip
from convenings.models import Convening
from organizer.access import require_organizer
from people.models import Participant

log = logging.getLogger(__name__)

# Unknown codes one address may try per window before being asked to wait. Codes are 60
# random bits (codes.py), so this is not what keeps them unguessable; it keeps a scraper
# from hammering the page, and an HR office checking a pile of certificates never meets it.
VERIFY_MISSES = getattr(settings, "CERTIFICATE_VERIFY_MISSES", 30)
VERIFY_WINDOW_S = 10 * 60


@require_http_methods(["GET", "POST"])
def organize(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    if denied := require_organizer(request, convening):
        return denied
    if request.method == "POST" and request.POST.get("action") == "issue":
        return _issue(request, convening)
    form = RuleForm(request.POST or None, instance=issue.rule_for(convening), convening=convening)
    if form.is_bound and form.is_valid():
        form.save()
        messages.success(request, "Certificate rule saved.")
        return redirect("certificates:organize", slug=convening.slug)
    # A rejected form has written its values into its instance: the page shows the stored rule.
    return render(request, "certificates/organize.html", _page(convening, issue.rule_for(convening), form),
                  status=400 if form.is_bound else 200)


def _issue(request: HttpRequest, convening: Convening) -> HttpResponse:
    result = issue.issue(convening, timezone.now())
    parts = [f"{len(result.issued)} certificate{'s' if len(result.issued) != 1 else ''} issued and emailed"]
    if result.unchanged:
        parts.append(f"{result.unchanged} already issued with the same hours")
    if result.waiting_for_survey:
        parts.append(f"{result.waiting_for_survey} waiting for the survey")
    messages.success(request, "; ".join(parts) + ".")
    return redirect("certificates:organize", slug=convening.slug)


def _page(convening: Convening, rule: CertificateRule, form: RuleForm) -> dict:
    now = timezone.now()
    people = issue.people_hours(convening, rule, now)
    current = _current(convening)
    sessions = issue.session_windows(convening, rule)
    rows = [{"person": p, "certificate": current.get(p.participant.pk),
             "cells": _cells(p, sessions),
             "totals": [(c, hours_text(p.totals.get(c, 0))) for c in rule.category_list]} for p in people]
    return {"active": "certificates:organize", "convening": convening, "rule": rule, "form": form,
            "sessions": sessions, "rows": rows, "categories": rule.category_list, "running": now < convening.ends_at,
            "columns": len(sessions) + len(rule.category_list) + 2,
            "earned": sum(1 for p in people if p.earned),
            "waiting": sum(1 for p in people if p.earned and not p.answered_survey), "issued": len(current)}


def _cells(person: issue.PersonHours, sessions: list[SessionWindow]) -> list[SessionHours | None]:
    """One per session, in the table's column order (None: the session has not begun)."""
    by_session = {entry.session.session_id: entry for entry in person.sessions}
    return [by_session.get(s.session_id) for s in sessions]


def _current(convening: Convening) -> dict[int, Certificate]:
    return {c.participant_id: c for c in Certificate.objects.filter(convening=convening, replaced_at__isnull=True)
            .defer("pdf")}


@require_GET
def organize_zip(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    if denied := require_organizer(request, convening):
        return denied
    certificates = Certificate.objects.filter(convening=convening, replaced_at__isnull=True).order_by("pk")
    response = HttpResponse(certificates_zip(certificates.iterator()), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{convening.slug}-certificates.zip"'
    return response


@require_GET
def organize_csv(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    if denied := require_organizer(request, convening):
        return denied
    rule = issue.rule_for(convening)
    text = hours_csv(issue.people_hours(convening, rule, timezone.now()), rule.category_list, _current(convening),
                     convening.tz)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{convening.slug}-pd-hours.csv"'
    return response


@require_GET
def mine(request: HttpRequest, slug: str) -> HttpResponse:
    """The signed-in person's own certificate for this convening (nobody else's: no id in the URL)."""
    convening = get_object_or_404(Convening, slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    participant = Participant.objects.filter(user=request.user).first()
    certificate = issue.current_certificate(convening, participant) if participant else None
    if certificate is None:
        return render(request, "certificates/none_yet.html", {"convening": convening}, status=404)
    response = HttpResponse(bytes(certificate.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{issue.filename(certificate)}"'
    return response


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: what the certificate says, nothing more. No sign-in (an HR office checks it)."""
    key = f"certificates:verify-misses:{client_ip(request) or 'unknown'}"
    if (cache.get(key) or 0) >= VERIFY_MISSES:
        return render(request, "certificates/verify_wait.html", status=429)
    normalized = codes.normalize(code)
    certificate = Certificate.objects.filter(code=normalized).defer("pdf").first() if normalized else None
    if certificate is None:
        _count_miss(key)
        log.info("certificate verification: unknown code %r", code[:40])
        return render(request, "certificates/verify_unknown.html", {"code": code[:40]}, status=404)
    if normalized != code:
        return redirect("certificates:verify", code=normalized)
    return render(request, "certificates/verify.html", {
        "certificate": certificate, "content": certificate.snapshot, "code": codes.grouped(certificate.code),
        "total": hours_text(certificate.snapshot["total_minutes"]),
        "sessions": [(s, hours_text(s["credit_minutes"])) for s in certificate.snapshot["sessions"]],
        "totals": [(t["category"], hours_text(t["minutes"])) for t in certificate.snapshot["totals"]]})


def _count_miss(key: str) -> None:
    if not cache.add(key, 1, VERIFY_WINDOW_S):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, VERIFY_WINDOW_S)
