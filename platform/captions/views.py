"""Transcripts: a page listing them (with the organizer's sharing switch) and the downloads.

Organizers (and moderators: whoever reads the convening report) read and download every
transcript. Participants read the transcripts of the spaces they were in, afterwards, when
the organizer allows it (default: not).
"""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from captions import transcripts as store
from captions.transcript import plain_text, webvtt
from convenings.access import Viewer, deny, organizes, viewer_for
from convenings.models import Convening

CLOSED = "Transcripts are for the convening's organizers; they have not shared them with participants."


def _refs(convening: Convening, viewer: Viewer) -> list[store.TranscriptRef] | None:
    """The transcripts this viewer may read; None: none at all (not allowed)."""
    if organizes(viewer):
        return store.transcripts(convening)
    if not viewer.registered or viewer.participant is None or not store.participants_may_read(convening):
        return None
    return store.readable(convening, viewer.participant)


def transcripts_page(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    refs = _refs(convening, viewer)
    if refs is None:
        return deny(request, viewer, CLOSED)
    items = [(ref, store.transcript(convening, ref)) for ref in refs]
    return render(request, "captions/transcripts.html", {
        "convening": convening, "items": items, "organizer": organizes(viewer),
        "shared": store.participants_may_read(convening)})


@require_POST
def sharing(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    if not organizes(viewer):
        return deny(request, viewer, "Only organizers choose who reads the transcripts.")
    store.set_participants_may_read(convening, request.POST.get("participants_may_read") == "on")
    return redirect("captions:transcripts", slug=convening.slug)


def download(request: HttpRequest, slug: str, session: int, space: str, fmt: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    refs = _refs(convening, viewer)
    if refs is None:
        return deny(request, viewer, CLOSED)
    ref = store.find(refs, session, space)
    if ref is None:  # none, or not one of yours: the same answer, so rooms can't be probed
        raise Http404("No such transcript.")
    doc = store.transcript(convening, ref)
    if fmt == "vtt":
        response = HttpResponse(webvtt(doc), content_type="text/vtt; charset=utf-8")
    else:
        response = HttpResponse(plain_text(doc, convening.tz), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{convening.slug}-{session}-{space}.{fmt}"'
    return response
