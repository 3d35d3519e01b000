"""The organizer's registrations list: rows, counts and the CSV, from plain data.

Invitation status is the last email the outbox holds for that person in this convening
(the mail app's ``OutboxMessage``; without the mail app the column is left out).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.apps import apps

from convenings.csv_cells import write_csv
from convenings.models import Convening, Registration
from registration.services import convening_topics

STATUSES = [(value, label) for value, label in Registration.Status.choices]
CSV_COLUMNS = ["name", "email", "status", "convening role", "job role", "school", "district", "region",
               "School Leadership Team", "interests", "captions", "interpreter", "other accessibility needs",
               "registered by", "registered at", "waitlisted at", "last email", "last email status"]


@dataclass(frozen=True)
class LastEmail:
    subject: str
    status: str  # queued, retrying, sent, failed
    error: str


@dataclass(frozen=True)
class Row:
    registration: Registration
    interests: list[str]
    last_email: LastEmail | None

    @property
    def person(self):  # -> Participant
        return self.registration.participant


def mail_installed() -> bool:
    return apps.is_installed("mail")


def last_emails(convening: Convening) -> dict[str, LastEmail]:
    """Each address's latest message about this convening (lower-cased address -> message)."""
    if not mail_installed():
        return {}
    OutboxMessage = apps.get_model("mail", "OutboxMessage")
    latest: dict[str, LastEmail] = {}
    for message in OutboxMessage.objects.filter(convening=convening).order_by("created_at", "pk").only(
            "to", "subject", "status", "attempts", "last_error"):
        latest[message.to.lower()] = LastEmail(message.subject, message.shown_status, message.last_error)
    return latest


def rows(convening: Convening, status: str | None = None) -> list[Row]:
    registrations = (convening.registrations.select_related(
        "participant__user", "participant__school__district__region", "participant__district__region",
        "participant__team").prefetch_related("participant__interests")
        .order_by("status", "waitlisted_at", "participant__user__last_name", "participant__user__first_name", "pk"))
    if status:
        registrations = registrations.filter(status=status)
    topics = set(convening_topics(convening).values_list("pk", flat=True))
    emails = last_emails(convening)
    return [Row(r, sorted(t.name for t in r.participant.interests.all() if t.pk in topics),
                emails.get(r.participant.email.lower())) for r in registrations]


def counts(convening: Convening) -> dict[str, int]:
    found = Counter(convening.registrations.values_list("status", flat=True))
    return {value: found.get(value, 0) for value, _ in STATUSES}


def accessibility_counts(convening: Convening) -> dict[str, int]:
    active = convening.registrations.exclude(status=Registration.Status.CANCELLED)
    return {"captions": active.filter(needs_captions=True).count(),
            "interpreter": active.filter(needs_interpreter=True).count(),
            "other": active.exclude(accessibility_other="").count()}


def csv_text(convening: Convening) -> str:
    def cells(row: Row) -> list[object]:
        r, p = row.registration, row.person
        district = p.home_district
        return [p.name, p.email, r.get_status_display(), r.get_role_display(), p.get_job_role_display(),
                p.school.name if p.school else "", district.name if district else "",
                district.region.name if district else "", p.team.name if p.team else "",
                "; ".join(row.interests), "yes" if r.needs_captions else "", "yes" if r.needs_interpreter else "",
                r.accessibility_other, r.registered_by, r.created_at.isoformat(timespec="seconds"),
                r.waitlisted_at.isoformat(timespec="seconds") if r.waitlisted_at else "",
                row.last_email.subject if row.last_email else "", row.last_email.status if row.last_email else ""]
    return write_csv([CSV_COLUMNS, *(cells(row) for row in rows(convening))])
