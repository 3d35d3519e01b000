"""deploy/nginx.conf run for real: nginx in front of a stand-in worker that echoes headers."""
from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMP_PATHS = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]


class EchoProto(BaseHTTPRequestHandler):
    """A daphne worker stand-in: answers with the X-Forwarded-Proto it was given."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        body = (self.headers.get("X-Forwarded-Proto") or "<none>").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is installed by `make test` (.ci/services.sh)"
    worker = ThreadingHTTPServer(("127.0.0.1", 0), EchoProto)
    threading.Thread(target=worker.serve_forever, daemon=True).start()
    port, backend = free_port(), worker.server_address[1]
    prefix = tmp_path_factory.mktemp("nginx")
    (prefix / "logs").mkdir()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    conf = (conf.replace("server web1:8000", f"server 127.0.0.1:{backend}")
            .replace("server web2:8000", f"server 127.0.0.1:{backend}")
            .replace("listen 80;", f"listen 127.0.0.1:{port};")
            .replace("http {", "http {\n    access_log off;\n"
                     + "".join(f"    {name}_temp_path {name};\n" for name in TEMP_PATHS), 1))
    (prefix / "nginx.conf").write_text("pid nginx.pid;\nerror_log logs/error.log;\ndaemon off;\n" + conf)
    process = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"nginx did not start: {process.stderr.read().decode() if process.stderr else ''}"
                                         + (prefix / "logs" / "error.log").read_text()) from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        worker.shutdown()


def forwarded_proto(url: str, header: str | None) -> str:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": header} if header else {})
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback only)
        return response.read().decode()


@pytest.mark.parametrize("path", ["/", "/ws/anything"])
def test_an_outer_tls_proxys_scheme_reaches_the_workers(proxy: str, path: str) -> None:
    # Otherwise Django sees http behind TLS and SECURE_SSL_REDIRECT=true redirects forever.
    assert forwarded_proto(proxy + path, "https") == "https"


@pytest.mark.parametrize("path", ["/", "/ws/anything"])
def test_without_an_outer_proxy_the_workers_get_this_hops_scheme(proxy: str, path: str) -> None:
    assert forwarded_proto(proxy + path, None) == "http"
    assert forwarded_proto(proxy + path, "gopher") == "http"  # nonsense is not passed on
