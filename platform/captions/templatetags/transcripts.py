"""``{% transcript_downloads convening %}``: the transcripts' download links, for the report."""
from __future__ import annotations

from django import template

from captions.transcripts import transcripts
from convenings.models import Convening

register = template.Library()


@register.inclusion_tag("captions/_downloads.html")
def transcript_downloads(convening: Convening) -> dict[str, object]:
    return {"convening": convening, "refs": transcripts(convening)}
