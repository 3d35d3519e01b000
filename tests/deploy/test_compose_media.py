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


def test_turn_hands_out_only_expiring_credentials_and_relays_to_no_private_peer() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    command = services["turn"]["command"]
    options = {arg.split("=", 1)[0]: arg.split("=", 1)[1] if "=" in arg else True for arg in command}
    assert options["--use-auth-secret"] is True and options["--no-multicast-peers"] is True
    assert options["--static-auth-secret"] == "${TURN_SECRET:?set TURN_SECRET}"  # no default secret
    assert not {"--user", "--lt-cred-mech", "--allow-loopback-peers"} & options.keys()
    denied = {arg.split("=", 1)[1] for arg in command if arg.startswith("--denied-peer-ip=")}
    assert {
        "0.0.0.0-0.255.255.255", "10.0.0.0-10.255.255.255", "100.64.0.0-100.127.255.255",
        "127.0.0.0-127.255.255.255", "169.254.0.0-169.254.255.255", "172.16.0.0-172.31.255.255",
        "192.168.0.0-192.168.255.255", "::1", "fc00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "fe80::-febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    } <= denied
    for name, service in services.items():
        env = service.get("environment", {})
        if "TURN_URLS" in env:  # web and media workers mint credentials with coturn's secret
            assert env["TURN_SECRET"] == "${TURN_SECRET:?set TURN_SECRET}", name
            assert "TURN_USERNAME" not in env and "TURN_PASSWORD" not in env, name
    assert "convene-turn" not in (ROOT / "docker-compose.yml").read_text()


def test_media_workers_probe_no_private_address_unless_configured() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("media1", "media2"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings_production"  # default: none allowed
        assert env["MEDIA_ALLOWED_PEER_NETWORKS"] == "${MEDIA_ALLOWED_PEER_NETWORKS:-}"
