from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from action_items import services
from action_items.services import Owner
from tests.platform.surveys.factories import make_convening, make_person, make_team, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    convening = make_convening()
    cedar, harbor = make_team("Cedar Elementary"), make_team("Harbor Middle School")
    people = {
        "member": registered(convening, "maria", team=cedar),
        "other_team": registered(convening, "omar", team=harbor),
        "moderator": registered(convening, "mod", "moderator"),
        "unregistered_member": make_person("ursula", team=cedar),
    }
    return convening, cedar, harbor, people


def team_url(convening, team) -> str:
    return reverse("action_items:team", args=[convening.slug, team.pk])


def as_(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def test_member_adds_edits_moves_and_removes(place) -> None:
    convening, cedar, _, people = place
    client, url = as_(people["member"]), team_url(convening, cedar)
    for text in ("Device inventory by May", "Parent tech night", "Coach new teachers"):
        assert client.post(url, {"op": "add", "text": text}).status_code == 302
    items = services.items_for(Owner.of_team(convening.pk, cedar.pk))
    client.post(url, {"op": "up", "item": items[2].pk})
    client.post(url, {"op": "edit", "item": items[0].pk, "text": "Device inventory by April"})
    client.post(url, {"op": "remove", "item": items[1].pk})
    html = client.get(url).content.decode()
    assert html.index("Device inventory by April") < html.index("Coach new teachers")
    assert "Parent tech night" not in html
    assert [i.text for i in services.items_for(Owner.of_team(convening.pk, cedar.pk))] == [
        "Device inventory by April", "Coach new teachers"]


def test_empty_item_shows_an_error_next_to_the_field(place) -> None:
    convening, cedar, _, people = place
    response = as_(people["member"]).post(team_url(convening, cedar), {"op": "add", "text": "   "})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="new-item-error"' in html and 'aria-describedby="new-item-error"' in html
    assert "Write the action item first." in html


def test_a_sixth_item_is_refused_and_the_add_form_disappears(place) -> None:
    convening, cedar, _, people = place
    client, url = as_(people["member"]), team_url(convening, cedar)
    for n in range(5):
        client.post(url, {"op": "add", "text": f"Item {n}"})
    html = client.get(url).content.decode()
    assert 'id="new-item"' not in html and "Remove one to add another" in html
    assert client.post(url, {"op": "add", "text": "Item 6"}).status_code == 422


def test_other_teams_cannot_see_or_change_the_list(place) -> None:
    convening, cedar, _, people = place
    url = team_url(convening, cedar)
    client = as_(people["other_team"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"op": "add", "text": "sneaky"}).status_code == 403
    assert as_(people["unregistered_member"]).get(url).status_code == 403
    assert services.items_for(Owner.of_team(convening.pk, cedar.pk)) == []


def test_moderators_see_but_do_not_edit(place) -> None:
    convening, cedar, _, people = place
    services.add(Owner.of_team(convening.pk, cedar.pk), "Visible to moderators", people["member"])
    client, url = as_(people["moderator"]), team_url(convening, cedar)
    html = client.get(url).content.decode()
    assert "Visible to moderators" in html and "read only" in html and 'name="op"' not in html
    assert client.post(url, {"op": "add", "text": "x"}).status_code == 403


def test_share_out_lists_every_team_and_room(place) -> None:
    convening, cedar, harbor, people = place
    services.add(Owner.of_team(convening.pk, cedar.pk), "Cedar first", people["member"])
    services.add(Owner.of_team(convening.pk, cedar.pk), "Cedar second", people["member"])
    services.add(Owner.of_room(convening.pk, "s2-r1", "Math · Room 1"), "Number talks", people["member"])
    html = as_(people["other_team"]).get(reverse("action_items:share_out", args=[convening.slug])).content.decode()
    assert "Cedar Elementary Leadership Team" in html and "Harbor Middle School Leadership Team" in html
    assert html.index("Cedar first") < html.index("Cedar second")
    assert "Math · Room 1" in html and "Number talks" in html
    assert "Your team" in html


def test_share_out_json(place) -> None:
    convening, cedar, harbor, people = place
    services.add(Owner.of_team(convening.pk, cedar.pk), "Cedar first", people["member"])
    services.add(Owner.of_room(convening.pk, "s2-r1", "Math · Room 1"), "Number talks", people["member"])
    data = as_(people["member"]).get(reverse("action_items:share_out_json", args=[convening.slug])).json()
    assert data["convening"] == convening.slug
    teams = {t["name"]: t for t in data["teams"]}
    assert [i["text"] for i in teams["Cedar Elementary Leadership Team"]["items"]] == ["Cedar first"]
    assert teams["Cedar Elementary Leadership Team"]["items"][0]["rank"] == 1
    assert teams["Harbor Middle School Leadership Team"]["items"] == []
    assert data["rooms"] == [{"room_key": "s2-r1", "name": "Math · Room 1", "detail": "",
                              "items": [{"rank": 1, "text": "Number talks",
                                         "updated_at": data["rooms"][0]["items"][0]["updated_at"]}]}]


def test_share_out_needs_a_registration(place) -> None:
    convening, *_ = place
    json_url = reverse("action_items:share_out_json", args=[convening.slug])
    assert Client().get(json_url).status_code == 401
    assert Client().get(reverse("action_items:share_out", args=[convening.slug])).status_code == 302
    assert as_(make_person("nobody")).get(json_url).status_code == 403


def test_convening_page_links_members_to_their_team_list(place) -> None:
    convening, cedar, _, people = place
    html = as_(people["member"]).get(convening.get_absolute_url()).content.decode()
    assert f'href="{team_url(convening, cedar)}"' in html
    assert reverse("action_items:share_out", args=[convening.slug]) in html
    assert reverse("reports:report", args=[convening.slug]) not in html  # participants: no report link
    assert reverse("reports:report", args=[convening.slug]) in as_(people["moderator"]).get(
        convening.get_absolute_url()).content.decode()


def test_a_team_not_in_the_convening_has_no_list_there(place) -> None:
    convening, cedar, _, people = place
    elsewhere = make_team("Faraway High")
    registered(make_convening("another-meeting"), "fay", team=elsewhere)
    for person in (people["member"], people["moderator"]):
        client = as_(person)
        assert client.get(team_url(convening, elsewhere)).status_code == 404
        assert client.post(team_url(convening, elsewhere), {"op": "add", "text": "Sneak in"}).status_code == 404
    assert client.get(reverse("action_items:team", args=[convening.slug, 999999])).status_code == 404
    assert not services.items_for(Owner.of_team(convening.pk, elsewhere.pk))
    assert as_(people["member"]).get(team_url(convening, cedar)).status_code == 200
