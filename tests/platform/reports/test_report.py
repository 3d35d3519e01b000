from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from action_items import services
from action_items.services import Owner
from reports.export import attendance_csv
from reports.summary import attendance_summary
from rooms.attendance import attendance_closed, attendance_opened
from rooms.breakout_models import RoomAssignment
from surveys.evaluation import evaluation_survey
from surveys.submit import submit_response
from tests.platform.surveys.factories import at, make_convening, make_person, make_session, make_team, registered

pytestmark = pytest.mark.django_db


def visit(convening, person, space: str, start: str, end: str | None) -> None:
    attendance_opened(convening.pk, person.pk, space, at(start))
    if end:
        attendance_closed(convening.pk, person.pk, space, at(end))


@pytest.fixture
def meeting():
    convening = make_convening()  # 08:00–16:00
    make_session(convening, 1, "09:00", "10:00", title="Opening plenary")
    make_session(convening, 2, "10:15", "11:00", kind="breakout", title="Breakouts")
    team = make_team()
    people = {"maria": registered(convening, "maria", team=team, first="Maria", last="Garcia"),
              "james": registered(convening, "james", first="James", last="Nguyen"),
              "absent": registered(convening, "absent", first="Ada", last="Absent"),
              "org": registered(convening, "org", "organizer", first="Olivia", last="Marsh")}
    # Maria: two overlapping tabs in the plenary, then a breakout room: 60 + 30 = 90 minutes.
    visit(convening, people["maria"], "plenary", "09:00", "09:40")
    visit(convening, people["maria"], "plenary", "09:20", "10:00")
    visit(convening, people["maria"], "room:s2-r1", "10:15", "10:45")
    # James: joined late and never closed (still connected): counted up to the end, 16:00.
    visit(convening, people["james"], "plenary", "15:30", None)
    return convening, team, people


def test_minutes_present_count_overlapping_tabs_once(meeting) -> None:
    convening, _, people = meeting
    summary = attendance_summary(convening, now=at("17:00"))
    by_name = {p.participant.name: p for p in summary.people}
    maria, james = by_name["Maria Garcia"], by_name["James Nguyen"]
    assert maria.minutes == 90 and maria.first_joined == at("09:00") and maria.last_left == at("10:45")
    assert maria.spaces == ["plenary", "room:s2-r1"]
    assert james.minutes == 30 and james.still_present
    assert [p.participant.name for p in summary.not_joined] == ["Ada Absent", "Olivia Marsh"]


def test_open_intervals_count_up_to_now_during_the_convening(meeting) -> None:
    convening, _, _ = meeting
    summary = attendance_summary(convening, now=at("15:45"))
    assert next(p for p in summary.people if p.participant.name == "James Nguyen").minutes == 15


def test_who_was_present_in_each_session(meeting) -> None:
    convening, _, _ = meeting
    sessions = attendance_summary(convening, now=at("17:00")).sessions
    assert [(s.session.title, s.present) for s in sessions] == [
        ("Opening plenary", [("Maria Garcia", 60)]), ("Breakouts", [("Maria Garcia", 30)])]


def test_unregistered_staff_presence_is_reported(meeting) -> None:
    convening, _, _ = meeting
    helper = make_person("helper", staff=True, first="Hal", last="Helper")
    visit(convening, helper, "plenary", "09:00", "09:10")
    person = next(p for p in attendance_summary(convening, at("17:00")).people if p.participant == helper)
    assert (person.role, person.minutes) == ("Not registered", 10)


def test_attendance_csv(meeting) -> None:
    convening, _, _ = meeting
    rows = list(csv.DictReader(io.StringIO(attendance_csv(attendance_summary(convening, at("17:00")), convening.tz))))
    maria = next(r for r in rows if r["Name"] == "Maria Garcia")
    assert maria["Minutes present"] == "90" and maria["First joined"] == "2026-03-04T09:00-08:00"
    assert maria["Team"] == "Cedar Elementary Leadership Team" and maria["Spaces"] == "plenary; room:s2-r1"
    assert next(r for r in rows if r["Name"] == "Ada Absent")["Minutes present"] == "0"


def organizer_client(people) -> Client:
    client = Client()
    client.force_login(people["org"].user)
    return client


def test_report_page_gathers_attendance_action_items_and_surveys(meeting) -> None:
    convening, team, people = meeting
    services.add(Owner.of_team(convening.pk, team.pk), "Inventory every device", people["maria"])
    services.add(Owner.of_room(convening.pk, "s2-r1", "Math · Room 1"), "Number talks weekly", people["maria"])
    survey = evaluation_survey(convening)
    survey.closes_at = None
    survey.save()
    submit_response(survey, people["maria"], {survey.questions.get(order=1).pk: 4}, timezone.now())
    response = organizer_client(people).get(reverse("reports:report", args=[convening.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>2</strong> of 4 people joined." in html
    assert '<td class="num">90</td>' in html
    assert "Maria Garcia (60)" in html  # present in the opening plenary
    assert "No breakout room history has been recorded" in html  # no RoomAssignment rows in this test
    assert "Inventory every device" in html and "Number talks weekly" in html
    assert "<strong>1</strong> response" in html and 'role="img"' in html
    assert "1 of 3 participants and presenters answered (response rate 33%)" in html  # not the organizer
    assert 'class="report-section"' in html
    for name in ("attendance_csv", "rooms_csv", "action_items_csv"):
        assert reverse(f"reports:{name}", args=[convening.slug]) in html
    assert reverse("surveys:responses_csv", args=[convening.slug, survey.pk]) in html


def stay(convening, session, person, key: str, name: str, start: str, end: str | None,
         reason: str = "opened", left_reason: str = "closed") -> None:
    RoomAssignment.objects.create(convening=convening, session=session, participant=person, room_key=key,
                                  room_name=name, joined_at=at(start), left_at=at(end) if end else None,
                                  reason=reason, left_reason=left_reason if end else "")


@pytest.fixture
def rooms(meeting):
    """Two breakout sessions; the same room name in both, a move, a moderator's visit, a stay still open."""
    convening, team, people = meeting
    morning = convening.sessions.get(order=2)
    afternoon = make_session(convening, 3, "13:00", "14:00", kind="breakout", title="Afternoon breakouts")
    stay(convening, morning, people["maria"], "s2-r1", "Math · Room 1", "10:15", "10:45")
    stay(convening, morning, people["james"], "s2-r2", "Science · Room 2", "10:15", "10:30", left_reason="moved")
    stay(convening, morning, people["james"], "s2-r1", "Math · Room 1", "10:30", "10:45", reason="moved")
    stay(convening, morning, people["org"], "s2-r1", "Math · Room 1", "10:20", "10:25", reason="visited",
         left_reason="returned")
    stay(convening, afternoon, people["maria"], "s3-r1", "Math · Room 1", "13:00", None)
    return convening, team, people


def test_report_lists_breakout_rooms_by_session(rooms) -> None:
    convening, _, people = rooms
    html = organizer_client(people).get(reverse("reports:report", args=[convening.slug])).content.decode()
    table = html[html.index('<table class="data rooms-by-session">'):]
    table = table[:table.index("</table>")]
    groups = re.findall(r'<tbody class="room-session">(.*?)</tbody>', table, re.S)
    rows = [re.findall(r'<th scope="(?:rowgroup|row)"[^>]*>([^<]*)', g) for g in groups]
    assert [r[0].strip() for r in rows] == ["Breakouts", "Afternoon breakouts"]
    assert "(2 rooms)" in groups[0] and "(1 room)" in groups[1]
    assert [r[1:] for r in rows] == [["Math · Room 1", "Science · Room 2"], ["Math · Room 1"]]
    assert "James Nguyen, Maria Garcia" in groups[0]  # moved in: a member of both rooms he was in
    assert "Olivia Marsh" not in table  # a moderator's visit is not membership
    assert "No breakout room history" not in html


def test_room_membership_csv_download(rooms) -> None:
    convening, _, people = rooms
    response = organizer_client(people).get(reverse("reports:rooms_csv", args=[convening.slug]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="regional-meeting-breakout-rooms.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["Session"], r["Room"], r["Name"], r["Joined"], r["Left"], r["Minutes"]) for r in rows] == [
        ("Breakouts", "Math · Room 1", "Maria Garcia", "2026-03-04T10:15-08:00", "2026-03-04T10:45-08:00", "30"),
        ("Breakouts", "Math · Room 1", "Olivia Marsh", "2026-03-04T10:20-08:00", "2026-03-04T10:25-08:00", "5"),
        ("Breakouts", "Math · Room 1", "James Nguyen", "2026-03-04T10:30-08:00", "2026-03-04T10:45-08:00", "15"),
        ("Breakouts", "Science · Room 2", "James Nguyen", "2026-03-04T10:15-08:00", "2026-03-04T10:30-08:00", "15"),
        ("Afternoon breakouts", "Math · Room 1", "Maria Garcia", "2026-03-04T13:00-08:00", "still in the room", ""),
    ]
    james_moved = rows[3]
    assert (james_moved["How they came"], james_moved["Why they left"]) == (
        "placed when rooms opened", "moved to another room")
    assert rows[1]["How they came"] == "visiting (moderator)"
    assert rows[0]["Email"] == "maria@example.org" and rows[0]["School"] == "Cedar Elementary"


def test_action_items_csv_download(meeting) -> None:
    convening, team, people = meeting
    owner = Owner.of_team(convening.pk, team.pk)
    services.add(owner, "Second", people["maria"])
    services.add(owner, "First", people["maria"], at=1)
    response = organizer_client(people).get(reverse("reports:action_items_csv", args=[convening.slug]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["Name"], r["Rank"], r["Action item"], r["Last changed by"]) for r in rows] == [
        ("Cedar Elementary Leadership Team", "1", "First", "Maria Garcia"),
        ("Cedar Elementary Leadership Team", "2", "Second", "Maria Garcia")]


def test_participants_get_403_on_the_report_and_its_downloads(meeting) -> None:
    convening, _, people = meeting
    client = Client()
    client.force_login(people["maria"].user)
    for name in ("report", "attendance_csv", "rooms_csv", "action_items_csv"):
        response = client.get(reverse(f"reports:{name}", args=[convening.slug]))
        assert response.status_code == 403 and b"isn't available to you" in response.content
    assert Client().get(reverse("reports:report", args=[convening.slug])).status_code == 302


def test_the_report_prints_without_navigation_and_with_page_breaks() -> None:
    from django.contrib.staticfiles import finders

    with open(finders.find("convene/site.css"), encoding="utf-8") as file:
        css = file.read()
    print_rules = css[css.index("@media print"):]
    assert ".site-header" in print_rules.split("display:none")[0]
    assert ".report-section { break-before:page; }" in print_rules
