"""Organizer downloads: every certificate as a zip, hours per person and category as CSV."""
from __future__ import annotations

import io
import zipfile
import zoneinfo
from collections.abc import Iterable

from certificates.hours import hours_text
from certificates.issue import PersonHours, filename
from certificates.models import Certificate
from convenings.csv_cells import write_csv


def certificates_zip(certificates: Iterable[Certificate]) -> bytes:
    """One PDF per certificate, named by person and code. PDFs are already compressed: stored."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            archive.writestr(filename(certificate), bytes(certificate.pdf))
    return buffer.getvalue()


def hours_csv(people: list[PersonHours], categories: list[str], issued: dict[int, Certificate],
              tz: zoneinfo.ZoneInfo) -> str:
    """One row per person: hours per category, total, and their certificate (if issued)."""
    header = ["Name", "Email", "School", *[f"{c} hours" for c in categories], "Total hours",
              "Sessions counted", "Survey answered", "Certificate code", "Certificate issued"]
    rows = []
    for person in people:
        p = person.participant
        certificate = issued.get(p.pk)
        rows.append([p.name, p.email, p.school.name if p.school else "",
                     *[hours_text(person.totals.get(c, 0)) for c in categories],
                     hours_text(person.total_minutes), sum(1 for s in person.sessions if s.counts),
                     "yes" if person.answered_survey else "no",
                     certificate.code if certificate else "",
                     certificate.issued_at.astimezone(tz).isoformat(timespec="minutes") if certificate else ""])
    return write_csv([header, *rows])
