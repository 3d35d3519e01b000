from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from convenings.admin import RegistrationInlineBase
from people.models import District, Participant, Region, School, SchoolLeadershipTeam


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0


class SchoolInline(admin.TabularInline):
    model = School
    extra = 0


class TeamInline(admin.TabularInline):
    model = SchoolLeadershipTeam
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "district_count"]
    search_fields = ["name"]
    inlines = [DistrictInline]

    @admin.display(description="Districts")
    def district_count(self, obj: Region) -> int:
        return obj.districts.count()


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "region__name"]
    inlines = [SchoolInline]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "region_name"]
    list_filter = ["district__region", "district"]
    search_fields = ["name", "district__name"]
    list_select_related = ["district__region"]
    inlines = [TeamInline]

    @admin.display(description="Region", ordering="district__region__name")
    def region_name(self, obj: School) -> str:
        return obj.district.region.name


class MemberInline(admin.TabularInline):
    model = Participant
    fk_name = "team"
    fields = ["user", "job_role", "school"]
    readonly_fields = ["user", "job_role", "school"]
    extra = 0
    can_delete = False


@admin.register(SchoolLeadershipTeam)
class SchoolLeadershipTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "school"]
    list_filter = ["school__district__region"]
    search_fields = ["name", "school__name"]
    inlines = [MemberInline]


class RegistrationInline(RegistrationInlineBase):
    """The convenings a participant attends, and in which role."""

    other = "convening"


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "job_role", "school", "team"]
    list_filter = ["job_role", "school__district__region", "interests"]
    search_fields = ["user__first_name", "user__last_name", "user__email", "school__name"]
    list_select_related = ["user", "school", "team"]
    autocomplete_fields = ["user", "school", "district", "team"]
    filter_horizontal = ["interests"]
    inlines = [RegistrationInline]


class ParticipantInline(admin.StackedInline):
    """A user's participant profile: job role, school, team and interests."""

    model = Participant
    fk_name = "user"
    fields = ["job_role", "school", "district", "team", "interests"]
    autocomplete_fields = ["school", "district", "team"]
    filter_horizontal = ["interests"]
    max_num = 1
    can_delete = False  # deleting the profile would delete the person's registrations


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class ConveneUserAdmin(UserAdmin):
    inlines = [ParticipantInline]
