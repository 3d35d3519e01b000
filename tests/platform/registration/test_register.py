"""Registering through the pages, as a person would (Django's test client), and the emails
it puts in the outbox (the mail app's tests deliver them over SMTP)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from icalendar import Calendar

from convenings import joinlinks
from convenings.models import Convening, Registration, RegistrationMode
from mail.models import OutboxMessage
from people.models import District, JobRole, Participant, Region, School, SchoolLeadershipTeam
from registration import links

pytestmark = pytest.mark.django_db
Status = Registration.Status


def url(convening: Convening, tail: str = "") -> str:
    return f"/c/{convening.slug}/register/{tail}"


def form(academy: Convening, **changes: object) -> dict:
    data = {"name": "Maria Lopez", "email": "maria.lopez@cedar.k12.ca.us", "job_role": JobRole.PRINCIPAL,
            "on_team": "on", "school": str(School.objects.get(name="Cedar Elementary").pk),
            "interests": [str(t.pk) for t in academy.sessions.get(order=1).topics.all()],
            "needs_captions": "on", "accessibility_other": "Wheelchair access"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post(client: Client, academy: Convening, tail: str = "", **changes: object):
    return client.post(url(academy, tail), form(academy, **changes))


def messages_to(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(to__iexact=address).order_by("created_at", "pk"))


def join_path(body: str) -> str:
    return re.search(r"http://testserver(/join/[^/\s]+/)", body).group(1)


def cancel_path(body: str) -> str:
    return re.search(r"http://testserver(/c/[^\s]+/register/cancel/[^/\s]+/)", body).group(1)


def test_the_form_asks_what_planning_needs(client: Client, academy: Convening) -> None:
    page = client.get(url(academy)).content.decode()
    for asked in ("Full name", "Email", "Job role", "School Leadership Team", "Cedar Elementary",
                  "My school is not listed", "District or county office", "Region", "Coaching cycles", "Principals",
                  "Captions", "An interpreter", "Other accessibility needs", "Register your team of three"):
        assert asked in page
    assert "Not on this agenda" not in page  # interests are among this convening's topics only


def test_registering_confirms_with_a_working_join_link_and_the_agenda(client: Client, academy: Convening) -> None:
    response = post(client, academy)
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert "You are registered" in done and "maria.lopez@cedar.k12.ca.us" in done

    registration = Registration.objects.get(participant__user__email="maria.lopez@cedar.k12.ca.us")
    assert registration.status == Status.REGISTERED and registration.role == Registration.Role.PARTICIPANT
    assert registration.needs_captions and not registration.needs_interpreter
    assert registration.accessibility_other == "Wheelchair access"
    person = registration.participant
    assert person.name == "Maria Lopez" and person.school.name == "Cedar Elementary"
    assert person.team == SchoolLeadershipTeam.objects.get(school=person.school)
    assert sorted(person.interests.values_list("name", flat=True)) == ["Coaching cycles", "Using data"]
    assert not person.user.has_usable_password()  # they come in by their join link

    [message] = messages_to("maria.lopez@cedar.k12.ca.us")
    assert message.key == f"confirm:{registration.pk}:1" and message.kind == "confirmation"
    assert message.subject == "You are registered for Spring Leadership Academy"
    assert message.convening_id == academy.pk
    for line in ("Hello Maria Lopez,", "School: Cedar Elementary", "District: Redwood Unified (North Coast)",
                 "Accessibility needs: captions; Wheelchair access", "Interests: Coaching cycles, Using data"):
        assert line in message.body
    # The join link in the email opens the convening as this person.
    visitor = Client()
    assert "Join as Maria Lopez" in visitor.get(join_path(message.body)).content.decode()
    assert visitor.post(join_path(message.body)).status_code == 302
    # The agenda, as a calendar file.
    [attachment] = message.attachments.all()
    assert attachment.filename == "spring-academy-agenda.ics" and attachment.mimetype == "text/calendar"
    calendar = Calendar.from_ical(bytes(attachment.content))
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert [str(e["summary"]) for e in events] == ["Opening plenary · Spring Leadership Academy",
                                                   "Breakouts by role · Spring Leadership Academy"]
    assert events[0].decoded("dtstart") == academy.starts_at


def test_a_confirmation_sent_weeks_ahead_carries_a_link_that_works_on_the_day(client: Client, academy: Convening,
                                                                             settings) -> None:
    """Join links last JOIN_LINK_MAX_AGE_DAYS from when they are issued; one emailed for a
    convening further off than that must still open it on the day (and to its end)."""
    settings.JOIN_LINK_MAX_AGE_DAYS = 3  # the academy is a week away
    assert post(client, academy).status_code == 302
    [message] = messages_to("maria.lopez@cedar.k12.ca.us")
    token = join_path(message.body).strip("/").rsplit("/", 1)[1]
    last_minute = academy.ends_at - dt.timedelta(minutes=1)
    assert joinlinks.resolve(token, now=last_minute).participant.user.email == "maria.lopez@cedar.k12.ca.us"
    with pytest.raises(joinlinks.JoinLinkError):  # not forever: it ends a day after the convening
        joinlinks.resolve(token, now=academy.ends_at + dt.timedelta(days=1, minutes=1))


def test_registering_again_with_the_same_email_updates_it(client: Client, academy: Convening) -> None:
    post(client, academy)
    response = post(client, academy, email="MARIA.Lopez@Cedar.k12.ca.us", name="Maria L. Lopez",
                    needs_captions=None, needs_interpreter="on")
    assert "Your registration is updated" in client.get(response["Location"]).content.decode()
    assert get_user_model().objects.filter(email__iexact="maria.lopez@cedar.k12.ca.us").count() == 1
    [registration] = Registration.objects.filter(convening=academy)
    assert registration.participant.name == "Maria L. Lopez"
    assert registration.needs_interpreter and not registration.needs_captions
    assert registration.version == 2
    first, second = messages_to("maria.lopez@cedar.k12.ca.us")
    assert second.key == f"confirm:{registration.pk}:2" and "an interpreter" in second.body
    for message in (first, second):  # the first email's link keeps working
        assert joinlinks.resolve(join_path(message.body).split("/")[2]) == registration


def test_a_new_school_is_added_to_its_district_and_region(client: Client, academy: Convening) -> None:
    north = Region.objects.get(name="North Coast")
    response = post(client, academy, school="new", new_school="Ocean View  Elementary",
                    district="redwood unified", region=str(north.pk))
    assert response.status_code == 302
    school = School.objects.get(name="Ocean View Elementary")
    assert school.district == District.objects.get(name="Redwood Unified")  # matched, not duplicated
    bay = Region.objects.get(name="Bay Area")
    post(client, academy, email="kim@oak.org", school="new", new_school="Lake Middle", district="Oakland Unified",
         region=str(bay.pk))
    assert School.objects.get(name="Lake Middle").district.region == bay


def test_a_district_leader_gives_a_district_instead_of_a_school(client: Client, academy: Convening) -> None:
    north = Region.objects.get(name="North Coast")
    post(client, academy, school="none", district="Redwood Unified", region=str(north.pk), on_team=None,
         job_role=JobRole.DISTRICT_LEADER)
    person = Participant.objects.get(user__email="maria.lopez@cedar.k12.ca.us")
    assert person.school is None and person.district.name == "Redwood Unified" and person.team is None


@pytest.mark.parametrize("changes, field, says", [
    ({"email": "maria@"}, "email", "Enter a complete email address"),
    ({"email": "maria@mailinator.com"}, "email", "mailinator.com gives out throwaway addresses"),
    ({"email": "maria@inbox.yopmail.com"}, "email", "yopmail.com gives out throwaway addresses"),
    ({"name": "  "}, "name", "This field is required"),
    ({"school": ""}, "school", "Choose your school, or “My school is not listed”"),
    ({"school": "new", "new_school": "", "district": "", "region": ""}, "new_school", "Type your school"),
    ({"school": "99999"}, "school", "Select a valid choice"),
])
def test_bad_answers_are_refused_with_a_clear_message_and_nothing_saved(
        client: Client, academy: Convening, changes: dict, field: str, says: str) -> None:
    response = post(client, academy, **changes)
    assert response.status_code == 400
    page = response.content.decode()
    assert says in page and "error-summary" in page and f'href="#id_{field}"' in page
    assert not Registration.objects.exists() and not OutboxMessage.objects.exists()


def test_a_full_convening_puts_people_on_the_waitlist_and_says_so(client: Client, academy: Convening) -> None:
    academy.capacity = 1
    academy.save()
    post(client, academy, email="first@cedar.org")
    assert "This convening is full" in client.get(url(academy)).content.decode()
    response = post(client, academy, email="second@cedar.org")
    done = client.get(response["Location"]).content.decode()
    assert "You are on the waitlist" in done and "number 1 in line" in done
    waiting = Registration.objects.get(participant__user__email="second@cedar.org")
    assert waiting.status == Status.WAITLISTED and waiting.waitlisted_at is not None
    [message] = messages_to("second@cedar.org")
    assert message.subject == "You are on the waitlist for Spring Leadership Academy"
    assert "/join/" not in message.body and "number 1 in line" in message.body
    # No join link for the waitlist, whoever asks (manage.py join_links, the invitations).
    assert joinlinks.why_not_issued(waiting) == "the person is on the waitlist"
    assert not Registration.objects.filter(joinlinks.eligible(), pk=waiting.pk).exists()
    assert not message.attachments.exists()


def test_cancelling_frees_the_place_for_the_earliest_waitlisted(client: Client, academy: Convening) -> None:
    academy.capacity = 1
    academy.save()
    for email in ("first@cedar.org", "second@cedar.org", "third@cedar.org"):
        post(client, academy, email=email)
    [confirmation] = messages_to("first@cedar.org")
    link = cancel_path(confirmation.body)
    page = client.get(link)  # a mail scanner's GET cancels nothing
    assert "Cancel your registration?" in page.content.decode()
    assert Registration.objects.get(participant__user__email="first@cedar.org").status == Status.REGISTERED

    done = client.post(link, {"confirm": "yes"}).content.decode()
    assert "Your registration is cancelled" in done
    statuses = dict(Registration.objects.values_list("participant__user__email", "status"))
    assert statuses == {"first@cedar.org": "cancelled", "second@cedar.org": "registered",
                        "third@cedar.org": "waitlisted"}
    # The cancelled person's join link is dead; the promoted person's works, and they were told.
    dead = Client().get(join_path(confirmation.body))
    assert dead.status_code == 403 and "This registration was cancelled" in dead.content.decode()
    assert messages_to("first@cedar.org")[-1].subject == "Registration cancelled: Spring Leadership Academy"
    promoted = messages_to("second@cedar.org")[-1]
    assert promoted.subject == "A place opened: you are registered for Spring Leadership Academy"
    assert promoted.attachments.get().filename.endswith(".ics")
    assert "Join as" in Client().get(join_path(promoted.body)).content.decode()
    # Cancelling twice changes nothing more.
    assert "Already cancelled" in client.post(link, {"confirm": "yes"}).content.decode()
    assert Registration.objects.filter(status=Status.REGISTERED).count() == 1


def test_leaving_the_waitlist_keeps_everyone_elses_place(client: Client, academy: Convening) -> None:
    academy.capacity = 1
    academy.save()
    for email in ("first@cedar.org", "second@cedar.org", "third@cedar.org"):
        post(client, academy, email=email)
    client.post(cancel_path(messages_to("second@cedar.org")[0].body), {"confirm": "yes"})
    statuses = dict(Registration.objects.values_list("participant__user__email", "status"))
    assert statuses == {"first@cedar.org": "registered", "second@cedar.org": "cancelled",
                        "third@cedar.org": "waitlisted"}


def test_registering_after_cancelling_takes_a_place_again(client: Client, academy: Convening) -> None:
    post(client, academy)
    client.post(cancel_path(messages_to("maria.lopez@cedar.k12.ca.us")[0].body), {"confirm": "yes"})
    post(client, academy)
    [registration] = Registration.objects.all()
    assert registration.status == Status.REGISTERED
    latest = messages_to("maria.lopez@cedar.k12.ca.us")[-1]
    assert latest.subject == "You are registered for Spring Leadership Academy"
    assert Client().get(join_path(latest.body)).status_code == 200
    first = messages_to("maria.lopez@cedar.k12.ca.us")[0]
    assert Client().get(join_path(first.body)).status_code == 200  # the first email's link works again


def test_a_forged_or_expired_cancel_link_is_refused(client: Client, academy: Convening, monkeypatch) -> None:
    post(client, academy)
    registration = Registration.objects.get()
    token = links.cancel_token(registration)
    forged = client.post(url(academy, f"cancel/{token[:-2]}xx/"), {"confirm": "yes"})
    assert forged.status_code == 403 and links.FORGED in forged.content.decode()
    monkeypatch.setattr(joinlinks, "current_time", lambda: academy.ends_at + dt.timedelta(seconds=1))
    expired = client.post(url(academy, f"cancel/{token}/"), {"confirm": "yes"})
    assert expired.status_code == 403 and links.EXPIRED in expired.content.decode()
    registration.refresh_from_db()
    assert registration.status == Status.REGISTERED


def test_people_signed_in_by_their_join_link_can_cancel_from_the_page(client: Client, academy: Convening) -> None:
    post(client, academy)
    visitor = Client()
    visitor.post(join_path(messages_to("maria.lopez@cedar.k12.ca.us")[0].body))
    page = visitor.get(url(academy)).content.decode()
    assert "You are <strong>registered</strong>" in page and "Cancel my registration" in page
    assert 'value="maria.lopez@cedar.k12.ca.us"' in page  # their details, ready to update
    assert "Cancel your registration?" in visitor.post(url(academy, "cancel/")).content.decode()
    assert Registration.objects.get().status == Status.REGISTERED
    visitor.post(url(academy, "cancel/"), {"confirm": "yes"})
    assert Registration.objects.get().status == Status.CANCELLED
    # Their link is revoked, so the session it opened ends too.
    assert visitor.get(url(academy)).wsgi_request.user.is_anonymous


def test_closed_registration_says_so_and_saves_nothing(client: Client, academy: Convening) -> None:
    academy.registration_mode = RegistrationMode.CLOSED
    academy.save()
    page = client.get(url(academy))
    assert page.status_code == 403 and "Registration for this convening is not open" in page.content.decode()
    assert post(client, academy).status_code == 403
    assert client.get(f"/c/{academy.slug}/").content.decode().count(url(academy)) == 0  # no Register button
    academy.registration_mode = RegistrationMode.OPEN
    academy.registration_closes_at = academy.starts_at - dt.timedelta(days=8)  # yesterday
    academy.save()
    response = post(client, academy)
    assert response.status_code == 403 and "Registration for this convening closed on" in response.content.decode()
    assert not Registration.objects.exists()


def test_the_convening_page_offers_registration_while_it_is_open(client: Client, academy: Convening) -> None:
    assert f'href="{url(academy)}"' in client.get(f"/c/{academy.slug}/").content.decode()


class TestInvitationOnly:
    @pytest.fixture
    def invited(self, academy: Convening) -> Registration:
        academy.registration_mode = RegistrationMode.INVITATION
        academy.save()
        user = get_user_model().objects.create(username="ines", email="ines@harbor.org", first_name="Ines",
                                               last_name="Invited")
        person = Participant.objects.create(user=user, job_role=JobRole.TEACHER)
        return Registration.objects.create(convening=academy, participant=person)

    def test_without_an_invitation_nobody_registers(self, client: Client, academy: Convening, invited) -> None:
        page = client.get(url(academy))
        assert page.status_code == 403 and "by invitation only" in page.content.decode()
        assert post(client, academy, email="stranger@cedar.org").status_code == 403
        assert client.get(url(academy, "team/")).status_code == 403
        forged = client.get(url(academy) + "?invite=not-a-real-link")
        assert forged.status_code == 403 and joinlinks.NOT_VALID in forged.content.decode()
        assert Registration.objects.count() == 1 and not OutboxMessage.objects.exists()

    def test_the_invited_person_confirms_with_their_link(self, client: Client, academy: Convening,
                                                         invited: Registration) -> None:
        token = joinlinks.issue(invited).token
        page = client.get(links.invitation_path(invited, token)).content.decode()
        assert 'value="ines@harbor.org"' in page and "Your invitation is for this address" in page
        # The email field is the invitation's: another address typed in (or forged) is ignored.
        response = client.post(url(academy), form(academy, invite=token, email="someone.else@cedar.org",
                                                  name="Ines Invited"))
        assert response.status_code == 302
        assert not get_user_model().objects.filter(email="someone.else@cedar.org").exists()
        invited.refresh_from_db()
        assert invited.version == 1 and invited.needs_captions
        [message] = messages_to("ines@harbor.org")
        assert message.subject == "You are registered for Spring Leadership Academy"

    def test_a_link_for_another_convening_is_no_invitation(self, client: Client, academy: Convening, invited) -> None:
        other = Convening.objects.create(title="Other", slug="other", kind=Convening.Kind.ROUNDTABLE,
                                         starts_at=academy.starts_at, ends_at=academy.ends_at)
        elsewhere = Registration.objects.create(convening=other, participant=invited.participant)
        page = client.get(url(academy) + f"?invite={joinlinks.issue(elsewhere).token}")
        assert page.status_code == 403 and "another convening" in page.content.decode()


def test_a_flood_from_one_address_is_slowed_with_a_429(client: Client, academy: Convening, settings) -> None:
    settings.REGISTRATION_RATE_LIMIT = 3
    for i in range(3):
        assert post(client, academy, email=f"p{i}@cedar.org").status_code == 302
    assert client.get(url(academy)).status_code == 200  # reading the form is not counted
    flooded = post(client, academy, email="p4@cedar.org")
    assert flooded.status_code == 429 and "Too many registrations" in flooded.content.decode()
    assert int(flooded["Retry-After"]) > 0
    assert not Registration.objects.filter(participant__user__email="p4@cedar.org").exists()
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post(url(academy), form(academy, email="p5@cedar.org")).status_code == 302


def team_form(academy: Convening, **changes: object) -> dict:
    data = {"school": "new", "new_school": "Harbor Middle", "district": "Redwood Unified",
            "region": str(Region.objects.get(name="North Coast").pk),
            "interests": [str(academy.sessions.get(order=2).topics.get().pk)]}
    people = [("Pat Principal", "pat@harbor.org", "principal"), ("Terry Teacher", "terry@harbor.org", "teacher"),
              ("Casey Coach", "casey@harbor.org", "coach")]
    for i, (name, email, role) in enumerate(people, start=1):
        data.update({f"p{i}-name": name, f"p{i}-email": email, f"p{i}-job_role": role})
    data["p3-needs_interpreter"] = "on"
    data.update(changes)
    return data


def test_a_principal_registers_the_team_of_three_at_once(client: Client, academy: Convening) -> None:
    response = client.post(url(academy, "team/"), team_form(academy))
    assert response.status_code == 302
    done = client.get(response["Location"]).content.decode()
    assert "Your team&#x27;s registrations" in done or "Your team's registrations" in done
    registrations = Registration.objects.filter(convening=academy).select_related("participant__user")
    assert registrations.count() == 3
    team = SchoolLeadershipTeam.objects.get(school__name="Harbor Middle")
    assert {r.participant.team for r in registrations} == {team}
    assert {r.registered_by for r in registrations} == {"Pat Principal (pat@harbor.org)"}
    assert Registration.objects.get(participant__user__email="casey@harbor.org").needs_interpreter
    links_ = set()
    for email, name in (("pat@harbor.org", "Pat Principal"), ("terry@harbor.org", "Terry Teacher"),
                        ("casey@harbor.org", "Casey Coach")):
        [message] = messages_to(email)
        assert f"Hello {name}," in message.body and "Registered by: Pat Principal" in message.body
        path = join_path(message.body)
        assert f"Join as {name}" in Client().get(path).content.decode()
        links_.add(path)
    assert len(links_) == 3  # each their own link


def test_the_team_form_needs_three_different_addresses(client: Client, academy: Convening) -> None:
    response = client.post(url(academy, "team/"), team_form(academy, **{"p2-email": "PAT@harbor.org"}))
    assert response.status_code == 400
    assert "Each person needs their own email address" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_team_bigger_than_the_free_places_fills_them_then_waits(client: Client, academy: Convening) -> None:
    academy.capacity = 2
    academy.save()
    client.post(url(academy, "team/"), team_form(academy))
    statuses = dict(Registration.objects.values_list("participant__user__email", "status"))
    assert statuses == {"pat@harbor.org": "registered", "terry@harbor.org": "registered",
                        "casey@harbor.org": "waitlisted"}
