"""Password sign-in is throttled per username and address, through the real sign-in view."""
from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import AsyncClient, Client
from django.urls import reverse

from config.signin import forwarded_client, minutes_to_wait

pytestmark = pytest.mark.django_db
GOOD = {"username": "moderator1", "password": "convene-demo"}
BAD = {"username": "moderator1", "password": "guess"}
WAIT_15 = "please wait 15 minutes, then try again"


def sign_in(client: Client, form: dict[str, str], **extra: str):  # noqa: ANN201 — the test client's response
    return client.post(reverse("login"), form, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_pause_sign_in_even_with_the_right_one_next(demo) -> None:
    client = Client()
    answers = [sign_in(client, BAD) for _ in range(25)]
    assert [a.status_code for a in answers[:4]] == [200] * 4  # "didn't match", try again
    assert "didn't match" in answers[0].content.decode()
    assert {a.status_code for a in answers[4:]} == {429}  # the fifth wrong password pauses sign-in
    right = sign_in(client, GOOD)
    assert right.status_code == 429 and not signed_in(client)
    page = right.content.decode()
    assert WAIT_15 in page and 'value="moderator1"' in page and "didn't match" not in page


def test_the_page_counts_down_and_sign_in_works_again_after_the_wait(demo) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, BAD)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(minutes=10))
    assert "please wait 5 minutes" in sign_in(client, GOOD).content.decode()
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - dt.timedelta(minutes=6))
    assert sign_in(client, GOOD).status_code == 302 and signed_in(client)


def test_the_lockout_is_for_that_username_from_that_address_only(demo) -> None:
    for _ in range(5):
        sign_in(Client(), BAD)
    assert sign_in(Client(), GOOD).status_code == 429
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(elsewhere, GOOD).status_code == 302 and signed_in(elsewhere)  # the real moderator, at home
    colleague = Client()  # same address, another account: a school behind one NAT address
    assert sign_in(colleague, {"username": "moderator2", "password": "convene-demo"}).status_code == 302


def test_a_successful_sign_in_clears_the_count(demo) -> None:
    client = Client()
    for _ in range(4):
        assert sign_in(client, BAD).status_code == 200
    assert sign_in(client, GOOD).status_code == 302
    client = Client()
    for _ in range(4):
        assert sign_in(client, BAD).status_code == 200  # four more typos: still not paused
    assert sign_in(client, GOOD).status_code == 302 and signed_in(client)


def test_repeated_correct_sign_ins_are_never_paused(demo) -> None:
    # As the browser tests do: the same person, from 127.0.0.1, many times.
    for _ in range(12):
        client = Client()
        assert sign_in(client, GOOD).status_code == 302 and signed_in(client)
    assert Client().login(**GOOD)  # Client.login() has no request: not throttled, and not broken


def test_the_admin_sign_in_counts_too(demo) -> None:
    client = Client()
    url = reverse("admin:login")
    answers = [client.post(url, {"username": "organizer", "password": "guess"}) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 4 + [429] * 2
    assert client.post(url, {"username": "organizer", "password": "convene-demo"}).status_code == 429


def test_behind_the_proxy_a_forged_forwarded_address_does_not_reset_the_count(demo, settings) -> None:  # noqa: ANN001
    settings.TRUSTED_PROXY_HOPS = 1  # config.settings_production: nginx appends the address it saw
    for n in range(5):
        # daphne --proxy-headers makes REMOTE_ADDR the leftmost entry: the forged one.
        forged = f"203.0.113.{n}"
        sign_in(Client(), BAD, REMOTE_ADDR=forged, HTTP_X_FORWARDED_FOR=f"{forged}, 192.0.2.50")
    assert sign_in(Client(), GOOD, REMOTE_ADDR="203.0.113.99",
                   HTTP_X_FORWARDED_FOR="203.0.113.99, 192.0.2.50").status_code == 429
    assert sign_in(Client(), GOOD, REMOTE_ADDR="192.0.2.51", HTTP_X_FORWARDED_FOR="192.0.2.51").status_code == 302


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)  # the views run in another thread: committed data only
async def test_the_asgi_path_shows_the_same_page(demo) -> None:  # noqa: ARG001
    # daphne runs the middleware asynchronously, where axes calls the lockout page differently.
    client = AsyncClient()
    for _ in range(5):
        await client.post(reverse("login"), BAD)
    answer = await client.post(reverse("login"), GOOD)
    assert answer.status_code == 429 and WAIT_15 in answer.content.decode()


def test_the_client_address_behind_our_proxies() -> None:
    assert forwarded_client("", "10.0.0.1", 0) == "10.0.0.1"
    assert forwarded_client("1.1.1.1, 2.2.2.2", "1.1.1.1", 0) == "1.1.1.1"  # no proxy of ours: the peer
    assert forwarded_client("6.6.6.6, 2.2.2.2", "6.6.6.6", 1) == "2.2.2.2"
    assert forwarded_client("6.6.6.6,2.2.2.2, 3.3.3.3", "6.6.6.6", 2) == "2.2.2.2"
    assert forwarded_client("", "10.0.0.1", 1) == "10.0.0.1"  # reached directly, not through the proxy


def test_minutes_to_wait() -> None:
    now = dt.datetime(2030, 1, 1, 12, tzinfo=dt.UTC)
    quarter = dt.timedelta(minutes=15)
    assert minutes_to_wait(now, quarter, now) == 15
    assert minutes_to_wait(now - dt.timedelta(minutes=10, seconds=30), quarter, now) == 5
    assert minutes_to_wait(now - dt.timedelta(minutes=20), quarter, now) == 1
    assert minutes_to_wait(None, quarter, now) == 15
