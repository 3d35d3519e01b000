"""Raised hands: a queue per space, in raise order, that moderators work through."""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from rooms import snapshots
from rooms.actions import NotFound
from rooms.actions.presence import announce
from rooms.actions.publish import participant_group, publish, space_group
from rooms.models import Presence, RaisedHand
from signaling.protocol.plenary import HandInvited, HandQueue
from signaling.protocol.shapes import Person


def _publish_queue(convening_id: int, space: str) -> None:
    publish(space_group(convening_id, space),
            HandQueue(space=space, hands=snapshots.hand_queue(convening_id, space)))


def raise_hand(convening_id: int, participant_id: int, space: str) -> bool:
    """Raise a hand in ``space``; raising again keeps the place. True if anything changed."""
    with transaction.atomic():
        hand = RaisedHand.objects.select_for_update().filter(
            convening_id=convening_id, participant_id=participant_id).first()
        if hand is not None and hand.space == space:
            return False
        if hand is not None:  # raised in another space before being moved: start again here
            hand.delete()
            _publish_queue(convening_id, hand.space)
        RaisedHand.objects.create(convening_id=convening_id, participant_id=participant_id, space=space,
                                  raised_at=timezone.now())
        _publish_queue(convening_id, space)
        announce(convening_id, participant_id)
    return True


def _lower(convening_id: int, participant_id: int) -> bool:
    hand = RaisedHand.objects.filter(convening_id=convening_id, participant_id=participant_id).first()
    if hand is None:
        return False
    hand.delete()
    _publish_queue(convening_id, hand.space)
    announce(convening_id, participant_id)
    return True


def lower_hand(convening_id: int, participant_id: int) -> None:
    with transaction.atomic():
        if not _lower(convening_id, participant_id):
            raise NotFound("That hand is not raised.")


def invite_to_speak(convening_id: int, participant_id: int, by: Person) -> None:
    """Prompt the person (all their tabs) to speak in their space, and lower their hand."""
    with transaction.atomic():
        where = Presence.objects.filter(convening_id=convening_id, participant_id=participant_id)
        space = where.order_by("-connected_at").values_list("space", flat=True).first()
        if space is None:
            raise NotFound("That person is not connected.")
        _lower(convening_id, participant_id)
        publish(participant_group(convening_id, participant_id), HandInvited(space=space, by=by))
