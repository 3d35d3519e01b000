from __future__ import annotations

import pytest

from rooms.attendance import attendance_closed, attendance_opened, close_all_open
from rooms.models import Attendance
from tests.platform.surveys.factories import at, make_convening, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def who():
    convening = make_convening()
    return convening, registered(convening, "maria")


def test_open_then_close_records_an_interval(who) -> None:
    convening, maria = who
    row_id = attendance_opened(convening.pk, maria.pk, "plenary", at("09:00"))
    assert attendance_closed(convening.pk, maria.pk, "plenary", at("09:40"))
    row = Attendance.objects.get(pk=row_id)
    assert (row.space, row.joined_at, row.left_at) == ("plenary", at("09:00"), at("09:40"))


def test_two_tabs_are_two_intervals_closed_one_at_a_time(who) -> None:
    convening, maria = who
    attendance_opened(convening.pk, maria.pk, "plenary", at("09:00"))
    attendance_opened(convening.pk, maria.pk, "plenary", at("09:10"))
    assert attendance_closed(convening.pk, maria.pk, "plenary", at("09:20"))
    assert Attendance.objects.filter(left_at__isnull=True).count() == 1
    assert attendance_closed(convening.pk, maria.pk, "plenary", at("09:30"))
    assert not attendance_closed(convening.pk, maria.pk, "plenary", at("09:31"))  # nothing left open


def test_close_only_touches_the_same_space(who) -> None:
    convening, maria = who
    attendance_opened(convening.pk, maria.pk, "room:s2-r1", at("09:50"))
    assert not attendance_closed(convening.pk, maria.pk, "plenary", at("10:00"))
    assert Attendance.objects.get().left_at is None


def test_a_close_from_a_skewed_clock_never_ends_before_the_start(who) -> None:
    convening, maria = who
    row_id = attendance_opened(convening.pk, maria.pk, "plenary", at("09:00"))
    attendance_closed(convening.pk, maria.pk, "plenary", at("08:59"))
    assert Attendance.objects.get(pk=row_id).left_at == at("09:00")


def test_close_all_open_after_a_restart(who) -> None:
    convening, maria = who
    attendance_opened(convening.pk, maria.pk, "plenary", at("09:00"))
    attendance_opened(convening.pk, maria.pk, "lobby", at("09:05"))
    assert close_all_open(convening.pk, at("09:30")) == 2
    assert set(Attendance.objects.values_list("left_at", flat=True)) == {at("09:30")}
