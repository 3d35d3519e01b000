"""TURN credentials are minted per connection and expire (coturn's use-auth-secret scheme),
instead of one password handed to every browser for good."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from types import SimpleNamespace

import pytest
from django.test import Client

from config import env
from convenings.models import Registration
from signaling import turn
from signaling.media import server as media_server
from signaling.media.hub import create_hub
from signaling.turn import TurnSecret, ice_servers_for, turn_credential

NOW = 1_700_000_000
LIVE = "/c/statewide-leadership-academy/live/"
STUN = {"urls": ["stun:203.0.113.7:3478"]}


def test_credential_matches_a_known_vector() -> None:
    # printf '1700000000:42' | openssl dgst -binary -sha1 -hmac 'north-star-secret' | openssl base64
    assert turn_credential("north-star-secret", "42", NOW) == ("1700000000:42", "KSdUvImjCEARz1doRYYgSHKR2ec=")


def test_ice_servers_add_turn_valid_for_the_ttl() -> None:
    servers = ice_servers_for("42", NOW + 0.9, [STUN], TurnSecret(("turn:203.0.113.7:3478",), "s3cret", 43200))
    assert servers[0] == STUN
    assert servers[1]["urls"] == ["turn:203.0.113.7:3478"]
    assert servers[1]["username"] == f"{NOW + 43200}:42"
    expected = hmac.new(b"s3cret", servers[1]["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(servers[1]["credential"]) == expected


def test_without_a_secret_or_urls_only_the_static_servers() -> None:
    assert ice_servers_for("42", NOW, [STUN], None) == [STUN]
    assert ice_servers_for("42", NOW, [STUN], TurnSecret((), "s3cret", 60)) == [STUN]
    assert ice_servers_for("42", NOW, [STUN], TurnSecret(("turn:x",), "", 60)) == [STUN]


def test_the_secret_replaces_a_static_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUN_URLS", "stun:203.0.113.7:3478")
    monkeypatch.setenv("TURN_URLS", "turn:203.0.113.7:3478")
    monkeypatch.setenv("TURN_USERNAME", "convene")
    monkeypatch.setenv("TURN_PASSWORD", "convene-turn")
    static = env.ice_servers()
    assert static[1] == {"urls": ["turn:203.0.113.7:3478"], "username": "convene", "credential": "convene-turn"}
    monkeypatch.setenv("TURN_SECRET", "s3cret")
    assert env.ice_servers() == [STUN]


@pytest.fixture
def turn_settings(settings, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    settings.ICE_SERVERS = [STUN]
    settings.TURN_URLS = ["turn:203.0.113.7:3478"]
    settings.TURN_SECRET = "s3cret"
    settings.TURN_CREDENTIAL_TTL_S = 43200
    monkeypatch.setattr(turn, "time", SimpleNamespace(time=lambda: NOW))
    return settings


def ice_servers_on_the_live_page(client: Client, registration: Registration) -> list[dict]:
    client.force_login(registration.participant.user)
    html = client.get(LIVE).content.decode()
    start = html.index('<script id="convene-config" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start:html.index("</script>", start)])["ice_servers"]


@pytest.mark.django_db
def test_each_browser_gets_its_own_expiring_turn_credential(client: Client, demo, turn_settings) -> None:
    first, second = Registration.objects.filter(convening=demo.convening)[:2]
    got = {r.participant_id: ice_servers_on_the_live_page(client, r) for r in (first, second)}
    for participant_id, servers in got.items():
        assert servers[0] == STUN
        username, credential = servers[1]["username"], servers[1]["credential"]
        assert username == f"{NOW + 43200}:{participant_id}"
        assert turn_credential("s3cret", str(participant_id), NOW + 43200)[1] == credential
    assert got[first.participant_id][1]["credential"] != got[second.participant_id][1]["credential"]


@pytest.mark.asyncio
async def test_the_media_server_gets_a_fresh_credential_per_connection(turn_settings, monkeypatch) -> None:
    configurations = []
    peer = media_server.Peer

    def recording_peer(*args, **kwargs):  # type: ignore[no-untyped-def]
        configurations.append(kwargs["configuration"])
        return peer(*args, **kwargs)

    async def ignore(signal: object) -> None:
        pass

    monkeypatch.setattr(media_server, "Peer", recording_peer)
    hub = create_hub()
    try:
        await hub.server.join("7:a", "plenary", ignore)
        turn_settings.TURN_CREDENTIAL_TTL_S = 60  # as if time had passed: the next one differs
        await hub.server.join("8:b", "plenary", ignore)
    finally:
        await hub.server.close()
    usernames = [c.iceServers[-1].username for c in configurations]
    assert usernames == [f"{NOW + 43200}:media-server", f"{NOW + 60}:media-server"]
