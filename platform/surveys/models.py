"""Evaluation surveys: a survey per session or per convening, its questions and responses.

Anonymity: a response to an anonymous survey stores no link to the person
(``participant`` stays empty). One response per person is still enforced by
``respondent_key``, a keyed hash of the survey and participant ids (see
``surveys.identity``); every survey, anonymous or not, is unique on it.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse


class Survey(models.Model):
    convening = models.ForeignKey("convenings.Convening", on_delete=models.CASCADE, related_name="surveys")
    session = models.ForeignKey(
        "convenings.Session", on_delete=models.CASCADE, null=True, blank=True, related_name="surveys",
        help_text="Leave empty for an evaluation of the whole convening.",
    )
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True, help_text="Shown above the questions.")
    anonymous = models.BooleanField(
        default=False,
        help_text="Results and exports never show who answered. Cannot be changed once responses exist.",
    )
    closes_at = models.DateTimeField(null=True, blank=True, help_text="Responses can be changed until then.")
    closed = models.BooleanField(default=False, help_text="Close now, whatever the closing time.")
    # When the live layer told everyone connected that this survey is due (once, by one worker).
    prompted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["convening", "session__order", "title"]
        constraints = [
            # Two conditional constraints because NULL sessions never collide in a plain one.
            models.UniqueConstraint(fields=["convening", "title"], condition=Q(session__isnull=True),
                                    name="unique_convening_survey_title"),
            models.UniqueConstraint(fields=["session", "title"], condition=Q(session__isnull=False),
                                    name="unique_session_survey_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:respond", kwargs={"slug": self.convening.slug, "survey_id": self.pk})

    def is_open(self, now: dt.datetime) -> bool:
        return not self.closed and (self.closes_at is None or now < self.closes_at)

    def clean(self) -> None:
        if self.session_id and self.convening_id and self.session.convening_id != self.convening_id:
            raise ValidationError({"session": "Pick a session of this survey's convening."})
        if self.pk and self._anonymity_changed() and self.responses.exists():
            # Flipping anonymity after the fact would either expose people who were
            # promised anonymity or leave a survey half anonymous.
            raise ValidationError({"anonymous": "Anonymity cannot change once people have responded."})

    def _anonymity_changed(self) -> bool:
        stored = Survey.objects.filter(pk=self.pk).values_list("anonymous", flat=True).first()
        return stored is not None and stored != self.anonymous


class Question(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", "Rating 1–5"
        CHOICE = "choice", "Single choice"
        TEXT = "text", "Free text"

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    prompt = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)
    options = models.TextField(blank=True, help_text="Single choice only: one option per line.")

    class Meta:
        ordering = ["survey", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "order"], name="unique_question_order"),
        ]

    def __str__(self) -> str:
        return self.prompt

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE and len(self.option_list) < 2:
            raise ValidationError({"options": "A single-choice question needs at least two options."})
        if self.kind != self.Kind.CHOICE and self.option_list:
            raise ValidationError({"options": "Only single-choice questions have options."})


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    # Empty for anonymous surveys: nothing links the answers to a person.
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.CASCADE, null=True, blank=True, related_name="survey_responses"
    )
    respondent_key = models.CharField(max_length=64, editable=False)
    # How many times the answers were saved with a change (1 = never edited).
    revision = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["survey", "submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "respondent_key"], name="one_response_per_person"),
        ]

    def __str__(self) -> str:
        who = self.participant.name if self.participant_id else "anonymous"
        return f"{self.survey} · {who}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    choice = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question"),
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                                   name="rating_between_1_and_5"),
        ]

    def __str__(self) -> str:
        return self.display

    @property
    def display(self) -> str:
        return str(self.rating) if self.rating is not None else (self.choice or self.text)
