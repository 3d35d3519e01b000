"""The registration forms: one person, or a school's team of three, plus where they work
and what they are interested in. Parsing only; the services decide what happens."""
from __future__ import annotations

import dataclasses

from django import forms
from django.core.exceptions import ValidationError

from convenings.models import Convening
from people.models import JobRole, Region, School
from registration import rules
from registration.services import Person, Place, convening_topics

NOT_LISTED = "new"
NO_SCHOOL = "none"
TEAM_SIZE = 3


class PersonForm(forms.Form):
    name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="Email", max_length=254,
                             help_text="Your confirmation and personal join link go here.",
                             error_messages={"invalid": "Enter a complete email address, like name@school.org."})
    job_role = forms.ChoiceField(label="Job role", choices=[("", "Choose a job role"), *JobRole.choices])
    on_team = forms.BooleanField(label="I am on my school's School Leadership Team", required=False)
    needs_captions = forms.BooleanField(label="Captions", required=False)
    needs_interpreter = forms.BooleanField(label="An interpreter (for example ASL)", required=False)
    accessibility_other = forms.CharField(label="Other accessibility needs", max_length=500, required=False,
                                          widget=forms.Textarea(attrs={"rows": 2}))

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        domain = rules.disposable_domain(email)
        if domain:
            raise ValidationError(rules.DISPOSABLE_MESSAGE.format(domain=domain))
        return email

    def person(self) -> Person:
        data = self.cleaned_data
        return Person(name=data["name"], email=data["email"], job_role=data["job_role"],
                      on_team=data.get("on_team", False), needs_captions=data["needs_captions"],
                      needs_interpreter=data["needs_interpreter"],
                      accessibility_other=data["accessibility_other"].strip())


class TeamMemberForm(PersonForm):
    """On the team form everyone is on the team: the checkbox goes."""
    on_team = None  # type: ignore[assignment]

    def person(self) -> Person:
        return dataclasses.replace(super().person(), on_team=True)


def _school_choices() -> list[tuple[str, object]]:
    by_district: dict[str, list[tuple[str, str]]] = {}
    for school in School.objects.select_related("district").order_by("district__name", "name"):
        by_district.setdefault(school.district.name, []).append((str(school.pk), school.name))
    return [("", "Choose your school"), (NOT_LISTED, "My school is not listed"),
            (NO_SCHOOL, "I do not work at one school (district or county office)"),
            *by_district.items()]


class PlaceForm(forms.Form):
    school = forms.ChoiceField(label="School")
    new_school = forms.CharField(label="School name (if not listed)", max_length=160, required=False)
    district = forms.CharField(label="District or county office (if your school is not listed)", max_length=160,
                               required=False)
    region = forms.ModelChoiceField(label="Region (if your school is not listed)", queryset=Region.objects.all(),
                                    required=False, empty_label="Choose a region")

    def __init__(self, *args: object, team: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = _school_choices()
        if team:  # a team is a school's
            choices = [c for c in choices if c[0] != NO_SCHOOL]
        self.fields["school"].choices = choices
        self.fields["school"].error_messages["required"] = "Choose your school, or “My school is not listed”."

    def clean(self) -> dict:
        data = super().clean()
        choice = data.get("school")
        if choice in (NOT_LISTED, NO_SCHOOL):
            for field, message in (("district", "Type your district or county office."),
                                   ("region", "Choose your region.")):
                if not data.get(field):
                    self.add_error(field, message)
            if choice == NOT_LISTED and not (data.get("new_school") or "").strip():
                self.add_error("new_school", "Type your school's name.")
        elif choice:
            school = School.objects.select_related("district__region").filter(pk=choice).first()
            if school is None:
                self.add_error("school", "That school is no longer on the list: choose it again.")
            data["school_object"] = school
        return data

    def place(self) -> Place:
        data = self.cleaned_data
        if data["school"] not in (NOT_LISTED, NO_SCHOOL):
            return Place(school=data["school_object"])
        new_school = " ".join(data["new_school"].split()) if data["school"] == NOT_LISTED else ""
        return Place(new_school=new_school, district=" ".join(data["district"].split()), region=data["region"])


class InterestsForm(forms.Form):
    interests = forms.ModelMultipleChoiceField(
        label="Which of the convening's topics interest you?", queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Breakouts are planned around them.")

    def __init__(self, *args: object, convening: Convening, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["interests"].queryset = convening_topics(convening)

    def chosen(self) -> list[int]:
        return [topic.pk for topic in self.cleaned_data["interests"]]


def distinct_emails(forms_: list[PersonForm]) -> None:
    """Adds an error to each repeated address on the team form."""
    seen: set[str] = set()
    for form in forms_:
        email = (form.cleaned_data.get("email") or "").lower()
        if email and email in seen:
            form.add_error("email", "Each person needs their own email address (their join link goes there).")
        seen.add(email)


class SettingsForm(forms.ModelForm):
    """The organizer's registration settings for one convening."""

    class Meta:
        model = Convening
        fields = ["registration_mode", "capacity", "registration_closes_at"]
        labels = {"registration_mode": "Registration", "capacity": "Participant places",
                  "registration_closes_at": "Registration closes"}
        widgets = {"registration_closes_at": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                 format="%Y-%m-%dT%H:%M")}
        help_texts = {"registration_closes_at": "In the convening's time zone. Empty: open until the convening ends."}
