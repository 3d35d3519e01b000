"""MEDIA_ALLOWED_PEER_NETWORKS: loopback while DEBUG (tests, `make run`), nothing in
production, and a clear refusal of junk."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from signaling.media.hub import create_hub

ROOT = Path(__file__).resolve().parents[2]
SHOW = "from django.conf import settings; print(settings.MEDIA_ALLOWED_PEER_NETWORKS)"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    names = {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "MEDIA_ALLOWED_PEER_NETWORKS"}
    clean = {k: v for k, v in os.environ.items() if k not in names}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**clean, **env}, timeout=60)


def test_defaults_allow_loopback_only_while_debugging() -> None:
    debug = run_manage("shell", "-c", SHOW, DJANGO_SETTINGS_MODULE="config.settings")
    production = run_manage("shell", "-c", SHOW, DJANGO_SETTINGS_MODULE="config.settings_production",
                            SECRET_KEY="production-secret-from-the-environment")
    assert debug.stdout.strip().splitlines()[-1] == "['127.0.0.0/8', '::1/128']", debug.stderr
    assert production.stdout.strip().splitlines()[-1] == "[]", production.stderr


def test_configured_networks_and_junk() -> None:
    ok = run_manage("shell", "-c", SHOW, DJANGO_SETTINGS_MODULE="config.settings_production",
                    SECRET_KEY="production-secret-from-the-environment",
                    MEDIA_ALLOWED_PEER_NETWORKS="10.20.0.0/16, fd00::/8")
    assert ok.stdout.strip().splitlines()[-1] == "['10.20.0.0/16', 'fd00::/8']", ok.stderr
    bad = run_manage("check", DJANGO_SETTINGS_MODULE="config.settings", MEDIA_ALLOWED_PEER_NETWORKS="10.0.0.0/33")
    assert bad.returncode != 0
    assert "ImproperlyConfigured" in bad.stderr and "MEDIA_ALLOWED_PEER_NETWORKS" in bad.stderr


@pytest.mark.asyncio
async def test_the_process_media_server_uses_the_setting(settings) -> None:  # type: ignore[no-untyped-def]
    async def ignore(signal: object) -> None:
        pass

    settings.MEDIA_ALLOWED_PEER_NETWORKS = ["10.20.0.0/16"]
    hub = create_hub()
    try:
        await hub.server.join("7:a", "plenary", ignore)
        candidates = hub.server.peer("7:a").candidates
        assert candidates.allows("10.20.1.2") and not candidates.allows("127.0.0.1")
    finally:
        await hub.server.close()
