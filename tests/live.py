"""Live-server harness: real daphne processes on a real database, real websockets.

The whole API (other suites reuse it):

* ``LiveDatabase()`` — ``.create()`` a fresh migrated demo database for subprocesses
  (PostgreSQL ``convene_live_<random>`` when ``DATABASE_URL`` is PostgreSQL, else a
  SQLite file), ``.clone()`` a copy of it (TEMPLATE / file copy: no migrating again),
  ``.url``, ``.drop()``. Workers sharing a database must share a channel layer (they sweep
  each other's dead connections), so each group of servers gets its own copy.
* ``DaphneServer(db_url, redis_url=None, env=None)`` — ``.start()`` waits for /healthz (≤ 20 s),
  ``.http_url``, ``.ws_url(path)``, ``.db_url``, ``.pid``, ``.kill()`` (SIGKILL), ``.stop()``,
  ``.log_text()`` (its log file; printed at fixture teardown, so pytest shows it on failure).
  Presence timings are short (``LIVE_TIMINGS``: heartbeat 1 s, timeout 3 s).
* ``join_tokens(db_url, role=None, limit=10)`` — personal join tokens (``manage.py join_links``).
* ``WsClient`` (tests/live_clients.py) — ``await WsClient.open(server, token)``,
  ``.send(type, **fields)``, ``await .expect(type, predicate=None, timeout=5)`` (other messages
  are kept in ``.seen``; ``batch`` frames are unpacked), ``.expect_error(code)``, ``.close()``.
* Fixtures (registered in tests/conftest.py): ``live_template`` (session: migrated once),
  ``live_db`` (session copy), ``live_server`` (one daphne, in-memory layer, on ``live_db``),
  ``redis_servers`` (two daphne sharing REDIS_URL with a unique prefix, on a copy of their own).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.live_clients import DEMO_SLUG, Expecting, MessagePredicate, WsClient
from tests.services import TEST_REDIS_URL, free_port

ROOT = Path(__file__).resolve().parents[1]
# Short presence timings so a killed worker's people disappear within seconds.
LIVE_TIMINGS = {"PRESENCE_HEARTBEAT_S": "1", "PRESENCE_TIMEOUT_S": "3"}


def _env(db_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CHANNEL_PREFIX"}}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=db_url, PYTHONUNBUFFERED="1")
    # Mail the demo queues stays in the server's memory (tests that deliver mail name their server).
    env.setdefault("EMAIL_URL", "locmem://")
    env.update(extra or {})
    return env


def manage(db_url: str, *args: str, timeout: float = 120) -> str:
    """Run ``manage.py`` against ``db_url``; its stdout, or an error with its output."""
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_env(db_url),
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class LiveDatabase:
    """A database of its own for live servers, migrated and seeded with the demo academy.

    Workers that share a database must share a channel layer (they sweep each other's
    dead connections and announce it on their layer), so each group of live servers
    gets its own copy: ``create()`` once, then ``clone()`` (PostgreSQL TEMPLATE or a
    file copy) for each group — far quicker than migrating again.
    """

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url if base_url is not None else os.environ.get("DATABASE_URL", "")
        self.url = ""
        self._dir = ""
        self._pg_name = ""

    @property
    def is_postgres(self) -> bool:
        return self.base_url.startswith(("postgres://", "postgresql://"))

    def create(self) -> LiveDatabase:
        self._allocate()
        manage(self.url, "migrate", "--noinput", "-v0")
        manage(self.url, "demo")
        return self

    def clone(self) -> LiveDatabase:
        """A new database with the same contents (nothing may be connected to this one)."""
        copy = LiveDatabase(self.base_url)
        copy._allocate(template=self)
        return copy

    def _allocate(self, template: LiveDatabase | None = None) -> None:
        if self.is_postgres:
            self._pg_name = f"convene_live_{secrets.token_hex(4)}"
            source = f' TEMPLATE "{template._pg_name}"' if template else ""
            self._admin(f'CREATE DATABASE "{self._pg_name}"{source}')
            self.url = urlunsplit(urlsplit(self.base_url)._replace(path=f"/{self._pg_name}"))
        else:
            self._dir = tempfile.mkdtemp(prefix="convene-live-")
            path = Path(self._dir) / "live.sqlite3"
            if template:
                shutil.copyfile(Path(template._dir) / "live.sqlite3", path)
            self.url = f"sqlite:///{path}"

    def drop(self) -> None:
        if self._pg_name:
            self._admin(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    def _admin(self, sql: str) -> None:
        import psycopg

        admin_url = urlunsplit(urlsplit(self.base_url)._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]


def join_tokens(db_url: str, role: str | None = None, limit: int = 10, slug: str = DEMO_SLUG,
                ) -> list[dict[str, Any]]:
    """Join-link rows ``{participant_id, username, name, role, token, url}`` for the demo academy."""
    args = ["join_links", slug, "--json", "--limit", str(limit)] + (["--role", role] if role else [])
    return json.loads(manage(db_url, *args))


class DaphneServer:
    """One daphne worker on 127.0.0.1, its log in a file shown when something fails."""

    def __init__(self, db_url: str, redis_url: str | None = None, env: dict[str, str] | None = None,
                 name: str = "daphne") -> None:
        self.port = free_port()
        self.db_url = db_url
        extra = {**LIVE_TIMINGS, **({"REDIS_URL": redis_url} if redis_url else {}), **(env or {})}
        self.env = _env(db_url, extra)
        self.name = name
        self.log_path = Path(tempfile.mkstemp(prefix=f"convene-{name}-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 20.0) -> DaphneServer:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                 "--application-close-timeout", "2", "config.asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_text()}")
            if self._healthy():
                return self
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"{self.name} did not answer /healthz within {timeout}s:\n{self.log_text()}")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.http_url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: the worker dies without running any cleanup, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_text(self, tail: int = 20_000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:] if self.log_path.exists() else ""


# ---- fixtures' bodies (tests/conftest.py registers them) ---------------------------------

def live_template_fixture() -> Iterator[LiveDatabase]:
    template = LiveDatabase().create()  # never served: only copied
    try:
        yield template
    finally:
        template.drop()


def _database(template: LiveDatabase) -> Iterator[LiveDatabase]:
    database = template.clone()
    try:
        yield database
    finally:
        database.drop()


def _servers(*servers: DaphneServer) -> Iterator[list[DaphneServer]]:
    started: list[DaphneServer] = []
    try:
        for server in servers:
            started.append(server.start())
        yield started
    finally:
        for server in started:
            server.stop()
            print(f"---- {server.name} log ----\n{server.log_text()}")  # pytest shows it on failure


def live_db_fixture(template: LiveDatabase) -> Iterator[LiveDatabase]:
    yield from _database(template)


def live_server_fixture(live_db: LiveDatabase) -> Iterator[DaphneServer]:
    for servers in _servers(DaphneServer(live_db.url, name="live")):
        yield servers[0]


def forget_redis_prefix(prefix: str, url: str = TEST_REDIS_URL) -> None:
    """Delete what workers left in Redis under ``prefix`` (a killed worker discards nothing)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)
    finally:
        client.close()


def redis_servers_fixture(template: LiveDatabase, prefix: str) -> Iterator[list[DaphneServer]]:
    """Two workers on Redis, on a database copy of their own (``servers[0].db_url``)."""
    env = {"CHANNEL_PREFIX": prefix}
    try:
        for database in _database(template):
            yield from _servers(DaphneServer(database.url, TEST_REDIS_URL, env, name="worker-a"),
                                DaphneServer(database.url, TEST_REDIS_URL, env, name="worker-b"))
    finally:
        forget_redis_prefix(prefix)


__all__ = ["DEMO_SLUG", "DaphneServer", "Expecting", "LiveDatabase", "MessagePredicate", "WsClient", "forget_redis_prefix",
           "join_tokens",
           "manage"]
