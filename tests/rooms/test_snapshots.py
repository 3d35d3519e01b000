"""What a welcome shows of several rooms at once (people arriving together in many rooms)."""
from __future__ import annotations

import pytest
from django.utils import timezone

from rooms.models import ChatMessage
from rooms.snapshots import recent_chat, recent_chats
from tests.platform.surveys.factories import make_convening, registered

pytestmark = pytest.mark.django_db


def test_each_room_shows_its_own_last_messages_oldest_first_and_deleted_ones_as_tombstones() -> None:
    convening = make_convening()
    maria = registered(convening, "maria")
    for space, count in (("room-a", 5), ("room-b", 2), ("plenary", 3)):
        ChatMessage.objects.bulk_create(ChatMessage(convening=convening, space=space, seq=n, author=maria,
                                                    text=f"{space} {n}") for n in range(1, count + 1))
    ChatMessage.objects.filter(space="room-a", seq=5).update(deleted_at=timezone.now())
    chats = recent_chats(convening.pk, ["room-a", "room-b", "room-c"], limit=3)
    assert [(m.seq, m.text, m.deleted) for m in chats["room-a"]] == [(3, "room-a 3", False), (4, "room-a 4", False),
                                                                      (5, "", True)]
    assert [m.text for m in chats["room-b"]] == ["room-b 1", "room-b 2"]
    assert chats["room-c"] == []  # a fresh room: asked for, nothing in it
    assert "plenary" not in chats
    assert recent_chat(convening.pk, "plenary", 2) == recent_chats(convening.pk, ["plenary"], 2)["plenary"]
    assert [m.author.name for m in chats["room-b"]] == [maria.name] * 2
