from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from surveys.evaluation import evaluation_survey
from surveys.identity import respondent_key
from surveys.models import Answer, Response
from surveys.submit import SurveyClosed, submit_response
from tests.platform.surveys.conftest import World, valid_answers
from tests.platform.surveys.factories import make_convening, make_session, registered


def login(client: Client, person) -> Client:
    client.force_login(person.user)
    return client


def test_valid_submission_is_saved_and_redirects_to_the_prefilled_form(client: Client, world: World) -> None:
    login(client, world.alice)
    url = world.survey.get_absolute_url()
    response = client.post(url, valid_answers(world))
    assert response.status_code == 302 and response["Location"] == url
    saved = Response.objects.get(survey=world.survey)
    assert saved.participant == world.alice
    assert {a.question.prompt: a.display for a in saved.answers.all()} == {
        "How would you rate the presentation?": "4", "How would you rate the content?": "5",
        "Which format would work best for future meetings?": "More team planning time",
        "Which topics should future meetings cover?": "Device inventory"}
    html = client.get(url).content.decode()
    assert "your response is saved" in html
    presentation = world.question("rating", 0)
    assert re.search(rf'id="q{presentation.pk}-4" name="q{presentation.pk}" value="4" checked', html)
    assert ">Device inventory</textarea>" in html
    assert "Save changes" in html


def test_invalid_submission_points_at_each_question(client: Client, world: World) -> None:
    login(client, world.alice)
    content, fmt = world.question("rating", 1), world.question("choice")
    response = client.post(world.survey.get_absolute_url(), valid_answers(world, **{f"q{content.pk}": "",
                                                                                   f"q{fmt.pk}": "Nope"}))
    assert response.status_code == 422
    html = response.content.decode()
    assert not Response.objects.exists()
    assert 'id="error-summary" role="alert" tabindex="-1"' in html and "2 answers need your attention" in html
    assert f'href="#q{content.pk}-1"' in html and f'href="#q{fmt.pk}-1"' in html
    assert f'<p class="field-error" id="q{content.pk}-error">' in html
    assert f'aria-describedby="q{content.pk}-help q{content.pk}-error" aria-invalid="true"' in html
    assert f'aria-describedby="q{fmt.pk}-error" aria-invalid="true"' in html
    # What they did answer is kept, so nothing has to be typed twice.
    assert ">Device inventory</textarea>" in html
    presentation = world.question("rating", 0)
    assert 'value="4" checked' in html and f'name="q{presentation.pk}"' in html
    assert "<title>Error: " in html


def test_a_first_answer_with_errors_still_offers_to_send_not_to_save_changes(client: Client, world: World) -> None:
    login(client, world.alice)
    content = world.question("rating", 1)
    first = client.post(world.survey.get_absolute_url(), valid_answers(world, **{f"q{content.pk}": ""}))
    assert first.status_code == 422
    assert "Send my answers" in first.content.decode() and "Save changes" not in first.content.decode()
    client.post(world.survey.get_absolute_url(), valid_answers(world))
    again = client.post(world.survey.get_absolute_url(), valid_answers(world, **{f"q{content.pk}": ""}))
    assert again.status_code == 422 and "Save changes" in again.content.decode()


def test_posting_to_a_closed_survey_says_closed_before_checking_answers(client: Client, world: World) -> None:
    login(client, world.alice)
    world.survey.closed = True
    world.survey.save()
    content = world.question("rating", 1)
    refused = client.post(world.survey.get_absolute_url(), valid_answers(world, **{f"q{content.pk}": ""}))
    assert refused.status_code == 403
    html = refused.content.decode()
    assert "has closed, so your answers were not saved" in html and "This survey is closed" in html
    assert "need your attention" not in html and 'class="field-error"' not in html
    assert not Response.objects.exists()


def test_double_submit_and_reload_keep_exactly_one_response(client: Client, world: World) -> None:
    login(client, world.alice)
    url, data = world.survey.get_absolute_url(), valid_answers(world)
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    response = Response.objects.get()
    assert response.revision == 1  # the replay changed nothing
    assert Answer.objects.filter(response=response).count() == 4


def test_editing_updates_the_same_response(client: Client, world: World) -> None:
    login(client, world.alice)
    url = world.survey.get_absolute_url()
    client.post(url, valid_answers(world))
    topics = world.question("text", 0)
    client.post(url, valid_answers(world, **{f"q{topics.pk}": ""}))
    response = Response.objects.get()
    assert response.revision == 2
    assert not response.answers.filter(question=topics).exists()  # cleared answers are gone


def test_closed_survey_refuses_changes_but_shows_your_answers(client: Client, world: World) -> None:
    login(client, world.alice)
    url = world.survey.get_absolute_url()
    client.post(url, valid_answers(world))
    world.survey.closes_at = timezone.now() - dt.timedelta(minutes=1)
    world.survey.save()
    topics = world.question("text", 0)
    refused = client.post(url, valid_answers(world, **{f"q{topics.pk}": "Something new"}))
    assert refused.status_code == 403
    assert "has closed, so your answers were not saved" in refused.content.decode()
    assert Response.objects.get().answers.get(question=topics).text == "Device inventory"
    page = client.get(url).content.decode()
    assert "This survey is closed" in page and "<form method=\"post\" class=\"survey\"" not in page
    assert "<dd>Device inventory</dd>" in page


def test_closed_flag_closes_whatever_the_time(world: World) -> None:
    world.survey.closed = True
    world.survey.save()
    with pytest.raises(SurveyClosed):
        submit_response(world.survey, world.alice, {}, timezone.now())


def test_anonymous_survey_stores_no_link_but_allows_one_response_each(client: Client, world: World) -> None:
    survey = evaluation_survey(world.convening, anonymous=True)
    survey.closes_at = None
    survey.save()
    presentation = survey.questions.get(order=1)
    fmt = survey.questions.get(kind="choice")
    content = survey.questions.get(order=2)
    data = {f"q{presentation.pk}": "2", f"q{content.pk}": "3", f"q{fmt.pk}": "More plenary sessions"}
    login(client, world.alice).post(survey.get_absolute_url(), data)
    client.post(survey.get_absolute_url(), {**data, f"q{presentation.pk}": "5"})  # alice edits
    login(Client(), world.bob).post(survey.get_absolute_url(), data)
    responses = Response.objects.filter(survey=survey)
    assert responses.count() == 2
    assert all(r.participant_id is None for r in responses)
    alice = responses.get(respondent_key=respondent_key(survey.pk, world.alice.pk))
    assert alice.answers.get(question=presentation).rating == 5 and alice.revision == 2
    # Alice still sees her own answers; the page says the survey is anonymous.
    html = client.get(survey.get_absolute_url()).content.decode()
    assert "anonymous</strong>" in html and f'id="q{presentation.pk}-5" name="q{presentation.pk}" value="5" checked' in html


def test_respondent_keys_differ_per_survey_and_person() -> None:
    keys = {respondent_key(s, p) for s in (1, 2) for p in (1, 2)}
    assert len(keys) == 4 and all(len(k) == 64 for k in keys)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("sqlite" in connection.vendor, reason="needs concurrent connections (PostgreSQL)")
def test_concurrent_first_submissions_make_one_response() -> None:
    convening = make_convening()
    survey = evaluation_survey(convening, make_session(convening, 1, "09:00", "10:00"))
    survey.closes_at = None
    survey.save()
    alice = registered(convening, "alice")
    rating = survey.questions.get(order=1)
    barrier, errors = threading.Barrier(4), []

    def submit() -> None:
        try:
            barrier.wait()
            submit_response(survey, alice, {rating.pk: 4}, timezone.now())
        except Exception as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Response.objects.filter(survey=survey).count() == 1
