"""Validate client SDP *before* aiortc sees it.

aiortc mutates the peer connection while applying a description and cannot
roll back, so anything it would choke on half-way (unknown codecs, missing
DTLS parameters, re-ordered m-lines...) must be rejected up front with a
precise ``MediaError`` code. Only the SDP parser itself is reused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from aiortc import RTCIceCandidate, RTCRtpSender
from aiortc.rtcrtpparameters import RTCRtpCodecCapability
from aiortc.sdp import MediaDescription, SessionDescription, candidate_from_sdp

from . import errors
from .errors import MediaError
from .signals import TRACK_LABELS

MAX_SDP_BYTES = 256 * 1024
MAX_MLINES = 128
FORWARDED_CODECS = {"audio": ("audio/opus", 48000), "video": ("video/vp8", 90000)}
SENDING = frozenset({"sendonly", "sendrecv"})
LABEL_KINDS = {"camera": "video", "screen": "video", "microphone": "audio"}
CANDIDATE_LINE = "a=candidate:"


def codec_preferences(kind: str) -> list[RTCRtpCodecCapability]:
    """What server transceivers may negotiate: the forwarded codec (+RTX for video)."""
    mime = FORWARDED_CODECS[kind][0]
    wanted = {mime, "video/rtx"} if kind == "video" else {mime}
    return [c for c in RTCRtpSender.getCapabilities(kind).codecs if c.mimeType.lower() in wanted]


@dataclass(frozen=True)
class OfferedTrack:
    mid: str
    kind: str
    direction: str  # as offered by the client
    track_id: str | None

    @property
    def publishes(self) -> bool:
        return self.direction in SENDING


@dataclass(frozen=True)
class CheckedOffer:
    media: tuple[OfferedTrack, ...]
    new: tuple[OfferedTrack, ...]  # m-lines the server has not seen before


def parse(sdp: object) -> SessionDescription:
    if not isinstance(sdp, str):
        raise MediaError(errors.MALFORMED_SDP, "SDP must be a string")
    if len(sdp) > MAX_SDP_BYTES:
        raise MediaError(errors.SDP_TOO_LARGE, f"SDP exceeds {MAX_SDP_BYTES} bytes")
    if not sdp.startswith("v=0"):
        raise MediaError(errors.MALFORMED_SDP, "SDP must start with v=0")
    try:
        return SessionDescription.parse(sdp)
    except Exception as exc:  # the parser asserts/raises on anything unexpected
        raise MediaError(errors.MALFORMED_SDP, f"unparsable SDP ({type(exc).__name__})") from exc


def check_offer(
    sdp: object, known: Mapping[str, str], max_new_tracks: int
) -> tuple[SessionDescription, CheckedOffer]:
    """``known``: mid -> kind of every m-line negotiated so far, in order."""
    description = parse(sdp)
    _check_structure(description, known)
    media = tuple(
        OfferedTrack(
            mid=str(m.rtp.muxId),
            kind=m.kind,
            direction=m.direction or "sendrecv",
            track_id=description.webrtc_track_id(m),
        )
        for m in description.media
    )
    new = tuple(t for t in media if t.mid not in known)
    if sum(t.publishes for t in new) > max_new_tracks or len(new) > 2 * max(max_new_tracks, 1):
        raise MediaError(errors.TOO_MANY_TRACKS, f"at most {max_new_tracks} more tracks allowed")
    return description, CheckedOffer(media=media, new=new)


def check_answer(sdp: object, offered: Sequence[tuple[str, str]]) -> SessionDescription:
    """``offered``: (mid, kind) of the server's outstanding offer, in order."""
    description = parse(sdp)
    got = [(str(m.rtp.muxId), m.kind) for m in description.media]
    if got != list(offered):
        raise MediaError(errors.MLINE_MISMATCH, "answer m-lines do not match the offer")
    for m in description.media:
        _check_media(m, answer=True)
    return description


def _check_structure(description: SessionDescription, known: Mapping[str, str]) -> None:
    media = description.media
    if not media:
        raise MediaError(errors.NO_MEDIA, "offer has no m-lines")
    if len(media) > MAX_MLINES:
        raise MediaError(errors.TOO_MANY_TRACKS, f"more than {MAX_MLINES} m-lines")
    mids = [m.rtp.muxId for m in media]
    if any(not mid for mid in mids) or len(set(mids)) != len(mids):
        raise MediaError(errors.MALFORMED_SDP, "every m-line needs a unique a=mid")
    if mids[: len(known)] != list(known):
        raise MediaError(errors.MLINE_MISMATCH, "existing m-lines missing or re-ordered")
    bundle = [g for g in description.group if g.semantic == "BUNDLE"]
    if not bundle or set(map(str, bundle[0].items)) != set(mids):
        raise MediaError(errors.BUNDLE_REQUIRED, "all m-lines must be in one BUNDLE group")
    for m in media:
        if m.kind not in FORWARDED_CODECS:
            raise MediaError(errors.UNSUPPORTED_MEDIA, f"m={m.kind} is not supported")
        if known.get(str(m.rtp.muxId), m.kind) != m.kind:
            raise MediaError(errors.MLINE_MISMATCH, f"mid {m.rtp.muxId} changed kind")
        _check_media(m, answer=False)


def _check_media(m: MediaDescription, *, answer: bool) -> None:
    if m.kind not in FORWARDED_CODECS:
        raise MediaError(errors.UNSUPPORTED_MEDIA, f"m={m.kind} is not supported")
    if m.ice is None or not m.ice.usernameFragment or not m.ice.password:
        raise MediaError(errors.MALFORMED_SDP, "missing ICE credentials")
    if m.dtls is None or not m.dtls.fingerprints:
        raise MediaError(errors.MALFORMED_SDP, "missing DTLS fingerprint/setup")
    if answer and m.dtls.role not in ("client", "server"):
        raise MediaError(errors.MALFORMED_SDP, "answer must use a=setup:active|passive")
    if not m.rtcp_mux:
        raise MediaError(errors.MALFORMED_SDP, "rtcp-mux is required")
    mime, rate = FORWARDED_CODECS[m.kind]
    if not any(c.mimeType.lower() == mime and c.clockRate == rate for c in m.rtp.codecs):
        raise MediaError(
            errors.NO_COMMON_CODEC,
            f"mid {m.rtp.muxId}: the server forwards {m.kind} as {mime} only",
        )


def check_labels(labels: object) -> dict[str, str]:
    if labels is None:
        return {}
    if not isinstance(labels, dict) or len(labels) > MAX_MLINES:
        raise MediaError(errors.BAD_TRACK_LABEL, "track_labels must be a small dict")
    for key, value in labels.items():
        if not isinstance(key, str) or value not in TRACK_LABELS:
            raise MediaError(errors.BAD_TRACK_LABEL, f"bad label {value!r} for {key!r}")
    return dict(labels)


def label_for(track: OfferedTrack, labels: Mapping[str, str], video_seen: int) -> str:
    """Client label by mid or track id; defaults: audio=microphone, 1st video=camera."""
    label = labels.get(track.mid) or (labels.get(track.track_id) if track.track_id else None)
    if label is None:
        if track.kind == "audio":
            return "microphone"
        return "camera" if video_seen == 0 else "screen"
    if LABEL_KINDS[label] != track.kind:
        raise MediaError(errors.BAD_TRACK_LABEL, f"{label} cannot be {track.kind}")
    return label


def parse_candidate(candidate: dict[str, object] | None) -> RTCIceCandidate | None:
    """Browser-style RTCIceCandidateInit -> aiortc candidate (None: end of candidates)."""
    if candidate is None or candidate.get("candidate") in ("", None):
        return None  # end of candidates
    line = candidate.get("candidate")
    mid, index = candidate.get("sdpMid"), candidate.get("sdpMLineIndex")
    if not isinstance(line, str) or len(line) > 1024 or (mid is None and index is None):
        raise MediaError(errors.BAD_CANDIDATE, "candidate needs a line and sdpMid/sdpMLineIndex")
    parsed = candidate_from_sdp(line.removeprefix("a=").removeprefix("candidate:"))
    parsed.sdpMid = None if mid is None else str(mid)
    parsed.sdpMLineIndex = index if isinstance(index, int) else None
    return parsed


def drop_candidates(sdp: str, allowed: Callable[[str], bool]) -> str:
    """``sdp`` without the ``a=candidate`` lines whose address ``allowed`` refuses.

    aiortc applies an SDP's candidates itself (and probes them), so refused ones are cut
    from the text it gets. Lines are split exactly as aiortc's parser splits them; a
    candidate line that does not parse is dropped too (the checks before parsed it).
    """
    lines = sdp.splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(CANDIDATE_LINE) or _allowed_line(line, allowed)]
    return sdp if len(kept) == len(lines) else "".join(kept)


def _allowed_line(line: str, allowed: Callable[[str], bool]) -> bool:
    try:
        return allowed(candidate_from_sdp(line.removeprefix(CANDIDATE_LINE)).ip)
    except Exception:  # noqa: BLE001 — aiortc's parser asserts/raises on anything unexpected
        return False
