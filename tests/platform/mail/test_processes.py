"""Sending from real processes, on a database of their own (a file SQLite database, or
PostgreSQL when DATABASE_URL says so) and a real SMTP server:

* exactly once with two senders at once: two ``manage.py send_mail --loop`` processes;
* a daphne worker nobody has opened a live page on sends the outbox by itself."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter

from tests.live import ROOT, DaphneServer, LiveDatabase, _env, manage
from tests.platform.mail.smtp import SmtpServer
from tests.services import free_port

N = 40
ENQUEUE = f"""
from mail.outbox import enqueue
for i in range({N}):
    enqueue(to=f"person{{i}}@example.org", subject=f"Exactly once {{i}}", body="Hello", key=f"once:{{i}}")
"""
STATUS = """
import json
import urllib.request
from mail.models import OutboxMessage
rows = OutboxMessage.objects.filter(key__startswith="once:").values("status", "claimed_by", "attempts")
print("ROWS " + json.dumps(list(rows)))
"""


def _sender(db_url: str, port: int) -> subprocess.Popen[bytes]:
    env = _env(db_url, {"EMAIL_URL": f"smtp://127.0.0.1:{port}?timeout=5"})
    return subprocess.Popen([sys.executable, "manage.py", "send_mail", "--loop", "--interval", "0.05"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_two_sender_processes_deliver_each_message_once(database: LiveDatabase) -> None:
    server = SmtpServer(free_port()).start()
    server.handler.delay_s = 0.05  # a few seconds of sending: both senders are at work at once
    manage(database.url, "shell", "-c", ENQUEUE)
    senders = [_sender(database.url, server.port) for _ in range(2)]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if len([r for r in server.received if r.subject.startswith("Exactly once")]) >= N:
                break
            assert all(s.poll() is None for s in senders), senders[0].stderr and b"".join(
                s.stderr.read() for s in senders if s.poll() is not None and s.stderr).decode()
            time.sleep(0.1)
        time.sleep(1.0)  # a duplicate would arrive now
    finally:
        for sender in senders:
            sender.send_signal(signal.SIGINT)
        for sender in senders:
            try:
                sender.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(sender.pid, signal.SIGKILL)
        server.stop()
    delivered = Counter(to for r in server.received if r.subject.startswith("Exactly once") for to in r.envelope_to)
    assert delivered == Counter({f"person{i}@example.org": 1 for i in range(N)})
    output = manage(database.url, "shell", "-c", STATUS)
    rows = json.loads(next(line for line in output.splitlines() if line.startswith("ROWS "))[5:])
    assert len(rows) == N and {row["status"] for row in rows} == {"sent"}
    assert {row["attempts"] for row in rows} == {1}
    by_sender = Counter(row["claimed_by"] for row in rows)
    assert len(by_sender) == 2, by_sender  # both processes sent some


def test_a_daphne_worker_sends_the_outbox_with_nobody_connected(database: LiveDatabase) -> None:
    server = SmtpServer(free_port()).start()
    daphne = DaphneServer(database.url, env={"EMAIL_URL": f"smtp://127.0.0.1:{server.port}?timeout=5",
                                             "MAIL_TICK_S": "0.5"}, name="mail-worker")
    try:
        daphne.start()  # its health check is the only request: no page, no websocket
        manage(database.url, "shell", "-c", ENQUEUE.replace(f"range({N})", "range(3)"))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len([r for r in server.received
                                                   if r.subject.startswith("Exactly once")]) < 3:
            time.sleep(0.1)
        with urllib.request.urlopen(daphne.http_url + "/healthz", timeout=5) as response:
            assert response.status == 200  # the event loop kept serving
    finally:
        daphne.stop()
        server.stop()
    assert sorted(r.envelope_to[0] for r in server.received if r.subject.startswith("Exactly once")) == [
        "person0@example.org", "person1@example.org", "person2@example.org"], daphne.log_text()
