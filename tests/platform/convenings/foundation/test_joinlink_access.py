"""What a join link opens, and for how long (issue 14: tasks 3, 7 and 11).

A link is checked against the registration of the convening it is used for; a browser
session opened through a link ends when that link is revoked or expires (password sessions
do not); the link page signs nobody in on a plain GET; moderators and organizers get no link.
Through the real views (Django's test client) and the real websocket stack (channels'
communicator over the consumer), with the clock injected where expiry matters.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from convenings import joinlinks
from convenings.models import Convening, Registration
from tests.signaling.consumers.conftest import Connect, connect, small, transactional_db  # noqa: F401 — fixtures
from tests.signaling.consumers.factories import SLUG, SmallConvening

LATER = dt.timedelta(hours=2)


def live(convening: Convening) -> str:
    return reverse("live", kwargs={"slug": convening.slug})


def joined(client: Client, link: joinlinks.JoinLink) -> Client:
    """Open the link page and press "Join as …", as a person would (CSRF checks on)."""
    page = client.get(link.path)
    assert page.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert csrf, "the join page has a CSRF-protected form"
    response = client.post(link.path, {"csrfmiddlewaretoken": csrf.group(1)})
    assert response.status_code == 302 and response["Location"] == live(link.registration.convening)
    return client


def signed_in_as(client: Client) -> str | None:
    user = client.get(reverse("home")).wsgi_request.user
    return user.username if user.is_authenticated else None


def second_convening(registration: Registration, role: str = "participant") -> Registration:
    start = timezone.now() - dt.timedelta(hours=1)
    other = Convening.objects.create(slug="regional-meeting", title="Regional Meeting",
                                     kind=Convening.Kind.ROUNDTABLE, starts_at=start,
                                     ends_at=start + dt.timedelta(hours=3))
    return Registration.objects.create(convening=other, participant=registration.participant, role=role)


@pytest.fixture
def browser() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Move joinlinks' clock two hours on (the injected ``now`` of the checks at use)."""
    moved = timezone.now() + LATER
    monkeypatch.setattr(joinlinks, "current_time", lambda: moved)
    yield


# ---- the rule itself: a pure function of the link, its registration and the time ------------------

def _unsaved(role: str = "participant", expires: dt.datetime | None = None) -> Registration:
    from people.models import Participant

    person = Participant(user=get_user_model()(username="pat", is_active=True))
    return Registration(pk=7, participant=person, role=role, join_nonce="n1", join_expires_at=expires)


NOON = dt.datetime(2030, 5, 6, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("payload", "registration", "why"), [
    ({"r": 7, "n": "n1", "e": int(NOON.timestamp())}, _unsaved(), joinlinks.EXPIRED),  # the link's own expiry
    ({"r": 7, "n": "n1"}, _unsaved(expires=NOON), joinlinks.EXPIRED),  # the registration's
    ({"r": 7, "n": "old"}, _unsaved(), joinlinks.REVOKED),
    ({"r": 8, "n": "n1"}, _unsaved(), joinlinks.REVOKED),  # not this registration's link
    ({"r": 7, "n": "n1"}, None, joinlinks.REVOKED),  # registration deleted
    ({"r": 7, "n": "n1"}, _unsaved(role="moderator"), "Moderators and organizers sign in"),
    ({"r": 7, "n": "n1"}, _unsaved(role="organizer"), "Moderators and organizers sign in"),
])
def test_check_says_why_a_link_no_longer_holds(payload: dict, registration: Registration | None, why: str) -> None:
    with pytest.raises(joinlinks.JoinLinkError, match=why):
        joinlinks.check(payload, registration, NOON)


@pytest.mark.parametrize("role", ["participant", "presenter"])
def test_check_lets_a_valid_link_through_until_its_last_second(role: str) -> None:
    second_before = NOON - dt.timedelta(seconds=1)
    joinlinks.check({"r": 7, "n": "n1", "e": int(NOON.timestamp())}, _unsaved(role, expires=NOON), second_before)


def test_a_session_refuses_other_convenings_and_ended_links_with_their_reason() -> None:
    links = joinlinks.HeldLinks(by_convening={1: _unsaved()}, ended={"9": joinlinks.REVOKED},
                                ended_in={2: joinlinks.REVOKED})
    assert links.refusal(1) is None
    assert links.refusal(2) == joinlinks.REVOKED
    assert links.refusal(3) == joinlinks.ELSEWHERE


# ---- the link page: GET shows, POST signs in (task 7) -------------------------------------------

@pytest.mark.django_db
class TestJoinPage:
    @pytest.fixture
    def registration(self, demo) -> Registration:  # noqa: ANN001
        return demo.convening.registrations.filter(role="participant").order_by("pk").first()

    def test_get_says_who_you_join_as_and_signs_nobody_in(self, browser: Client, registration: Registration) -> None:
        response = browser.get(joinlinks.issue(registration).path)
        page = response.content.decode()
        name = registration.participant.name
        assert response.status_code == 200
        assert name in page and registration.convening.title in page
        assert re.search(rf'<form method="post"[^>]*>.*<button type="submit"[^>]*>Join as {name}</button>', page, re.S)
        assert not response.wsgi_request.user.is_authenticated
        assert response["Cache-Control"].startswith("max-age=0")  # a bearer link's page is not cached

    def test_post_signs_in_and_opens_the_live_page(self, browser: Client, registration: Registration) -> None:
        link = joinlinks.issue(registration)
        joined(browser, link)
        assert signed_in_as(browser) == registration.participant.user.username
        assert browser.get(live(registration.convening)).status_code == 200

    def test_a_cross_site_get_keeps_the_moderators_session(self, browser: Client, registration: Registration) -> None:
        moderator = registration.convening.registrations.get(role="moderator", participant__user__username="moderator1")
        browser.force_login(moderator.participant.user)
        browser.get(joinlinks.issue(registration).path)  # e.g. an <img src> on another site
        assert signed_in_as(browser) == "moderator1"

    def test_a_post_without_the_csrf_token_is_refused(self, browser: Client, registration: Registration) -> None:
        browser.force_login(get_user_model().objects.get(username="moderator1"))
        response = browser.post(joinlinks.issue(registration).path)
        assert response.status_code == 403
        assert signed_in_as(browser) == "moderator1"

    def test_a_bad_link_is_refused_on_get_and_post(self, browser: Client, registration: Registration) -> None:
        link = joinlinks.issue(registration)
        joinlinks.revoke(registration)
        assert browser.get(link.path).status_code == 403
        assert Client().post(link.path).status_code == 403  # no CSRF checks: the link itself is refused
        assert signed_in_as(browser) is None


# ---- what a link and its session open, and for how long (task 3) --------------------------------

@pytest.mark.django_db
class TestLinkSessions:
    @pytest.fixture
    def registration(self, demo) -> Registration:  # noqa: ANN001
        return demo.convening.registrations.filter(role="participant").order_by("pk").first()

    def test_revoking_ends_the_session_the_link_opened(self, browser: Client, registration: Registration) -> None:
        joined(browser, joinlinks.issue(registration))
        joinlinks.revoke(registration)
        response = browser.get(live(registration.convening))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert signed_in_as(browser) is None

    def test_the_session_ends_when_the_link_expires(self, browser: Client, registration: Registration,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
        joined(browser, joinlinks.issue(registration, valid_for=dt.timedelta(hours=1)))
        assert browser.get(live(registration.convening)).status_code == 200
        moved = timezone.now() + LATER
        monkeypatch.setattr(joinlinks, "current_time", lambda: moved)
        assert browser.get(live(registration.convening)).status_code == 302
        assert signed_in_as(browser) is None

    def test_shortening_the_registrations_expiry_ends_the_session(self, browser: Client,
                                                                   registration: Registration) -> None:
        joined(browser, joinlinks.issue(registration))
        Registration.objects.filter(pk=registration.pk).update(join_expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert signed_in_as(browser) is None

    def test_a_password_session_survives_revoking_the_persons_links(self, browser: Client,
                                                                     registration: Registration) -> None:
        browser.force_login(registration.participant.user)  # signed in with a password
        joinlinks.revoke(registration)
        assert browser.get(live(registration.convening)).status_code == 200

    def test_a_revoked_registration_elsewhere_is_not_opened_through_this_link(
            self, browser: Client, registration: Registration) -> None:
        elsewhere = second_convening(registration)
        joinlinks.issue(elsewhere, valid_for=dt.timedelta(seconds=-1))  # expired ...
        joinlinks.revoke(elsewhere)  # ... and revoked
        joined(browser, joinlinks.issue(registration))
        assert browser.get(live(registration.convening)).status_code == 200
        refused = browser.get(live(elsewhere.convening))
        assert refused.status_code == 403
        assert "Regional Meeting" in refused.content.decode() and "join link" in refused.content.decode()
        # The session still opens the convening it was opened for.
        assert browser.get(live(registration.convening)).status_code == 200

    def test_a_second_link_of_the_same_person_adds_its_convening(self, browser: Client,
                                                                 registration: Registration) -> None:
        elsewhere = second_convening(registration)
        joined(browser, joinlinks.issue(registration))
        joined(browser, joinlinks.issue(elsewhere))
        assert browser.get(live(registration.convening)).status_code == 200
        assert browser.get(live(elsewhere.convening)).status_code == 200
        joinlinks.revoke(elsewhere)  # only that convening's door closes
        assert browser.get(live(elsewhere.convening)).status_code == 403
        assert browser.get(live(registration.convening)).status_code == 200

    def test_opening_ones_own_link_keeps_a_password_session_whole(self, browser: Client,
                                                                  registration: Registration) -> None:
        elsewhere = second_convening(registration)
        browser.force_login(registration.participant.user)
        joined(browser, joinlinks.issue(registration))
        joinlinks.revoke(registration)
        assert browser.get(live(registration.convening)).status_code == 200
        assert browser.get(live(elsewhere.convening)).status_code == 200


# ---- who may hold a link (task 11) ---------------------------------------------------------------

@pytest.mark.django_db
class TestWhoGetsALink:
    def test_presenters_get_working_links(self, browser: Client, demo) -> None:  # noqa: ANN001
        presenter = demo.convening.registrations.filter(role="presenter").first()
        joined(browser, joinlinks.issue(presenter))
        assert signed_in_as(browser) == presenter.participant.user.username

    @pytest.mark.parametrize("role", ["moderator", "organizer"])
    def test_moderators_and_organizers_get_no_link(self, demo, role: str) -> None:  # noqa: ANN001
        registration = demo.convening.registrations.filter(role="participant").first()
        Registration.objects.filter(pk=registration.pk).update(role=role)
        with pytest.raises(joinlinks.JoinLinkError, match="sign in with their password"):
            joinlinks.issue(Registration.objects.get(pk=registration.pk))

    def test_a_link_stops_working_when_its_person_becomes_a_moderator(
            self, browser: Client, demo) -> None:  # noqa: ANN001
        registration = demo.convening.registrations.filter(role="participant").first()
        link = joinlinks.issue(registration)
        joined(browser, link)
        Registration.objects.filter(pk=registration.pk).update(role="moderator")
        assert signed_in_as(browser) is None  # the session the link opened ends too
        response = browser.get(link.path)
        assert response.status_code == 403 and "username and password" in response.content.decode()

    def test_the_command_refuses_moderator_links(
            self, demo, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
        with pytest.raises(CommandError, match="No join links for moderators: moderators and organizers sign in"):
            call_command("join_links", demo.convening.slug, "--role", "moderator")
        call_command("join_links", demo.convening.slug, "--role", "presenter", "--json")
        assert len(capsys.readouterr().out.split('"token"')) - 1 == 4


# ---- the websocket: the same rules at admission --------------------------------------------------

@pytest.fixture
def layer(settings) -> str:  # noqa: ANN001 — pytest-django's settings; memory only: admission is under test
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "signaling.layers.LocalChannelLayer"}}
    return "memory"


async def _refused(client, code: int) -> str:  # noqa: ANN001
    closed = await client.expect_close()
    assert closed.code == code
    return client.take("error")[0]["message"]


@database_sync_to_async
def _session_cookie(small: SmallConvening, name: str, *, link: bool) -> list[tuple[bytes, bytes]]:
    browser = Client(enforce_csrf_checks=True)
    if link:
        joined(browser, joinlinks.JoinLink(small[name], small.token(name)))
    else:
        browser.force_login(small[name].participant.user)
    return [(b"cookie", f"sessionid={browser.cookies['sessionid'].value}".encode())]


@database_sync_to_async
def _register_elsewhere(small: SmallConvening, name: str) -> Registration:
    elsewhere = Registration.objects.create(convening=small.other, participant=small[name].participant)
    joinlinks.revoke(elsewhere)
    Registration.objects.filter(pk=elsewhere.pk).update(join_expires_at=timezone.now() - dt.timedelta(days=1))
    return elsewhere


@pytest.mark.asyncio
class TestWebsocketAdmission:
    async def test_a_link_for_one_convening_does_not_open_another(self, connect: Connect,  # noqa: F811
                                                                  small: SmallConvening) -> None:  # noqa: F811
        await _register_elsewhere(small, "maria")
        client = await connect(welcome=False, slug=small.other.slug, token=small.token("maria"))
        assert "North Coast Roundtable" in await _refused(client, 4403)
        assert (await connect("maria")).welcome["you"]["name"] == "Maria Garcia"

    async def test_a_link_session_does_not_open_another_convening(self, connect: Connect,  # noqa: F811
                                                                  small: SmallConvening) -> None:  # noqa: F811
        await _register_elsewhere(small, "maria")
        cookie = await _session_cookie(small, "maria", link=True)
        client = await connect(welcome=False, slug=small.other.slug, headers=cookie)
        assert "join link" in await _refused(client, 4403)
        assert (await connect(headers=cookie)).welcome["convening"]["slug"] == SLUG

    async def test_revoking_refuses_the_link_session(
            self, connect: Connect, small: SmallConvening) -> None:  # noqa: F811
        cookie = await _session_cookie(small, "maria", link=True)
        await database_sync_to_async(joinlinks.revoke)(small["maria"])
        client = await connect(welcome=False, headers=cookie)
        assert "revoked" in await _refused(client, 4401)

    async def test_an_expired_link_session_is_refused(self, connect: Connect, small: SmallConvening,  # noqa: F811
                                                      later: None) -> None:
        await database_sync_to_async(Registration.objects.filter(pk=small["maria"].pk).update)(
            join_expires_at=timezone.now() + dt.timedelta(hours=1))
        with pytest.MonkeyPatch.context() as now_again:  # sign in before the link expires ...
            now_again.setattr(joinlinks, "current_time", timezone.now)
            cookie = await _session_cookie(small, "maria", link=True)
        client = await connect(welcome=False, headers=cookie)  # ... connect two hours later
        assert "expired" in await _refused(client, 4401)

    async def test_a_password_session_is_not_touched_by_revoking(self, connect: Connect,  # noqa: F811
                                                                 small: SmallConvening) -> None:  # noqa: F811
        cookie = await _session_cookie(small, "maria", link=False)
        await database_sync_to_async(joinlinks.revoke)(small["maria"])
        assert (await connect(headers=cookie)).welcome["you"]["name"] == "Maria Garcia"
