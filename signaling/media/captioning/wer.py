"""Word error rate: how far a transcript is from what was said (pure)."""
from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9']+")


def words(text: str) -> list[str]:
    """Lower-case words without punctuation: captions are compared on words, not spelling of
    commas ("o'clock" stays one word)."""
    return _WORD.findall(text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / words in ``reference`` (Levenshtein on words).

    0.0 is perfect; 1.0 is nothing right (or nothing heard); above 1.0 means more wrong words
    were added than the reference had. An empty reference: 0.0 if nothing was heard, else 1.0."""
    ref, hyp = words(reference), words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    previous = list(range(len(hyp) + 1))
    for i, said in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, heard in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (said != heard))
        previous = current
    return previous[-1] / len(ref)
