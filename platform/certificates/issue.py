"""Reading attendance into hours per person, and issuing certificates.

The decisions live in ``certificates.hours`` (pure); this module reads the rows they need
and writes what was issued. Issuing is idempotent: a person whose hours have not changed
keeps their certificate (and gets no second email); one whose hours changed gets a new
certificate, and the old one is marked replaced (still verifiable, saying so).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from certificates import codes, hours
from certificates.hours import SessionHours, SessionWindow
from certificates.models import Certificate, CertificateRule
from convenings.models import Convening, Registration
from mail.outbox import enqueue
from people.models import Participant
from reports.intervals import Interval
from reports.summary import row_interval
from surveys.identity import respondent_key
from surveys.models import Response

log = logging.getLogger(__name__)

# Participants earn PD hours, and so do presenters (they take part in the sessions too);
# organizers and moderators run the convening. The organizer page lists exactly these.
EARNS_HOURS = (Registration.Role.PARTICIPANT, Registration.Role.PRESENTER)
SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class PersonHours:
    participant: Participant
    sessions: list[SessionHours]
    totals: dict[str, int]  # credit minutes per category
    answered_survey: bool = True

    @property
    def earned(self) -> bool:
        return bool(self.totals)

    @property
    def total_minutes(self) -> int:
        return sum(self.totals.values())


@dataclass
class IssueResult:
    issued: list[Certificate] = field(default_factory=list)
    unchanged: int = 0
    waiting_for_survey: int = 0


def rule_for(convening: Convening) -> CertificateRule:
    """The convening's rule; the defaults (unsaved) until the organizer saves one."""
    rule = CertificateRule.objects.filter(convening=convening).select_related("survey").first()
    return rule or CertificateRule(convening=convening)


def session_windows(convening: Convening, rule: CertificateRule) -> list[SessionWindow]:
    return [SessionWindow(s.pk, s.title, s.starts_at, s.ends_at, rule.category_of(s.pk))
            for s in convening.sessions.order_by("order", "starts_at")]


def attendance_spans(convening: Convening, as_of: dt.datetime,
                     participant_ids: list[int] | None = None) -> dict[int, list[Interval]]:
    """Each person's attendance intervals; a row still open counts up to ``as_of``."""
    rows = convening.attendance.all()
    if participant_ids is not None:
        rows = rows.filter(participant_id__in=participant_ids)
    spans: dict[int, list[tuple[str, dt.datetime, dt.datetime]]] = {}
    for row in rows.order_by("joined_at"):
        start, end = row_interval(row, as_of)
        spans.setdefault(row.participant_id, []).append((row.space, start, end))
    return {person: hours.attending(rows) for person, rows in spans.items()}


def answered(rule: CertificateRule, participant_ids: list[int]) -> set[int]:
    """Who has answered the rule's survey (everyone when there is none).

    Through the respondent key, which every response has, so anonymous surveys work too
    (the key only says *that* someone answered, never which answers are theirs).
    """
    if rule.survey_id is None:
        return set(participant_ids)
    by_key = {respondent_key(rule.survey_id, pid): pid for pid in participant_ids}
    found = Response.objects.filter(survey_id=rule.survey_id, respondent_key__in=list(by_key))
    return {by_key[key] for key in found.values_list("respondent_key", flat=True)}


def people_hours(convening: Convening, rule: CertificateRule, as_of: dt.datetime,
                 participant_ids: list[int] | None = None) -> list[PersonHours]:
    """Hours per registered participant and presenter, by name."""
    registrations = (convening.registrations.filter(role__in=EARNS_HOURS).select_related("participant__user")
                     .order_by("participant__user__last_name", "participant__user__first_name", "pk"))
    if participant_ids is not None:
        registrations = registrations.filter(participant_id__in=participant_ids)
    registrations = list(registrations)
    spans = attendance_spans(convening, as_of, [r.participant_id for r in registrations])
    # Attendance is what earns hours; a cancelled or waitlisted registration with none is
    # nobody to list (one who came anyway still earns them).
    people = [r.participant for r in registrations
              if getattr(r, "status", "registered") == "registered" or r.participant_id in spans]
    ids = [p.pk for p in people]
    done = answered(rule, ids)
    windows = session_windows(convening, rule)
    result = []
    for person in people:
        entries = hours.session_hours(spans.get(person.pk, []), windows, rule.percent, as_of)
        result.append(PersonHours(person, entries, hours.totals(entries, rule.category_list), person.pk in done))
    return result


def snapshot(person: PersonHours, convening: Convening, rule: CertificateRule) -> dict:
    """Everything the certificate says, as plain JSON (what verification shows later)."""
    tz = convening.tz
    return {
        "version": SNAPSHOT_VERSION,
        "name": person.participant.name,
        "convening": convening.title,
        "dates": dates_text(convening.starts_at.astimezone(tz), convening.ends_at.astimezone(tz)),
        "time_zone": convening.time_zone,
        "organization": rule.organization or convening.title,
        "percent": rule.percent,
        "sessions": [{"title": e.session.title, "category": e.session.category,
                      "starts_at": e.session.starts_at.astimezone(tz).isoformat(timespec="minutes"),
                      "minutes_attended": e.minutes_attended, "credit_minutes": e.credit_minutes}
                     for e in person.sessions if e.counts],
        "totals": [{"category": name, "minutes": minutes} for name, minutes in person.totals.items()],
        "total_minutes": person.total_minutes,
    }


def dates_text(start: dt.datetime, end: dt.datetime) -> str:
    """``6 December 2026`` or ``6–7 December 2026`` or ``30 November – 1 December 2026``."""
    if start.date() == end.date():
        return f"{start.day} {start:%B %Y}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {end:%B %Y}"
    if start.year == end.year:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"


def verification_url(code: str) -> str:
    return settings.SITE_URL + reverse("certificates:verify", args=[code])


def current_certificate(convening: Convening, participant: Participant) -> Certificate | None:
    return Certificate.objects.filter(convening=convening, participant=participant, replaced_at__isnull=True).first()


def issue(convening: Convening, as_of: dt.datetime, participant_ids: list[int] | None = None) -> IssueResult:
    """Issue (or re-issue, where hours changed) the certificates of everyone who qualifies."""
    result = IssueResult()
    with transaction.atomic():
        # One issuer per convening at a time: two organizers clicking "Issue" together
        # must not both replace the same certificate.
        rule, _ = CertificateRule.objects.select_for_update().get_or_create(convening=convening)
        for person in people_hours(convening, rule, as_of, participant_ids):
            if not person.earned:
                continue
            if not person.answered_survey:
                result.waiting_for_survey += 1
                continue
            new = snapshot(person, convening, rule)
            current = current_certificate(convening, person.participant)
            if current is not None and current.snapshot == new:
                result.unchanged += 1
                continue
            if current is not None:
                current.replaced_at = as_of
                current.save(update_fields=["replaced_at"])
            result.issued.append(_issue_one(convening, person.participant, new, as_of))
    log.info("certificates issued for %s: %d new, %d unchanged, %d waiting for the survey",
             convening.slug, len(result.issued), result.unchanged, result.waiting_for_survey)
    return result


def _issue_one(convening: Convening, participant: Participant, content: dict, at: dt.datetime) -> Certificate:
    # Here, not at the top: fpdf takes ~0.25 s to import, and every process loads this module
    # through the URLs (each worker start, each manage.py command); few ever issue one.
    from certificates import pdf

    code = codes.new_code()
    while Certificate.objects.filter(code=code).exists():  # 60 bits: practically never loops
        code = codes.new_code()
    certificate = Certificate.objects.create(
        code=code, convening=convening, participant=participant, snapshot=content, issued_at=at,
        pdf=pdf.render(content, code, at, verification_url(code)))
    if participant.email:
        _email(certificate, convening, participant.email)
    return certificate


def _email(certificate: Certificate, convening: Convening, to: str) -> None:
    content = certificate.snapshot
    body = (f"Hello {content['name']},\n\n"
            f"Your certificate of attendance for {content['convening']} ({content['dates']}) is attached: "
            f"{hours.hours_text(content['total_minutes'])} hours of professional development.\n\n"
            f"Anyone you share it with (for example your district's HR office) can check it at\n"
            f"{verification_url(certificate.code)}\n"
            f"Verification code: {codes.grouped(certificate.code)}\n\n— {content['organization']}\n")
    enqueue(to=to, subject=f"Your certificate of attendance: {content['convening']}", body=body,
            key=f"certificate:{certificate.code}", convening_id=convening.pk, kind="certificate",
            attachments=[(filename(certificate), bytes(certificate.pdf), "application/pdf")])


def filename(certificate: Certificate) -> str:
    """``certificate-ana-garcia-0F3K9M2Q7RXT.pdf``: by name for a folder of them, unique by code."""
    return f"certificate-{slugify(certificate.snapshot.get('name', ''))[:60] or 'attendee'}-{certificate.code}.pdf"
