"""Who may see and change which Top 5 list. Role rules come from convenings.access."""
from __future__ import annotations

from convenings.access import Viewer, organizes, takes_part


def can_edit_team(viewer: Viewer, team_id: int) -> bool:
    """Only the team's own members who are registered for this convening."""
    return viewer.registered and viewer.team_id == team_id


def can_view_team(viewer: Viewer, team_id: int) -> bool:
    return can_edit_team(viewer, team_id) or organizes(viewer)


def can_view_share_out(viewer: Viewer) -> bool:
    # The share-out is shown to everyone in the closing plenary.
    return takes_part(viewer)
