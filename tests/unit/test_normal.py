"""The ASCII path of ``word_string`` gives what the pattern gives."""

from __future__ import annotations

import re
import unicodedata

import pytest

from feedback_lakehouse.text.normal import word_string

EVERY_ASCII = "".join(map(chr, range(128)))


def _by_pattern(text: str) -> str:
    return re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


@pytest.mark.parametrize(
    "text",
    [
        EVERY_ASCII,
        EVERY_ASCII[::-1],
        "  Export_FAILS -- [EMAIL] (v2.1)\x1c\x0bok ",
        "",
        "Ｅｘｐｏｒｔ É_ß",
    ],
)
def test_same_words_as_the_pattern(text: str) -> None:
    assert word_string(text) == _by_pattern(text)
