"""Breakouts between the pure core (rooms.planning, rooms.live) and the database.

* ``codec``: plans, options and live state to JSON and back (pure).
* ``keys``: room keys that are also space names and channel-group parts (pure).
* ``merge``: three-way line merge for room notes (pure).
* ``roster``: a session's registrations and topics as planning input.
* ``drafts``: the saved draft plan of a session (generate, edit, CSV).
* ``store``: the convening's live state row, locked while changing.
* ``history``: RoomAssignment rows from the live core's changes.
* ``snapshot``: the live state in the protocol's shapes.
"""
