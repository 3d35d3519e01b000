from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.test import Client

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
    assert registration.participant.name in response.content.decode()
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
    assert client.get(joinlinks.issue(registration).path).status_code == 200


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
