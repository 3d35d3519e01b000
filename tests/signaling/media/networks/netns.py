"""A viewer's network: a namespace behind a veth link whose server side is rate-limited.

Linux only, as root: ``ip netns`` + veth + ``tc tbf`` (this kernel has no netem; ``tbf``
queues up to ``latency`` and drops beyond it, like a slow access link). Every name is
unique to this process and link, and ``shaped_link`` removes the namespace and both
ends of the link however the test ends.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_serial = itertools.count(1)


def available() -> bool:
    return os.geteuid() == 0 and shutil.which("ip") is not None and shutil.which("tc") is not None


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=10)


@dataclass
class Link:
    namespace: str
    host_dev: str  # in our namespace: the server side, where the downlink is shaped
    host_ip: str
    viewer_ip: str

    def limit(self, kbit: int) -> None:
        """Shape what the viewer receives to ``kbit`` kbit/s (queue up to 200 ms, then drop)."""
        action = "change" if self._shaped() else "add"
        _run("tc", "qdisc", action, "dev", self.host_dev, "root", "tbf", "rate", f"{kbit}kbit",
             "burst", "6kb", "latency", "200ms")  # fmt: skip

    def lift(self) -> None:
        if self._shaped():
            _run("tc", "qdisc", "del", "dev", self.host_dev, "root")

    def _shaped(self) -> bool:
        out = subprocess.run(["tc", "qdisc", "show", "dev", self.host_dev], capture_output=True, text=True, timeout=10)
        return "tbf" in out.stdout

    def command(self, *args: str) -> list[str]:
        """``args`` run inside the viewer's namespace."""
        return ["ip", "netns", "exec", self.namespace, *args]


@contextmanager
def shaped_link() -> Iterator[Link]:
    n = next(_serial)
    tag = f"{os.getpid() % 100000}x{n}"
    namespace, host_dev, peer_dev = f"cvn{tag}", f"cvh{tag}", f"cvp{tag}"
    subnet = f"10.{200 + os.getpid() % 50}.{n % 250}"
    link = Link(namespace, host_dev, f"{subnet}.1", f"{subnet}.2")
    try:
        _run("ip", "netns", "add", namespace)
        _run("ip", "link", "add", host_dev, "type", "veth", "peer", "name", peer_dev)
        _run("ip", "link", "set", peer_dev, "netns", namespace)
        _run("ip", "addr", "add", f"{link.host_ip}/30", "dev", host_dev)
        _run("ip", "link", "set", host_dev, "up")
        _run(*link.command("ip", "addr", "add", f"{link.viewer_ip}/30", "dev", peer_dev))
        _run(*link.command("ip", "link", "set", peer_dev, "up"))
        _run(*link.command("ip", "link", "set", "lo", "up"))
        yield link
    finally:
        subprocess.run(["ip", "link", "del", host_dev], capture_output=True, timeout=10)  # takes its peer along
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=10)
