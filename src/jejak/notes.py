"""Transcribers' notes — ``(tertawa)``, ``[jeda]``, ``[tidak jelas]`` — are not speech."""

from __future__ import annotations

import re
from functools import cache

from jejak.deidentify import PLACEHOLDERS
from jejak.resources import patterns


@cache
def _note_re() -> re.Pattern:
    notes = "|".join(re.escape(n) for n in sorted(patterns()["notes"], key=len, reverse=True))
    return re.compile(rf"[\[(]\s*(?:{notes})[^\])]*[\])]", re.IGNORECASE)


def remove_notes(text: str) -> str:
    """Drop transcribers' notes: ``(tertawa)``, ``[tidak jelas]``, any other bracketed aside
    that is not a placeholder."""
    return _drop_other_brackets(_note_re().sub(" ", text))


def _drop_other_brackets(text: str) -> str:
    def keep_placeholder(match: re.Match) -> str:
        return match.group() if match.group() in PLACEHOLDERS else " "

    return re.sub(r"\[[^\]]*\]", keep_placeholder, text)
