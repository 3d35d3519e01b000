"""Waitlisted and cancelled people do not enter the live convening, even with a password."""
from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from convenings.models import Registration
from tests.signaling.consumers.conftest import Connect, connect, layer, small, transactional_db  # noqa: F401 — fixtures
from tests.signaling.consumers.factories import SmallConvening, password_session

STATUS = Registration.Status


@pytest.mark.django_db
@pytest.mark.parametrize("status", [STATUS.WAITLISTED, STATUS.CANCELLED])
def test_the_live_page_says_why(demo, status: str) -> None:
    registration = Registration.objects.filter(convening=demo.convening, role="participant").first()
    Registration.objects.filter(pk=registration.pk).update(status=status)
    client = Client()
    client.force_login(registration.participant.user)
    response = client.get(f"/c/{demo.convening.slug}/live/")
    assert response.status_code == 403
    assert f"Your registration is {status}" in response.content.decode()


@pytest.mark.asyncio
async def test_the_websocket_refuses_a_cancelled_registration(connect: Connect, small: SmallConvening) -> None:
    """Signed in with a password (a rostered person who has one): the registration decides."""
    cookie = await database_sync_to_async(password_session)(small["maria"])
    await database_sync_to_async(
        Registration.objects.filter(pk=small["maria"].pk).update)(status=STATUS.CANCELLED)
    maria = await connect(headers=[(b"cookie", cookie)], welcome=False)
    error = await maria.expect("error")
    assert error["code"] == "forbidden" and "cancelled" in error["message"]
    assert (await maria.expect_close()).code == 4403
