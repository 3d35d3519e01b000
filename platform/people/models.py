"""Who takes part: regions → districts / county offices → schools → people."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class Region(models.Model):
    name = models.CharField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", "School district"
        COUNTY_OFFICE = "county_office", "County office of education"

    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.DISTRICT)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="districts")

    class Meta:
        ordering = ["region__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unique_district_per_region"),
        ]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    name = models.CharField(max_length=160)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="schools")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="unique_school_per_district"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region(self) -> Region:
        return self.district.region


class SchoolLeadershipTeam(models.Model):
    """A school's principal, teachers and support staff who plan together."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=160)

    class Meta:
        ordering = ["school__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="unique_team_per_school"),
        ]

    def __str__(self) -> str:
        return self.name


class JobRole(models.TextChoices):
    PRINCIPAL = "principal", "Principal"
    TEACHER = "teacher", "Teacher"
    COACH = "coach", "Coach"
    TECHNICIAN = "technician", "Technician"
    ADMINISTRATOR = "administrator", "Administrator"
    SUPPORT_STAFF = "support_staff", "Support staff"
    DISTRICT_LEADER = "district_leader", "District leader"


class Participant(models.Model):
    """A person who attends convenings; linked one-to-one to a Django user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant"
    )
    job_role = models.CharField(max_length=20, choices=JobRole.choices)
    school = models.ForeignKey(
        School, on_delete=models.SET_NULL, null=True, blank=True, related_name="participants"
    )
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participants",
        help_text="For district leaders and others who do not belong to one school.",
    )
    team = models.ForeignKey(
        SchoolLeadershipTeam,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    interests = models.ManyToManyField("convenings.Topic", blank=True, related_name="interested")

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.username

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def home_district(self) -> District | None:
        return self.school.district if self.school_id else self.district

    @property
    def region(self) -> Region | None:
        district = self.home_district
        return district.region if district else None
