"""CSV roster import and export for a convening.

Columns: name, email, job role, school, district, region, team, interests,
convening role. Interests are topic names separated by ";". Import is all or
nothing: every row is checked first, and a file with any bad row imports
nothing and reports each problem with its line number.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower

from convenings.csv_cells import cell_text, write_csv
from convenings.models import Convening, Registration, Topic
from people.models import District, JobRole, Participant, Region, School, SchoolLeadershipTeam

COLUMNS = ["name", "email", "job role", "school", "district", "region", "team", "interests", "convening role"]
MAX_ROWS = 5000
USERNAME_MAX = 150
# The longest value each column can store (a person's name is split over first and last name).
MAX_LENGTHS = {"name": 150, "email": 254, "school": School._meta.get_field("name").max_length,
               "district": District._meta.get_field("name").max_length,
               "region": Region._meta.get_field("name").max_length,
               "team": SchoolLeadershipTeam._meta.get_field("name").max_length}


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


def _too_long(label: str, value: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"{label} is {len(value)} characters long; at most {limit} fit"
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
    if get("region") and not get("district"):
        errors.append("a region needs a district (put the district in its column, or leave the region empty)")
    if get("team") and not get("school"):
        errors.append("a School Leadership Team needs a school")
    # Checked here so that no row can fail on the database half-way through an import.
    errors.extend(filter(None, (_too_long(column, get(column), limit) for column, limit in MAX_LENGTHS.items())))
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


def decode(data: bytes) -> str:
    """An uploaded file's text; RosterError when it is not UTF-8 (with or without a BOM)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RosterError([
            f"line {line}: the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start}). "
            "In your spreadsheet, save it as \"CSV UTF-8\" and upload it again."
        ]) from exc


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for every non-blank record.

    Line numbers are the file's own: blank lines count, and a quoted cell spanning
    several lines makes its record span them too (csv's line_num tracks both).
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise RosterError([f"line {start}: the file is not readable as CSV ({exc})"]) from exc
        if any(cell.strip() for cell in cells):  # spreadsheets add blank rows and rows of commas
            # An exported name "=Ana" is written "'=Ana" (spreadsheet formula guard); read it back as written.
            yield start, [cell_text(cell) for cell in cells]


def parse(text: str) -> list[RosterRow]:
    """Check every row; raise RosterError listing every problem, or return rows."""
    records = _records(text)
    header_line, header = next(records, (1, []))
    headers = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in headers]
    if missing:
        raise RosterError([f"line {header_line}: missing column(s): {', '.join(missing)}"])
    topics = {t.name.lower(): t for t in Topic.objects.all()}
    rows: list[RosterRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for count, (line, cells) in enumerate(records):
        if count >= MAX_ROWS:
            errors.append(f"line {line}: a roster holds at most {MAX_ROWS} rows")
            break
        if len(cells) > len(headers):  # an unquoted comma: the cells after it are in the wrong columns
            errors.append(f"line {line}: {len(cells)} cells but the header has {len(headers)}; "
                          "put a value that contains a comma in double quotes")
            continue
        row, row_errors = _parse_row(line, dict(zip(headers, cells)), topics)
        errors.extend(row_errors)
        if row is not None:
            if row.email in seen:
                errors.append(f"line {line}: email {row.email} already on line {seen[row.email]}")
            seen[row.email] = line
            rows.append(row)
    errors.extend(_username_problems(rows))
    if errors:
        raise RosterError(sorted(errors, key=_line_of))
    return rows


def _line_of(error: str) -> int:
    return int(error.split(":", 1)[0].removeprefix("line "))


def _username_problems(rows: list[RosterRow]) -> list[str]:
    """New people get their email as username: it must fit and be free."""
    User = get_user_model()
    known = set(User.objects.annotate(address=Lower("email"))
                .filter(address__in=[row.email for row in rows]).values_list("address", flat=True))
    new = {row.email: row for row in rows if row.email not in known}
    errors = [f"line {row.line}: email is {len(row.email)} characters long, too long to be the new account's "
              f"username (at most {USERNAME_MAX})" for row in new.values() if len(row.email) > USERNAME_MAX]
    taken = User.objects.filter(username__in=list(new)).values_list("username", flat=True)
    errors += [f"line {new[username].line}: the username {username} already belongs to an account with another "
               "email; give that account this email, or use another address" for username in taken]
    return errors


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
    registrations = convening.registrations.select_related(
        "participant__user", "participant__school__district__region",
        "participant__district__region", "participant__team",
    ).prefetch_related("participant__interests").order_by(
        # A total order, so an export is byte-for-byte repeatable on every database.
        "role", "participant__user__last_name", "participant__user__first_name", "participant__user__email")
    return write_csv([COLUMNS, *(_export_row(reg) for reg in registrations)])


def _export_row(reg: Registration) -> list[str]:
    p = reg.participant
    district = p.home_district
    return [
        p.name, p.email, p.get_job_role_display(), p.school.name if p.school else "",
        district.name if district else "", district.region.name if district else "",
        p.team.name if p.team else "", "; ".join(t.name for t in p.interests.all()),
        reg.get_role_display(),
    ]
