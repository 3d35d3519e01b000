"""Attendance moved from reports to rooms (reports 0002, rooms 0005): a database that already has
attendance rows keeps every one, the check that nobody leaves before joining still holds, and a
group allowed to see attendance in the admin still is. Runs on the test database: SQLite, or
PostgreSQL when DATABASE_URL says so (CI)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.apps.registry import Apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from rooms.attendance import attendance_closed
from rooms.models import Attendance
from tests.platform.surveys.factories import at, make_convening, registered

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("reports", "0001_initial"), ("rooms", "0004_rounds")]
AFTER = [("reports", "0002_attendance_moves_to_rooms"), ("rooms", "0005_attendance")]


def migrate(targets: list[tuple[str, str]]) -> Apps:
    """Migrate the test database to ``targets``; the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_the_move() -> Iterator[Apps]:
    """The database as it was before the move; migrated forward to the newest again afterwards."""
    try:
        yield migrate(BEFORE)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        ContentType.objects.clear_cache()


def test_existing_attendance_rows_survive_the_move(before_the_move: Apps) -> None:
    convening = make_convening()
    maria, ken = registered(convening, "maria"), registered(convening, "ken")
    old = before_the_move.get_model("reports", "Attendance")
    old.objects.create(convening_id=convening.pk, participant_id=maria.pk, space="plenary",
                       joined_at=at("09:00"), left_at=at("09:40"))
    old.objects.create(convening_id=convening.pk, participant_id=ken.pk, space="room:math-1", joined_at=at("09:05"))
    content_type = ContentType.objects.get_or_create(app_label="reports", model="attendance")[0]
    viewers = Group.objects.create(name="Attendance viewers")
    viewers.permissions.add(Permission.objects.get_or_create(
        content_type_id=content_type.pk, codename="view_attendance", defaults={"name": "Can view attendance"})[0])

    migrate(AFTER)

    rows = [(r.participant_id, r.space, r.joined_at, r.left_at) for r in Attendance.objects.order_by("joined_at")]
    assert rows == [(maria.pk, "plenary", at("09:00"), at("09:40")), (ken.pk, "room:math-1", at("09:05"), None)]
    assert convening.attendance.count() == 2  # what reports and certificates read
    assert attendance_closed(convening.pk, ken.pk, "room:math-1", at("09:30"))  # presence goes on writing them
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(convening=convening, participant=maria, space="plenary",
                                  joined_at=at("10:00"), left_at=at("09:00"))
    kept = viewers.permissions.get()
    assert (kept.content_type.app_label, kept.content_type.model, kept.codename) == (
        "rooms", "attendance", "view_attendance")


def test_the_move_goes_back_with_its_rows() -> None:
    convening = make_convening()
    maria = registered(convening, "maria")
    Attendance.objects.create(convening=convening, participant=maria, space="plenary", joined_at=at("09:00"))
    try:
        old = migrate(BEFORE).get_model("reports", "Attendance")
        assert list(old.objects.values_list("participant_id", "space")) == [(maria.pk, "plenary")]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
