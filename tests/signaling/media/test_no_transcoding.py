"""The forwarding path runs no encoder or decoder on the server.

Clients share the process, so every codec instance is attributed to the
sender/receiver that created it (aiortc creates them via ``get_encoder`` in
RTCRtpSender and ``get_decoder`` in the receiver's decoder thread), and every
encode/decode call to the instance that made it.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import aiortc.rtcrtpreceiver
import aiortc.rtcrtpsender
import pytest
from aiortc.codecs.opus import OpusDecoder, OpusEncoder
from aiortc.codecs.vpx import Vp8Decoder, Vp8Encoder

from signaling.media import MediaServer
from signaling.media.passthrough import PassthroughPacker, sender_packer

from .conftest import ParticipantFactory
from .synthetic import PatternVideoTrack, ToneAudioTrack

CODEC_METHODS = [(Vp8Encoder, "encode"), (OpusEncoder, "encode"), (Vp8Decoder, "decode"), (OpusDecoder, "decode")]


class CodecSpy:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.encoders: list[tuple[Any, Any]] = []  # (creating sender, encoder)
        self.decoders: list[tuple[Any, Any]] = []  # (receiver's decoder queue, decoder)
        self.calls: Counter[int] = Counter()
        self.instances: list[Any] = []
        get_encoder, get_decoder = aiortc.rtcrtpsender.get_encoder, aiortc.rtcrtpreceiver.get_decoder

        def spy_get_encoder(codec: Any) -> Any:
            encoder = get_encoder(codec)
            self.encoders.append((sys._getframe(1).f_locals.get("self"), encoder))
            return encoder

        def spy_get_decoder(codec: Any) -> Any:
            decoder = get_decoder(codec)
            self.decoders.append((sys._getframe(1).f_locals.get("input_q"), decoder))
            return decoder

        monkeypatch.setattr(aiortc.rtcrtpsender, "get_encoder", spy_get_encoder)
        monkeypatch.setattr(aiortc.rtcrtpreceiver, "get_decoder", spy_get_decoder)
        for cls, name in CODEC_METHODS:
            monkeypatch.setattr(cls, name, self._counting(getattr(cls, name)))
            monkeypatch.setattr(cls, "__init__", self._tracking(cls.__init__))

    def _counting(self, method: Any) -> Any:
        def wrapper(instance: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls[id(instance)] += 1
            return method(instance, *args, **kwargs)

        return wrapper

    def _tracking(self, init: Any) -> Any:
        def wrapper(instance: Any, *args: Any, **kwargs: Any) -> None:
            self.instances.append(instance)
            init(instance, *args, **kwargs)

        return wrapper


@pytest.mark.asyncio
@pytest.mark.timeout(60)
async def test_server_never_encodes_or_decodes(
    monkeypatch: pytest.MonkeyPatch, server: MediaServer, participants: ParticipantFactory
) -> None:
    spy = CodecSpy(monkeypatch)
    a, b = participants("A"), participants("B")
    a.publish("camera", PatternVideoTrack(5))
    a.publish("microphone", ToneAudioTrack())
    await a.join("room")
    await b.join("room")
    await b.wait_video(5, timeout=5)
    await b.wait_video(5, timeout=5)  # and keeps decoding

    transceivers = [t for pid in ("A", "B") for t in server.peer(pid).pc.getTransceivers()]
    server_senders = {id(t.sender) for t in transceivers}
    server_queues = {id(t.receiver._RTCRtpReceiver__decoder_queue) for t in transceivers}

    # Clients did encode and decode ...
    assert sum(spy.calls[id(e)] for _, e in spy.encoders) > 0
    assert sum(spy.calls[id(d)] for _, d in spy.decoders) > 0
    # ... the server created no codec instance and made no codec call ...
    assert not [e for owner, e in spy.encoders if id(owner) in server_senders]
    assert not [d for queue, d in spy.decoders if id(queue) in server_queues]
    attributed = {id(e) for _, e in spy.encoders} | {id(d) for _, d in spy.decoders}
    assert {id(i) for i in spy.instances} <= attributed  # nothing created behind our back
    # ... and it forwarded through the packer.
    slots = [s for pid in ("A", "B") for s in server.peer(pid).slots]
    assert slots and all(isinstance(sender_packer(s.transceiver.sender), PassthroughPacker) for s in slots)
    assert server.stats()["forwarded_packets"] > 0
