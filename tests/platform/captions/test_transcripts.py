"""Transcripts after the convening: organizers download them from the report; participants
read their own rooms' transcripts only when the organizer allows it."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import webvtt
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from captions.models import CaptionLine
from convenings.models import Session
from rooms.models import Attendance
from tests.signaling.consumers.factories import SmallConvening, small_convening

pytestmark = pytest.mark.django_db
ROOM, OTHER_ROOM = "s2-r1", "s2-r2"


@pytest.fixture
def captioned() -> tuple[SmallConvening, Session]:
    """A plenary session with captions in the plenary and in two rooms; Maria was in the
    plenary and room 1 while they were captioned, James only in room 2."""
    small = small_convening()
    c = small.convening
    start = c.starts_at + dt.timedelta(minutes=10)
    session = Session.objects.create(convening=c, title="Opening plenary", kind="plenary", order=1,
                                     starts_at=start, ends_at=start + dt.timedelta(hours=1))
    dana = small["aisha"].participant
    for space, texts in (("plenary", ["Welcome back, everyone.", "Let's look at the data."]),
                         (ROOM, ["Room one talks attendance."]), (OTHER_ROOM, ["Room two talks budgets."])):
        for n, text in enumerate(texts):
            said = start + dt.timedelta(minutes=1, seconds=10 * n)
            CaptionLine.objects.create(convening=c, session=session, space=space, captioner=dana, text=text,
                                       final=True, started_at=said, ended_at=said + dt.timedelta(seconds=3))
    CaptionLine.objects.create(convening=c, session=session, space="plenary", captioner=dana, text="half a wo",
                               final=False, started_at=start + dt.timedelta(minutes=5))
    maria, james = small["maria"].participant, small["james"].participant
    for who, space in ((maria, "plenary"), (maria, ROOM), (james, OTHER_ROOM)):
        Attendance.objects.create(convening=c, participant=who, space=space, joined_at=start,
                                  left_at=start + dt.timedelta(minutes=30))
    return small, session


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def url(small: SmallConvening, name: str, *args: object) -> str:
    return reverse(f"captions:{name}", args=[small.convening.slug, *args])


def test_organizers_download_webvtt_and_text_from_the_report(captioned) -> None:
    small, session = captioned
    organizer = client_for("olivia")
    report = organizer.get(reverse("reports:report", args=[small.convening.slug])).content.decode()
    vtt_url, txt_url = url(small, "vtt", session.pk, "plenary"), url(small, "txt", session.pk, "plenary")
    assert vtt_url in report and txt_url in report and url(small, "transcripts") in report
    response = organizer.get(vtt_url)
    assert response.status_code == 200 and response["Content-Type"] == "text/vtt; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    cues = webvtt.from_buffer(io.StringIO(response.content.decode()))
    assert [(c.start, c.end, c.text) for c in cues] == [  # from the session's start: a recording lines up
        ("00:01:00.000", "00:01:03.000", "Welcome back, everyone."),
        ("00:01:10.000", "00:01:13.000", "Let's look at the data.")]
    text = organizer.get(txt_url).content.decode()
    assert "Captioned by: Aisha Johnson (CART)" in text and "Let's look at the data." in text
    assert "half a wo" not in text, "a line never finished is not in the transcript"
    assert client_for("jordan").get(vtt_url).status_code == 200  # moderators read the report too


def test_participants_read_nothing_until_the_organizer_allows_it(captioned) -> None:
    small, session = captioned
    maria = client_for("maria")
    assert maria.get(url(small, "transcripts")).status_code == 403
    assert maria.get(url(small, "vtt", session.pk, ROOM)).status_code == 403
    assert maria.post(url(small, "sharing"), {"participants_may_read": "on"}).status_code == 403
    assert Client().get(url(small, "transcripts")).status_code == 302  # strangers: sign in first

    organizer = client_for("olivia")
    page = organizer.get(url(small, "transcripts")).content.decode()
    assert 'id="participants-may-read"' in page and "checked" not in page.split('id="participants-may-read"')[1][:20]
    assert organizer.post(url(small, "sharing"), {"participants_may_read": "on"}).status_code == 302

    page = maria.get(url(small, "transcripts")).content.decode()
    assert "Room one talks attendance." in page and "Welcome back, everyone." in page
    assert "Room two talks budgets." not in page, "only the rooms she was in"
    assert maria.get(url(small, "vtt", session.pk, ROOM)).status_code == 200
    assert maria.get(url(small, "txt", session.pk, OTHER_ROOM)).status_code == 404
    james_page = client_for("james").get(url(small, "transcripts")).content.decode()
    assert "Room two talks budgets." in james_page and "Room one talks attendance." not in james_page

    organizer.post(url(small, "sharing"), {})  # unticked: closed again
    assert maria.get(url(small, "transcripts")).status_code == 403


def test_other_convenings_people_read_nothing(captioned) -> None:
    small, session = captioned
    small.outsider.user.save()
    outsider = Client()
    outsider.force_login(small.outsider.user)
    client_for("olivia").post(url(small, "sharing"), {"participants_may_read": "on"})
    assert outsider.get(url(small, "transcripts")).status_code == 403
