"""The organizer's reminder settings: on/off, and when (chosen from a list: no parsing of '1 day')."""
from __future__ import annotations

import datetime as dt

from django import forms

from mail.due import describe_offset
from mail.models import ReminderSettings

_MINUTES = (7 * 24 * 60, 3 * 24 * 60, 2 * 24 * 60, 24 * 60, 12 * 60, 4 * 60, 2 * 60, 60, 30, 15)
OFFSET_CHOICES = [("", "No reminder")] + [
    (str(m), f"{describe_offset(dt.timedelta(minutes=m))} before") for m in _MINUTES]


class ReminderSettingsForm(forms.Form):
    reminders_on = forms.BooleanField(required=False, label="Send reminders before the convening")
    first = forms.TypedChoiceField(choices=OFFSET_CHOICES, coerce=int, empty_value=None, required=False,
                                   label="First reminder")
    second = forms.TypedChoiceField(choices=OFFSET_CHOICES, coerce=int, empty_value=None, required=False,
                                    label="Second reminder")
    survey_reminder_on = forms.BooleanField(
        required=False, label="After the convening, tell attendees who have not answered that the survey is waiting")

    @classmethod
    def for_settings(cls, prefs: ReminderSettings, data: object = None) -> ReminderSettingsForm:
        offsets = sorted(prefs.offsets_minutes, reverse=True) + [None, None]
        initial = {"reminders_on": prefs.reminders_on, "first": offsets[0], "second": offsets[1],
                   "survey_reminder_on": prefs.survey_reminder_on}
        return cls(data, initial=initial) if data is not None else cls(initial=initial)

    def clean(self) -> dict[str, object]:
        data = super().clean()
        chosen = [m for m in (data.get("first"), data.get("second")) if m]
        if data.get("reminders_on") and not chosen:
            raise forms.ValidationError("Choose when to send at least one reminder, or turn reminders off.")
        data["offsets_minutes"] = sorted(set(chosen), reverse=True)
        return data

    def save(self, prefs: ReminderSettings) -> ReminderSettings:
        data = self.cleaned_data
        prefs.reminders_on = data["reminders_on"]
        prefs.survey_reminder_on = data["survey_reminder_on"]
        if data["offsets_minutes"]:
            prefs.offsets_minutes = data["offsets_minutes"]
        prefs.save()
        return prefs
