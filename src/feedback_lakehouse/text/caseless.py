"""Case-insensitive patterns matched as case-sensitive ones on case-folded text.

Python's ``re`` folds case at every step of an ``IGNORECASE`` match and tries each branch of
a long alternation at each position: silver's cue and vocabulary lists run 4-5x faster as a
plain pattern over lower-cased text. The text is folded once per message with ``fold``,
which keeps its length, so match offsets index the original text."""

from __future__ import annotations

import re

__all__ = ["ascii_caseless", "fold", "folded_pattern", "lower_pattern", "none_in"]


def lower_pattern(pattern: str) -> str:
    """``pattern`` with its literals lower-cased; escapes (``\\W``, ``\\S``, ``\\b``...) kept.

    Inline case flags would change meaning, so they are refused."""
    if "(?-i" in pattern or "(?i" in pattern:
        raise ValueError(f"pattern has an inline case flag: {pattern[:60]!r}")
    out: list[str] = []
    escaped = False
    for ch in pattern:
        named_group = ch == "P" and out[-2:] == ["(", "?"]  # (?P<name>...), (?P=name)
        out.append(ch if escaped or named_group else ch.lower())
        escaped = not escaped and ch == "\\"
    return "".join(out)


def folded_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile ``pattern`` to match ``fold``-ed text as ``IGNORECASE`` matches the original."""
    return re.compile(lower_pattern(pattern), flags & ~re.IGNORECASE)


def fold(text: str) -> str:
    """``text`` lower-cased, one character for one: the few characters that grow when
    lower-cased (the Turkish dotted capital I, say) stay as they are."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


# The only characters that IGNORECASE matches to an ASCII letter and ``str.lower`` does not
# turn into it: İ and ı (read as i), ſ (read as s).
_ODD_CASE = ("\u0130", "\u0131", "\u017f")


def ascii_caseless(text: str) -> str | None:
    """``text`` lower-cased when that tells exactly where ``re.IGNORECASE`` finds an ASCII
    word in it (the lower-cased word is there), else None (rare: İ, ı or ſ in the text)."""
    if not text.isascii() and any(ch in text for ch in _ODD_CASE):
        return None
    return text.lower()


def none_in(text: str, words: tuple[str, ...]) -> bool:
    """No word of ``words`` (ASCII, lower-case) is in ``text`` in any case: a cheap exact test
    before a case-insensitive pattern that needs one of them (False when unsure)."""
    low = ascii_caseless(text)
    return low is not None and not any(word in low for word in words)
