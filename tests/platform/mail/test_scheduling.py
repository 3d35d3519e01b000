"""Reminders and "the survey is waiting", enqueued by the tick at the right time, once each.

The clock is injected (``now``): nothing here depends on the hour the tests run.
"""
from __future__ import annotations

import datetime as dt

import pytest

from convenings.models import Registration
from mail.models import OutboxMessage, ReminderSettings
from mail.scheduling import enqueue_invitations, schedule_due
from rooms.models import Attendance
from surveys.evaluation import evaluation_survey
from surveys.identity import respondent_key
from surveys.models import Response
from tests.platform.mail.conftest import START, Roster

pytestmark = pytest.mark.django_db
DAY, HOUR, SECOND = dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(seconds=1)
WITH_EMAIL = {"olivia@example.org", "jordan@example.org", "angela@example.org", "maria@example.org",
              "james@example.org"}


def _sent(kind: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(kind=kind).order_by("to"))


def test_a_day_and_an_hour_before_everyone_registered_is_reminded_once(roster: Roster) -> None:
    Registration.objects.filter(pk=roster["james"].pk).update(status=Registration.Status.CANCELLED)
    assert schedule_due(START - DAY - SECOND) == 0
    assert schedule_due(START - DAY) == 4  # everyone registered with an address; not James, who cancelled
    assert schedule_due(START - DAY + HOUR) == 0  # the next ticks add nothing
    assert {m.to for m in _sent("reminder")} == WITH_EMAIL - {"james@example.org"}
    assert schedule_due(START - HOUR) == 4
    assert schedule_due(START - SECOND) == 0
    assert schedule_due(START) == 0
    reminders = _sent("reminder")
    assert len(reminders) == 8
    maria = [m for m in reminders if m.to == "maria@example.org"]
    assert all(m.subject == "Reminder: Coast Roundtable starts Tuesday 11 March 2031 at 9:00 AM "
                            "(America/Los_Angeles)" for m in maria)
    assert all("/join/" in m.body for m in maria)  # her way in: the personal join link
    [jordan] = [m for m in reminders if m.to == "jordan@example.org" and "1440" in m.key]
    assert "/join/" not in jordan.body and "/accounts/login/?next=/c/coast-roundtable/" in jordan.body


def test_reminders_follow_the_organizers_settings(roster: Roster) -> None:
    ReminderSettings.objects.create(convening=roster.convening, reminders_on=True, offsets_minutes=[180])
    assert schedule_due(START - DAY) == 0
    assert schedule_due(START - 3 * HOUR) == 5
    ReminderSettings.objects.filter(convening=roster.convening).update(reminders_on=False, offsets_minutes=[60])
    assert schedule_due(START - HOUR) == 0


def test_a_new_date_reminds_again(roster: Roster) -> None:
    assert schedule_due(START - HOUR) == 5
    later = START + DAY
    roster.convening.starts_at, roster.convening.ends_at = later, later + HOUR
    roster.convening.save()
    assert schedule_due(later - HOUR) == 5


def test_the_survey_is_waiting_for_attendees_who_have_not_answered(roster: Roster) -> None:
    convening = roster.convening
    survey = evaluation_survey(convening)
    for name in ("maria", "james", "angela"):
        Attendance.objects.create(convening=convening, participant=roster[name].participant, space="plenary",
                                  joined_at=START, left_at=START + HOUR)
    Response.objects.create(survey=survey, respondent_key=respondent_key(survey.pk, roster["james"].participant_id))
    end = convening.ends_at
    assert schedule_due(end - SECOND) == 0
    assert schedule_due(end) == 2  # Maria and Angela attended and have not answered; James answered
    assert schedule_due(end + DAY) == 0  # once per person
    maria, = [m for m in _sent("survey") if m.to == "maria@example.org"]
    assert maria.subject == "Your feedback on Coast Roundtable: the survey is waiting"
    assert survey.get_absolute_url() in maria.body and "/join/" in maria.body
    assert {m.to for m in _sent("survey")} == {"maria@example.org", "angela@example.org"}


def test_no_survey_nudge_when_the_organizer_turned_it_off_or_the_survey_closed(roster: Roster) -> None:
    convening = roster.convening
    survey = evaluation_survey(convening)
    Attendance.objects.create(convening=convening, participant=roster["maria"].participant, space="plenary",
                              joined_at=START, left_at=START + HOUR)
    ReminderSettings.objects.create(convening=convening, survey_reminder_on=False)
    assert schedule_due(convening.ends_at) == 0
    ReminderSettings.objects.filter(convening=convening).update(survey_reminder_on=True)
    survey.closed = True
    survey.save()
    assert schedule_due(convening.ends_at) == 0


def test_invitations_once_each_and_people_without_an_address_are_counted(roster: Roster) -> None:
    first = enqueue_invitations(roster.convening, now=START - 7 * DAY)
    assert (first.queued, first.earlier, first.no_email) == (5, 0, 1)
    again = enqueue_invitations(roster.convening, now=START - 7 * DAY)
    assert (again.queued, again.earlier, again.no_email) == (0, 5, 1)
    assert OutboxMessage.objects.filter(kind="invitation").count() == 5


def test_deactivated_accounts_and_waitlisted_people_are_not_emailed(roster: Roster) -> None:
    user = roster["maria"].participant.user
    user.is_active = False
    user.save()
    Registration.objects.filter(pk=roster["james"].pk).update(status=Registration.Status.WAITLISTED)
    assert enqueue_invitations(roster.convening, now=START - 7 * DAY).queued == 3
    assert schedule_due(START - HOUR) == 3
    assert not OutboxMessage.objects.filter(to__in=["maria@example.org", "james@example.org"]).exists()
