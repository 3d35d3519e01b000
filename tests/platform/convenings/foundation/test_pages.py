from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

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
    opening = demo.convening.sessions.get(order=1).starts_at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert f"{opening:%-I:%M %p}" in html  # shown in the convening's own time zone


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


def test_admin_shows_registrations_on_convenings_and_participants_and_profiles_on_users(client: Client, demo) -> None:
    client.force_login(get_user_model().objects.get(username="organizer"))
    registration = demo.convening.registrations.filter(role="participant").select_related("participant__user").first()
    person = registration.participant
    convening_page = client.get(reverse("admin:convenings_convening_change", args=[demo.convening.pk]))
    assert "registrations-TOTAL_FORMS" in convening_page.content.decode()
    assert person.name in convening_page.content.decode()
    participant_page = client.get(reverse("admin:people_participant_change", args=[person.pk])).content.decode()
    assert "registrations-TOTAL_FORMS" in participant_page and demo.convening.title in participant_page
    user_page = client.get(reverse("admin:auth_user_change", args=[person.user_id])).content.decode()
    assert "participant-TOTAL_FORMS" in user_page and "Job role" in user_page


def test_admin_date_change_that_strands_sessions_is_refused(client: Client, demo) -> None:
    client.force_login(get_user_model().objects.get(username="organizer"))
    url = reverse("admin:convenings_convening_change", args=[demo.convening.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name not in {"starts_at", "ends_at"}}
    c = demo.convening
    end = c.sessions.order_by("-ends_at").first().ends_at.astimezone(c.tz) - dt.timedelta(hours=1)
    data.update({"starts_at_0": c.starts_at.astimezone(c.tz).strftime("%Y-%m-%d"),
                 "starts_at_1": c.starts_at.astimezone(c.tz).strftime("%H:%M:%S"),
                 "ends_at_0": end.strftime("%Y-%m-%d"), "ends_at_1": end.strftime("%H:%M:%S")})
    data.update(_empty_inlines(client.get(url).content.decode()))
    with timezone.override(c.tz):
        response = client.post(url, data)
    assert response.status_code == 200
    assert "would fall outside the new dates" in response.content.decode()
    c.refresh_from_db()
    assert c.ends_at > end


def _empty_inlines(html: str) -> dict[str, str]:
    """Management forms of the change page's inlines, submitting no inline rows."""
    import re

    data = {}
    for prefix in re.findall(r'name="([\w-]+)-TOTAL_FORMS"', html):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def test_roster_export_needs_permission_to_view_registrations(client: Client, demo) -> None:
    from django.contrib.auth.models import Permission

    clerk = get_user_model().objects.create_user("clerk", password="pw-for-tests-only", is_staff=True)
    client.force_login(clerk)
    export = reverse("admin:convenings_convening_export_roster", args=[demo.convening.pk])
    assert client.get(export).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_convening"))
    assert client.get(export).status_code == 403  # the convening, but not who is registered
    clerk.user_permissions.add(Permission.objects.get(codename="view_registration"))
    response = client.get(export)
    assert response.status_code == 200 and b"email" in response.content


def test_admin_roster_upload_that_is_not_utf8_says_so(client: Client, demo) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(get_user_model().objects.get(username="organizer"))
    upload = reverse("admin:convenings_convening_import_roster", args=[demo.convening.pk])
    latin1 = ("name,email,job role,school,district,region,team,interests,convening role\n"
              "José Núñez,jose@example.org,Teacher,,,,,,participant\n").encode("latin-1")
    html = client.post(upload, {"csv_file": SimpleUploadedFile("r.csv", latin1)}).content.decode()
    assert "Nothing was imported" in html and "not UTF-8" in html and "line 2" in html
    assert not Participant.objects.filter(user__email="jose@example.org").exists()
