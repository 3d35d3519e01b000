"""What the websocket layer under the consumer does with frames the protocol cannot use.

daphne hands frames to autobahn, which refuses two kinds before our code sees them: a text
frame that is not UTF-8, and a frame or message over daphne's size limit
(``--websocket-max-message-size``, 1 MiB by default; our own ``max_message_bytes`` is far
below it and answered with ``too_large``). autobahn's default (``failByDrop``) then drops the
TCP connection without a close frame, so a client sees 1006 and cannot tell what it did. With
``failByDrop`` off autobahn sends the close frame the websocket RFC prescribes — 1007 (invalid
payload) or 1009 (message too big), both documented in docs/protocol.md — and waits for the
client's close, as for any other close.

daphne has no option for it, so it is set on each connection's own autobahn protocol (the
factory copied its options there when the connection was made). No daphne underneath (tests'
communicator): nothing to do.
"""
from __future__ import annotations

import logging
from typing import Any

from signaling.consumers.direct_write import AsgiSend, _daphne_protocol

logger = logging.getLogger("convene.signaling")


def fail_cleanly(send: AsgiSend) -> bool:
    """Make protocol violations on this connection close with their code; True if it applied."""
    protocol: Any = _daphne_protocol(send)
    if protocol is None or not hasattr(protocol, "failByDrop"):
        return False
    protocol.failByDrop = False
    return True
