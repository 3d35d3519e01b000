"""Certificates end to end: exact attendance rows in, PDF text, email, verification, downloads out."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from certificates import issue
from certificates.models import Certificate, CertificateRule
from convenings.models import Convening, Session
from mail.models import OutboxMessage
from people.models import Participant
from rooms.models import Attendance
from surveys.evaluation import evaluation_survey
from surveys.models import Response
from surveys.submit import submit_response
from tests.platform.surveys.factories import at, make_convening, make_session, make_team, registered

pytestmark = pytest.mark.django_db
AFTER = at("17:00")  # the meeting (08:00–16:00) is over


@dataclass
class World:
    convening: Convening
    plenary: Session  # 09:00–10:00
    breakout: Session  # 10:15–11:00
    alice: Participant
    bob: Participant
    organizer: Participant
    moderator: Participant


def attend(world: World, person: Participant, space: str, start: str, end: str | None) -> None:
    Attendance.objects.create(convening=world.convening, participant=person, space=space,
                              joined_at=at(start), left_at=at(end) if end else None)


@pytest.fixture
def world(db: None) -> World:
    cache.clear()
    convening = make_convening()
    w = World(convening, make_session(convening, 1, "09:00", "10:00", title="Opening plenary"),
              make_session(convening, 2, "10:15", "11:00", kind="breakout", title="Breakouts by role"),
              registered(convening, "alice", first="Ana", last="García", team=make_team()),
              registered(convening, "bob", first="Bo", last="Nguyễn"),
              registered(convening, "olga", role="organizer", first="Olga", last="Organizer"),
              registered(convening, "mo", role="moderator", first="Mo", last="Moderator"))
    # Alice: the whole plenary on two overlapping tabs (counted once), and 40 of the
    # breakout's 45 minutes across the plenary and her room.
    attend(w, w.alice, "lobby", "08:40", "09:00")
    attend(w, w.alice, "plenary", "08:58", "09:40")
    attend(w, w.alice, "plenary", "09:30", "10:05")  # second tab
    attend(w, w.alice, "room:2-1", "10:20", "11:00")
    # Bob: 47 of the plenary's 60 minutes (78%: under 80), all of the breakout.
    attend(w, w.bob, "plenary", "09:13", "10:00")
    attend(w, w.bob, "room:2-3", "10:15", "11:05")
    return w


def client_for(person: Participant | None = None, username: str | None = None) -> Client:
    client = Client()
    user = person.user if person else get_user_model().objects.get(username=username)
    client.force_login(user)
    return client


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def organize_url(world: World) -> str:
    return reverse("certificates:organize", args=[world.convening.slug])


def test_hours_per_session_come_from_the_exact_attendance(world: World) -> None:
    people = {p.participant.pk: p for p in issue.people_hours(world.convening, issue.rule_for(world.convening),
                                                              AFTER)}
    alice, bob = people[world.alice.pk], people[world.bob.pk]
    assert [(e.minutes_attended, e.counts) for e in alice.sessions] == [(60, True), (40, True)]
    assert [(e.minutes_attended, e.counts) for e in bob.sessions] == [(47, False), (45, True)]
    assert alice.totals == {"CTLE": 105} and bob.totals == {"CTLE": 45}
    assert world.organizer.pk not in people and world.moderator.pk not in people  # they run it


def test_the_issued_pdf_says_what_the_attendance_says(world: World) -> None:
    result = issue.issue(world.convening, AFTER)
    assert len(result.issued) == 2
    certificate = Certificate.objects.get(participant=world.alice)
    text = pdf_text(bytes(certificate.pdf))
    grouped = "-".join(re.findall("....", certificate.code))
    for expected in ["Certificate of Attendance", "Ana García", "Regional Collaborative Meeting", "4 March 2026",
                     "1.75 hours of CTLE credit", "Opening plenary CTLE 60 1.00", "Breakouts by role CTLE 40 0.75",
                     "Total: 1.75 hours", "at least 80%", "Issued by Regional Collaborative Meeting on 4 March 2026",
                     f"Verification code: {grouped}", f"/certificates/{certificate.code}/"]:
        assert expected in text, expected
    bob = pdf_text(bytes(Certificate.objects.get(participant=world.bob).pdf))
    assert "Bo Nguyễn" in bob and "0.75 hours of CTLE credit" in bob and "Opening plenary" not in bob


def test_issuing_emails_each_certificate_once_with_the_pdf(world: World) -> None:
    issue.issue(world.convening, AFTER)
    certificate = Certificate.objects.get(participant=world.alice)
    message = OutboxMessage.objects.get(key=f"certificate:{certificate.code}")
    assert message.to == "alice@example.org" and message.kind == "certificate"
    assert "Regional Collaborative Meeting" in message.subject
    assert f"/certificates/{certificate.code}/" in message.body and "1.75 hours" in message.body
    [attachment] = message.attachments.all()
    assert attachment.mimetype == "application/pdf" and bytes(attachment.content) == bytes(certificate.pdf)
    again = issue.issue(world.convening, AFTER)  # the organizer clicks again
    assert (len(again.issued), again.unchanged) == (0, 2)
    assert OutboxMessage.objects.filter(kind="certificate").count() == 2


def test_changed_hours_replace_the_certificate_and_the_old_code_says_so(world: World) -> None:
    issue.issue(world.convening, AFTER)
    old = Certificate.objects.get(participant=world.bob)
    attend(world, world.bob, "plenary", "09:00", "09:13")  # a late-recorded first tab: now 100%
    result = issue.issue(world.convening, AFTER)
    assert [c.participant for c in result.issued] == [world.bob] and result.unchanged == 1
    new = issue.current_certificate(world.convening, world.bob)
    assert new.code != old.code and new.snapshot["total_minutes"] == 105
    old.refresh_from_db()
    assert old.replaced_at == AFTER
    page = Client().get(reverse("certificates:verify", args=[old.code])).content.decode()
    assert "replaced" in page and "0.75" in page  # still what was issued then


def test_the_snapshot_outlives_later_changes_to_the_rows(world: World) -> None:
    issue.issue(world.convening, AFTER)
    code = Certificate.objects.get(participant=world.alice).code
    Attendance.objects.filter(participant=world.alice).delete()
    world.plenary.title = "Renamed later"
    world.plenary.save()
    page = Client().get(reverse("certificates:verify", args=[code])).content.decode()
    assert "Opening plenary" in page and "1.75" in page and "Renamed later" not in page


def test_certificates_can_wait_for_an_anonymous_evaluation(world: World) -> None:
    survey = evaluation_survey(world.convening, anonymous=True)
    CertificateRule.objects.create(convening=world.convening, survey=survey)
    first = issue.issue(world.convening, AFTER)
    assert (first.issued, first.waiting_for_survey) == ([], 2)
    questions = list(survey.questions.order_by("order"))
    submit_response(survey, world.alice, {questions[0].pk: 5, questions[1].pk: 4, questions[4].pk:
                                          "More team planning time"}, AFTER)
    assert Response.objects.get().participant is None  # still anonymous
    second = issue.issue(world.convening, AFTER)
    assert [c.participant for c in second.issued] == [world.alice] and second.waiting_for_survey == 1


def test_the_verification_page_shows_the_certificate_and_nothing_more(world: World) -> None:
    issue.issue(world.convening, AFTER)
    certificate = Certificate.objects.get(participant=world.alice)
    response = Client().get(reverse("certificates:verify", args=[certificate.code]))  # nobody signed in
    assert response.status_code == 200
    page = response.content.decode()
    for expected in ["Ana García", "Regional Collaborative Meeting", "4 March 2026", "Opening plenary",
                     "Breakouts by role", "1.00", "0.75", "1.75 hours", "CTLE", "Issued on", "genuine"]:
        assert expected in page, expected
    for private in ["alice@example.org", "Cedar Elementary", "Nguyễn", "Bo ", "Olga", "Sign out"]:
        assert private not in page, private


def test_codes_are_read_however_they_are_typed_and_unknown_ones_say_so(world: World) -> None:
    issue.issue(world.convening, AFTER)
    code = Certificate.objects.get(participant=world.alice).code
    typed = "-".join(re.findall("....", code)).lower()
    response = Client().get(reverse("certificates:verify", args=[typed]))
    assert response.status_code == 302 and response["Location"] == reverse("certificates:verify", args=[code])
    unknown = Client().get(reverse("certificates:verify", args=["ZZZZ-ZZZZ-ZZZZ"]))
    assert unknown.status_code == 404 and "No certificate has this code" in unknown.content.decode()
    assert Client().get(reverse("certificates:verify", args=["x" * 500])).status_code == 404


def test_guessing_codes_is_slowed_down(world: World, settings) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(30):
        assert client.get(reverse("certificates:verify", args=[f"ZZZZZZZZZZ{i:02d}"])).status_code == 404
    assert client.get(reverse("certificates:verify", args=["ZZZZZZZZZZZZ"])).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.7").get(
        reverse("certificates:verify", args=["ZZZZZZZZZZZZ"])).status_code == 404  # someone else is not


def test_participants_download_their_own_certificate_only(world: World) -> None:
    issue.issue(world.convening, AFTER)
    url = reverse("certificates:mine", args=[world.convening.slug])
    alice = client_for(world.alice).get(url)
    assert alice.status_code == 200 and alice["Content-Type"] == "application/pdf"
    assert "Ana García" in pdf_text(alice.content)
    bob = client_for(world.bob).get(url)
    assert "Ana García" not in pdf_text(bob.content) and "Bo Nguyễn" in pdf_text(bob.content)
    nothing = client_for(world.moderator).get(url)
    assert nothing.status_code == 404 and "No certificate for you yet" in nothing.content.decode()
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


@pytest.mark.parametrize("name", ["organize", "organize_zip", "organize_csv"])
def test_only_this_convenings_organizers_and_superusers_reach_the_organizer_pages(world: World, name: str) -> None:
    url = reverse(f"certificates:{name}", args=[world.convening.slug])
    other = make_convening(slug="another-meeting")
    elsewhere = registered(other, "otto", role="organizer")
    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    assert client_for(world.organizer).get(url).status_code == 200
    assert client_for(username="root").get(url).status_code == 200
    for person in (world.alice, world.moderator, elsewhere):
        assert client_for(person).get(url).status_code == 403, person
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    if name == "organize":
        assert client_for(world.alice).post(url, {"action": "issue"}).status_code == 403
        assert client_for(elsewhere).post(url, {"action": "issue"}).status_code == 403
        assert not Certificate.objects.exists()


def test_the_organizer_sets_the_rule_and_issues(world: World) -> None:
    client, url = client_for(world.organizer), organize_url(world)
    page = client.get(url).content.decode()
    assert "Ana García" in page and "Issue certificates" in page
    bad = client.post(url, {"action": "save", "percent": "150", "categories": "CTLE",
                            f"session_{world.plenary.pk}": "CTLE", f"session_{world.breakout.pk}": "CTLE"})
    assert bad.status_code == 400 and "The rule was not saved" in bad.content.decode()
    saved = client.post(url, {"action": "save", "percent": "75", "organization": "North Coast Network",
                              "categories": "CTLE\nLanguage acquisition",
                              f"session_{world.plenary.pk}": "Language acquisition",
                              f"session_{world.breakout.pk}": "-"})
    assert saved.status_code == 302
    rule = CertificateRule.objects.get(convening=world.convening)
    assert (rule.percent, rule.category_list) == (75, ["CTLE", "Language acquisition"])
    issued = client.post(url, {"action": "issue"}, follow=True)
    assert "2 certificates issued and emailed" in issued.content.decode()  # Bob's 78% now counts
    bob = Certificate.objects.get(participant=world.bob).snapshot
    assert bob["totals"] == [{"category": "Language acquisition", "minutes": 60}]
    assert bob["organization"] == "North Coast Network" and [s["title"] for s in bob["sessions"]] == [
        "Opening plenary"]


def test_the_zip_holds_one_pdf_per_certificate(world: World) -> None:
    issue.issue(world.convening, AFTER)
    response = client_for(world.organizer).get(reverse("certificates:organize_zip", args=[world.convening.slug]))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    codes = {c.participant.name: c.code for c in Certificate.objects.all()}
    assert sorted(archive.namelist()) == sorted([f"certificate-ana-garcia-{codes['Ana García']}.pdf",
                                                 f"certificate-bo-nguyen-{codes['Bo Nguyễn']}.pdf"])
    names = {pdf_text(archive.read(n)).split("\n")[2] for n in archive.namelist()}
    assert names == {"Ana García", "Bo Nguyễn"}


def test_the_csv_has_hours_per_person_and_category_and_no_formulas(world: World) -> None:
    world.bob.user.first_name = "=HYPERLINK(\"http://evil\")"
    world.bob.user.save()
    issue.issue(world.convening, AFTER)
    response = client_for(world.organizer).get(reverse("certificates:organize_csv", args=[world.convening.slug]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Name", "Email", "School", "CTLE hours", "Total hours", "Sessions counted",
                       "Survey answered", "Certificate code", "Certificate issued"]
    by_email = {row[1]: row for row in rows[1:]}
    alice = by_email["alice@example.org"]
    assert alice[:8] == ["Ana García", "alice@example.org", "Cedar Elementary", "1.75", "1.75", "2", "yes",
                         Certificate.objects.get(participant=world.alice).code]
    assert by_email["bob@example.org"][0].startswith("'=HYPERLINK") and by_email["bob@example.org"][3] == "0.75"


def test_cancelled_registrations_are_listed_only_if_they_came_anyway(world: World) -> None:
    carl = registered(world.convening, "carl")
    dora = registered(world.convening, "dora")
    world.convening.registrations.filter(participant__in=[carl, dora]).update(status="cancelled")
    attend(world, dora, "plenary", "09:00", "10:00")
    listed = [p.participant for p in issue.people_hours(world.convening, issue.rule_for(world.convening), AFTER)]
    assert dora in listed and carl not in listed


def test_the_admin_shows_issued_certificates_read_only(world: World) -> None:
    issue.issue(world.convening, AFTER)
    get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client = client_for(username="root")
    certificate = Certificate.objects.get(participant=world.alice)
    assert certificate.code in client.get(reverse("admin:certificates_certificate_changelist")).content.decode()
    change = client.get(reverse("admin:certificates_certificate_change", args=[certificate.pk]))
    assert change.status_code == 200 and "Ana García" in change.content.decode()
    assert client.get(reverse("admin:certificates_certificate_add")).status_code == 403
