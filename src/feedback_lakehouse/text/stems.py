"""One light stemmer for every word comparison (topic cohesion in fragments, theme names, the
similarity index): plural and -ing/-ed forms count as one word ("crashes", "crashing",
"crash"). ``STEM_SPARK`` is the same rule for Spark's regular expressions."""

from __future__ import annotations

import re

__all__ = ["STEM_SPARK", "stem"]

_SUFFIX = re.compile(r"^(\w{3,}?)(?:ing|ed|es|s)$")
STEM_SPARK = r"^(\p{L}{3,}?)(?:ing|ed|es|s)$"
"""``stem`` as a pattern for ``regexp_replace(word, STEM_SPARK, "$1")``."""


def stem(word: str) -> str:
    """``word`` (lower-case) without a plural or -ing/-ed ending; its first three letters stay."""
    return _SUFFIX.sub(r"\1", word)
