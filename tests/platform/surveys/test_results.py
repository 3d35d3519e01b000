from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from convenings.models import Registration
from surveys.charts import MAX_BAR, bar_chart
from surveys.evaluation import evaluation_survey
from surveys.export import responses_csv
from surveys.models import Survey
from surveys.results import RETIRED_OPTION, Bar, compute_results
from surveys.submit import submit_response
from tests.platform.surveys.conftest import World
from tests.platform.surveys.factories import registered

SVG = "{http://www.w3.org/2000/svg}"


def answer(world: World, survey: Survey, person, presentation: int, fmt: str, topics: str = "") -> None:
    q = {q.order: q for q in survey.questions.all()}
    values: dict[int, int | str] = {q[1].pk: presentation, q[2].pk: 5, q[5].pk: fmt}
    if topics:
        values[q[3].pk] = topics
    submit_response(survey, person, values, timezone.now())


@pytest.fixture
def answered(world: World) -> World:
    """Four of six registered people answer: presentation ratings 5, 4, 4, 2."""
    carol, dan = registered(world.convening, "carol"), registered(world.convening, "dan")
    answer(world, world.survey, world.alice, 5, "More team planning time", "Device equity")
    answer(world, world.survey, world.bob, 4, "More team planning time")
    answer(world, world.survey, carol, 4, "More breakout sessions", "Coaching new teachers")
    answer(world, world.survey, dan, 2, "Keep the same format as today")
    return world


def test_results_from_known_responses(answered: World) -> None:
    results = compute_results(answered.survey)
    assert (results.responses, results.expected, results.expected_answered) == (4, 4, 4)
    assert results.response_rate == 1.0
    presentation, content, topics, speakers, fmt, _ = results.questions
    assert presentation.average == 3.75 and content.average == 5.0
    assert [b.count for b in presentation.bars] == [0, 1, 0, 2, 1]
    assert presentation.bars[4].label == "5 – Excellent"
    assert {b.label: b.count for b in fmt.bars} == {
        "Keep the same format as today": 1, "More breakout sessions": 1, "More plenary sessions": 0,
        "More team planning time": 2, "More open collaboration with nearby schools": 0}
    assert fmt.average is None
    assert topics.texts == ["Device equity", "Coaching new teachers"] and topics.answered == 2
    assert speakers.answered == 0 and speakers.texts == []


def test_answers_to_a_removed_option_still_count(answered: World) -> None:
    fmt = answered.survey.questions.get(kind="choice")
    fmt.options = "Keep the same format as today\nMore breakout sessions"
    fmt.save()
    bars = compute_results(answered.survey).questions[4].bars
    assert [(b.label, b.count) for b in bars] == [
        ("Keep the same format as today", 1), ("More breakout sessions", 1), (RETIRED_OPTION, 2)]


def test_results_page_shows_chart_table_average_and_rate(client: Client, answered: World) -> None:
    client.force_login(answered.organizer.user)
    html = client.get(f"/c/{answered.convening.slug}/surveys/{answered.survey.pk}/results/").content.decode()
    assert "<strong>4</strong> responses" in html
    assert "4 of 4 participants and presenters answered (response rate 100%)" in html
    assert "average <strong>3.75</strong> out of 5" in html
    presentation = answered.survey.questions.get(order=1)
    assert f'role="img" aria-labelledby="chart-{presentation.pk}-title chart-{presentation.pk}-desc"' in html
    assert f'<title id="chart-{presentation.pk}-title">How would you rate the presentation?: 4 answers, average 3.75 out of 5</title>' in html
    assert '<th scope="row">4 – Very good</th><td>2</td>' in html
    assert "<li>Coaching new teachers</li>" in html


def test_chart_bars_are_proportional_and_labelled() -> None:
    svg = ET.fromstring(str(bar_chart("c1", "Format <chosen>", [Bar("A & B", 4), Bar("C", 2), Bar("D", 0)])))
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Format <chosen>"
    assert svg.find(f"{SVG}desc").text == "A & B: 4; C: 2; D: 0"
    widths = [int(r.get("width")) for r in svg.iter(f"{SVG}rect")]
    assert widths == [MAX_BAR, MAX_BAR // 2, 0]


def test_chart_with_no_answers_draws_no_bars() -> None:
    svg = ET.fromstring(str(bar_chart("c2", "Empty", [Bar("A", 0), Bar("B", 0)])))
    assert [r.get("width") for r in svg.iter(f"{SVG}rect")] == ["0", "0"]


def test_csv_export_of_a_named_survey(answered: World) -> None:
    rows = list(csv.reader(io.StringIO(responses_csv(answered.survey))))
    assert rows[0][:5] == ["Response", "Name", "Email", "Submitted", "Last changed"]
    assert rows[0][5] == "How would you rate the presentation?"
    assert [r[1] for r in rows[1:]] == ["Alice Tester", "Bob Tester", "Carol Tester", "Dan Tester"]
    assert rows[1][2] == "alice@example.org" and rows[1][5] == "5" and rows[1][7] == "Device equity"


def test_csv_export_of_an_anonymous_survey_has_no_names_ids_or_times(world: World) -> None:
    survey = evaluation_survey(world.convening, anonymous=True)
    survey.closes_at = None
    survey.save()
    answer(world, survey, world.alice, 5, "More plenary sessions", "=HYPERLINK(\"http://evil\")")
    answer(world, survey, world.bob, 3, "More plenary sessions")
    text = responses_csv(survey)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "How would you rate the presentation?"
    assert len(rows) == 3 and all(len(r) == 6 for r in rows)
    assert "Alice" not in text and "alice@" not in text and "Bob" not in text
    assert str(timezone.now().year) not in text  # no timestamps
    assert "'=HYPERLINK" in text  # spreadsheet formulas are defused


def test_results_csv_download(client: Client, answered: World) -> None:
    client.force_login(answered.moderator.user)
    response = client.get(f"/c/{answered.convening.slug}/surveys/{answered.survey.pk}/responses.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "Carol Tester" in response.content.decode()


@pytest.mark.parametrize("anonymous", [False, True])
def test_response_rate_counts_only_participants_and_presenters(world: World, anonymous: bool) -> None:
    """The rule (surveys.results): organizers' and moderators' answers count in the results,
    not in the rate; the rate is about participants and presenters, anonymous or not."""
    survey = evaluation_survey(world.convening, anonymous=anonymous)
    Survey.objects.filter(pk=survey.pk).update(closes_at=None)
    survey.refresh_from_db()
    presenter = registered(world.convening, "pat", "presenter")
    for person in (world.alice, world.moderator, world.organizer):
        answer(world, survey, person, 4, "More team planning time")
    results = compute_results(survey)
    assert (results.responses, results.expected, results.expected_answered) == (3, 3, 1)  # alice; bob and pat not
    assert results.response_rate == pytest.approx(1 / 3)
    answer(world, survey, presenter, 5, "More team planning time")
    assert compute_results(survey).response_rate == pytest.approx(2 / 3)
    assert compute_results(survey).questions[0].answered == 4  # the moderator's and organizer's too


def test_no_expected_respondents_means_no_rate(world: World) -> None:
    Registration.objects.filter(convening=world.convening, role="participant").update(role="moderator")
    results = compute_results(world.survey)
    assert results.expected == 0 and results.response_rate is None
