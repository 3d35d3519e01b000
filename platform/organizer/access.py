"""Who reaches the organizer pages: the one place that decides.

Organizers of *that* convening (a Registration with role organizer) and superusers.
Moderators run the live convening but do not edit its agenda; staff who organize nothing
here are not let in either. Creating a new convening is for staff and superusers (they
become its organizer). Anonymous visitors are sent to sign in; everyone else gets the
project's "not available" page (``convenings.access.deny``) with the reason.
"""
from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest, HttpResponse

from convenings.access import Viewer, deny, viewer_for
from convenings.models import Convening, Registration

ORGANIZER = Registration.Role.ORGANIZER.value
NOT_ORGANIZER = ("Only this convening's organizers can change its agenda, sessions and speakers. "
                 "Ask one of them to add you as an organizer.")
NOT_STAFF = "Only staff can create a convening. Ask an administrator to make your account staff."


def may_organize(*, is_superuser: bool, role: str | None) -> bool:
    """Pure rule: superusers, and people registered as this convening's organizer."""
    return is_superuser or role == ORGANIZER


def may_create(*, is_staff: bool, is_superuser: bool, is_active: bool = True) -> bool:
    """Pure rule: who may create a new convening (and so become its organizer)."""
    return is_active and (is_staff or is_superuser)


def organizes(user: AbstractBaseUser | AnonymousUser, convening: Convening) -> bool:
    if not user.is_authenticated:
        return False
    viewer = viewer_for(user, convening)
    return may_organize(is_superuser=bool(getattr(user, "is_superuser", False)), role=viewer.role)


def require_organizer(request: HttpRequest, convening: Convening) -> HttpResponse | None:
    """None when the request may use this convening's organizer pages; else the response
    to return (sign-in for anonymous visitors, the 403 page for everyone else)."""
    user = request.user
    if organizes(user, convening):
        return None
    viewer = Viewer(authenticated=user.is_authenticated)
    return deny(request, viewer, NOT_ORGANIZER)


def require_creator(request: HttpRequest) -> HttpResponse | None:
    user = request.user
    if user.is_authenticated and may_create(is_staff=user.is_staff, is_superuser=user.is_superuser,
                                            is_active=user.is_active):
        return None
    return deny(request, Viewer(authenticated=user.is_authenticated), NOT_STAFF)
