"""Case-folded patterns match exactly what their IGNORECASE originals match, at the same
offsets of the original text."""

from __future__ import annotations

import re
import string

import pytest

from feedback_lakehouse.silver.fragments import _PROBLEM
from feedback_lakehouse.silver.pii_names import _TRIGGER
from feedback_lakehouse.text.caseless import (
    ascii_caseless,
    fold,
    folded_pattern,
    lower_pattern,
    none_in,
)

TEXTS = [
    "The Export FAILS with ERROR 500 since Monday",
    "Ask for Dr. Müller in FINANCE",
    "İstanbul office: SYNC is STUCK again",  # İ grows when lower-cased
    "Straße und Übergrößen: FEHLER beim Export",
    "nothing to see here",
    "",
]


def test_escapes_and_group_names_survive_lowering() -> None:
    assert lower_pattern(r"(?P<Strong>\W\S\D\B)ABC") == r"(?P<strong>\W\S\D\B)abc"
    assert lower_pattern(r"\\A") == r"\\a"  # an escaped backslash, then a literal


def test_inline_case_flags_are_refused() -> None:
    with pytest.raises(ValueError, match="inline case flag"):
        lower_pattern(r"(?-i:ABC)")


@pytest.mark.parametrize("text", TEXTS)
def test_fold_keeps_length_and_folds_case(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    # each character lower-cased, except those that would grow (kept as they are)
    assert all(
        f == (c.lower() if len(c.lower()) == 1 else c) for f, c in zip(folded, text, strict=True)
    )


@pytest.mark.parametrize("pattern", [r"\b(?:error|fails?|stuck)\b", r"ask for\s+(?P<who>\w+)"])
@pytest.mark.parametrize("text", TEXTS)
def test_same_spans_as_ignorecase(pattern: str, text: str) -> None:
    want = [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)]
    got = [m.span() for m in folded_pattern(pattern).finditer(fold(text))]
    assert got == want


@pytest.mark.parametrize("text", TEXTS)
def test_silver_patterns_agree_with_their_ignorecase_form(text: str) -> None:
    for folded in (_PROBLEM, _TRIGGER):
        original = re.compile(folded.pattern, re.IGNORECASE)
        assert [m.span() for m in folded.finditer(fold(text))] == [
            m.span() for m in original.finditer(text)
        ]


def test_none_in_is_exact_for_ascii_words() -> None:
    assert none_in("the sync is slow", ("disclaimer", "--"))
    assert not none_in("DisClaimer: ...", ("disclaimer",))
    assert not none_in("Sent from my phone", ("sent from my ",))
    assert not none_in("ſent from my phone", ("sent from my ",))  # unsure: IGNORECASE reads s
    # every character IGNORECASE takes for an ASCII letter lower-cases to it, but İ, ı and ſ
    everything = "".join(map(chr, range(0x110000)))
    letters = re.compile("|".join(string.ascii_lowercase), re.IGNORECASE)
    odd = {
        m.group()
        for m in letters.finditer(everything)
        if m.group().lower() not in string.ascii_lowercase
    }
    assert odd == {"\u0130", "\u0131", "\u017f"}
    assert all(ascii_caseless(ch) is None for ch in odd)
