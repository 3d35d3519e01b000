"""The aiortc adapter, exercised on real RTCRtpReceiver/RTCRtpSender objects
with a fake DTLS transport (no network): encoded frames are tapped before the
decoder; the sender gets no encoder and hands over to the fast path (whose
wire behaviour is tested against a real subscriber in test_sendpath.py)."""

from __future__ import annotations

import asyncio
import fractions
import importlib.util

import aiortc
import pytest
from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.codecs import vpx
from aiortc.codecs.vpx import Vp8Encoder, vp8_depayload
from aiortc.rtcrtpparameters import (
    RTCRtcpParameters,
    RTCRtpCodecParameters,
    RTCRtpDecodingParameters,
    RTCRtpReceiveParameters,
    RTCRtpSendParameters,
)
from aiortc.rtcrtpreceiver import RemoteStreamTrack
from aiortc.rtp import RTCP_PSFB_PLI, RtcpPacket, RtcpPsfbPacket, RtpPacket

from signaling import adapters
from signaling.media import passthrough
from signaling.media.forwarding import Publication, SlotTrack
from signaling.media.passthrough import (
    EncodedFrame,
    PassthroughPacker,
    ReceiverTap,
    install_sender_hooks,
    is_keyframe,
    sender_packer,
)
from signaling.media.sendpath import FastSender

from .synthetic import draw_pattern

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)
RTX = RTCRtpCodecParameters(mimeType="video/rtx", clockRate=90000, payloadType=98, parameters={"apt": 97})
OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=96)
MEDIA_SSRC = 5555
VP8_TIME_BASE = fractions.Fraction(1, 90000)


class FakeDtls:
    """Just enough of RTCDtlsTransport for one receiver or sender."""

    state = "connected"
    _stats_id = "fake"

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def _send_rtp(self, data: bytes) -> None:
        self.sent.append(data)

    def _register_rtp_receiver(self, *args: object) -> None: ...
    def _unregister_rtp_receiver(self, *args: object) -> None: ...
    def _register_rtp_sender(self, *args: object) -> None: ...
    def _unregister_rtp_sender(self, *args: object) -> None: ...


def encode_frames(count: int) -> list[tuple[list[bytes], int]]:
    encoder = Vp8Encoder()
    out = []
    for i in range(count):
        frame = draw_pattern(7, i, 160, 96)
        frame.pts, frame.time_base = i * 3000, VP8_TIME_BASE
        out.append(encoder.encode(frame, force_keyframe=i == 0))
    return out


def rtp_packets(frames: list[tuple[list[bytes], int]]) -> list[RtpPacket]:
    packets, seq = [], 1000
    for payloads, timestamp in frames:
        for i, payload in enumerate(payloads):
            packet = RtpPacket(payload_type=97, sequence_number=seq, timestamp=timestamp + 1234, ssrc=MEDIA_SSRC)
            packet.marker = int(i == len(payloads) - 1)
            packet.payload = payload
            packets.append(packet)
            seq += 1
    return packets


def bitstream(payloads: list[bytes]) -> bytes:
    return b"".join(vp8_depayload(p) for p in payloads)


def test_other_aiortc_versions_make_media_unavailable_without_failing_the_import(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """signaling.adapters decides (media unavailable, tests/architecture); the site still imports."""
    monkeypatch.delenv("CONVENE_ADAPTER_PINS", raising=False)  # set by `make adapters-latest`
    installed = adapters.version
    monkeypatch.setattr(adapters, "version", lambda name: "1.99.0" if name == "aiortc" else installed(name))
    spec = importlib.util.spec_from_file_location("passthrough_copy", passthrough.__file__)
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert adapters.problems(adapters.MEDIA) == ["aiortc 1.99.0 is installed; read against 1.16.0"]


def test_keyframe_detection_on_real_vp8() -> None:
    frames = encode_frames(3)
    assert is_keyframe("video/vp8", bitstream(frames[0][0]))
    assert not is_keyframe("video/vp8", bitstream(frames[1][0]))
    assert not is_keyframe("video/vp8", b"\x00\x01")  # truncated
    assert is_keyframe("audio/opus", b"\x01")


@pytest.mark.asyncio
@pytest.mark.timeout(30)
async def test_receiver_tap_yields_encoded_frames_and_never_decodes(monkeypatch: pytest.MonkeyPatch) -> None:
    decoders: list[object] = []
    monkeypatch.setattr(aiortc.rtcrtpreceiver, "get_decoder", lambda codec: decoders.append(codec))
    dtls = FakeDtls()
    receiver = RTCRtpReceiver("video", dtls)  # type: ignore[arg-type]
    receiver._track = RemoteStreamTrack(kind="video")
    receiver._set_rtcp_ssrc(1)
    tap = ReceiverTap(receiver, "video")
    got: list[EncodedFrame] = []
    tap.on_frame = got.append
    encodings = [RTCRtpDecodingParameters(ssrc=MEDIA_SSRC, payloadType=97)]
    await receiver.receive(RTCRtpReceiveParameters(codecs=[VP8, RTX], encodings=encodings))
    frames = encode_frames(4)
    for packet in rtp_packets(frames):
        await receiver._handle_rtp_packet(packet, arrival_time_ms=0)
    # the jitter buffer releases a frame when the next one starts: 3 of 4
    assert [f.data for f in got] == [bitstream(p) for p, _ in frames[:3]]
    assert [f.keyframe for f in got] == [True, False, False]
    assert [f.timestamp for f in got] == [ts - frames[0][1] for _, ts in frames[:3]]
    assert await tap.request_keyframe()
    pli = RtcpPacket.parse(dtls.sent[-1])[0]
    assert isinstance(pli, RtcpPsfbPacket) and pli.fmt == RTCP_PSFB_PLI and pli.media_ssrc == MEDIA_SSRC
    await receiver.stop()
    assert tap.ended and decoders == []


@pytest.mark.asyncio
@pytest.mark.timeout(30)
async def test_receiver_tap_reads_audio_level_and_skips_audio_prefetch() -> None:
    receiver = RTCRtpReceiver("audio", FakeDtls())  # type: ignore[arg-type]
    receiver._track = RemoteStreamTrack(kind="audio")
    tap = ReceiverTap(receiver, "audio")
    levels: list[int] = []
    got: list[EncodedFrame] = []
    tap.on_audio_level, tap.on_frame = levels.append, got.append
    await receiver.receive(RTCRtpReceiveParameters(codecs=[OPUS], encodings=[]))
    for i in range(3):
        packet = RtpPacket(payload_type=96, sequence_number=i, timestamp=960 * i, ssrc=9)
        packet.payload, packet.extensions.audio_level = bytes([i + 1]) * 20, (True, 30 + i)
        await receiver._handle_rtp_packet(packet, arrival_time_ms=0)
    assert levels == [30, 31, 32]
    assert len(got) == 2  # stock aiortc would still be prefetching (4 frames)
    assert not await tap.request_keyframe()  # no PLI for audio
    await receiver.stop()


def test_packer_never_encodes_or_packs() -> None:
    packer = PassthroughPacker("video/vp8")
    with pytest.raises(RuntimeError, match="never encodes"):
        packer.encode(object())
    with pytest.raises(RuntimeError, match="fast path"):
        packer.pack(EncodedFrame(b"abc", 0, True, 90000, 0.0))
    with pytest.raises(ValueError):
        PassthroughPacker("video/h264")


def send_parameters(codec: RTCRtpCodecParameters) -> RTCRtpSendParameters:
    return RTCRtpSendParameters(codecs=[codec], muxId="0", rtcp=RTCRtcpParameters(cname="c"))


@pytest.mark.asyncio
async def test_fast_path_splits_vp8_like_aiortc() -> None:
    fast = FastSender(RTCRtpSender("video", FakeDtls()), send_parameters(VP8), None)  # type: ignore[arg-type]
    data = bytes(range(256)) * 12  # 3072 bytes -> 3 packets
    frame = EncodedFrame(data, 90, True, 90000, 0.0)
    payloads = fast._vp8_payloads(frame)
    assert len(payloads) == 3 and all(len(p) <= passthrough.VP8_PACKET_MAX for p in payloads)
    assert b"".join(vp8_depayload(p) for p in payloads) == data
    first = vpx.VpxPayloadDescriptor.parse(payloads[0])[0]
    assert first.partition_start == 1 and first.picture_id == 0
    assert vpx.VpxPayloadDescriptor.parse(payloads[1])[0].partition_start == 0
    assert fast._vp8_payloads(frame)[0][2:4] != payloads[0][2:4]  # picture id moves on


def test_encoded_frame_has_the_packet_surface_stock_pack_uses() -> None:
    frame = EncodedFrame(b"\x10\x02\x00\x9d\x01\x2a", 3000, True, 90000, 0.0)
    payloads, timestamp = Vp8Encoder().pack(frame)  # type: ignore[arg-type]
    assert timestamp == 3000 and vp8_depayload(payloads[0]) == frame.data


@pytest.mark.asyncio
@pytest.mark.timeout(30)
async def test_sender_hooks_start_the_fast_path_once_and_relay_pli() -> None:
    dtls = FakeDtls()
    slot = SlotTrack("video")
    sender = RTCRtpSender(slot, dtls)  # type: ignore[arg-type]
    plis: list[bool] = []
    started: list[RTCRtpSendParameters] = []
    install_sender_hooks(sender, lambda: plis.append(True), started.append)
    parameters = send_parameters(VP8)
    await sender.send(parameters)
    await sender.send(parameters)  # every renegotiation calls send again
    assert started == [parameters]
    assert isinstance(sender_packer(sender), PassthroughPacker)
    pub = Publication("p/0", "p", "video", "camera", "0", send_pli=lambda: None)
    slot.attach(pub)
    pub.deliver(EncodedFrame(bitstream(encode_frames(1)[0][0]), 0, True, 90000, 0.0))
    await asyncio.sleep(0.1)
    assert slot.dropped == 1  # no sink: the hook's caller did not install one
    assert not [d for d in dtls.sent if not 192 <= d[1] <= 223]  # aiortc's loop sent no RTP
    await sender._handle_rtcp_packet(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=sender._ssrc))
    assert plis == [True]
    await sender.stop()
