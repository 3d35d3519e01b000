"""``{% recordings_link convening %}`` (the report's downloads) and ``{% lobby_recording convening %}``
(the live page's lobby: people see the plenary is being recorded before they enter)."""
from __future__ import annotations

from django import template

from convenings.models import Convening
from recordings.models import Recording, State
from signaling.protocol import PLENARY

register = template.Library()


@register.inclusion_tag("recordings/_link.html")
def recordings_link(convening: Convening) -> dict[str, object]:
    count = Recording.objects.filter(convening=convening).count()
    return {"convening": convening, "count": count}


@register.inclusion_tag("recordings/_lobby.html")
def lobby_recording(convening: Convening) -> dict[str, object]:
    live = Recording.objects.filter(convening=convening, space=PLENARY, state=State.RECORDING).exists()
    return {"recording": live}
