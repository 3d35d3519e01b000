"""Convenings, their agenda of sessions, topics, materials and registrations."""
from __future__ import annotations

import secrets
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Topic(models.Model):
    class Kind(models.TextChoices):
        CORE_COMPONENT = "core_component", "Core component"
        CONTENT_AREA = "content_area", "Content area"
        ROLE = "role", "Role"
        REGION = "region", "Region"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="unique_topic_per_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class RegistrationMode(models.TextChoices):
    CLOSED = "closed", "Closed"
    OPEN = "open", "Open to anyone"
    INVITATION = "invitation", "Invitation only"


class Convening(models.Model):
    class Kind(models.TextChoices):
        ACADEMY = "academy", "Leadership academy"
        REGIONAL = "regional", "Regional collaborative meeting"
        ROUNDTABLE = "roundtable", "Roundtable"

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, choices=_time_zone_choices, default="America/Los_Angeles")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # Registration at /c/<slug>/register/ (the registration app): closed until the organizer
    # opens it to anyone, or to invited people only (those holding their personal join link).
    registration_mode = models.CharField(max_length=20, choices=RegistrationMode.choices,
                                         default=RegistrationMode.CLOSED)
    registration_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: registration stays open until the convening ends.")
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Participant places; once full, people join the waitlist. Empty: no limit.")

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="convening_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("convening", kwargs={"slug": self.slug})

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def clean(self) -> None:
        # The other half of "a session lies inside its convening's dates" (Session.clean):
        # new dates must still hold every session already on the agenda. Not run on save,
        # so a script can move a convening and its sessions together (the demo does).
        super().clean()
        if not (self.pk and self.starts_at and self.ends_at):
            return
        outside = list(self.sessions.filter(Q(starts_at__lt=self.starts_at) | Q(ends_at__gt=self.ends_at))
                       .order_by("starts_at")[:6])
        if outside:
            try:
                tz: zoneinfo.ZoneInfo | None = self.tz
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                tz = None  # the time zone field reports its own error
            listed = ", ".join(f"{s.title} ({s.starts_at.astimezone(tz):%Y-%m-%d %H:%M})" for s in outside[:5])
            more = " and more" if len(outside) > 5 else ""
            raise ValidationError(
                f"These sessions would fall outside the new dates: {listed}{more}. "
                "Move those sessions first, or choose dates that include them."
            )


class Session(models.Model):
    """One item on a convening's agenda."""

    class Kind(models.TextChoices):
        PLENARY = "plenary", "Plenary"
        BREAKOUT = "breakout", "Breakout"
        TEAM_PLANNING = "team_planning", "Team planning time"

    convening = models.ForeignKey(Convening, on_delete=models.CASCADE, related_name="sessions")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    presenters = models.ManyToManyField("people.Participant", blank=True, related_name="presenting")
    topics = models.ManyToManyField(Topic, blank=True, related_name="sessions")

    class Meta:
        ordering = ["convening", "order", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"
            ),
            models.UniqueConstraint(fields=["convening", "order"], name="unique_session_order"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # A check constraint cannot look at another table, so the rule "a session
        # lies inside its convening's dates" is enforced here and on every save.
        convening = self.convening
        if self.starts_at and self.ends_at and convening:
            if self.starts_at < convening.starts_at or self.ends_at > convening.ends_at:
                raise ValidationError(
                    "A session must start and end within its convening "
                    f"({convening.starts_at:%Y-%m-%d %H:%M} – {convening.ends_at:%Y-%m-%d %H:%M})."
                )

    def save(self, *args: object, **kwargs: object) -> None:
        self.clean()
        super().save(*args, **kwargs)


class Material(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(max_length=200)
    url = models.URLField(blank=True)
    file = models.FileField(upload_to="materials/%Y/", blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(url="") | ~Q(file=""), name="material_has_link_or_file"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def href(self) -> str:
        return self.url or (self.file.url if self.file else "")


def new_join_nonce() -> str:
    return secrets.token_urlsafe(12)


class Registration(models.Model):
    """Who attends which convening, in which convening role."""

    class Role(models.TextChoices):
        ORGANIZER = "organizer", "Organizer"
        MODERATOR = "moderator", "Moderator"
        PRESENTER = "presenter", "Presenter"
        PARTICIPANT = "participant", "Participant"

    class Status(models.TextChoices):
        REGISTERED = "registered", "Registered"
        WAITLISTED = "waitlisted", "Waitlisted"
        CANCELLED = "cancelled", "Cancelled"

    convening = models.ForeignKey(Convening, on_delete=models.CASCADE, related_name="registrations")
    participant = models.ForeignKey(
        "people.Participant", on_delete=models.CASCADE, related_name="registrations"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTICIPANT)
    created_at = models.DateTimeField(auto_now_add=True)
    # Rotating the nonce revokes every join link issued so far.
    join_nonce = models.CharField(max_length=32, default=new_join_nonce)
    join_expires_at = models.DateTimeField(null=True, blank=True)
    # Self-registration (the registration app). Rostered people are registered.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REGISTERED)
    waitlisted_at = models.DateTimeField(
        null=True, blank=True, help_text="When they joined the waitlist: the earliest is promoted first.")
    needs_captions = models.BooleanField(default=False, verbose_name="Captions")
    needs_interpreter = models.BooleanField(default=False, verbose_name="Interpreter")
    accessibility_other = models.CharField(max_length=500, blank=True, verbose_name="Other accessibility needs")
    registered_by = models.CharField(
        max_length=300, blank=True,
        help_text="Who filled in the form, when it was not this person (a principal registering their team).")
    updated_at = models.DateTimeField(auto_now=True)
    # Counts the changes people made through the registration pages; names each email about them.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["convening", "role", "participant__user__last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["convening", "participant"], name="one_registration_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.get_role_display()} · {self.convening}"

    @property
    def takes_a_place(self) -> bool:
        """Registered: waitlisted and cancelled people do not enter the live convening."""
        return self.status == self.Status.REGISTERED
