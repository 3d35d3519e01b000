"""Survey pages. Each view parses, authorizes (convenings.access) and delegates."""
from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from convenings.access import Viewer, can_respond, deny, organizes, takes_part, viewer_for
from convenings.models import Convening
from people.models import Participant
from surveys.answers import parse_answers
from surveys.export import responses_csv
from surveys.models import Survey
from surveys.presenters import as_form_values, question_rows, results_page, survey_statuses
from surveys.submit import SurveyClosed, response_for, stored_values, submit_response


def _survey(slug: str, survey_id: int) -> Survey:
    return get_object_or_404(Survey.objects.select_related("convening", "session"),
                             pk=survey_id, convening__slug=slug)


def survey_list(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    if not takes_part(viewer):
        return deny(request, viewer, "Surveys are for people registered for this convening.")
    surveys = list(convening.surveys.select_related("session").order_by("session__starts_at", "title"))
    context = {"convening": convening, "organizer": organizes(viewer), "can_respond": can_respond(viewer),
               "statuses": survey_statuses(surveys, viewer.participant, timezone.now())}
    return render(request, "surveys/list.html", context)


def respond(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    survey = _survey(slug, survey_id)
    viewer = viewer_for(request.user, survey.convening)
    if not can_respond(viewer):
        return deny(request, viewer, "Only people registered for this convening can answer its surveys.")
    if request.method == "POST":
        return _submit(request, survey, viewer)
    response = response_for(survey, viewer.participant)  # type: ignore[arg-type]
    return _form(request, survey, viewer, as_form_values(stored_values(response)), {}, answered=response is not None)


def _submit(request: HttpRequest, survey: Survey, viewer: Viewer) -> HttpResponse:
    participant: Participant = viewer.participant  # type: ignore[assignment]  # can_respond checked it
    if not survey.is_open(timezone.now()):
        # Say "closed" first: pointing at answers that can no longer be saved helps nobody.
        return _closed(request, survey, viewer, participant)
    questions = list(survey.questions.order_by("order", "pk"))
    parsed = parse_answers(questions, request.POST)
    if not parsed.ok:
        answered = response_for(survey, participant) is not None
        return _form(request, survey, viewer, request.POST, parsed.errors, status=422, answered=answered)
    try:
        result = submit_response(survey, participant, parsed.values, timezone.now())
    except SurveyClosed:  # it closed while the answers were being checked
        return _closed(request, survey, viewer, participant)
    messages.success(request, "Thank you: your response is saved." if result.created
                     else "Your response is updated." if result.changed else "Your response is saved.")
    return redirect(survey.get_absolute_url())


def _closed(request: HttpRequest, survey: Survey, viewer: Viewer, participant: Participant) -> HttpResponse:
    messages.error(request, "This survey has closed, so your answers were not saved.")
    stored = stored_values(response_for(survey, participant))
    return _form(request, survey, viewer, as_form_values(stored), {}, status=403, answered=bool(stored))


def _form(request: HttpRequest, survey: Survey, viewer: Viewer, values: Mapping[str, str], errors: dict[int, str],
          *, status: int = 200, answered: bool = True) -> HttpResponse:
    rows = question_rows(list(survey.questions.order_by("order", "pk")), values, errors)
    context = {"survey": survey, "convening": survey.convening, "rows": rows, "answered": answered,
               "errors": [r for r in rows if r.error], "is_open": survey.is_open(timezone.now()),
               "organizer": organizes(viewer)}
    return render(request, "surveys/respond.html", context, status=status)


def results(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    survey = _survey(slug, survey_id)
    viewer = viewer_for(request.user, survey.convening)
    if not organizes(viewer):
        return deny(request, viewer, "Survey results are for the convening's organizers and moderators.")
    context = {"survey": survey, "convening": survey.convening, "page": results_page(survey)}
    return render(request, "surveys/results.html", context)


def results_csv(request: HttpRequest, slug: str, survey_id: int) -> HttpResponse:
    survey = _survey(slug, survey_id)
    viewer = viewer_for(request.user, survey.convening)
    if not organizes(viewer):
        return deny(request, viewer, "Survey responses are for the convening's organizers and moderators.")
    response = HttpResponse(responses_csv(survey), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{survey.convening.slug}-survey-{survey.pk}.csv"'
    return response

