from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from convenings import joinlinks
from convenings.models import Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def registration(demo) -> Registration:
    return demo.convening.registrations.filter(role="participant").first()


def test_valid_link_signs_the_participant_in(client: Client, registration: Registration) -> None:
    link = joinlinks.issue(registration)
    response = client.get(link.path)
    assert response.status_code == 200
    assert f"Join as {registration.participant.name}" in response.content.decode()
    response = client.post(link.path)  # the page's "Join as …" button
    assert response.status_code == 302
    assert response.wsgi_request.user == registration.participant.user


def test_expired_link_is_refused(client: Client, registration: Registration) -> None:
    link = joinlinks.issue(registration, valid_for=dt.timedelta(seconds=-1))
    response = client.get(link.path)
    assert response.status_code == 403
    assert "expired" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_revoked_link_is_refused_and_a_new_one_works(client: Client, registration: Registration) -> None:
    old = joinlinks.issue(registration)
    joinlinks.revoke(registration)
    assert "revoked" in client.get(old.path).content.decode()
    assert client.post(joinlinks.issue(registration).path).status_code == 302


def test_tampered_link_is_refused(client: Client, registration: Registration) -> None:
    link = joinlinks.issue(registration)
    other = Registration.objects.exclude(pk=registration.pk).first()
    # Keep the signature, swap the payload for another person's registration.
    payload = signing.b64_encode(f'{{"r":{other.pk},"n":"{other.join_nonce}"}}'.encode()).decode()
    forged = ":".join([payload, *link.token.split(":")[1:]])
    tampered = link.path.replace(link.token, link.token[:-3] + ("AAA" if link.token[-3:] != "AAA" else "BBB"))
    for path in (tampered, f"/join/{forged}/", "/join/not-a-token/"):
        response = client.get(path)
        assert response.status_code == 403
        assert "not valid" in response.content.decode()


def test_reissuing_after_expiry_gives_a_working_link_and_the_old_one_stays_dead(
        client: Client, registration: Registration) -> None:
    expired = joinlinks.issue(registration, valid_for=dt.timedelta(seconds=-1))
    renewed = joinlinks.issue(registration)
    assert renewed.token != expired.token
    assert "expired" in client.get(expired.path).content.decode()
    response = client.post(renewed.path)
    assert response.status_code == 302 and response.wsgi_request.user == registration.participant.user
    client.logout()
    assert client.get(expired.path).status_code == 403  # still dead after the new one was used


def test_an_expired_link_does_not_come_back_when_the_expiry_is_extended(
        client: Client, registration: Registration) -> None:
    expired = joinlinks.issue(registration, valid_for=dt.timedelta(seconds=-1))
    joinlinks.issue(registration, valid_for=dt.timedelta(days=7))
    # Even pushing the registration's expiry back by hand: the link's own expiry is signed into it.
    Registration.objects.filter(pk=registration.pk).update(join_expires_at=timezone.now() + dt.timedelta(days=7))
    response = client.get(expired.path)
    assert response.status_code == 403 and "expired" in response.content.decode()


def test_issuing_again_while_valid_keeps_earlier_links_working(client: Client, registration: Registration) -> None:
    first = joinlinks.issue(registration)
    joinlinks.issue(registration)
    assert client.get(first.path).status_code == 200


def test_shortening_the_registrations_expiry_ends_links_already_issued(
        client: Client, registration: Registration) -> None:
    link = joinlinks.issue(registration)
    Registration.objects.filter(pk=registration.pk).update(join_expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert "expired" in client.get(link.path).content.decode()


STAFF_KINDS = {
    "staff": {"is_staff": True},
    "superuser": {"is_superuser": True},
    "inactive": {"is_active": False},
}


@pytest.mark.parametrize("kind", STAFF_KINDS)
def test_staff_superusers_and_deactivated_accounts_are_never_signed_in_by_link(
        client: Client, registration: Registration, kind: str) -> None:
    link = joinlinks.issue(registration)  # issued while the account was an ordinary participant
    get_user_model().objects.filter(pk=registration.participant.user_id).update(**STAFF_KINDS[kind])
    response = client.post(link.path)
    assert response.status_code == 403
    assert not response.wsgi_request.user.is_authenticated
    page = response.content.decode()
    assert ("deactivated" in page) if kind == "inactive" else ("sign in with their username and password" in page)
    with pytest.raises(joinlinks.JoinLinkError, match="No join link for"):
        joinlinks.issue(Registration.objects.get(pk=registration.pk))


def test_join_links_command_skips_staff_moderators_and_organizers_and_says_so(
        demo, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("join_links", demo.convening.slug, "--json")
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert {row["role"] for row in rows} == {"participant", "presenter"}
    assert len(rows) == demo.convening.registrations.filter(role__in=["participant", "presenter"]).count()
    assert "Skipped" in captured.err and "(organizer): staff accounts sign in with their password" in captured.err
    assert "(moderator1): moderators and organizers sign in with their password" in captured.err
    call_command("join_links", demo.convening.slug, "--role", "presenter", "--limit", "2")
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_admin_issue_action_skips_staff_with_a_message(demo, client: Client) -> None:
    client.force_login(get_user_model().objects.get(username="organizer"))
    registrations = demo.convening.registrations.filter(role__in=["organizer", "participant"]).order_by("role")[:2]
    response = client.post(reverse("admin:convenings_registration_changelist"), {
        "action": "issue_join_links", "_selected_action": [r.pk for r in registrations]}, follow=True)
    page = response.content.decode()
    assert "No join link for" in page and "staff accounts sign in with their password" in page
    assert page.count("/join/") == 1
