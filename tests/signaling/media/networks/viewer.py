"""A synthetic viewer in another network namespace (run by ``remote.RemoteViewer``).

``python -m tests.signaling.media.networks.viewer ADDRESS [--no-remb]``: a real aiortc peer
gathering on ADDRESS only, decoding what it receives, NACKing as a browser does. Signaling goes
over stdin/stdout, one JSON object per line: it asks ``{"id", "call": join|offer|answer, ...}`` and gets
``{"id", "result"|"error"}``; the server's signals arrive as ``{"signal": {...}}``;
``{"report": true}`` gets ``{"report": {...}}`` (what it decoded, on its own clock).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from typing import Any

import numpy as np
from aiortc import rtcrtpreceiver
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RtpPacket
from av import AudioFrame, VideoFrame

from signaling.media.ice import restrict_host_addresses
from signaling.media.signals import SignalOut
from tests.signaling.media.synthetic import OnSignal, SyntheticParticipant, read_pattern


class PipeTransport:
    def __init__(self, writer: Any) -> None:
        self._write = writer
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self.on_signal: OnSignal | None = None

    async def _call(self, call: str, **args: Any) -> Any:
        call_id = next(self._ids)
        future = self._waiting[call_id] = asyncio.get_running_loop().create_future()
        self._write({"id": call_id, "call": call, **args})
        return await future

    def answered(self, message: dict[str, Any]) -> None:
        future = self._waiting.pop(message["id"])
        if "error" in message:
            future.set_exception(RuntimeError(message["error"]))
        else:
            future.set_result(message.get("result"))

    async def join(self, participant_id: str, space_id: str, on_signal: OnSignal, role: str) -> None:
        self.on_signal = on_signal
        await self._call("join", space=space_id)

    async def offer(self, participant_id: str, sdp: str, track_labels: dict[str, str]) -> str:
        return str(await self._call("offer", sdp=sdp))

    async def answer(self, participant_id: str, sdp: str) -> None:
        await self._call("answer", sdp=sdp)

    async def leave(self, participant_id: str) -> None:
        await self._call("leave")


class BrowserNacks(rtcrtpreceiver.NackGenerator):
    """NACKs as a browser sends them: again every round trip while a packet is missing (up to
    ``RETRIES`` times), not only when a new gap appears as aiortc's do. With aiortc's, a lost
    resend followed by a quiet stretch froze the picture until the jitter buffer overflowed
    (512 packets, ~6 s): libwebrtc's NackRequester retries every RTT, 10 times."""

    RETRY = 0.1  # s: about one round trip here (the relay's 10 ms each way, the server, this loop)
    RETRIES = 10

    def __init__(self) -> None:
        super().__init__()
        self._sent_at = 0.0
        self._asked: dict[int, int] = {}  # seq -> NACKs sent for it

    def add(self, packet: RtpPacket) -> bool:
        missed = super().add(packet)
        now = time.monotonic()
        if not missed and (not self.missing or now - self._sent_at < self.RETRY):
            return False
        self._asked = {seq: self._asked.get(seq, 0) + 1 for seq in self.missing}
        for seq in [s for s, n in self._asked.items() if n > self.RETRIES]:
            self.missing.discard(seq)  # given up, as the browser does (a keyframe request follows)
        self._sent_at = now
        return bool(self.missing)


class CountingViewer(SyntheticParticipant):
    """Keeps when each intact video frame and each audio frame was decoded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.video_at: list[float] = []
        self.video_h: list[int] = []  # the height of each intact frame (which simulcast layer)
        self.audio_at: list[float] = []
        self.audio_loud = 0
        self.video_decoded = 0  # intact or not

    async def _consume(self, track: MediaStreamTrack, mid: str) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            now = time.monotonic()
            if isinstance(frame, VideoFrame):
                self.video_decoded += 1
                if read_pattern(frame) is not None:
                    self.video_at.append(now)
                    self.video_h.append(frame.height)
            elif isinstance(frame, AudioFrame):
                self.audio_at.append(now)
                pcm = frame.to_ndarray()[0].astype(np.float64) / 32768
                self.audio_loud += float(np.sqrt(np.mean(pcm**2))) > 0.05

    async def report(self) -> dict[str, Any]:
        received = lost = 0
        for transceiver in self.pc.getTransceivers():
            if transceiver.kind != "video":
                continue
            # aiortc's getStats reports one stream per receiver (its RTX stream can hide the
            # media one): read the media streams' own counters.
            receiver = transceiver.receiver
            rtx = receiver._RTCRtpReceiver__rtx_ssrc  # type: ignore[attr-defined]
            for ssrc, stream in receiver._RTCRtpReceiver__remote_streams.items():  # type: ignore[attr-defined]
                if ssrc not in rtx:
                    received, lost = received + stream.packets_received, lost + stream.packets_lost
        return {"now": time.monotonic(), "video_at": self.video_at[-2000:], "video_h": self.video_h[-2000:],
                "audio_at": self.audio_at[-5000:], "audio_loud": self.audio_loud, "video_decoded": self.video_decoded,
                "video_received": received, "video_lost": lost}


def _without_remb() -> None:
    """No REMB from this viewer (``--no-remb``): an aiortc receiver stamps arrivals on its own
    event loop, so its delay-based estimate sees that loop's hiccups as overuse; on a lossy
    relay that has fallen to a third of what the link carried, pausing video for 3-5 s. A
    browser stamps arrivals off its main thread."""
    rtcrtpreceiver.RemoteBitrateEstimator = lambda: None  # type: ignore[assignment,misc,return-value]


async def main(address: str, remb: bool) -> None:
    restrict_host_addresses([address])
    rtcrtpreceiver.NackGenerator = BrowserNacks  # type: ignore[misc]  # read when a receiver is made
    if not remb:
        _without_remb()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def write(message: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    transport = PipeTransport(write)
    viewer = CountingViewer("weak", transport)  # type: ignore[arg-type]
    viewer.pc.addTransceiver("audio", direction="recvonly")
    joined = asyncio.ensure_future(viewer.join("room"))
    while line := await reader.readline():
        message = json.loads(line)
        if "id" in message:
            transport.answered(message)
        elif "signal" in message and transport.on_signal is not None:
            await transport.on_signal(SignalOut.from_dict(message["signal"]))
        elif "report" in message:
            write({"report": await viewer.report()})
    joined.cancel()
    await viewer.close(leave=False)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], remb="--no-remb" not in sys.argv[2:]))
