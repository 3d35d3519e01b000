from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from convenings.models import Material, Topic
from tests.platform.surveys.factories import make_convening, make_session, registered

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def convening():
    c = make_convening()
    session = make_session(c, 1, "09:45", "10:45", kind="breakout", title="Parent Engagement breakout")
    session.presenters.add(registered(c, "rsolano", "presenter", first="Rebecca", last="Solano"))
    session.topics.add(Topic.objects.create(kind="core_component", name="Parent Engagement"))
    Material.objects.create(session=session, title="Family tech night kit", url="https://example.org/kit.pdf")
    Material.objects.create(session=session, title="Slides", file="materials/2026/slides.pdf")
    make_session(c, 2, "13:00", "14:00", title="Closing plenary")
    return c


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def test_agenda_ics_round_trips_times_across_time_zones(client: Client, convening) -> None:
    calendar = parse(client.get(reverse("agenda_ics", args=[convening.slug])))
    events = {e["SUMMARY"].split(" · ")[0]: e for e in calendar.events}
    assert set(events) == {"Parent Engagement breakout", "Closing plenary"}
    start = events["Parent Engagement breakout"].start
    assert start.astimezone(UTC) == dt.datetime(2026, 3, 4, 17, 45, tzinfo=UTC)
    assert start.astimezone(NEW_YORK).strftime("%H:%M") == "12:45"
    assert events["Parent Engagement breakout"].end.astimezone(UTC).strftime("%H:%M") == "18:45"


def test_times_carry_the_convening_tzid_and_a_matching_vtimezone(client: Client, convening) -> None:
    body = client.get(reverse("agenda_ics", args=[convening.slug])).content.decode()
    assert "DTSTART;TZID=America/Los_Angeles:20260304T094500" in body
    calendar = Calendar.from_ical(body)
    [vtimezone] = calendar.timezones
    assert vtimezone.tz_name == "America/Los_Angeles"
    # The VTIMEZONE itself (not the server's tz database) must give the right offsets,
    # before and after the switch to daylight saving time on 8 March 2026.
    tz = vtimezone.to_tz()
    assert dt.datetime(2026, 3, 4, 9, 45, tzinfo=tz).utcoffset() == dt.timedelta(hours=-8)
    assert dt.datetime(2026, 3, 9, 9, 45, tzinfo=tz).utcoffset() == dt.timedelta(hours=-7)


def test_events_have_uid_stamp_url_and_description(client: Client, convening) -> None:
    calendar = parse(client.get(reverse("agenda_ics", args=[convening.slug])))
    event = next(e for e in calendar.events if "Parent Engagement" in e["SUMMARY"])
    session = convening.sessions.get(order=1)
    assert str(event["UID"]) == f"convene-session-{session.pk}@testserver"
    assert event.DTSTAMP.tzinfo is not None and event.DTSTAMP.utcoffset() == dt.timedelta(0)
    assert event["URL"] == f"http://testserver/c/{convening.slug}/#session-{session.pk}"
    description = str(event["DESCRIPTION"])
    assert "Presenters: Rebecca Solano" in description
    assert "Topics: Parent Engagement (Core component)" in description
    assert "- Family tech night kit: https://example.org/kit.pdf" in description
    assert "- Slides: http://testserver/media/materials/2026/slides.pdf" in description


def test_session_ics_has_just_that_session_with_the_same_uid(client: Client, convening) -> None:
    session = convening.sessions.get(order=2)
    response = client.get(reverse("session_ics", args=[convening.slug, session.pk]))
    [event] = parse(response).events
    agenda = parse(client.get(reverse("agenda_ics", args=[convening.slug])))
    same = next(e for e in agenda.events if "Closing plenary" in e["SUMMARY"])
    assert event["UID"] == same["UID"]  # re-importing updates instead of duplicating
    assert event.start.astimezone(UTC) == dt.datetime(2026, 3, 4, 21, 0, tzinfo=UTC)
    assert f'filename="{convening.slug}-session-{session.pk}.ics"' in response["Content-Disposition"]


def test_session_of_another_convening_is_404(client: Client, convening) -> None:
    other = make_convening(slug="other")
    foreign = make_session(other, 1, "09:00", "10:00")
    assert client.get(reverse("session_ics", args=[convening.slug, foreign.pk])).status_code == 404


def test_convening_page_links_to_calendar_files(client: Client, convening) -> None:
    html = client.get(convening.get_absolute_url()).content.decode()
    assert f'href="/c/{convening.slug}/agenda.ics"' in html
    for session in convening.sessions.all():
        assert f'href="/c/{convening.slug}/sessions/{session.pk}.ics"' in html
