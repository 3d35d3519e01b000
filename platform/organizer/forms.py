"""Forms of the organizer and speaker pages: parse and check input, nothing more."""
from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.text import slugify

from convenings.agenda import COMMON_TIME_ZONES, known_time_zones
from convenings.models import Convening, Registration, Session, Topic
from organizer import uploads
from organizer.defaults import NoSuchLocalTime, local_start
from people.models import JobRole, Participant


def _time_zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    common = [(z, z) for z in COMMON_TIME_ZONES]
    return [("Common", common), ("All time zones", [(z, z) for z in sorted(known_time_zones())])]


class NewConveningForm(forms.Form):
    kind = forms.ChoiceField(choices=Convening.Kind.choices, widget=forms.RadioSelect,
                             label="Kind of convening")
    title = forms.CharField(max_length=200, required=False,
                            help_text="Leave empty to use the kind's name.")
    slug = forms.SlugField(max_length=80, required=False, label="Web address",
                           help_text="Letters, numbers and hyphens: the page will be /c/<this>/. "
                                     "Leave empty to make one from the title.")
    time_zone = forms.ChoiceField(choices=_time_zone_choices, initial=settings.TIME_ZONE)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), initial=dt.time(8, 30),
                                 label="Start time", help_text="In the convening's time zone.")

    def clean(self) -> dict:
        data = super().clean()
        kind, zone, day, time = (data.get(k) for k in ("kind", "time_zone", "date", "start_time"))
        if kind and not data.get("title"):
            data["title"] = Convening.Kind(kind).label
        if data.get("title") and not data.get("slug"):
            data["slug"] = slugify(data["title"])[:80]
        if data.get("slug") and Convening.objects.filter(slug=data["slug"]).exists():
            self.add_error("slug", f"A convening already uses /c/{data['slug']}/. Choose another web address.")
        if zone and day and time:
            try:
                data["starts_at"] = local_start(day, time, zone)
            except NoSuchLocalTime as exc:
                self.add_error("start_time", str(exc))
        return data


class SessionForm(forms.ModelForm):
    """A session, its times entered in the convening's time zone."""

    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="Starts")
    end_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), label="Ends")
    topics = forms.ModelMultipleChoiceField(queryset=Topic.objects.order_by("kind", "name"), required=False,
                                            widget=forms.CheckboxSelectMultiple)
    presenters = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
                                                help_text="People registered as presenters. Invite a new "
                                                          "speaker on the Speakers page.")

    class Meta:
        model = Session
        fields = ["title", "kind", "description", "topics", "presenters"]

    def __init__(self, *args: object, convening: Convening, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.convening = convening
        # Whoever presents it already stays choosable (saving must not drop them silently).
        current = list(self.instance.presenters.values_list("pk", flat=True)) if self.instance.pk else []
        self.fields["presenters"].queryset = _presenters(convening, also=current)
        self.fields["presenters"].label_from_instance = lambda p: p.name
        zone = convening.tz
        if self.instance.pk:
            start, end = self.instance.starts_at.astimezone(zone), self.instance.ends_at.astimezone(zone)
            self.initial.update(date=start.date(), start_time=start.time(), end_time=end.time())
        else:
            self.initial.setdefault("date", convening.starts_at.astimezone(zone).date())
        self.fields["start_time"].help_text = f"In {convening.time_zone}."

    def clean(self) -> dict:
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if not (day and start and end):
            return data
        try:
            starts_at = local_start(day, start, self.convening.time_zone)
            ends_at = local_start(day, end, self.convening.time_zone)
        except NoSuchLocalTime as exc:
            raise forms.ValidationError(str(exc)) from exc
        if ends_at <= starts_at:
            self.add_error("end_time", "The session must end after it starts.")
            return data
        self.instance.convening = self.convening
        self.instance.starts_at, self.instance.ends_at = starts_at, ends_at
        return data


def _presenters(convening: Convening, also: list[int]) -> QuerySet[Participant]:
    """The convening's presenters, organizers and moderators, and ``also`` (participant ids)."""
    staff_roles = [Registration.Role.PRESENTER, Registration.Role.ORGANIZER, Registration.Role.MODERATOR]
    return (Participant.objects.filter(Q(registrations__convening=convening, registrations__role__in=staff_roles)
                                       | Q(pk__in=also))
            .select_related("user").distinct().order_by("user__last_name", "user__first_name"))


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["name", "kind", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean(self) -> dict:
        data = super().clean()
        if data.get("name") and data.get("kind") and Topic.objects.filter(
                kind=data["kind"], name__iexact=data["name"]).exclude(pk=self.instance.pk).exists():
            self.add_error("name", "A topic of this kind with this name already exists.")
        return data


class MaterialForm(forms.Form):
    title = forms.CharField(max_length=200)
    file = forms.FileField(required=False, help_text=(
        f"{uploads.ALLOWED_TEXT}, at most {uploads.megabytes(uploads.MAX_BYTES)}."))
    url = forms.URLField(required=False, label="Or a link", assume_scheme="https")

    def __init__(self, *args: object, max_bytes: int = uploads.MAX_BYTES, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        self.fields["file"].help_text = f"{uploads.ALLOWED_TEXT}, at most {uploads.megabytes(max_bytes)}."

    def clean_file(self) -> object:
        upload = self.cleaned_data.get("file")
        if not upload:
            return upload
        head = upload.read(16)
        upload.seek(0)
        try:
            accepted = uploads.check_upload(upload.name, upload.size, head, self.max_bytes)
            uploads.check_office_parts(accepted.extension, upload)
        except uploads.UploadRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        finally:
            upload.seek(0)
        return upload

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("file") and not data.get("url"):
            raise forms.ValidationError("Choose a file to upload or give a link.")
        if data.get("file") and data.get("url"):
            raise forms.ValidationError("Give a file or a link, not both.")
        return data


class InviteSpeakerForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField()
    job_role = forms.ChoiceField(choices=JobRole.choices, initial=JobRole.ADMINISTRATOR, label="Job role")
    sessions = forms.ModelMultipleChoiceField(queryset=Session.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text="The sessions they present.")

    def __init__(self, *args: object, convening: Convening, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        zone = convening.tz
        self.fields["sessions"].queryset = convening.sessions.order_by("order", "starts_at")
        self.fields["sessions"].label_from_instance = (
            lambda s: f"{s.title} ({s.starts_at.astimezone(zone):%-I:%M %p})")
