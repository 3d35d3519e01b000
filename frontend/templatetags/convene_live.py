"""``{% load convene_live %}{% live_url convening as url %}``: the live page's address.

For pages owned by other apps (the convening page) that link into the client.
"""
from __future__ import annotations

from django import template

from convenings.models import Convening
from frontend.views import live_url as _live_url

register = template.Library()


@register.simple_tag
def live_url(convening: Convening) -> str:
    return _live_url(convening)
