"""HTTP authorization for a convening's pages, decided by plain functions of a ``Viewer``.

Shared by every app's views (convenings, rooms, surveys, action items, reports, captions,
organizer). The role rule itself lives beside it in ``convenings.permissions`` (the one
table of who may do what): whoever may ``VIEW_RESULTS`` there (organizers and moderators),
and Django staff, organize; anyone registered takes part.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from convenings.models import Convening, Registration
from convenings.permissions import Action, allowed
from people.models import Participant


@dataclass(frozen=True)
class Viewer:
    authenticated: bool = False
    is_staff: bool = False
    participant: Participant | None = None
    role: str | None = None  # their Registration.role in this convening, if registered

    @property
    def registered(self) -> bool:
        return self.participant is not None and self.role is not None

    @property
    def team_id(self) -> int | None:
        return self.participant.team_id if self.participant else None


def viewer_for(user: AbstractBaseUser | AnonymousUser, convening: Convening) -> Viewer:
    if not user.is_authenticated:
        return Viewer()
    participant = Participant.objects.filter(user=user).select_related("user").first()
    role = None
    if participant is not None:
        role = Registration.objects.filter(convening=convening, participant=participant).values_list(
            "role", flat=True).first()
    return Viewer(authenticated=True, is_staff=bool(user.is_staff), participant=participant, role=role)


def organizes(viewer: Viewer) -> bool:
    """Sees survey results, every team's lists and the convening report."""
    return viewer.is_staff or (viewer.role is not None and allowed(viewer.role, Action.VIEW_RESULTS))


def takes_part(viewer: Viewer) -> bool:
    """Sees the convening's surveys and share-out."""
    return viewer.registered or organizes(viewer)


def can_respond(viewer: Viewer) -> bool:
    return viewer.registered


def deny(request: HttpRequest, viewer: Viewer, reason: str) -> HttpResponse:
    """Sign-in for strangers; a friendly 403 page for people who are signed in."""
    if not viewer.authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "convene/forbidden.html", {"reason": reason}, status=403)
