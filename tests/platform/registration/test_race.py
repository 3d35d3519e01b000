"""Two people racing for the last place: the capacity holds.

Run on PostgreSQL (DATABASE_URL=postgres://…) the two registrations really overlap, and the
lock on the convening's row (select_for_update) makes the second one wait and count the
first one's place. On SQLite the database serializes writers by itself.
"""
from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from convenings.models import Convening, Registration
from people.models import JobRole
from registration import rules, services
from registration.services import Person, Place

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_people_racing_for_the_last_place(academy: Convening, monkeypatch: pytest.MonkeyPatch) -> None:
    academy.capacity = 1
    academy.save()
    counted = threading.Barrier(2, timeout=10)
    original = rules.new_status

    def slow_status(current: str | None, taken: int, capacity: int | None) -> str:
        # Both have counted the places before either writes, unless the lock serializes them:
        # then the barrier times out for the first (it alone counts), which is fine.
        try:
            counted.wait(timeout=1.5)
        except threading.BrokenBarrierError:
            pass
        time.sleep(0.2)
        return original(current, taken, capacity)

    monkeypatch.setattr(rules, "new_status", slow_status)
    results: dict[str, str] = {}
    errors: list[BaseException] = []

    def register(email: str) -> None:
        try:
            [outcome] = services.register(academy, [Person(email.split("@")[0].title(), email, JobRole.TEACHER)],
                                          Place(), [], base_url="http://testserver/")
            results[email] = outcome.status
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(f"{name}@cedar.org",)) for name in ("ana", "ben")]
    if connection.vendor == "sqlite":
        # The test database is SQLite in memory, whose shared cache refuses a second writer
        # outright ("table is locked") rather than waiting: one after the other, as SQLite
        # would serialize them anyway.
        for thread in threads:
            thread.start()
            thread.join(timeout=30)
    else:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors, errors
    assert sorted(results.values()) == ["registered", "waitlisted"], (connection.vendor, results)
    assert Registration.objects.filter(convening=academy, status="registered").count() == 1
