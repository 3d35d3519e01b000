"""Moved to ``convenings.access`` (beside ``convenings.permissions``; issue 15).

Kept only for work in flight while it moved: import from ``convenings.access``. Delete this
file once ``grep -r "surveys.access"`` finds nothing else.
"""
from convenings.access import Viewer, can_respond, deny, organizes, takes_part, viewer_for

__all__ = ["Viewer", "can_respond", "deny", "organizes", "takes_part", "viewer_for"]
