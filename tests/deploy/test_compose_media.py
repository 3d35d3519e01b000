"""The compose file runs media the way the code expects (signaling/media/relay.py)."""
from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_media_workers_match_the_media_worker_command() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    media = {name: s for name, s in services.items() if s.get("command", [])[2:3] == ["media_worker"]}
    assert len(media) >= 2, "spaces are placed across media workers"
    for name, service in media.items():
        assert service["command"] == ["python", "manage.py", "media_worker", "--name", name]
        assert service["healthcheck"]["test"][-4:] == ["media_worker", "--check", "--name", name]
        env = service["environment"]
        assert env["MEDIA_WORKERS"] == "true" and env["REDIS_URL"].startswith("redis://")
        assert env["MEDIA_HOST_ADDRESSES"] and service["network_mode"] == "host"
    for name in (n for n in services if n.startswith("web")):
        env = services[name]["environment"]
        assert env["MEDIA_WORKERS"] == "true" and env["REDIS_URL"].startswith("redis://")
        assert "MEDIA_PUBLIC_IP" in env["TURN_URLS"]  # browsers get a TURN address they can reach
    assert "turn" in services
