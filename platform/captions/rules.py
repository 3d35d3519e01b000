"""Pure decisions about captions: no database, no Django (tested directly)."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# A caption line is what fits on a line or two of the screen (a CART writer commits often);
# longer text is refused (invalid_message) rather than cut. Entering a space shows its last
# HISTORY_LINES final lines. Both are the protocol's, published in docs/protocol.md.
from signaling.protocol.captions import HISTORY_LINES, LINE_MAX_CHARS

__all__ = ["HISTORY_LINES", "LINE_MAX_CHARS", "LineStep", "Source", "attribution", "clean_line", "line_step",
           "takes_automatic"]


class Source(StrEnum):
    PERSON = "person"
    AUTOMATIC = "automatic"


def clean_line(text: str) -> str:
    """One line of caption text: runs of whitespace (newlines too) become one space, ends trimmed.

    Captions are read as a stream; a pasted paragraph's line breaks would only break the
    WebVTT cue (a blank line ends a cue) and the plain-text transcript's one-line-per-caption."""
    return " ".join(text.split())


@dataclass(frozen=True)
class LineStep:
    """What a ``captions.line`` does to the space's open line (the one being typed)."""

    create: bool  # start a new line (nothing open yet)
    publish: bool  # tell the space (an empty partial with nothing open changes nothing)
    commit: bool  # the line is final: it goes into the transcript


def line_step(has_open_line: bool, text: str, final: bool) -> LineStep:
    """Partial lines update the open line in place; a final line commits it.

    An empty partial with no open line is a captioner clearing an empty box: nothing to say.
    A final line always has text (the protocol refuses an empty one)."""
    if not has_open_line and not text and not final:
        return LineStep(create=False, publish=False, commit=False)
    return LineStep(create=not has_open_line, publish=True, commit=final)


def takes_automatic(person_captioning: bool) -> bool:
    """A space where a person is captioning uses the person's captions: automatic captions
    (issue 19 item 2) are not shown or stored there while a captioner is assigned."""
    return not person_captioning


def attribution(source: str, captioner_name: str | None) -> str:
    """The honest label under the captions."""
    if source == Source.PERSON and captioner_name:
        return f"Captions by {captioner_name} (CART)"
    if source == Source.AUTOMATIC:
        return "Automatic captions — may contain errors"
    return "Captions"
