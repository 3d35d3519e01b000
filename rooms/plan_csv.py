"""Breakout plans as CSV, for pre-assignment: export a plan and import one back."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from convenings.csv_cells import cell_text, write_csv
from rooms.planning import Person, Plan, PlanImportError, PlannedRoom, Topic, Unplaced, _groups, compute_stats

# CSV: one row per member; a room with no members is one row with an empty participant id.
CSV_HEADER = ["room", "topic", "participant id", "participant name"]


def plan_to_csv(plan: Plan, people: Sequence[Person]) -> str:
    names = {p.id: p.name for p in people}
    rows = [[room.name, "" if room.topic_id is None else room.topic_id, p, names.get(p, "")]
            for room in plan.rooms for p in room.members or [""]]
    return write_csv([CSV_HEADER, *rows])


def plan_from_csv(text: str, people: Sequence[Person], topics: Sequence[Topic]) -> Plan:
    """Rebuild a plan from plan_to_csv's format (topic by id or name). Every bad
    row is reported as "line N: reason" in one PlanImportError."""
    reader = csv.reader(io.StringIO(text))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise PlanImportError([f"line {reader.line_num + 1}: {error}"]) from error
    if not rows or [c.strip().lower() for c in rows[0][1]] != CSV_HEADER:
        raise PlanImportError([f"line 1: expected the columns {', '.join(CSV_HEADER)}"])
    by_id = {str(p.id): p for p in people}
    topic_ids = {t.name.strip().lower(): t.id for t in topics} | {str(t.id): t.id for t in topics}
    rooms: dict[str, PlannedRoom] = {}
    seen: dict[str, tuple[str, int]] = {}
    errors = []
    for line, row in rows[1:]:
        # Undo the export's formula escape first, so an exported room name "=Maths" comes back as itself.
        cells = [cell_text(c).strip() for c in row]
        if not any(cells):
            continue
        if len(cells) != len(CSV_HEADER):
            errors.append(f"line {line}: expected {len(CSV_HEADER)} columns, got {len(cells)}")
            continue
        room_name, topic, pid = cells[:3]
        topic_id = topic_ids.get(topic, topic_ids.get(topic.lower())) if topic else None
        room = rooms.get(room_name)
        if not room_name:
            errors.append(f"line {line}: the room name is empty")
        elif topic and topic_id is None:
            errors.append(f"line {line}: unknown topic {topic!r}")
        elif room is not None and room.topic_id != topic_id:
            errors.append(f"line {line}: room {room_name!r} has topic {room.topic_id!r} on an earlier line")
        elif pid and pid not in by_id:
            errors.append(f"line {line}: unknown participant id {pid!r}")
        elif pid in seen:
            first_room, first_line = seen[pid]
            errors.append(f"line {line}: participant {pid!r} is already in {first_room!r} (line {first_line})")
        else:
            if room is None:
                group = None if topic_id is None else str(topic_id)
                room = PlannedRoom(f"room:{len(rooms) + 1}", room_name, topic_id, [], group)
                rooms[room_name] = room
            if pid:
                room.members.append(by_id[pid].id)
                seen[pid] = (room_name, line)
    if errors:
        raise PlanImportError(errors)
    unplaced = [Unplaced(p.id, "not in imported plan") for p in people if str(p.id) not in seen]
    wants = dict(zip((p.id for p in people), _groups("topic", people, topics).wants))
    planned = list(rooms.values())
    return Plan(planned, unplaced, compute_stats(planned, unplaced, wants), "import", wants)
