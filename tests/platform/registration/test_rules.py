"""The registration rules, called directly (no database)."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from registration import rules

NOW = dt.datetime(2031, 3, 11, 16, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=3)


def test_throwaway_domains_and_their_subdomains_are_spotted() -> None:
    assert rules.disposable_domain("kim@mailinator.com") == "mailinator.com"
    assert rules.disposable_domain("kim@Inbox.MAILINATOR.com.") == "mailinator.com"
    assert rules.disposable_domain("kim@yopmail.fr") == "yopmail.fr"
    assert rules.disposable_domain("kim@school.k12.ca.us") is None
    assert rules.disposable_domain("kim@notmailinator.com") is None


@given(st.sampled_from(sorted(rules.DISPOSABLE_DOMAINS)), st.lists(st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True),
                                                                     max_size=3))
def test_any_subdomain_of_a_throwaway_service_is_a_throwaway(domain: str, labels: list[str]) -> None:
    assert rules.disposable_domain("x@" + ".".join([*labels, domain])) == domain


def test_registration_is_closed_by_the_organizer_the_closing_time_or_the_end() -> None:
    assert rules.closed_reason("open", None, LATER, NOW) is None
    assert rules.closed_reason("invitation", NOW + dt.timedelta(seconds=1), LATER, NOW) is None
    assert "not open" in rules.closed_reason("closed", None, LATER, NOW)
    assert "ended" in rules.closed_reason("open", None, NOW, NOW)
    closed = rules.closed_reason("open", NOW, LATER, NOW)
    assert "closed on Tuesday March 11, 2031 at 04:00 PM UTC" in closed


@given(st.sampled_from([None, "registered", "waitlisted", "cancelled"]), st.integers(0, 50),
       st.one_of(st.none(), st.integers(0, 50)))
def test_a_place_is_kept_or_given_only_while_one_is_free(current: str | None, taken: int, capacity: int | None) -> None:
    status = rules.new_status(current, taken, capacity)
    if current in ("registered", "waitlisted"):
        assert status == current  # registering again never loses a place, nor a place in line
    elif capacity is None or taken < capacity:
        assert status == "registered"
    else:
        assert status == "waitlisted"


@given(st.integers(0, 50), st.one_of(st.none(), st.integers(0, 50)), st.integers(0, 50))
def test_promotions_fill_free_places_and_never_overfill(taken: int, capacity: int | None, waiting: int) -> None:
    promote = rules.free_places(taken, capacity, waiting)
    assert 0 <= promote <= waiting
    if capacity is not None:
        assert taken + promote <= max(capacity, taken)


def test_interests_among_this_convenings_topics_are_replaced_others_kept() -> None:
    assert rules.interests_after([1, 2, 9], [1, 2, 3], [3]) == {3, 9}
    assert rules.interests_after([], [1, 2], [2, 7]) == {2}  # a topic of another convening is not taken


def test_a_flood_is_more_attempts_than_the_limit() -> None:
    assert not rules.over_limit(20, 20) and rules.over_limit(21, 20)
