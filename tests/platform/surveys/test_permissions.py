from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from convenings.access import Viewer, can_respond, organizes, takes_part
from surveys.submit import submit_response
from tests.platform.surveys.conftest import World
from tests.platform.surveys.factories import make_person


@pytest.mark.parametrize(("viewer", "expected"), [
    (Viewer(True, False, object(), "participant"), (False, True, True)),  # type: ignore[arg-type]
    (Viewer(True, False, object(), "presenter"), (False, True, True)),  # type: ignore[arg-type]
    (Viewer(True, False, object(), "moderator"), (True, True, True)),  # type: ignore[arg-type]
    (Viewer(True, False, object(), "organizer"), (True, True, True)),  # type: ignore[arg-type]
    (Viewer(True, True, None, None), (True, True, False)),  # staff, not registered
    (Viewer(True, False, object(), None), (False, False, False)),  # type: ignore[arg-type]  # not registered
    (Viewer(), (False, False, False)),  # signed out
])
def test_role_rules(viewer: Viewer, expected: tuple[bool, bool, bool]) -> None:
    assert (organizes(viewer), takes_part(viewer), can_respond(viewer)) == expected


def results_urls(world: World) -> list[str]:
    base = f"/c/{world.convening.slug}/surveys/{world.survey.pk}"
    return [f"{base}/results/", f"{base}/responses.csv"]


def test_participant_gets_a_friendly_403_on_results(client: Client, world: World) -> None:
    client.force_login(world.alice.user)
    for url in results_urls(world):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "isn't available to you" in response.content.decode()


def test_organizers_moderators_and_staff_see_results(world: World) -> None:
    staff = make_person("helper", staff=True)  # Django staff, not registered
    for person in (world.organizer, world.moderator, staff):
        client = Client()
        client.force_login(person.user)
        for url in results_urls(world):
            assert client.get(url).status_code == 200, (person, url)


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, world: World) -> None:
    for url in [*results_urls(world), world.survey.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_unregistered_person_cannot_answer(client: Client, world: World) -> None:
    client.force_login(make_person("stranger").user)
    assert client.get(world.survey.get_absolute_url()).status_code == 403


def test_participants_see_only_their_own_answers(client: Client, world: World) -> None:
    topics = world.survey.questions.get(order=3)
    rating = world.survey.questions.get(order=1)
    submit_response(world.survey, world.bob, {topics.pk: "Bob secret idea", rating.pk: 1}, timezone.now())
    submit_response(world.survey, world.alice, {topics.pk: "Alice parent nights", rating.pk: 4}, timezone.now())
    client.force_login(world.alice.user)
    response = client.get(world.survey.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    # Alice's own form, filled with her answers: her text, her rating checked, "Save changes".
    assert '<form method="post" class="survey"' in html and "Save changes" in html
    assert f'<textarea id="q{topics.pk}"' in html and "Alice parent nights</textarea>" in html
    assert f'id="q{rating.pk}-4" name="q{rating.pk}" value="4" checked' in html
    assert html.count(" checked") == 1
    assert "Bob secret idea" not in html
