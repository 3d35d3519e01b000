from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**clean, **env}, timeout=60)


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = run_manage("check", DJANGO_SETTINGS_MODULE="config.settings_production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("secret_key", [None, "", "   "])
def test_production_refuses_to_start_without_a_secret_key_even_with_debug_on(secret_key: str | None) -> None:
    # DEBUG=true must not bring back the development key in production.
    env = {"DJANGO_SETTINGS_MODULE": "config.settings_production", "DEBUG": "true"}
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "SECRET_KEY must be set" in result.stderr


def test_production_keeps_debug_off_when_the_environment_says_debug_true() -> None:
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)",
                        DJANGO_SETTINGS_MODULE="config.settings_production", DEBUG="true",
                        SECRET_KEY="production-secret-from-the-environment")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "production-secret-from-the-environment"]


def test_production_settings_pass_the_deploy_check() -> None:
    result = run_manage("check", "--deploy", "--fail-level", "WARNING",
                        DJANGO_SETTINGS_MODULE="config.settings_production",
                        SECRET_KEY="k" * 30 + "-production-grade-secret-key-abcdefXYZ",
                        ALLOWED_HOSTS="convene.example.org")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_platform_is_not_a_package_and_stdlib_imports_work() -> None:
    assert not (ROOT / "platform" / "__init__.py").exists()
    code = "import platform, uuid; print(platform.python_version(), uuid.uuid4().version)"
    result = subprocess.run([sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings'; django.setup(); " + code],
                            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": "."})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "4"
