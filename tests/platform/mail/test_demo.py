"""After `make run` the organizer's email page already shows a history."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from convenings.demo import DemoSummary, seed
from mail.demo import SENT, seed_demo_mail
from mail.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_the_demo_shows_sent_invitations_and_a_refusal(demo: DemoSummary) -> None:
    invitations = OutboxMessage.objects.filter(convening=demo.convening, kind="invitation")
    assert invitations.filter(status="sent").count() == SENT and invitations.filter(status="failed").count() == 1
    seed()  # seeding again adds nothing
    assert seed_demo_mail(demo.convening) == SENT and invitations.count() == SENT + 1
    browser = Client()
    browser.force_login(get_user_model().objects.get(username="organizer"))
    page = browser.get(f"/c/{demo.convening.slug}/organize/email/").content.decode()
    assert f"{SENT} sent" in page and "550 5.1.1 Mailbox unavailable" in page
