"""Customer text inside a prompt: between delimiters the text itself cannot forge, so a model
can be told that nothing inside them is an instruction. Every prompt that quotes customers
uses these (the insights backend, the theme namer)."""

from __future__ import annotations

import re

OPEN = "<<<FRAGMENT key={key}>>>"
CLOSE = "<<<END>>>"

_ANGLES = re.compile(r"<{3,}|>{3,}")
_LOOKALIKE = {"<": "\u2039", ">": "\u203a"}  # ‹ ›


def neutralise(text: str) -> str:
    """Replace runs of 3+ angle brackets with look-alikes, so no text can open or close a
    fragment block. Length is kept, so a span found in the neutralised text is the same
    span in the original."""
    return _ANGLES.sub(lambda m: "".join(_LOOKALIKE[c] for c in m.group()), text)
