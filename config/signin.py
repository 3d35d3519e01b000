"""Password sign-in throttling: the edges django-axes calls (settings: "Sign-in throttling").

Axes counts wrong passwords per username *and* address and, past SIGNIN_FAILURE_LIMIT,
refuses that pair for SIGNIN_LOCKOUT_MINUTES, whatever password comes next. This module
says which address a request came from (behind our proxies) and renders the sign-in page
telling the locked-out person how long to wait.
"""
from __future__ import annotations

import datetime as dt
import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

LOCKED_OUT_STATUS = 429  # Too Many Requests


class SignInThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check, first of AUTHENTICATION_BACKENDS.

    ``authenticate()`` without a request is no sign-in over the network (Django's test
    ``Client.login``, a shell): there is no address to count by, so it is not throttled
    where stock axes would raise and break ``Client.login`` outright.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: object) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def forwarded_client(forwarded_for: str, remote_addr: str | None, proxy_hops: int) -> str | None:
    """The address of whoever reached our outermost proxy.

    Each of our ``proxy_hops`` proxies appends the address it was reached from to
    X-Forwarded-For, so the client is the entry ``proxy_hops`` from the right; everything
    left of it was written by the client and may be invented (daphne's --proxy-headers
    takes the leftmost, so REMOTE_ADDR alone would let an attacker pick a fresh address,
    and with it a fresh count, for every guess).
    """
    hops = [part.strip() for part in forwarded_for.split(",") if part.strip()]
    if proxy_hops <= 0 or len(hops) < proxy_hops:
        return remote_addr
    return hops[-proxy_hops]


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE."""
    return forwarded_client(request.META.get("HTTP_X_FORWARDED_FOR", ""), request.META.get("REMOTE_ADDR"),
                            settings.TRUSTED_PROXY_HOPS)


def minutes_to_wait(last_failure: dt.datetime | None, cool_off: dt.timedelta, now: dt.datetime) -> int:
    """Whole minutes until the lockout ends (rounded up, at least one)."""
    ends = (last_failure or now) + cool_off
    return max(1, math.ceil((ends - now).total_seconds() / 60))


def locked_out(request: HttpRequest, *args: object) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page again, saying why and for how long.

    Axes passes (original_response, credentials) from its sync middleware but only
    (credentials) from its async one, so the username is read from the request itself.
    """
    username = get_client_username(request) or ""
    last_failure = AccessAttempt.objects.filter(
        username=username, ip_address=getattr(request, "axes_ip_address", None)).aggregate(
        last=Max("attempt_time"))["last"]
    minutes = minutes_to_wait(last_failure, get_cool_off(request) or dt.timedelta(0), timezone.now())
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "locked_out_minutes": minutes, "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=LOCKED_OUT_STATUS)
