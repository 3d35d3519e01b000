"""The live page's view (no browser): who may open it and what the client is handed."""
from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.test import Client

from convenings.models import Registration

pytestmark = pytest.mark.django_db
LIVE = "/c/statewide-leadership-academy/live/"


def config_of(html: str) -> dict:
    start = html.index('<script id="convene-config" type="application/json">') + len(
        '<script id="convene-config" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


def test_sign_in_first(client: Client, demo) -> None:
    response = client.get(LIVE)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={LIVE}"


def test_unknown_convening_is_404(client: Client, demo) -> None:
    client.force_login(get_user_model().objects.get(username="moderator1"))
    assert client.get("/c/nope/live/").status_code == 404


def test_not_registered_is_403_with_a_clear_message(client: Client, demo) -> None:
    client.force_login(get_user_model().objects.create_user("visitor", password="x"))
    response = client.get(LIVE)
    assert response.status_code == 403
    assert "You're not registered for this convening" in response.content.decode()


def test_participant_gets_identity_permissions_and_websocket(client: Client, demo) -> None:
    registration = Registration.objects.filter(convening=demo.convening, role="participant").first()
    client.force_login(registration.participant.user)
    response = client.get(LIVE)
    assert response.status_code == 200
    config = config_of(response.content.decode())
    assert config["you"]["participant_id"] == registration.participant_id
    assert config["you"]["school"] == registration.participant.school.name
    assert config["ws_path"] == "/ws/convenings/statewide-leadership-academy/"
    assert config["protocol_url"] == "/protocol.js"
    assert config["can_moderate"] is False and config["can_present"] is False
    assert "chat" in config["permissions"] and "broadcast" not in config["permissions"]
    html = response.content.decode()
    assert 'id="hand-queue"' not in html  # moderators only
    assert "Only presenters and moderators can share their screen." in html


def test_moderator_gets_the_queue_and_broadcast_form(client: Client, demo) -> None:
    client.force_login(get_user_model().objects.get(username="moderator1"))
    html = client.get(LIVE).content.decode()
    config = config_of(html)
    assert config["can_moderate"] and config["can_present"] and "broadcast" in config["permissions"]
    assert 'id="hand-queue"' in html and 'id="broadcast-form"' in html


def test_live_url_template_tag(demo) -> None:
    html = Template("{% load convene_live %}{% live_url convening %}").render(Context({"convening": demo.convening}))
    assert html == LIVE


def test_breakout_sessions_for_everyone_directory_for_moderators_only(client: Client, demo) -> None:
    registration = Registration.objects.filter(convening=demo.convening, role="participant").first()
    client.force_login(registration.participant.user)
    html = client.get(LIVE).content.decode()
    config = config_of(html)
    sessions = {s["title"]: s for s in config["breakout_sessions"]}
    assert list(sessions) == ["Breakouts by core component", "Roundtable by role"]
    topics = {t["name"] for t in sessions["Breakouts by core component"]["topics"]}
    assert {"Professional Learning", "Parent Engagement", "Technology Access and Equity",
            "Best Practices in Math"} <= topics
    assert config["directory"] == [] and config["can_run_breakouts"] is False
    assert 'id="console"' not in html and 'id="ctl-console"' not in html

    client.force_login(get_user_model().objects.get(username="moderator1"))
    html = client.get(LIVE).content.decode()
    config = config_of(html)
    assert config["can_run_breakouts"] is True
    assert 'id="console"' in html and 'id="ctl-console"' in html
    people = {p["participant_id"]: p for p in config["directory"]}
    assert len(people) == demo.convening.registrations.count()
    entry = people[registration.participant_id]
    assert entry["name"] == registration.participant.name and entry["school"] == registration.participant.school.name
    assert entry["job_role"] == registration.participant.job_role and entry["role"] == "participant"
