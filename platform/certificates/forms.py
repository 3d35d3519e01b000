"""The organizer's rule form: threshold, survey, organization, categories, and each session's category."""
from __future__ import annotations

from django import forms

from certificates.models import CertificateRule
from convenings.models import Convening, Session
from surveys.models import Survey

MAX_CATEGORIES = 10
MAX_CATEGORY_LENGTH = 60
NO_CREDIT = "-"  # the form's value for "earns no credit" ("" would read as "not chosen")


class RuleForm(forms.ModelForm):
    class Meta:
        model = CertificateRule
        fields = ["percent", "survey", "organization", "categories"]
        labels = {"percent": "Attendance needed (% of each session)",
                  "survey": "Only after answering this survey",
                  "organization": "Issuing organization",
                  "categories": "Credit categories"}
        widgets = {"categories": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, convening: Convening, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.convening = convening
        self.sessions = list(convening.sessions.order_by("order", "starts_at"))
        survey_field = self.fields["survey"]
        survey_field.queryset = Survey.objects.filter(convening=convening, session__isnull=True)
        survey_field.empty_label = "No survey needed"
        self.fields["organization"].widget.attrs["placeholder"] = convening.title
        categories = self._categories_offered()
        for session in self.sessions:
            field = forms.ChoiceField(label=session.title, required=True,
                                      choices=[(c, c) for c in categories] + [(NO_CREDIT, "No credit")])
            field.initial = self.instance.category_of(session.pk) or NO_CREDIT
            self.fields[self.session_field(session)] = field

    @staticmethod
    def session_field(session: Session) -> str:
        return f"session_{session.pk}"

    def session_fields(self) -> list[forms.BoundField]:
        return [self[self.session_field(s)] for s in self.sessions]

    def rule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.Meta.fields]

    def _categories_offered(self) -> list[str]:
        # The categories being posted are offered too, so a category typed in this same
        # submit can already be chosen for a session.
        typed = self.data.get(self.add_prefix("categories"), "") if self.is_bound else ""
        names = [line.strip() for line in str(typed).splitlines() if line.strip()]
        return list(dict.fromkeys(self.instance.category_list + names))

    def clean_categories(self) -> str:
        names = [line.strip() for line in self.cleaned_data["categories"].splitlines() if line.strip()]
        if not names:
            raise forms.ValidationError("Name at least one credit category (for example CTLE).")
        if len(names) > MAX_CATEGORIES:
            raise forms.ValidationError(f"At most {MAX_CATEGORIES} categories.")
        long = [n for n in names if len(n) > MAX_CATEGORY_LENGTH]
        if long:
            raise forms.ValidationError(f"Keep category names under {MAX_CATEGORY_LENGTH} characters.")
        return "\n".join(dict.fromkeys(names))

    def clean(self) -> dict:
        cleaned = super().clean()
        names = cleaned.get("categories", "").splitlines()
        for session in self.sessions:
            chosen = cleaned.get(self.session_field(session))
            if chosen and chosen != NO_CREDIT and chosen not in names:
                self.add_error(self.session_field(session),
                               f"“{chosen}” is no longer one of the categories above.")
        return cleaned

    def save(self, commit: bool = True) -> CertificateRule:
        rule = super().save(commit=False)
        rule.convening = self.convening
        rule.session_categories = {
            str(s.pk): ("" if self.cleaned_data[self.session_field(s)] == NO_CREDIT
                        else self.cleaned_data[self.session_field(s)]) for s in self.sessions}
        if commit:
            rule.save()
        return rule
