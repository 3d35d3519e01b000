"""Where the real services the tests talk to are, and small helpers for them."""
from __future__ import annotations

import os
import socket

TEST_REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_layer_config(url: str = TEST_REDIS_URL, prefix: str = "convene-test") -> dict[str, object]:
    return {
        "default": {
            "BACKEND": "signaling.redis_layer.RedisChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": prefix},
        }
    }
