"""Every organizer page and who reaches it, through Django's test client."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.platform.organizer.conftest import World

WHO = ["organizer", "other_organizer", "moderator", "participant", "anonymous", "superuser"]
ALLOWED = {"organizer", "superuser"}


def pages(world: World) -> list[str]:
    slug = world.convening.slug
    return [reverse("organizer:home", args=[slug]), reverse("organizer:session_new", args=[slug]),
            reverse("organizer:session", args=[slug, world.session.pk]), reverse("organizer:topics", args=[slug]),
            reverse("organizer:speakers", args=[slug])]


@pytest.mark.parametrize("who", WHO)
def test_only_this_conventions_organizers_and_superusers_reach_the_pages(world: World, who: str) -> None:
    client = world.client_for(who)
    for url in pages(world):
        response = client.get(url)
        if who in ALLOWED:
            assert response.status_code == 200, url
            assert b"Organizer pages" in response.content  # the nav
        elif who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        else:
            assert response.status_code == 403, url
            assert "organizers can change" in response.content.decode()


@pytest.mark.parametrize("who", WHO)
def test_posts_are_refused_to_the_same_people(world: World, who: str) -> None:
    client = world.client_for(who)
    url = reverse("organizer:session", args=[world.convening.slug, world.session.pk])
    before = world.session.title
    response = client.post(url, {"title": "Hijacked", "kind": "plenary", "date": "2026-10-14",
                                 "start_time": "09:00", "end_time": "09:45"})
    world.session.refresh_from_db()
    if who in ALLOWED:
        assert response.status_code == 302 and world.session.title == "Hijacked"
    else:
        assert response.status_code in (302, 403) and world.session.title == before
        if who != "anonymous":
            assert response.status_code == 403


def test_the_home_lists_the_agenda_and_links_only_existing_pages(world: World) -> None:
    page = world.client_for("organizer").get(reverse("organizer:home", args=[world.convening.slug])).content.decode()
    assert "Regional breakouts" in page and "Welcome plenary" in page
    assert "breakouts group people by region" in page
    for name, label in [("organizer:topics", "Topics"), ("organizer:speakers", "Speakers")]:
        assert reverse(name, args=[world.convening.slug]) in page and label in page


def test_nav_skips_pages_whose_url_names_do_not_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    from organizer import nav

    monkeypatch.setattr(nav, "PAGES", (("organizer:home", "Agenda"), ("nowhere:organize", "Nothing")))
    links = nav.organizer_nav("some-slug")
    assert [link.label for link in links] == ["Agenda"]
    assert links[0].url == "/c/some-slug/organize/"


def test_the_convening_page_links_organizers_to_their_pages(world: World) -> None:
    url = world.convening.get_absolute_url()
    home = reverse("organizer:home", args=[world.convening.slug])
    assert home in world.client_for("organizer").get(url).content.decode()
    assert home not in world.client_for("moderator").get(url).content.decode()
    assert home not in world.client_for("participant").get(url).content.decode()


def test_the_demo_organizer_reaches_the_academys_organizer_pages(demo: object) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="organizer"))
    page = client.get("/c/statewide-leadership-academy/")
    assert "/c/statewide-leadership-academy/organize/" in page.content.decode()
    home = client.get("/c/statewide-leadership-academy/organize/")
    assert home.status_code == 200 and "Opening plenary" in home.content.decode()
    assert client.get("/c/statewide-leadership-academy/organize/speakers/").status_code == 200
