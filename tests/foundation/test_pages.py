from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from convenings.models import Convening, Material, Registration, Session, Topic
from people.models import District, Participant, Region, School, SchoolLeadershipTeam

pytestmark = pytest.mark.django_db


def test_home_lists_the_demo_academy(client: Client, demo) -> None:
    html = client.get("/").content.decode()
    assert "Statewide Leadership Academy" in html
    assert demo.convening.get_absolute_url() in html


def test_convening_page_shows_agenda_presenters_and_materials(client: Client, demo) -> None:
    html = client.get(demo.convening.get_absolute_url()).content.decode()
    for session in demo.convening.sessions.all():
        assert session.title in html
    assert "Angela Whitfield" in html
    assert "Implementation plan template" in html
    assert "Parent Engagement" in html
    assert "8:30 AM" in html  # shown in the convening's own time zone


def test_unknown_convening_is_404(client: Client, db) -> None:
    assert client.get("/c/nope/").status_code == 404


def test_sign_in_page_and_sign_in(client: Client, demo) -> None:
    assert "Sign in" in client.get(reverse("login")).content.decode()
    response = client.post(reverse("login"), {"username": "moderator1", "password": "convene-demo"})
    assert response.status_code == 302
    page = client.get(demo.convening.get_absolute_url()).content.decode()
    assert "registered as <strong>Moderator" in page


def test_wrong_password_says_so(client: Client, demo) -> None:
    response = client.post(reverse("login"), {"username": "moderator1", "password": "nope"})
    assert "didn't match" in response.content.decode()


ADMIN_MODELS = [Convening, Session, Material, Registration, Topic, Region, District, School,
                SchoolLeadershipTeam, Participant]


def test_every_admin_page_renders(client: Client, demo) -> None:
    client.force_login(get_user_model().objects.get(username="organizer"))
    for model in ADMIN_MODELS:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "a"}).status_code == 200, changelist
        obj = model.objects.first()
        change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200, change
    upload = reverse("admin:convenings_convening_import_roster", args=[demo.convening.pk])
    assert "Import roster" in client.get(upload).content.decode()
    export = client.get(reverse("admin:convenings_convening_export_roster", args=[demo.convening.pk]))
    assert export["Content-Type"] == "text/csv" and b"email" in export.content


def test_admin_roster_upload_reports_bad_rows(client: Client, demo) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(get_user_model().objects.get(username="organizer"))
    upload = reverse("admin:convenings_convening_import_roster", args=[demo.convening.pk])
    bad = b"name,email,job role,school,district,region,team,interests,convening role\n,x,Teacher,,,,,,participant\n"
    html = client.post(upload, {"csv_file": SimpleUploadedFile("r.csv", bad)}).content.decode()
    assert "Nothing was imported" in html and "line 2" in html
