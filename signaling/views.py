"""/protocol.js: the live protocol as an ES module for the browser."""
from __future__ import annotations

from functools import lru_cache

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from signaling.protocol import Limits, current_limits
from signaling.protocol_export import protocol_js as render


@lru_cache(maxsize=4)
def _module(limits: Limits) -> str:
    return render(limits)


@require_GET
def protocol_js(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(_module(current_limits()), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # small, and must change with the server's version
    return response
