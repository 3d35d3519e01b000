"""`manage.py join_links` prints links for the address the site is served on (SITE_URL), and
`make run PORT=…` / `make links PORT=…` hand that address on."""
from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[4]


def links(*args: str) -> list[dict]:
    out = io.StringIO()
    call_command("join_links", "statewide-leadership-academy", "--json", "--limit", "2", *args, stdout=out,
                 stderr=io.StringIO())
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_links_start_with_the_site_url(demo, settings) -> None:  # noqa: ANN001
    settings.SITE_URL = "http://127.0.0.1:8300"
    rows = links()
    assert rows and all(row["url"].startswith("http://127.0.0.1:8300/join/") for row in rows)


@pytest.mark.django_db
def test_base_url_overrides_the_site_url(demo, settings) -> None:  # noqa: ANN001
    settings.SITE_URL = "http://127.0.0.1:8300"
    rows = links("--base-url", "https://convene.example.org/")
    assert all(row["url"].startswith("https://convene.example.org/join/") for row in rows)


@pytest.mark.parametrize("target", ["run", "links"])
def test_make_hands_the_served_address_on(target: str) -> None:
    plan = subprocess.run(["make", "-n", target, "PORT=8300"], cwd=ROOT, text=True,
                          capture_output=True, check=True, env={"PATH": "/usr/bin:/bin"}).stdout
    assert "SITE_URL=http://127.0.0.1:8300" in plan
    if target == "run":
        assert "demo --base-url http://127.0.0.1:8300" in plan and "-p 8300" in plan
    else:
        assert "SITE_URL=http://127.0.0.1:8300 .venv/bin/python manage.py join_links" in plan
