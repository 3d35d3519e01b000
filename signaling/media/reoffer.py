"""Server re-offers that keep what earlier negotiations settled.

aiortc's ``createOffer`` resets every transceiver's codecs and RTP header-extension ids
to its own defaults (opus 96, VP8 97, mid=1, audio-level=2...). Between two aiortc peers
that is harmless (same defaults), but a browser that made the first offer chose others
(opus 111, VP8 96, audio-level=1, mid=4...):

* Chromium refuses a re-offer that changes an active m-line's extension ids ("RTP
  extension ID reassignment not supported") and one whose payload types mean two codecs
  in one BUNDLE group ("codec collision");
* aiortc's senders and receivers fix payload types and ids when they start: a change
  would silently break media that already flows.

So a re-offer keeps, on every m-line negotiated before, its codecs and extension ids; a
new m-line takes the codecs of a negotiated m-line of its kind (the browser's own payload
types) and the session's id for each extension.
"""
from __future__ import annotations

import copy

from aiortc import RTCPeerConnection, RTCRtpTransceiver, RTCSessionDescription
from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpHeaderExtensionParameters
from aiortc.sdp import SessionDescription

Settled = tuple[list[RTCRtpCodecParameters], list[RTCRtpHeaderExtensionParameters]]
EXTENSION_IDS = range(1, 15)  # one-byte header extensions


async def create_offer(pc: RTCPeerConnection) -> RTCSessionDescription:
    """``pc.createOffer()``, with the settled codecs and extension ids kept (see above)."""
    settled: dict[RTCRtpTransceiver, Settled] = {
        t: (t._codecs, t._headerExtensions) for t in pc.getTransceivers() if t.mid is not None and t._codecs
    }
    offer = await pc.createOffer()  # resets every transceiver's _codecs and _headerExtensions
    if not settled:
        return offer
    used = {c.payloadType for codecs, _ in settled.values() for c in codecs if c.payloadType is not None}
    templates = {kind: _template(settled, kind) for kind in ("audio", "video")}
    ids = {ext.uri: ext.id for _, extensions in settled.values() for ext in extensions}
    description = SessionDescription.parse(offer.sdp)
    by_index = {t._get_mline_index(): t for t in pc.getTransceivers()}
    for index, media in enumerate(description.media):
        transceiver = by_index.get(index)
        if transceiver is None or media.kind not in templates:
            continue
        codecs, extensions = settled.get(transceiver) or (
            templates[media.kind] or _unused(transceiver._codecs, used), _extensions(transceiver._headerExtensions, ids))
        templates[media.kind] = templates[media.kind] or codecs  # later new m-lines: the same
        transceiver._codecs, transceiver._headerExtensions = codecs, extensions
        media.fmt = [c.payloadType for c in codecs]
        media.rtp.codecs, media.rtp.headerExtensions = codecs, extensions
    return RTCSessionDescription(sdp=str(description), type="offer")


def _template(settled: dict[RTCRtpTransceiver, Settled], kind: str) -> list[RTCRtpCodecParameters] | None:
    for transceiver, (codecs, _) in settled.items():
        if transceiver.kind == kind:
            return copy.deepcopy(codecs)
    return None


def _unused(codecs: list[RTCRtpCodecParameters], used: set[int]) -> list[RTCRtpCodecParameters]:
    """aiortc's default codecs, moved off payload types the session gives other codecs."""
    free = (pt for pt in range(96, 128) if pt not in used)
    moved: dict[int | str | None, int] = {c.payloadType: next(free) for c in codecs if c.payloadType in used}
    result = []
    for codec in copy.deepcopy(codecs):
        codec.payloadType = moved.get(codec.payloadType, codec.payloadType)
        if "apt" in codec.parameters:
            apt = codec.parameters["apt"]
            codec.parameters["apt"] = moved.get(apt, apt)
        result.append(codec)
    used.update(c.payloadType for c in result if c.payloadType is not None)
    return result


def _extensions(defaults: list[RTCRtpHeaderExtensionParameters], ids: dict[str, int]) -> list[RTCRtpHeaderExtensionParameters]:
    """The session's id for each extension; a free id for one the session has not used yet."""
    taken = set(ids.values())
    chosen = []
    for ext in defaults:
        if ext.uri not in ids:
            free = next((i for i in EXTENSION_IDS if i not in taken), None)
            if free is None:
                continue  # no id left: do without this extension
            ids[ext.uri] = free
            taken.add(free)
        chosen.append(RTCRtpHeaderExtensionParameters(id=ids[ext.uri], uri=ext.uri))
    return chosen
