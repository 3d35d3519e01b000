"""The test side of ``viewer.py``: runs it in a namespace and relays its signaling."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from signaling.media import MediaServer, SignalOut

from .netns import Link

ROOT = Path(__file__).resolve().parents[4]


class RemoteViewer:
    def __init__(self, server: MediaServer, link: Link, participant_id: str, *, remb: bool = True) -> None:
        self.server, self.link, self.participant_id, self.remb = server, link, participant_id, remb
        self.signals: list[SignalOut] = []
        self._proc: asyncio.subprocess.Process | None = None
        self._reports: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None

    async def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._proc = await asyncio.create_subprocess_exec(
            *self.link.command(sys.executable, "-m", "tests.signaling.media.networks.viewer", self.link.viewer_ip,
                               *([] if self.remb else ["--no-remb"])),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT, env=env,
        )  # fmt: skip
        self._pump = asyncio.ensure_future(self._read())

    def _send(self, message: dict[str, Any]) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write((json.dumps(message) + "\n").encode())

    async def _on_signal(self, signal: SignalOut) -> None:
        self.signals.append(signal)
        self._send({"signal": signal.to_dict()})

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while line := await self._proc.stdout.readline():
            message = json.loads(line)
            if "report" in message:
                self._reports.put_nowait(message["report"])
            else:
                asyncio.ensure_future(self._serve(message))

    async def _serve(self, message: dict[str, Any]) -> None:
        reply: dict[str, Any] = {"id": message["id"]}
        try:
            call = message["call"]
            if call == "join":
                await self.server.join(self.participant_id, message["space"], self._on_signal)
            elif call == "offer":
                reply["result"] = await self.server.handle_offer(self.participant_id, message["sdp"], {})
            elif call == "answer":
                await self.server.handle_answer(self.participant_id, message["sdp"])
            elif call == "leave":
                await self.server.leave(self.participant_id)
        except Exception as exc:  # the viewer sees it as its call failing
            reply["error"] = f"{type(exc).__name__}: {exc}"
        self._send(reply)

    async def report(self) -> dict[str, Any]:
        self._send({"report": True})
        return await asyncio.wait_for(self._reports.get(), 10)

    def paused(self) -> bool | None:
        told = [s.paused for s in self.signals if s.kind == "video_paused"]
        return told[-1] if told else None

    async def stop(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            try:
                await asyncio.wait_for(self._proc.wait(), 5)
            except TimeoutError:
                self._proc.kill()
                await self._proc.wait()
        if self._pump is not None:
            self._pump.cancel()


def window(times: list[float], now: float, seconds: float) -> list[float]:
    return [t for t in times if now - seconds <= t <= now]


def longest_gap(times: list[float]) -> float:
    return max((b - a for a, b in zip(times, times[1:])), default=float("inf"))
