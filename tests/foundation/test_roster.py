from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from convenings.models import Registration
from people.models import Participant
from people.roster import COLUMNS, RosterError, export_roster, import_roster

pytestmark = pytest.mark.django_db

GOOD = """name,email,job role,school,district,region,team,interests,convening role
Ana Flores,ana@example.org,Principal,Lakeside Elementary,Delta USD,Delta Region,Lakeside SLT,Parent Engagement; Professional Learning,participant
Ben Ito,ben@example.org,teacher,Lakeside Elementary,Delta USD,Delta Region,Lakeside SLT,Best Practices in Math,Participant
Cara Diaz,cara@example.org,Coach,,Delta USD,Delta Region,,Coaches,moderator
"""

BAD = """name,email,job role,school,district,region,team,interests,convening role
Ana Flores,ana@example.org,Principal,Lakeside Elementary,Delta USD,Delta Region,Lakeside SLT,Parent Engagement,participant
,nobody@example.org,Teacher,,,,,,participant
Dan Wu,not-an-email,Astronaut,,,,,Underwater Basket Weaving,boss
Eve Ng,ana@example.org,Teacher,,,,,,participant
"""


def test_good_file_imports_everyone(demo) -> None:
    result = import_roster(demo.convening, GOOD)
    assert (result.created, result.updated) == (3, 0)
    ana = Participant.objects.get(user__email="ana@example.org")
    assert ana.school.name == "Lakeside Elementary" and ana.team.name == "Lakeside SLT"
    assert ana.region.name == "Delta Region"
    assert sorted(ana.interests.values_list("name", flat=True)) == ["Parent Engagement", "Professional Learning"]
    assert Registration.objects.get(convening=demo.convening, participant__user__email="cara@example.org").role == "moderator"


def test_file_with_bad_rows_imports_nothing_and_reports_every_error(demo) -> None:
    before = Participant.objects.count()
    with pytest.raises(RosterError) as caught:
        import_roster(demo.convening, BAD)
    errors = caught.value.errors
    assert Participant.objects.count() == before
    assert any(e.startswith("line 3: name is empty") for e in errors)
    line4 = [e for e in errors if e.startswith("line 4:")]
    assert len(line4) == 4  # email, job role, convening role, interest
    assert any("already on line 2" in e for e in errors if e.startswith("line 5:"))


def test_missing_columns_are_reported() -> None:
    with pytest.raises(RosterError, match="missing column"):
        import_roster(None, "name,email\nA,a@example.org\n")  # type: ignore[arg-type]


def test_export_round_trips(demo) -> None:
    exported = export_roster(demo.convening)
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert list(rows[0].keys()) == COLUMNS
    assert len(rows) == demo.convening.registrations.count()
    result = import_roster(demo.convening, exported)
    assert result.created == 0 and result.updated == len(rows)
    assert export_roster(demo.convening) == exported


def test_management_commands(demo, tmp_path, capsys) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    with pytest.raises(CommandError, match="Nothing imported"):
        call_command("import_roster", demo.convening.slug, str(bad))
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    call_command("import_roster", demo.convening.slug, str(good))
    call_command("export_roster", demo.convening.slug)
    assert "ana@example.org" in capsys.readouterr().out
