"""No Docker engine runs here: check the production shape by reading the files."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_shape(compose: dict) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "proxy"} <= services.keys()
    web = [name for name in services if name.startswith("web")]
    assert len(web) >= 2
    for name in web:
        env = services[name]["environment"]
        assert env["REDIS_URL"].startswith("redis://") and env["DATABASE_URL"].startswith("postgres://")
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings_production"
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"][-2:] == ["migrate", "--noinput"]


def test_every_long_running_service_has_a_health_check(compose: dict) -> None:
    for name, service in compose["services"].items():
        if name == "migrate":
            continue
        assert "healthcheck" in service, name
        assert service["healthcheck"]["test"], name


def test_only_the_proxy_is_published_beyond_loopback(compose: dict) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            if name != "proxy":
                assert str(port).startswith("127.0.0.1:"), (name, port)
    assert compose["services"]["proxy"]["ports"] == ["${HTTP_PORT:-80}:80"]


def test_nginx_upgrades_websockets_and_balances_across_workers() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header Upgrade $http_upgrade" in conf
    assert "server web1:8000" in conf and "server web2:8000" in conf


def test_nginx_config_is_valid(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is installed by `make test` (.ci/services.sh)"
    # The upstream names only resolve inside compose; check syntax with loopback stand-ins.
    conf = (ROOT / "deploy" / "nginx.conf").read_text().replace("web1:", "127.0.0.1:").replace("web2:", "127.0.0.2:")
    (tmp_path / "logs").mkdir()
    path = tmp_path / "nginx.conf"
    path.write_text("pid nginx.pid;\nerror_log logs/error.log;\n" + conf)
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
