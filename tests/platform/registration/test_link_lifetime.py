"""How long an emailed join link lasts (``convenings.joinlinks.lifetime_for_the_day``, pure): long
enough to open the convening on the day, however far off, and never shortened."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from convenings.joinlinks import OUTLIVES_CONVENING, lifetime_for_the_day

NOW = dt.datetime(2031, 3, 1, 12, 0, tzinfo=dt.UTC)
USUAL = dt.timedelta(days=30)
offsets = st.timedeltas(min_value=dt.timedelta(days=-400), max_value=dt.timedelta(days=400))


def test_a_convening_weeks_away_gets_a_link_to_a_day_after_its_end() -> None:
    ends = NOW + dt.timedelta(days=45)
    assert lifetime_for_the_day(None, ends, NOW, USUAL) == dt.timedelta(days=46)
    assert lifetime_for_the_day(NOW + USUAL, ends, NOW, USUAL) == dt.timedelta(days=46)  # an earlier, shorter link


def test_a_near_convening_or_a_link_that_already_lasts_keeps_the_usual_rule() -> None:
    ends = NOW + dt.timedelta(days=3)
    assert lifetime_for_the_day(None, ends, NOW, USUAL) == USUAL
    assert lifetime_for_the_day(NOW + USUAL, ends, NOW, USUAL) is None  # same expiry: the same link


@given(expires=st.none() | offsets, ends=offsets)
def test_the_link_issued_works_until_a_day_after_the_end_and_never_shortens(expires, ends) -> None:  # noqa: ANN001
    current = None if expires is None else NOW + expires
    lifetime = lifetime_for_the_day(current, NOW + ends, NOW, USUAL)
    new_expiry = current if lifetime is None else NOW + lifetime
    assert new_expiry is not None and new_expiry >= NOW + ends + OUTLIVES_CONVENING
    if current is not None and current > NOW:
        assert new_expiry >= current
