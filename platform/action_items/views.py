"""Top 5 pages: a team's own list (edit), and the share-out of every list (HTML and JSON)."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from action_items import services
from action_items.models import MAX_ITEMS
from action_items.permissions import can_edit_team, can_view_share_out, can_view_team
from action_items.ranking import ListFull, NotInList
from action_items.selectors import as_json, session_at, share_out, teams_in
from convenings.access import deny, viewer_for
from convenings.models import Convening
from people.models import Participant

OPERATIONS = {"edit", "up", "down", "remove"}


def team_items(request: HttpRequest, slug: str, team_id: int) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    # A team with no one in this convening has no list here: 404, not an empty page to fill.
    team = get_object_or_404(teams_in(convening).select_related("school"), pk=team_id)
    viewer = viewer_for(request.user, convening)
    if not can_view_team(viewer, team.pk):
        return deny(request, viewer, "A team's Top 5 list is for its members and the organizers; "
                                     "everyone sees it in the share-out.")
    editable = can_edit_team(viewer, team.pk)
    owner = services.Owner.of_team(convening.pk, team.pk)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not editable:
            return deny(request, viewer, "Only the team's members can change its Top 5 list.")
        errors = _change(request, convening, owner, viewer.participant)
        if not errors:
            return redirect(request.path)
    rows = [(item, errors.get(str(item.pk), "")) for item in services.items_for(owner)]
    context = {"convening": convening, "team": team, "rows": rows, "editable": editable,
               "errors": errors, "max_items": MAX_ITEMS, "posted_text": request.POST.get("text", "")}
    return render(request, "action_items/team.html", context, status=422 if errors else 200)


def _change(request: HttpRequest, convening: Convening, owner: services.Owner,
            by: Participant | None) -> dict[str, str]:
    """Apply one posted change; returns errors keyed by "new" or the item id."""
    op, item = request.POST.get("op", ""), request.POST.get("item", "")
    key = int(item) if item.isdigit() else 0
    try:
        if op == "add":
            services.add(owner, request.POST.get("text", ""), by, session=session_at(convening, timezone.now()))
        elif op in OPERATIONS:
            _item_change(op, owner, key, request.POST.get("text", ""), by)
        else:
            return {"new": "Unknown change."}
    except services.InvalidText as exc:
        return {item or "new": str(exc)}
    except ListFull:
        return {"new": f"The list already has {MAX_ITEMS} items: remove one before adding another."}
    except NotInList:
        messages.warning(request, "That item was just removed by a teammate; here is the current list.")
    return {}


def _item_change(op: str, owner: services.Owner, key: int, text: str, by: Participant | None) -> None:
    if op == "edit":
        services.edit(owner, key, text, by)
    elif op == "up":
        services.move_up(owner, key, by)
    elif op == "down":
        services.move_down(owner, key, by)
    else:
        services.remove(owner, key, by)


def share_out_page(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    if not can_view_share_out(viewer):
        return deny(request, viewer, "The share-out is for people registered for this convening.")
    context = {"convening": convening, "share_out": share_out(convening), "own_team_id": viewer.team_id,
               "json_url": reverse("action_items:share_out_json", args=[convening.slug])}
    return render(request, "action_items/share_out.html", context)


def share_out_json(request: HttpRequest, slug: str) -> HttpResponse:
    convening = get_object_or_404(Convening, slug=slug)
    viewer = viewer_for(request.user, convening)
    if not can_view_share_out(viewer):
        return JsonResponse({"error": "forbidden"}, status=403 if viewer.authenticated else 401)
    return JsonResponse(as_json(convening, share_out(convening)))
