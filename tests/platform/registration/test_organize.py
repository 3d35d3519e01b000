"""The organizer's registrations list, its CSV and its settings."""
from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from convenings.models import Convening, Registration, RegistrationMode
from mail.models import OutboxMessage
from people.models import JobRole, Participant
from registration.services import Person, Place, cancel, register

pytestmark = pytest.mark.django_db
LIST = "/c/spring-academy/organize/registrations/"
CSV = "/c/spring-academy/organize/registrations.csv"


@pytest.fixture
def people(academy: Convening) -> None:
    academy.capacity = 2
    academy.save()
    register(academy, [Person("Ana Alvarez", "ana@cedar.org", JobRole.PRINCIPAL, needs_captions=True),
                       Person("=HYPERLINK(\"http://evil\")", "ben@cedar.org", JobRole.TEACHER,
                              needs_interpreter=True, accessibility_other="ASL, please")],
             Place(), [], base_url="http://testserver/")
    register(academy, [Person("Cy Waiting", "cy@cedar.org", JobRole.COACH)], Place(), [], base_url="http://testserver/")
    register(academy, [Person("Di Gone", "di@cedar.org", JobRole.COACH)], Place(), [], base_url="http://testserver/")
    cancel(Registration.objects.get(participant__user__email="di@cedar.org"), base_url="http://testserver/")
    OutboxMessage.objects.filter(to="ana@cedar.org").update(status="failed", attempts=10,
                                                            last_error="550 mailbox unavailable")
    OutboxMessage.objects.filter(to="ben@cedar.org").update(status="sent")


def signed_in(username: str, **extra: object) -> Client:
    user = get_user_model().objects.create_user(username, password="pw", **extra)
    client = Client()
    client.force_login(user)
    return client


def as_registered(academy: Convening, role: str) -> Client:
    client = signed_in(role)
    person = Participant.objects.create(user=get_user_model().objects.get(username=role), job_role="teacher")
    Registration.objects.create(convening=academy, participant=person, role=role)
    return client


def test_organizers_see_counts_needs_and_email_status(client: Client, academy, organizer, people) -> None:
    client.force_login(organizer.user)
    page = client.get(LIST).content.decode()
    assert 'id="count-registered">3<' in page  # two participants and the organizer
    assert 'id="count-waitlisted">1<' in page and 'id="count-cancelled">1<' in page
    assert "2 of 2 participant places taken" in page
    assert "<strong>1</strong> need captions, <strong>1</strong> an interpreter" in page
    assert "Captions</span>" in page and "Interpreter</span>" in page and "ASL, please" in page
    assert "550 mailbox unavailable" in page and "Failed" in page and "Sent" in page
    waiting = client.get(LIST + "?status=waitlisted").content.decode()
    assert "Cy Waiting" in waiting and "Ana Alvarez" not in waiting


def test_the_csv_lists_everyone_and_no_cell_is_a_formula(client: Client, academy, organizer, people) -> None:
    client.force_login(organizer.user)
    response = client.get(CSV)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_email = {row["email"]: row for row in rows}
    assert by_email["ana@cedar.org"]["status"] == "Registered" and by_email["ana@cedar.org"]["captions"] == "yes"
    assert by_email["cy@cedar.org"]["status"] == "Waitlisted" and by_email["di@cedar.org"]["status"] == "Cancelled"
    assert by_email["ben@cedar.org"]["name"].startswith("'=HYPERLINK")
    assert by_email["ana@cedar.org"]["last email status"] == "failed"


@pytest.mark.parametrize("who", ["participant", "moderator", "presenter", "staff"])
def test_only_organizers_and_superusers_see_it(academy, people, who: str) -> None:
    client = signed_in(who, is_staff=True) if who == "staff" else as_registered(academy, who)
    assert client.get(LIST).status_code == 403
    assert client.get(CSV).status_code == 403
    assert signed_in("root", is_superuser=True, is_staff=True).get(LIST).status_code == 200
    assert Client().get(LIST).status_code == 302  # sign in first


def test_raising_the_capacity_promotes_the_waitlist(client: Client, academy, organizer, people) -> None:
    client.force_login(organizer.user)
    response = client.post(LIST, {"registration_mode": "invitation", "capacity": "5", "registration_closes_at": ""})
    assert response.status_code == 302
    academy.refresh_from_db()
    assert academy.registration_mode == RegistrationMode.INVITATION and academy.capacity == 5
    assert Registration.objects.get(participant__user__email="cy@cedar.org").status == "registered"
    assert OutboxMessage.objects.filter(to="cy@cedar.org", subject__startswith="A place opened").exists()
    assert "1 people were moved from the waitlist" in client.get(LIST).content.decode()
    bad = client.post(LIST, {"registration_mode": "sometimes", "capacity": "-1"})
    assert bad.status_code == 400


def test_the_demo_academy_takes_registrations_and_shows_some(demo, client: Client) -> None:
    convening = demo.convening
    assert convening.registration_mode == RegistrationMode.OPEN and convening.capacity > 72
    self_registered = Registration.objects.filter(convening=convening,
                                                  participant__user__username__startswith="registrant")
    assert self_registered.count() == 4
    team = self_registered.exclude(registered_by="")
    assert team.count() == 3 and len({r.participant.team_id for r in team}) == 1
    assert OutboxMessage.objects.filter(key__startswith="confirm:", convening=convening).count() == 4
    client.force_login(get_user_model().objects.get(username="organizer"))
    page = client.get(f"/c/{convening.slug}/organize/registrations/").content.decode()
    assert "Rosa Delgado" in page and "Hannah Lindqvist" in page
    assert client.get(f"/c/{convening.slug}/register/").status_code == 200
