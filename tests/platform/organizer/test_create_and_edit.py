"""Creating a convening from its kind, and editing its sessions (people told of changes)."""
from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from convenings.models import Convening, Registration, Session, Topic
from mail.models import OutboxMessage
from mail.outbox import enqueue
from organizer.models import ConveningSetup
from people.models import Region
from surveys.models import Survey
from tests.platform.organizer.conftest import World

NEW = "/organize/new/"


def staff_client(db: None, *, staff: bool = True, superuser: bool = False) -> tuple[Client, object]:
    User = get_user_model()
    user = User.objects.create_user("maker", password="pw", is_staff=staff, is_superuser=superuser)
    client = Client()
    client.force_login(user)
    return client, user


def test_staff_creates_a_regional_meeting_from_its_kind(db: None) -> None:
    client, user = staff_client(db)
    Region.objects.create(name="Hudson Valley")  # a region topic per region of the site
    page = client.get(NEW).content.decode()
    assert "Staff members and administrators can create convenings" in page
    assert "Regional Collaborative Meeting" in page and "Region (people from nearby schools together)" in page
    response = client.post(NEW, {"kind": "regional", "title": "Winter Regional", "slug": "",
                                 "time_zone": "America/New_York", "date": "2026-02-11", "start_time": "09:30"})
    assert response.status_code == 302 and response["Location"] == "/c/winter-regional/organize/"
    convening = Convening.objects.get(slug="winter-regional")
    ny = zoneinfo.ZoneInfo("America/New_York")
    assert convening.starts_at == dt.datetime(2026, 2, 11, 9, 30, tzinfo=ny)
    assert convening.time_zone == "America/New_York" and convening.kind == "regional"
    sessions = list(convening.sessions.order_by("order"))
    assert [s.kind for s in sessions] == ["plenary", "breakout", "team_planning", "plenary"]
    assert [(t.kind, t.name) for t in sessions[1].topics.all()] == [("region", "Hudson Valley")]
    assert ConveningSetup.objects.get(convening=convening).breakout_strategy == "region"
    assert Registration.objects.get(convening=convening, participant__user=user).role == "organizer"
    assert Survey.objects.filter(convening=convening, session=None, title__startswith="Evaluation").exists()
    home = client.get(response["Location"]).content.decode()
    assert "Regional breakouts" in home and "is created" in home


@pytest.mark.parametrize(("kind", "topic_kind", "strategy"), [
    ("academy", "core_component", "topic"), ("roundtable", "role", "role")])
def test_each_kind_brings_its_breakout_topics(db: None, kind: str, topic_kind: str, strategy: str) -> None:
    client, _ = staff_client(db)
    client.post(NEW, {"kind": kind, "title": "", "slug": "", "time_zone": "UTC", "date": "2026-05-05",
                      "start_time": "08:00"})
    convening = Convening.objects.get(kind=kind)
    assert convening.slug  # made from the kind's name
    breakouts = convening.sessions.filter(kind="breakout")
    assert breakouts.exists()
    for session in breakouts:
        assert session.topics.exists() and {t.kind for t in session.topics.all()} == {topic_kind}
    assert convening.setup.breakout_strategy == strategy


def test_bad_input_is_explained_and_nothing_is_created(db: None) -> None:
    client, _ = staff_client(db)
    Convening.objects.create(title="Taken", slug="taken", kind="academy", starts_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                             ends_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    response = client.post(NEW, {"kind": "academy", "title": "X", "slug": "taken", "time_zone": "America/Los_Angeles",
                                 "date": "2026-03-08", "start_time": "02:30"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "already uses /c/taken/" in page and "does not exist on 2026-03-08" in page
    assert Convening.objects.count() == 1


@pytest.mark.parametrize(("staff", "superuser", "allowed"), [(True, False, True), (False, True, True),
                                                              (False, False, False)])
def test_who_may_create(db: None, staff: bool, superuser: bool, allowed: bool) -> None:
    client, _ = staff_client(db, staff=staff, superuser=superuser)
    response = client.get(NEW)
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert "Only staff can create a convening" in response.content.decode()
    assert Client().get(NEW).status_code == 302  # anonymous: sign in first


def edit(client: Client, world: World, **fields: str) -> object:
    session = world.session
    session.refresh_from_db()
    zone = world.convening.tz
    data = {"title": session.title, "kind": session.kind, "description": session.description,
            "date": session.starts_at.astimezone(zone).date().isoformat(),
            "start_time": session.starts_at.astimezone(zone).strftime("%H:%M"),
            "end_time": session.ends_at.astimezone(zone).strftime("%H:%M"),
            "topics": [t.pk for t in session.topics.all()], "presenters": [], **fields}
    return client.post(reverse("organizer:session", args=[world.convening.slug, session.pk]), data, follow=True)


def test_editing_before_invitations_tells_nobody(world: World) -> None:
    response = edit(world.client_for("organizer"), world, start_time="09:05")
    page = response.content.decode()
    assert "Saved" in page and "emailed about the change" not in page
    assert "No invitations have gone out yet, so nobody is emailed about changes" in page
    assert not OutboxMessage.objects.filter(kind="session_change").exists()


def test_editing_after_invitations_tells_every_registered_person_once(world: World) -> None:
    enqueue(to="alice@example.org", subject="Invitation", body="…", key="invitation:test",
            convening_id=world.convening.pk, kind="invitation")
    client = world.client_for("organizer")
    response = edit(client, world, start_time="09:15", end_time="10:00", title="Welcome and updates")
    page = response.content.decode()
    # Everyone registered but the organizer making the change.
    registered = Registration.objects.filter(convening=world.convening).count() - 1
    assert registered == 2 and f"{registered} registered people were emailed about the change" in page
    told = OutboxMessage.objects.filter(kind="session_change")
    assert told.count() == registered
    assert set(told.values_list("to", flat=True)) == {"alice@example.org", "mod@example.org"}
    message = told.get(to="alice@example.org")
    assert "Welcome and updates" in message.subject
    assert "9:15 AM" in message.body and "America/Los_Angeles" in message.body
    assert message.key.startswith(f"session-change:{world.session.pk}:1:")
    # Saving again without a change people were told about sends nothing more.
    edit(client, world, description="Fixed a typo")
    assert OutboxMessage.objects.filter(kind="session_change").count() == registered
    # A second change is a second version.
    edit(client, world, end_time="10:05")
    assert OutboxMessage.objects.filter(key__startswith=f"session-change:{world.session.pk}:2:").count() == registered


def test_a_session_outside_the_convening_or_ending_first_is_refused(world: World) -> None:
    client = world.client_for("organizer")
    before = (world.session.starts_at, world.session.ends_at)
    page = edit(client, world, start_time="10:00", end_time="09:00").content.decode()
    assert "must end after it starts" in page
    page = edit(client, world, date="2026-10-20").content.decode()
    assert "within its convening" in page
    world.session.refresh_from_db()
    assert (world.session.starts_at, world.session.ends_at) == before


def test_adding_a_session_and_a_topic(world: World) -> None:
    client = world.client_for("organizer")
    slug = world.convening.slug
    response = client.post(reverse("organizer:topics", args=[slug]), {"name": "Family Math Nights",
                                                                        "kind": "content_area"}, follow=True)
    assert "Added the topic" in response.content.decode()
    topic = Topic.objects.get(name="Family Math Nights")
    response = client.post(reverse("organizer:session_new", args=[slug]), {
        "title": "Math breakout", "kind": "breakout", "date": "2026-10-14", "start_time": "12:00",
        "end_time": "12:30", "topics": [topic.pk]}, follow=True)
    assert response.status_code == 200
    session = Session.objects.get(title="Math breakout")
    assert session.order == 5 and list(session.topics.all()) == [topic]
    duplicate = client.post(reverse("organizer:topics", args=[slug]), {"name": "family math nights",
                                                                         "kind": "content_area"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()


def test_adding_or_removing_a_session_after_invitations_tells_everyone_once(world: World) -> None:
    enqueue(to="alice@example.org", subject="Invitation", body="…", key="invitation:add-remove",
            convening_id=world.convening.pk, kind="invitation")
    client = world.client_for("organizer")
    slug = world.convening.slug
    added = client.post(reverse("organizer:session_new", args=[slug]), {
        "title": "Family math night", "kind": "breakout", "date": "2026-10-14", "start_time": "12:00",
        "end_time": "12:30"}, follow=True)
    assert "2 registered people were emailed about the change" in added.content.decode()
    new = OutboxMessage.objects.filter(kind="session_change", subject__startswith="New session: Family math night")
    assert sorted(new.values_list("to", flat=True)) == ["alice@example.org", "mod@example.org"]
    assert "New on the agenda: Breakout, Wed 14 Oct 2026, 12:00 PM – 12:30 PM (America/Los_Angeles)" in new.first().body
    session = Session.objects.get(title="Family math night")
    removed = client.post(reverse("organizer:session_delete", args=[slug, session.pk]), follow=True)
    assert "Removed “Family math night” from the agenda. 2 registered people were emailed" in removed.content.decode()
    gone = OutboxMessage.objects.filter(kind="session_change", subject__startswith="Removed: Family math night")
    assert sorted(gone.values_list("to", flat=True)) == ["alice@example.org", "mod@example.org"]
    assert "Removed from the agenda (it was Breakout, Wed 14 Oct 2026, 12:00 PM – 12:30 PM" in gone.first().body
    assert not Session.objects.filter(pk=session.pk).exists()


def test_removing_a_session_before_invitations_tells_nobody(world: World) -> None:
    response = world.client_for("organizer").post(
        reverse("organizer:session_delete", args=[world.convening.slug, world.session.pk]), follow=True)
    assert "Removed “" in response.content.decode() and "emailed" not in response.content.decode()
    assert not OutboxMessage.objects.filter(kind="session_change").exists()


def test_people_who_cancelled_are_not_told(world: World) -> None:
    enqueue(to="x@example.org", subject="Invitation", body="…", key="invitation:cancel-test",
            convening_id=world.convening.pk, kind="confirmation")
    Registration.objects.filter(participant=world.participant).update(status="cancelled")
    edit(world.client_for("organizer"), world, start_time="09:10")
    assert list(OutboxMessage.objects.filter(kind="session_change").values_list("to", flat=True)) == ["mod@example.org"]


def test_saving_keeps_a_presenter_who_is_not_registered_as_one(world: World) -> None:
    # A participant put on a session in the admin: editing the session elsewhere keeps them.
    world.session.presenters.add(world.participant)
    page = edit(world.client_for("organizer"), world, title="Welcome", presenters=[world.participant.pk])
    assert "Saved “Welcome”" in page.content.decode()
    assert list(world.session.presenters.all()) == [world.participant]
