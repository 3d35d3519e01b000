from __future__ import annotations

from django import template

from convenings.models import Convening
from organizer import access, nav

register = template.Library()


@register.simple_tag
def organizer_nav(convening: Convening) -> list[nav.NavLink]:
    """The organizer pages that exist, for this convening (see organizer.nav)."""
    return nav.organizer_nav(convening.slug)


@register.simple_tag(takes_context=True)
def organizes_here(context: template.Context, convening: Convening) -> bool:
    """Whether the signed-in person may open this convening's organizer pages."""
    request = context.get("request")
    return bool(request) and access.organizes(request.user, convening)
