"""The pure poll rules: what a poll and a vote may hold, and how votes add up (hypothesis)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from polls import rules
from polls.rules import Count, Kind, PollRefused, Scope, clean_choices, clean_options, in_scope, scale_mean, tally
from signaling.protocol import polls as protocol

spaces = st.sampled_from(["plenary", "room-1", "room-2", "room-3"])


@st.composite
def polls_with_votes(draw: st.DrawFn) -> tuple[Kind, int, list[tuple[str, tuple[int, ...]]]]:
    kind = draw(st.sampled_from(list(Kind)))
    n = 5 if kind is Kind.SCALE else draw(st.integers(rules.MIN_OPTIONS, rules.MAX_OPTIONS))
    one = st.integers(0, n - 1).map(lambda c: (c,))
    many = st.sets(st.integers(0, n - 1), min_size=1).map(lambda s: tuple(sorted(s)))
    votes = draw(st.lists(st.tuples(spaces, many if kind is Kind.MULTIPLE else one), max_size=60))
    return kind, n, votes


@given(polls_with_votes())
def test_every_vote_is_counted_once_overall_and_in_its_space(poll) -> None:  # noqa: ANN001
    kind, n, votes = poll
    result = tally(n, votes)
    assert result.total.voters == len(votes)
    assert sum(result.total.counts) == sum(len(c) for _, c in votes)
    for option in range(n):
        assert result.total.counts[option] == sum(option in c for _, c in votes)
        assert sum(c.counts[option] for c in result.by_space.values()) == result.total.counts[option]
    assert sum(c.voters for c in result.by_space.values()) == len(votes)
    assert set(result.by_space) == {space for space, _ in votes}
    if kind is not Kind.MULTIPLE:
        assert sum(result.total.counts) == result.total.voters


@given(polls_with_votes(), st.randoms())
def test_the_order_of_votes_does_not_matter(poll, random) -> None:  # noqa: ANN001
    _, n, votes = poll
    shuffled = list(votes)
    random.shuffle(shuffled)
    assert tally(n, shuffled) == tally(n, votes)


@given(polls_with_votes())
def test_a_valid_vote_passes_unchanged_and_the_scale_mean_is_in_range(poll) -> None:  # noqa: ANN001
    kind, n, votes = poll
    for _, choices in votes:
        assert clean_choices(kind, n, reversed(choices)) == choices
    mean = scale_mean(tally(n, votes).total)
    assert (mean is None) == (not votes)
    if mean is not None and kind is Kind.SCALE:
        assert 1 <= mean <= 5


@given(st.sampled_from(list(Kind)), st.integers(2, 10), st.lists(st.integers(-3, 12), max_size=12))
def test_a_vote_is_refused_or_fits_the_poll(kind: Kind, n: int, choices: list[int]) -> None:
    try:
        cleaned = clean_choices(kind, n, choices)
    except PollRefused:
        bad = (not choices or len(set(choices)) != len(choices) or any(not 0 <= c < n for c in choices)
               or (kind is not Kind.MULTIPLE and len(choices) != 1))
        assert bad
    else:
        assert cleaned == tuple(sorted(set(choices))) and all(0 <= c < n for c in cleaned)
        assert len(cleaned) == 1 or kind is Kind.MULTIPLE


@given(st.lists(st.text(max_size=130), max_size=12))
def test_options_are_refused_or_clean(options: list[str]) -> None:
    try:
        cleaned = clean_options(Kind.SINGLE, options)
    except PollRefused:
        return
    assert rules.MIN_OPTIONS <= len(cleaned) <= rules.MAX_OPTIONS
    assert all(0 < len(o) <= rules.OPTION_MAX_CHARS and o == " ".join(o.split()) for o in cleaned)
    assert len({o.casefold() for o in cleaned}) == len(cleaned)


def test_a_scale_has_its_own_options_and_mean() -> None:
    assert clean_options(Kind.SCALE, ["ignored"]) == ("1", "2", "3", "4", "5")
    assert scale_mean(Count((0, 0, 1, 0, 2), 3)) == 4.3
    assert scale_mean(Count((0, 0, 1, 1, 2), 4)) == 4.3  # 4.25: halves round up
    assert Count((1, 2), 4).percents() == (25, 50)


@pytest.mark.parametrize(("scope", "space", "votes"), [
    (Scope.PLENARY, "plenary", True), (Scope.PLENARY, "room-1", False),
    (Scope.ROOMS, "room-1", True), (Scope.ROOMS, "plenary", False)])
def test_who_is_in_a_polls_scope(scope: Scope, space: str, votes: bool) -> None:
    assert in_scope(scope, space) is votes


def test_the_protocol_publishes_the_rules_limits() -> None:
    assert (protocol.QUESTION_MAX_CHARS, protocol.OPTION_MAX_CHARS, protocol.MAX_OPTIONS) == (
        rules.QUESTION_MAX_CHARS, rules.OPTION_MAX_CHARS, rules.MAX_OPTIONS)
    assert set(protocol.Kind.__args__) == {k.value for k in Kind}  # type: ignore[attr-defined]
    assert set(protocol.Scope.__args__) == {s.value for s in Scope}  # type: ignore[attr-defined]


def test_the_polls_app_stands_alone() -> None:
    """platform/polls is a platform app: it imports neither rooms nor signaling."""
    import pathlib

    import polls
    for source in pathlib.Path(polls.__file__).parent.rglob("*.py"):
        text = source.read_text()
        assert "import rooms" not in text and "from rooms" not in text, source
        assert "import signaling" not in text and "from signaling" not in text, source
