"""The report's downloads share the roster's and the plan's formula guard (convenings.csv_cells)."""
from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from convenings.csv_cells import FORMULA_START
from rooms.attendance import attendance_opened
from tests.platform.surveys.factories import at, make_convening, registered

pytestmark = pytest.mark.django_db


def test_the_attendance_download_shows_a_formula_name_as_text() -> None:
    convening = make_convening()
    person = registered(convening, "mallory", first='=HYPERLINK("http://evil.example")', last="")
    organizer = registered(convening, "org", "organizer", first="Olivia", last="Marsh")
    attendance_opened(convening.pk, person.pk, "plenary", at("09:00"))
    client = Client()
    client.force_login(organizer.user)
    text = client.get(reverse("reports:attendance_csv", args=[convening.slug])).content.decode()
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\")" in cells
    assert [cell for cell in cells if cell.startswith(FORMULA_START)] == []
