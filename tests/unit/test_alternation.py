"""An alternation regrouped by first character matches what the original matches, at the same
spans, whichever branch wins."""

from __future__ import annotations

import re

import pytest

from feedback_lakehouse.text.alternation import by_first_char, top_level_branches

PATTERNS = [
    # a prefix of a later branch wins when it comes first; \b branches go last in their group
    r"no way|never|n't|cc|cc'd|can ?not|\b(?:not?\b|no\b|(?:doesn|isn)t\b)",
    # a leading group distributed over its tail, a class and a nested group inside a branch
    r"(?:would|we'd) (?:like|love)|too (?:high|low)|compañer[oa]|log(?:s|ging)? (?:me |us )?out",
    r"\b(?:40[0-9]|50[0-4])\b(?! ?[^\W\d_]+s\b)|error|erreur|失敗|遅",
    r"sk_|sk\-|pin:|pin\ =|pin=|pin\ is|key:|key=",
]
TEXTS = [
    "no way, it never worked and can not export; cc'd Dana, cc: Lee",
    "we'd love a fix: the 404 page and 500 errors, 404 users, 503 again",
    "it doesnt load, isnt synced, not now, no. Nothing, nope, knot",
    "logs me out, logging us out, log out; too high, too slow",
    "mi compañera ve el error; erreur 503; 失敗しました、遅い",
    "pin: 1234, pin = 99, api key=abc, sk_live and sk-test",
    "",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_same_spans_as_the_plain_alternation(pattern: str) -> None:
    original, grouped = re.compile(pattern), re.compile(by_first_char(pattern))
    for text in TEXTS:
        want = [m.span() for m in original.finditer(text)]
        assert [m.span() for m in grouped.finditer(text)] == want, text


def test_branches_are_grouped_by_first_character_in_order() -> None:
    assert by_first_char(r"ab|cd|a|\bax") == r"a(?:b||(?<!\w.)x)|c(?:d)"
    assert top_level_branches(r"a(?:b|c)|[|]d|\|e") == ["a(?:b|c)", "[|]d", r"\|e"]


@pytest.mark.parametrize("pattern", [r"abc|.x", r"abc|(?P<g>x)", r"a?bc|d", r"\b-x", r"(?:a|b)+c"])
def test_a_branch_without_a_literal_first_character_is_refused(pattern: str) -> None:
    with pytest.raises(ValueError):
        by_first_char(pattern)
