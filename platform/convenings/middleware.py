"""Sessions opened through a join link live only as long as their links do.

Runs after AuthenticationMiddleware. A session that came from join links (see
``joinlinks.SESSION_KEY``) has its links checked again on every request: the links
that were revoked or expired, or whose person may no longer use links, are dropped;
with none left the browser is signed out. On a convening's pages (URLs with a
``slug``) the person counts as signed in only where one of the session's links is
for that convening — a link for one convening opens no other. Password sessions
carry no links and pass untouched (the websocket checks the same in
signaling/consumers/admission.py).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from convenings import joinlinks
from convenings.models import Convening


class JoinLinkSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if joinlinks.is_link_session(request.session) and request.user.is_authenticated:
            links = joinlinks.held(request.session, request.user)
            joinlinks.forget_ended(request.session, links)
            if links.by_convening:
                request.join_links = links  # type: ignore[attr-defined]
            else:
                logout(request)  # flushes the session: nothing of it is left to reuse
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...],
                     kwargs: dict[str, Any]) -> None:
        links: joinlinks.HeldLinks | None = getattr(request, "join_links", None)
        slug = kwargs.get("slug")
        if links is None or not isinstance(slug, str):
            return None
        if not any(registration.convening.slug == slug for registration in links.by_convening.values()):
            # Signed out for this convening's pages only; the view says why (frontend.views.live).
            request.user = AnonymousUser()
            request.join_link_refusal = links.refusal(  # type: ignore[attr-defined]
                Convening.objects.filter(slug=slug).values_list("pk", flat=True).first() or 0)
        return None
