"""CSV roster import and export for a convening.

Columns: name, email, job role, school, district, region, team, interests,
convening role. Interests are topic names separated by ";". Import is all or
nothing: every row is checked first, and a file with any bad row imports
nothing and reports each problem with its line number.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.core.exceptions import ValidationError
from django.db import transaction

from convenings.models import Convening, Registration, Topic
from people.models import District, JobRole, Participant, Region, School, SchoolLeadershipTeam

COLUMNS = ["name", "email", "job role", "school", "district", "region", "team", "interests", "convening role"]
MAX_ROWS = 5000


class RosterError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class RosterRow:
    line: int
    name: str
    email: str
    job_role: str
    school: str
    district: str
    region: str
    team: str
    interests: list[Topic] = field(default_factory=list)
    convening_role: str = Registration.Role.PARTICIPANT


@dataclass
class ImportResult:
    created: int
    updated: int


def _choice(raw: str, choices: type[JobRole] | type[Registration.Role]) -> str | None:
    wanted = raw.strip().lower().replace("_", " ")
    for value, label in choices.choices:
        if wanted in {value.replace("_", " "), label.lower()}:
            return value
    return None


def _parse_row(line: int, raw: dict[str, str], topics: dict[str, Topic]) -> tuple[RosterRow | None, list[str]]:
    get = lambda key: (raw.get(key) or "").strip()  # noqa: E731
    errors: list[str] = []
    if not get("name"):
        errors.append("name is empty")
    try:
        validate_email(get("email"))
    except ValidationError:
        errors.append(f"email {get('email')!r} is not a valid address")
    job_role = _choice(get("job role"), JobRole)
    if job_role is None:
        errors.append(f"job role {get('job role')!r} is not one of: {', '.join(JobRole.labels)}")
    role = _choice(get("convening role") or "participant", Registration.Role)
    if role is None:
        errors.append(f"convening role {get('convening role')!r} is not one of: {', '.join(Registration.Role.labels)}")
    if get("school") and not (get("district") and get("region")):
        errors.append("a school needs its district and region")
    if get("team") and not get("school"):
        errors.append("a School Leadership Team needs a school")
    interests: list[Topic] = []
    for name in filter(None, (part.strip() for part in get("interests").split(";"))):
        topic = topics.get(name.lower())
        if topic is None:
            errors.append(f"interest {name!r} is not a known topic")
        else:
            interests.append(topic)
    if errors:
        return None, [f"line {line}: {message}" for message in errors]
    row = RosterRow(line, get("name"), get("email").lower(), job_role or "", get("school"),
                    get("district"), get("region"), get("team"), interests, role or "")
    return row, []


def parse(text: str) -> list[RosterRow]:
    """Check every row; raise RosterError listing every problem, or return rows."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in headers]
    if missing:
        raise RosterError([f"line 1: missing column(s): {', '.join(missing)}"])
    reader.fieldnames = headers
    topics = {t.name.lower(): t for t in Topic.objects.all()}
    rows: list[RosterRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(f"line {line}: a roster holds at most {MAX_ROWS} rows")
            break
        row, row_errors = _parse_row(line, raw, topics)
        errors.extend(row_errors)
        if row is not None:
            if row.email in seen:
                errors.append(f"line {line}: email {row.email} already on line {seen[row.email]}")
            seen[row.email] = line
            rows.append(row)
    if errors:
        raise RosterError(errors)
    return rows


def _place(row: RosterRow) -> tuple[School | None, District | None, SchoolLeadershipTeam | None]:
    if not row.district:
        return None, None, None
    region, _ = Region.objects.get_or_create(name=row.region or "Unassigned")
    district, _ = District.objects.get_or_create(region=region, name=row.district)
    if not row.school:
        return None, district, None
    school, _ = School.objects.get_or_create(district=district, name=row.school)
    team = None
    if row.team:
        team, _ = SchoolLeadershipTeam.objects.get_or_create(school=school, name=row.team)
    return school, district, team


def _save_row(convening: Convening, row: RosterRow) -> bool:
    User = get_user_model()
    first, _, last = row.name.rpartition(" ")
    first, last = (first, last) if first else (last, "")
    # People are matched by email: staff may have usernames that are not their address.
    user = User.objects.filter(email__iexact=row.email).order_by("pk").first()
    created = user is None
    if user is None:
        user = User.objects.create(username=row.email, email=row.email, first_name=first, last_name=last)
    else:
        User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
    school, district, team = _place(row)
    participant, _ = Participant.objects.update_or_create(
        user=user,
        defaults={"job_role": row.job_role, "school": school, "district": district, "team": team},
    )
    participant.interests.set(row.interests)
    Registration.objects.update_or_create(
        convening=convening, participant=participant, defaults={"role": row.convening_role}
    )
    return created


def import_roster(convening: Convening, text: str) -> ImportResult:
    rows = parse(text)
    created = 0
    with transaction.atomic():
        for row in rows:
            created += _save_row(convening, row)
    return ImportResult(created=created, updated=len(rows) - created)


def export_roster(convening: Convening) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    registrations = convening.registrations.select_related(
        "participant__user", "participant__school__district__region",
        "participant__district__region", "participant__team",
    ).prefetch_related("participant__interests").order_by(
        # A total order, so an export is byte-for-byte repeatable on every database.
        "role", "participant__user__last_name", "participant__user__first_name", "participant__user__email")
    for reg in registrations:
        p = reg.participant
        district = p.home_district
        writer.writerow([
            p.name, p.email, p.get_job_role_display(), p.school.name if p.school else "",
            district.name if district else "", district.region.name if district else "",
            p.team.name if p.team else "", "; ".join(t.name for t in p.interests.all()),
            reg.get_role_display(),
        ])
    return out.getvalue()
