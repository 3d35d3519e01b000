"""A subscriber's RTCP, as aiortc parses it, applied to its streams (feedback.py)."""

from __future__ import annotations

import pytest
from aiortc.rtp import RTCP_PSFB_APP, RtcpPacket, RtcpPsfbPacket, RtcpReceiverInfo, RtcpRrPacket, pack_remb_fci

from signaling.media.feedback import SubscriberFeedback
from signaling.media.forwarding import Publication, SlotTrack, StreamState
from signaling.media.passthrough import EncodedFrame

VIDEO_SSRC, AUDIO_SSRC = 1111, 2222


def wire(packet: object) -> object:
    """The packet as aiortc hands it to a sender: serialized and parsed back."""
    (parsed,) = RtcpPacket.parse(bytes(packet))  # type: ignore[call-overload]
    return parsed


def report(ssrc: int, fraction_lost: int, highest: int = 0, lost: int = 0) -> object:
    info = RtcpReceiverInfo(ssrc=ssrc, fraction_lost=fraction_lost, packets_lost=lost, highest_sequence=highest,
                            jitter=0, lsr=0, dlsr=0)
    return wire(RtcpRrPacket(ssrc=9, reports=[info]))


@pytest.mark.asyncio
async def test_heavy_loss_pauses_video_keeps_audio_and_a_shared_remb_counts_once() -> None:
    now = [100.0]
    camera = Publication("a/0", "a", "video", "camera", "0", send_pli=lambda: None, clock=lambda: now[0])
    microphone = Publication("a/1", "a", "audio", "microphone", "1", send_pli=lambda: None, clock=lambda: now[0])
    video, audio = SlotTrack("video"), SlotTrack("audio")
    video.attach(camera)
    audio.attach(microphone)
    def one_second_of_video() -> None:  # ~500 kbit/s
        for i in range(30):
            camera.deliver(EncodedFrame(b"x" * 2000, 3000 * i, i == 0, 90000, 0.0))
        now[0] += 1.0

    one_second_of_video()
    told: list[bool] = []
    feedback = SubscriberFeedback(lambda: [video, audio], told.append, clock=lambda: now[0])

    remb = wire(RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=9, media_ssrc=0, fci=pack_remb_fci(900_000, [VIDEO_SSRC, 3333])))
    feedback.on_rtcp(VIDEO_SSRC, remb, None)
    feedback.on_rtcp(3333, remb, None)  # the same packet, routed to the other sender it names
    assert feedback.estimate.bitrate(now[0]) == 900_000

    feedback.on_rtcp(VIDEO_SSRC, report(VIDEO_SSRC, 0, 1000, 0), 0.08)  # where the loss count starts
    feedback.on_rtcp(VIDEO_SSRC, report(VIDEO_SSRC, 100, 1100, 39), 0.08)  # 39 % of 100 packets lost
    assert not told  # once may be a burst
    one_second_of_video()
    feedback.on_rtcp(VIDEO_SSRC, report(VIDEO_SSRC, 100, 1200, 78), 0.08)
    assert told == [True]
    assert video.state is StreamState.PAUSED and audio.state is StreamState.FORWARDING
    assert feedback.budget.window == 0.08  # resends: once per round trip
    camera.close()
    microphone.close()
