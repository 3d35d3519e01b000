from __future__ import annotations

import pytest
from django.test import Client

from convenings.agenda import TimeZoneChoice, choose_time_zone
from tests.platform.surveys.factories import make_convening, make_session


def test_a_valid_choice_wins_and_is_remembered() -> None:
    assert choose_time_zone("America/New_York", "Europe/Berlin") == TimeZoneChoice("America/New_York", remember=True)


def test_without_a_choice_the_remembered_zone_is_used() -> None:
    assert choose_time_zone(None, "Europe/Berlin") == TimeZoneChoice("Europe/Berlin")
    assert choose_time_zone(None, None) == TimeZoneChoice(None)


def test_an_empty_choice_resets() -> None:
    assert choose_time_zone("", "Europe/Berlin") == TimeZoneChoice(None, remember=True)


def test_an_unknown_zone_is_an_error_and_keeps_the_remembered_one() -> None:
    choice = choose_time_zone("Mars/Olympus_Mons", "Europe/Berlin")
    assert choice.name == "Europe/Berlin" and not choice.remember
    assert "Mars/Olympus_Mons" in choice.error


def test_a_stale_remembered_zone_is_ignored() -> None:
    assert choose_time_zone(None, "Not/A_Zone") == TimeZoneChoice(None)


@pytest.mark.django_db
def test_page_shows_viewer_times_and_remembers_the_choice(client: Client) -> None:
    convening = make_convening()
    make_session(convening, 1, "09:45", "10:45")
    url = convening.get_absolute_url()
    html = client.get(url, {"tz": "America/New_York"}).content.decode()
    assert "9:45 AM" in html and "12:45 PM – 1:45 PM" in html  # both zones, server-side
    assert '<option selected>America/New_York</option>' in html
    assert "12:45 PM – 1:45 PM" in client.get(url).content.decode()  # remembered in the session
    assert "12:45 PM" not in client.get(url, {"tz": ""}).content.decode()  # reset
    assert "12:45 PM" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_times_past_midnight_for_the_viewer_show_the_day(client: Client) -> None:
    convening = make_convening()
    make_session(convening, 1, "09:45", "10:45")
    html = client.get(convening.get_absolute_url(), {"tz": "Asia/Tokyo"}).content.decode()
    assert "2:45 AM – 3:45 AM Thu 5 Mar" in html


@pytest.mark.django_db
def test_unknown_zone_shows_an_error_next_to_the_chooser(client: Client) -> None:
    convening = make_convening()
    make_session(convening, 1, "09:45", "10:45")
    html = client.get(convening.get_absolute_url(), {"tz": "Mars/Base"}).content.decode()
    assert 'id="tz-error"' in html and "“Mars/Base” is not a time zone we know" in html
    assert 'aria-describedby="tz-error"' in html
    assert "9:45 AM" in html


@pytest.mark.django_db
def test_machine_readable_times_for_the_local_time_script(client: Client) -> None:
    convening = make_convening()
    make_session(convening, 1, "09:45", "10:45")
    html = client.get(convening.get_absolute_url()).content.decode()
    assert '<time datetime="2026-03-04T09:45:00-08:00">9:45 AM</time>' in html
    assert 'class="browser-time" hidden' in html  # filled in by the script, invisible without it
    assert "Intl.DateTimeFormat" in html


@pytest.mark.django_db
def test_agenda_uses_the_convenings_own_zone_not_the_servers(client: Client) -> None:
    convening = make_convening(tz="America/New_York")  # the server default is Los Angeles
    make_session(convening, 1, "09:45", "10:45")
    html = client.get(convening.get_absolute_url()).content.decode()
    assert ">9:45 AM</time>" in html
