from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Case, Count, DateTimeField, F, QuerySet, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from surveys.evaluation import add_evaluation_questions
from surveys.models import Answer, Question, Response, Survey


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["order", "kind", "prompt", "required", "help_text", "options"]
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "convening", "session", "anonymous", "is_open_now", "response_count", "links"]
    list_filter = ["convening", "anonymous", "closed", "session__kind"]
    search_fields = ["title", "intro", "convening__title", "session__title"]
    list_select_related = ["convening", "session"]
    inlines = [QuestionInline]
    actions = ["add_default_questions", "close_now"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Survey]:
        return super().get_queryset(request).annotate(n_responses=Count("responses"))

    @admin.display(description="Open", boolean=True)
    def is_open_now(self, obj: Survey) -> bool:
        return obj.is_open(timezone.now())

    @admin.display(description="Responses", ordering="n_responses")
    def response_count(self, obj: Survey) -> int:
        return obj.n_responses  # type: ignore[attr-defined]

    @admin.display(description="Pages")
    def links(self, obj: Survey) -> str:
        return format_html('<a href="{}">Form</a> · <a href="{}">Results</a>', obj.get_absolute_url(),
                           reverse("surveys:results", args=[obj.convening.slug, obj.pk]))

    @admin.action(description="Add the default evaluation questions (to surveys without questions)")
    def add_default_questions(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        added = sum(1 for survey in queryset if add_evaluation_questions(survey))
        messages.success(request, f"Added the evaluation questions to {added} survey(s).")

    @admin.action(description="Close now")
    def close_now(self, request: HttpRequest, queryset: QuerySet[Survey]) -> None:
        messages.success(request, f"Closed {queryset.update(closed=True)} survey(s).")


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["question", "rating", "choice", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False


def _unless_anonymous(field: str) -> Case:
    """The response's time, or NULL for an anonymous survey: something to sort by that
    says nothing about when anyone answered."""
    return Case(When(survey__anonymous=False, then=F(field)), default=None, output_field=DateTimeField())


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    """Read-only: responses are the participants' words; organizers look, they don't edit.

    Anonymous surveys: like the CSV export, no submission or change times are shown, and
    the list is never ordered by them (nor by id, which grows with time): their responses
    come in respondent-key order, which says nothing about who answered or when.
    """

    list_display = ["survey", "respondent", "revision", "submitted", "last_changed"]
    list_filter = ["survey__convening", "survey"]
    search_fields = ["survey__title", "participant__user__first_name", "participant__user__last_name"]
    list_select_related = ["survey", "participant__user"]
    fields = ["survey", "respondent", "revision", "submitted_at", "updated_at"]
    readonly_fields = fields
    inlines = [AnswerInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Response]:
        named_times = {"named_submitted_at": _unless_anonymous("submitted_at"),
                       "named_updated_at": _unless_anonymous("updated_at")}
        return Response.objects.annotate(**named_times).order_by(*self.get_ordering(request))

    def get_ordering(self, request: HttpRequest) -> list[str]:
        # (survey, respondent key) is unique, so the changelist adds no "-pk" tie-breaker.
        return ["survey_id", "named_submitted_at", "respondent_key"]

    def get_fields(self, request: HttpRequest, obj: Response | None = None) -> list[str]:
        if obj is not None and obj.survey.anonymous:
            return ["survey", "respondent", "revision"]
        return list(self.fields)

    @admin.display(description="Respondent")
    def respondent(self, obj: Response) -> str:
        return obj.participant.name if obj.participant_id else "Anonymous"

    @admin.display(description="Submitted", ordering="named_submitted_at", empty_value="— (anonymous)")
    def submitted(self, obj: Response) -> object:
        return None if obj.survey.anonymous else obj.submitted_at

    @admin.display(description="Last changed", ordering="named_updated_at", empty_value="— (anonymous)")
    def last_changed(self, obj: Response) -> object:
        return None if obj.survey.anonymous else obj.updated_at

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
