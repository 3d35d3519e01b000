"""The recordings page of the report: list, play, download; the organizer's rooms switch.

Whoever reads the convening report (organizers, and moderators: ``organizes``) sees every
recording. Files are served from the recordings storage (a folder or S3-compatible) through
Django, with byte ranges, so the page's player can seek.
"""
from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from captions.transcripts import space_names
from convenings.access import deny, organizes, viewer_for
from convenings.models import Convening
from recordings import actions
from recordings.models import Recording, State
from recordings.storage import recording_storage

CLOSED = "Recordings are for the convening's organizers."


def recordings_page(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    if not organizes(viewer):
        return deny(request, viewer, CLOSED)
    recordings = list(Recording.objects.filter(convening=convening).select_related("session", "started_by"))
    names = space_names(convening)
    busy = any(r.state in (State.RECORDING, State.STOPPED, State.RENDERING) for r in recordings)
    return render(request, "recordings/recordings.html", {
        "convening": convening, "items": [(r, names.get(r.space, r.space)) for r in recordings],
        "rooms_allowed": actions.rooms_allowed(convening.pk), "busy": busy})


@require_POST
def policy(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    if not organizes(viewer):
        return deny(request, viewer, "Only organizers choose where recording is allowed.")
    actions.set_rooms_allowed(convening.pk, request.POST.get("rooms_allowed") == "on")
    return redirect("recordings:page", slug=convening.slug)


def media(request: HttpRequest, slug: str, pk: int, disposition: str) -> FileResponse | HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    if not organizes(viewer):
        return deny(request, viewer, CLOSED)
    recording = Recording.objects.filter(convening=convening, pk=pk, state=State.READY).first()
    if recording is None or not recording.file:
        raise Http404("No such recording.")
    handle = recording_storage().open(recording.file, "rb")
    filename = f"{convening.slug}-{recording.pk}-{recording.space}.webm"
    return FileResponse(handle, content_type="video/webm", as_attachment=disposition == "attachment",
                        filename=filename)
