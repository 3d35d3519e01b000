"""Every page a person meets before the live room: reachable, clear, and axe-clean."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.frontend.conftest import DESKTOP, PHONE, SLUG, assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_public_pages_are_accessible(new_page, viewport) -> None:
    page = new_page(viewport=viewport)
    page.goto("/")
    expect(page.get_by_role("heading", name="Convenings")).to_be_visible()
    assert_accessible(page, "home")
    page.get_by_role("link", name="Statewide Leadership Academy").click()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    assert_accessible(page, "convening page")
    page.goto("/accounts/login/")
    assert_accessible(page, "sign-in")


def test_join_link_landing_is_accessible(new_page, site) -> None:
    page = new_page()
    page.goto(site.join_path("leader01"))
    expect(page.get_by_role("heading", name="Welcome, Maria Garcia")).to_be_visible()
    assert_accessible(page, "join landing")
    page.goto("/join/not-a-real-token/")
    expect(page.get_by_role("alert")).to_contain_text("not valid")
    assert_accessible(page, "join link error")


def test_live_page_needs_sign_in(new_page, site) -> None:
    page = new_page()
    page.goto(f"/c/{SLUG}/live/")
    expect(page).to_have_url(f"{site.base_url}/accounts/login/?next=/c/{SLUG}/live/")
    sign_in(page, "moderator1", go=False)
    expect(page).to_have_url(site.live_url)
    expect(page.get_by_role("heading", name="Ready to join?")).to_be_visible()


def test_live_page_refuses_people_not_registered(new_page, site) -> None:
    page = new_page()
    sign_in(page, "outsider")
    response = page.goto(f"/c/{SLUG}/live/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="You're not registered for this convening")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Statewide Leadership Academy")
    assert_accessible(page, "not registered (403)")
