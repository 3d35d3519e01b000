"""Certificates in Chromium: the organizer's page, the holder's download, the public check; axe-clean."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.frontend.conftest import DESKTOP, PHONE, SLUG, assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_the_organizer_sees_hours_and_the_demo_certificate(new_page) -> None:
    page = new_page()
    sign_in(page, "organizer")
    page.goto(f"/c/{SLUG}/organize/certificates/")
    expect(page.get_by_role("heading", name="Certificates of attendance")).to_be_visible()
    expect(page.get_by_role("button", name="Issue certificates")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Maria Garcia"))
    expect(row.get_by_role("link")).to_have_text(re.compile(r"^[0-9A-Z]{12}$"))
    assert_accessible(page, "certificates organizer page")
    page.get_by_label("Attendance needed (% of each session)").fill("150")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.get_by_role("alert")).to_contain_text("The rule was not saved")
    assert_accessible(page, "certificates rule error")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_anyone_can_verify_a_certificate_without_signing_in(new_page, viewport) -> None:
    organizer = new_page()
    sign_in(organizer, "organizer")
    organizer.goto(f"/c/{SLUG}/organize/certificates/")
    code = organizer.get_by_role("row", name=re.compile("Maria Garcia")).get_by_role("link").inner_text()
    page = new_page(viewport=viewport)  # a district HR office: no account
    page.goto(f"/certificates/{code.lower()}/")
    expect(page).to_have_url(re.compile(f"/certificates/{code}/$"))
    expect(page.get_by_role("heading", name=re.compile("Certificate of attendance"))).to_be_visible()
    expect(page.get_by_text("Maria Garcia")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Opening plenary"))).to_be_visible()
    assert "@demo.convene.local" not in page.content()
    assert_accessible(page, "certificate verification")
    page.goto("/certificates/ZZZZ-ZZZZ-ZZZZ/")
    expect(page.get_by_role("heading", name="No certificate has this code")).to_be_visible()
    assert_accessible(page, "unknown certificate code")


def test_the_holder_downloads_their_certificate(new_page, site) -> None:
    page = new_page()
    site.open_join_link(page, "leader01")
    response = page.request.get(f"/c/{SLUG}/certificate/")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    other = new_page()
    site.open_join_link(other, "leader02")
    assert other.request.get(f"/c/{SLUG}/certificate/").status == 404
