"""The organizer sends invitations; each person receives theirs through a real SMTP server,
and the link in it opens their join page."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from convenings.demo import DemoSummary
from convenings.models import Registration
from mail import sending
from mail.demo import SENT
from mail.models import OutboxMessage
from mail.scheduling import rostered
from tests.platform.mail.smtp import SmtpServer

pytestmark = pytest.mark.django_db
LINK = re.compile(r"^(http://\S+/join/\S+/)\r?$", re.MULTILINE)


def _organizer() -> Client:
    browser = Client(enforce_csrf_checks=False)
    browser.force_login(get_user_model().objects.get(username="organizer"))
    return browser


def test_everyone_registered_gets_an_invitation_with_their_own_way_in(demo: DemoSummary, smtp: SmtpServer) -> None:
    convening = demo.convening
    invited = set(OutboxMessage.objects.filter(kind="invitation").values_list("key", flat=True))  # by the demo
    registrations = [r for r in rostered(convening)  # registered: not waitlisted or cancelled
                     if f"invitation:{convening.pk}:{r.pk}" not in invited]
    assert len(invited) == SENT + 1 and len(registrations) > 50
    sending.send_due()  # what the rest of the demo queued (confirmations, a certificate)
    before = len(smtp.received)
    page = _organizer().post(f"/c/{convening.slug}/organize/email/", {"action": "invite"}, follow=True)
    assert f"{len(registrations)} invitations queued" in page.content.decode()
    assert len(smtp.received) == before  # nothing is sent inside the request
    assert sending.send_due().sent == len(registrations)

    invitations = smtp.received[before:]
    assert sorted(to for r in invitations for to in r.envelope_to) == sorted(
        r.participant.user.email for r in registrations)
    assert {r.subject for r in invitations} == {f"You are invited: {convening.title}"}
    participant = next(r for r in registrations if r.role == Registration.Role.PARTICIPANT)
    [mail] = [m for m in invitations if participant.participant.user.email in m.envelope_to]
    [link] = LINK.findall(mail.body)
    page = Client().get(urlsplit(link).path)
    assert page.status_code == 200
    assert f"Welcome, {participant.participant.name}" in page.content.decode()

    moderator = next(r for r in registrations if r.role == Registration.Role.MODERATOR)
    [mail] = [m for m in invitations if moderator.participant.user.email in m.envelope_to]
    assert LINK.findall(mail.body) == []
    assert "sign in with your username and password" in mail.body
    assert f"/accounts/login/?next=/c/{convening.slug}/" in mail.body


def test_pressing_send_twice_invites_nobody_twice(demo: DemoSummary, smtp: SmtpServer) -> None:
    url = f"/c/{demo.convening.slug}/organize/email/"
    browser = _organizer()
    sending.send_due()
    already = len(smtp.received)
    browser.post(url, {"action": "invite"})
    sending.send_due()
    count = len(smtp.received) - already
    page = browser.post(url, {"action": "invite"}, follow=True).content.decode()
    assert "0 invitations queued" in page and f"{count + SENT + 1} people were invited earlier" in page
    assert sending.send_due().sent == 0 and len(smtp.received) == already + count
