"""Small, typed readers for environment variables used by the settings."""
from __future__ import annotations

import os


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = env_str(name)
    return int(raw) if raw else default


def ice_servers() -> list[dict[str, object]]:
    """ICE servers for browsers and the media server, in RTCIceServer shape: STUN, and TURN
    with the static TURN_USERNAME/TURN_PASSWORD unless TURN_SECRET mints credentials per
    connection instead (signaling/turn.py)."""
    servers: list[dict[str, object]] = []
    stun = env_list("STUN_URLS")
    if stun:
        servers.append({"urls": stun})
    turn = env_list("TURN_URLS")
    if turn and not env_str("TURN_SECRET"):
        servers.append({
            "urls": turn,
            "username": env_str("TURN_USERNAME"),
            "credential": env_str("TURN_PASSWORD"),
        })
    return servers
