"""Issue 18's "done when", end to end: an organizer creates a regional meeting from its kind and
opens registration on the site's pages; 30 people register (a team of three at once) and each
receives a confirmation with a working join link and the agenda as an .ics; an edit after that
tells everyone; reminders go out a day and an hour before, once each; attendees who stayed get
certificates with the right hours, one who left early fewer; a third party verifies one.

Real parts: Chromium, a daphne of its own (on a copy of the demo database) whose worker tick
sends through aiosmtpd on 127.0.0.1, and ``manage.py shell`` only where time has to pass: the
convening is moved relative to *now* (never the wall clock's hour), and attendance is written
with the functions the live presence layer calls (``rooms.attendance``) at the session times.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from io import BytesIO

import icalendar
import pypdf
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.frontend.conftest import DESKTOP, PHONE, sign_in
from tests.live import DaphneServer, LiveDatabase, manage
from tests.platform.mail.smtp import Received, SmtpServer
from tests.services import free_port

pytestmark = pytest.mark.browser

ZONE = "America/Chicago"
SESSIONS = ["Welcome plenary", "Regional breakouts", "Team planning time", "Closing plenary"]
MAIL_WAIT_S = 30


@pytest.fixture
def mail_site(database: LiveDatabase) -> Iterator[tuple[DaphneServer, SmtpServer]]:
    """A daphne whose worker tick sends every half second to a real SMTP server. It trusts one
    proxy hop, so each registrant's own address (X-Forwarded-For) counts against the flood limit."""
    smtp = SmtpServer(free_port()).start()
    server = DaphneServer(database.url, name="journey", env={
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}?timeout=5", "MAIL_TICK_S": "0.5", "TRUSTED_PROXY_HOPS": "1"})
    server.env["SITE_URL"] = server.http_url  # reminders carry links to this site
    try:
        server.start()
        yield server, smtp
    finally:
        server.stop()
        smtp.stop()
        print(f"---- journey server log ----\n{server.log_text()}")


def wait_for(smtp: SmtpServer, addresses: Iterable[str], subject: Callable[[str], bool]) -> list[Received]:
    """Every message matching ``subject`` once each of ``addresses`` has one (or after MAIL_WAIT_S)."""
    waiting = set(addresses)
    deadline = time.monotonic() + MAIL_WAIT_S
    while True:
        found = [r for r in smtp.received if subject(r.subject)]
        missing = waiting - set(once_each(found))
        if not missing or time.monotonic() > deadline:
            assert not missing, f"nothing arrived for {sorted(missing)}: {[r.subject for r in smtp.received][-10:]}"
            return found
        time.sleep(0.2)


def once_each(messages: list[Received]) -> Counter:
    return Counter(address for r in messages for address in r.envelope_to)


def attachment(message: Received, content_type: str) -> bytes:
    [part] = [p for p in message.message.iter_attachments() if p.get_content_type() == content_type]
    return part.get_content() if isinstance(part.get_content(), bytes) else part.get_content().encode()


def link_in(body: str, pattern: str) -> str:
    match = re.search(pattern, body)
    assert match, f"no link matching {pattern} in:\n{body}"
    return match.group(0)


MOVE = """
import datetime as dt
from django.utils import timezone
from convenings.models import Convening
c = Convening.objects.get(slug={slug!r})
delta = timezone.now() + dt.timedelta(minutes={minutes}) - c.starts_at
Convening.objects.filter(pk=c.pk).update(starts_at=c.starts_at + delta, ends_at=c.ends_at + delta)
for s in c.sessions.all():
    type(s).objects.filter(pk=s.pk).update(starts_at=s.starts_at + delta, ends_at=s.ends_at + delta)
"""

# As the presence layer records it: the lobby first (it earns nothing), the plenary, a breakout
# room for the breakout session (attendance_moved, as opening the rooms does), back to the plenary.
ATTEND = MOVE + """
import json
from datetime import timedelta
from people.models import Participant
from rooms.attendance import attendance_closed, attendance_moved, attendance_opened
c.refresh_from_db()
welcome, breakouts, planning, closing = c.sessions.order_by("order")
people = {{p.user.email: p.pk for p in Participant.objects.filter(user__email__in={emails!r})}}
for email, pid in people.items():
    attendance_opened(c.pk, pid, "lobby", c.starts_at - timedelta(minutes=10))
    attendance_moved(c.pk, [(pid, "plenary")], c.starts_at - timedelta(minutes=1))
    attendance_moved(c.pk, [(pid, "room:north-coast")], breakouts.starts_at)
    attendance_moved(c.pk, [(pid, "plenary")], breakouts.ends_at)
    left = closing.starts_at + timedelta(minutes=20) if email == {leaver!r} else c.ends_at
    attendance_closed(c.pk, pid, "plenary", left)
print("PEOPLE " + json.dumps(people))
"""


def test_an_organizer_runs_a_regional_meeting_from_its_kind_to_verified_certificates(
        browser: Browser, mail_site: tuple[DaphneServer, SmtpServer], database: LiveDatabase) -> None:
    server, smtp = mail_site
    contexts: list[BrowserContext] = []

    def new_page(viewport: dict | None = None) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, base_url=server.http_url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: print(f"[pageerror] {e}"))
        return page

    try:
        _journey(new_page, server, smtp, database)
    finally:
        for context in contexts:
            context.close()


def _journey(new_page: Callable[..., Page], server: DaphneServer, smtp: SmtpServer, database: LiveDatabase) -> None:
    tag = secrets.token_hex(2)
    slug = f"north-coast-regional-{tag}"
    title = "North Coast Regional Meeting"

    # 1. The organizer creates the meeting from its kind, ten days ahead, and opens registration.
    organizer = new_page()
    sign_in(organizer, "organizer")
    organizer.goto("/organize/new/")
    organizer.get_by_label("Regional Collaborative Meeting").check()
    organizer.get_by_label("Title", exact=True).fill(title)
    organizer.get_by_label("Web address").fill(slug)
    organizer.get_by_label("Time zone").select_option(ZONE)
    day = (dt.datetime.now(zoneinfo.ZoneInfo(ZONE)) + dt.timedelta(days=10)).date()
    organizer.get_by_label("Date").fill(day.isoformat())
    organizer.get_by_label("Start time").fill("09:00")
    organizer.get_by_role("button", name="Create the convening").click()
    organizer.wait_for_url(f"**/c/{slug}/organize/")
    for session in SESSIONS:
        expect(organizer.locator(".organizer-table")).to_contain_text(session)
    nav = organizer.get_by_role("navigation", name="Organizer pages")
    nav.get_by_role("link", name="Registrations").click()
    organizer.locator(".reg-settings summary").click()
    organizer.get_by_label("Registration", exact=True).select_option(label="Open to anyone")
    organizer.get_by_label("Participant places").fill("40")
    organizer.get_by_role("button", name="Save settings").click()
    expect(organizer.locator(".messages")).to_contain_text("Registration settings saved.")
    register_url = organizer.locator(".reg-settings a").get_attribute("href")
    assert register_url == f"{server.http_url}/c/{slug}/register/"

    # 2. Thirty people register: one person and a school's team in the browser, 26 by POST.
    people: dict[str, str] = {}  # email -> name
    person = new_page(PHONE)
    person.goto(register_url)
    person.get_by_label("Full name").fill("Nia Okafor")
    people[email := f"nia.{tag}@shasta.k12.ca.us"] = "Nia Okafor"
    person.get_by_label("Email").fill(email)
    person.get_by_label("Job role").select_option(label="Coach")
    person.get_by_label("School", exact=True).select_option(label="Cedar Elementary")
    person.get_by_role("button", name="Register").click()
    expect(person.get_by_role("heading", name="You are registered")).to_be_visible()

    team = new_page()
    team.goto(register_url)
    team.get_by_role("link", name="Register your team of three at once").click()
    team.get_by_label("School", exact=True).select_option(label="Cedar Elementary")
    members = [("Paula Pike", "Principal"), ("Theo Tran", "Teacher"), ("Cora Cruz", "Coach")]
    for number, (name, role) in enumerate(members, start=1):
        member = team.get_by_role("group", name=f"Team member {number}")
        member.get_by_label("Full name").fill(name)
        people[email := f"{name.split()[0].lower()}.{tag}@cedar.k12.ca.us"] = name
        member.get_by_label("Email").fill(email)
        member.get_by_label("Job role").select_option(label=role)
    team.get_by_role("button", name="Register all three").click()
    expect(team.get_by_role("heading", name="Your team's registrations")).to_be_visible()

    posting = new_page().context.request
    form = posting.get(register_url).text()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    schools = re.findall(r'<option value="(\d+)"', form)
    roles = ["principal", "teacher", "coach", "technician", "administrator", "support_staff"]
    for i in range(26):
        name = f"Person{i:02d} Attendee"
        people[email := f"person{i:02d}.{tag}@district{i % 4}.k12.ca.us"] = name
        response = posting.post(register_url, headers={"X-Forwarded-For": f"198.51.100.{i + 1}"}, form={
            "csrfmiddlewaretoken": token, "name": name, "email": email, "job_role": roles[i % len(roles)],
            "school": schools[i % len(schools)], "needs_captions": "on" if i % 5 == 0 else ""}, max_redirects=0)
        assert response.status == 302, (i, response.status, response.text()[:2000])
    assert len(people) == 30

    organizer.reload()
    expect(organizer.locator("#count-registered")).to_have_text("31")  # the 30 and the organizer
    expect(organizer.get_by_role("row").filter(has_text="Cora Cruz")).to_contain_text("Registered by Paula Pike")

    # 3. Everyone gets one confirmation: their own join link, and the agenda as an .ics.
    confirmations = wait_for(smtp, people, lambda s: s == f"You are registered for {title}")
    assert once_each(confirmations) == Counter(dict.fromkeys(people, 1))
    cora = next(r for r in confirmations if r.envelope_to[0].startswith("cora."))
    assert "Cora Cruz" in cora.body and "Registered by: Paula Pike" in cora.body
    calendar = icalendar.Calendar.from_ical(attachment(cora, "text/calendar"))
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert list(events) == [f"{session} · {title}" for session in SESSIONS]
    opening = events[f"{SESSIONS[0]} · {title}"].decoded("DTSTART")
    assert (opening.date(), opening.hour, opening.minute, str(opening.tzinfo)) == (day, 9, 0, ZONE)
    join = link_in(cora.body, rf"{re.escape(server.http_url)}/join/\S+")
    cora_page = new_page(PHONE)
    cora_page.goto(join)
    with cora_page.expect_navigation():
        cora_page.get_by_role("button", name="Join as Cora Cruz").click()
    cora_page.goto(f"/c/{slug}/live/")
    lobby = cora_page.get_by_role("region", name=re.compile("^The meeting opens on"))  # the lobby, before the day
    expect(lobby).to_contain_text("You'll appear as Cora Cruz from Cedar Elementary · Coach")

    # 4. The organizer moves a session: everyone registered is told, once.
    organizer.get_by_role("navigation", name="Organizer pages").get_by_role("link", name="Agenda").click()
    organizer.get_by_role("link", name="Regional breakouts").click()
    organizer.get_by_label("Title", exact=True).fill("Regional breakouts: what works nearby")
    organizer.get_by_role("button", name="Save the session").click()
    expect(organizer.locator(".messages")).to_contain_text("30 registered people were emailed about the change")
    changed = wait_for(smtp, people, lambda s: s.startswith("Changed: Regional breakouts: what works nearby"))
    assert once_each(changed) == Counter(dict.fromkeys(people, 1))

    # 5. Reminders: a day before, then an hour before (the convening moved to "now" plus that).
    reminder = f"Reminder: {title} starts"
    manage(database.url, "shell", "-c", MOVE.format(slug=slug, minutes=23 * 60 + 50))
    day_before = wait_for(smtp, people, lambda s: s.startswith(reminder))
    manage(database.url, "shell", "-c", MOVE.format(slug=slug, minutes=50))
    wait_for(smtp, people, lambda s: s.startswith(reminder) and s not in {r.subject for r in day_before})
    time.sleep(2)  # four more rounds of the worker's tick: nothing is sent again
    both = [r for r in smtp.received if r.subject.startswith(reminder)]
    for address in people:
        assert once_each(day_before)[address] == 1
        mine = [r.subject for r in both if address in r.envelope_to]
        assert len(mine) == 2 and len(set(mine)) == 2, mine  # two reminders, each for its own time
    assert len(both) == 2 * len(once_each(both))
    [last_reminder] = [r for r in both if r.envelope_to == cora.envelope_to and r.subject not in
                       {d.subject for d in day_before}]
    cora_page.goto(link_in(last_reminder.body, rf"{re.escape(server.http_url)}/join/\S+"))  # her way in, still
    expect(cora_page.get_by_role("button", name="Join as Cora Cruz")).to_be_visible()

    # 6. The meeting happens (it ended five minutes ago): five people stayed, Theo left early.
    stayed = [e for e in people if e.startswith(("nia.", "paula.", "cora.", "person00.", "person01."))]
    leaver = next(e for e in people if e.startswith("theo."))
    output = manage(database.url, "shell", "-c", ATTEND.format(
        slug=slug, minutes=-(4 * 60 + 5), emails=[*stayed, leaver], leaver=leaver))
    assert len(json.loads(output.split("PEOPLE ", 1)[1])) == 6
    # Once it has ended, the worker asks the six who came (and no one else) for their feedback.
    nudges = wait_for(smtp, [*stayed, leaver], lambda s: s == f"Your feedback on {title}: the survey is waiting")
    assert once_each(nudges) == Counter(dict.fromkeys([*stayed, leaver], 1))

    # 7. The organizer sees what went out to Cora, then names the issuing organization and
    #    issues certificates from the page.
    cora_email = next(e for e in people if e.startswith("cora."))
    organizer.get_by_role("navigation", name="Organizer pages").get_by_role("link", name="Email").click()
    to_cora = organizer.get_by_role("row").filter(has_text=cora_email)
    expect(to_cora).to_have_count(5)  # confirmation, the change, two reminders, the survey
    for row in to_cora.all():
        expect(row.get_by_role("cell").nth(3)).to_have_text("Sent")
    organizer.get_by_role("navigation", name="Organizer pages").get_by_role("link", name="Certificates").click()
    organizer.get_by_label("Issuing organization").fill("North Coast County Office of Education")
    organizer.get_by_role("button", name="Save the rule").click()
    expect(organizer.locator(".messages")).to_contain_text("Certificate rule saved.")
    organizer.get_by_role("button", name="Issue certificates").click()
    expect(organizer.locator(".messages")).to_contain_text("6 certificates issued and emailed")
    certificates = wait_for(smtp, [*stayed, leaver], lambda s: s == f"Your certificate of attendance: {title}")
    assert once_each(certificates) == Counter(dict.fromkeys([*stayed, leaver], 1))
    codes = {}
    for message in certificates:
        address = message.envelope_to[0]
        text = " ".join(pypdf.PdfReader(BytesIO(attachment(message, "application/pdf"))).pages[0].extract_text().split())
        expected = "2.50" if address == leaver else "3.25"
        assert people[address] in text and title in text and "North Coast County Office of Education" in text
        assert f"{expected} hours" in message.body, message.body
        assert f"Total: {expected} hours" in text, text
        assert ("Closing plenary" in text) == (address != leaver), text  # only the sessions that count
        codes[address] = link_in(message.body, r"/certificates/[0-9A-Z]+/").split("/")[2]

    # 8. A district HR office, not signed in, verifies Cora's certificate and sees nothing more.
    hr = new_page()
    hr.goto(f"/certificates/{codes[cora_email]}/")
    expect(hr.get_by_role("heading", name=re.compile("Certificate of attendance"))).to_be_visible()
    expect(hr.get_by_text("Cora Cruz")).to_be_visible()
    expect(hr.locator("main")).to_contain_text("3.25")
    page_text = hr.locator("body").inner_text()
    assert "@" not in page_text and "Paula Pike" not in page_text and "Theo Tran" not in page_text
    assert hr.get_by_role("navigation", name="Organizer pages").count() == 0
