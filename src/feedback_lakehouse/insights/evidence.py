"""Stage 2 by pattern: error codes, error messages, versions, devices, OS, browsers and product
feature names, each located by character span in the redacted text so a reader can see why.

Patterns run on every backend's input, so the evidence a model sees and the evidence a reader
sees are the same. PII placeholders ([EMAIL], [ORDER_ID], ...) are never evidence."""

from __future__ import annotations

import re
from collections.abc import Iterable

from feedback_lakehouse.insights.schema import Evidence
from feedback_lakehouse.text.caseless import fold, folded_pattern, lower_pattern

_ERROR_CODE = re.compile(
    r"\b(?:ERR|ERROR|E)_[A-Z0-9_]{2,}\b"  # ERR_SSO_4012, E_TIMEOUT (codes are upper case)
    r"|\bHTTP/\d(?:\.\d)?\s[1-5]\d\d\b"  # HTTP/1.1 429
    r"|\b(?i:HTTP|status|error|code)\s*:?\s*[1-5]\d\d\b"  # HTTP 429, error 500
    r"|\b(?:40[0-9]|41[0-8]|42[0-9]|50[0-4])\b(?!\s*(?:%|ms|s\b|rows|users|people|seats|calls))"
    r"|\b0x[0-9A-Fa-f]{4,}\b"
)
# the case-insensitive patterns match case-folded text (see ``caseless``: several times faster)
_ERROR_MESSAGE = folded_pattern(
    r"(?:error|message|says|said|shows|showing|displays|popup|pop-up)\s*:?\s*"
    r"[\"“'‘«]([^\"”'’»\n]{4,160})[\"”'’»]",
)
_DEVICE = folded_pattern(
    r"\b(?:iPhone\s?(?:\d{1,2}(?:\s?(?:Pro(?:\s?Max)?|Plus|mini))?|SE)?|iPad(?:\s?(?:Pro|Air|mini))?"
    r"|Pixel\s?\d{1,2}(?:\s?(?:Pro|a))?|Galaxy\s?[A-Z]\d{1,3}\+?(?:\s?Ultra)?"
    r"|OnePlus\s?\d{1,2}|Xiaomi\s?\w+|MacBook(?:\s?(?:Air|Pro))?|Chromebook|Surface\s?\w*)",
)
_OS = folded_pattern(
    r"\b(?:iOS|iPadOS|Android|macOS|OS X|Windows|Ubuntu|ChromeOS)(?:\s?\d{1,2}(?:\.\d{1,2}){0,2})?"
    r"(?:\s(?:Sonoma|Sequoia|Ventura))?\b",
)
_BROWSER = folded_pattern(
    r"\b(?:Chrome|Safari|Firefox|Edge|Opera|Brave|Internet Explorer)"
    r"(?:\s?\d{1,3}(?:\.\d+){0,3})?\b",
)
_VERSION = folded_pattern(
    r"(?<![\w.])(?:v(?:ersion)?\s?)?\d{1,4}\.\d{1,3}(?:\.\d{1,4}){0,2}(?![\w.]*\d)"
    r"|\b(?:API\s)?v\d\b",
)
_PLACEHOLDER = re.compile(r"\[[A-Z_]{2,12}\]")
_TIME_OR_MONEY = re.compile(r"^\d{1,2}[.:]\d{2}$")

# What each pattern cannot match without: cheap tests that skip most scans (a pattern tries
# its alternation at every position: 6-10 us a fragment each, 48 us for all of them, and the
# chain extracts evidence from every distinct text). For the folded text; ``test_evidence``
# holds each to its pattern.
_CODE_NEEDS = re.compile(r"[1-5]\d\d|0x|_")
_VERSION_NEEDS = re.compile(r"\d\.\d|v\d")
_MESSAGE_WORDS = ("error", "message", "says", "said", "shows", "showing", "displays", "popup",
                  "pop-up")  # fmt: skip
_QUOTES = ('"', "“", "'", "‘", "«")
_DEVICE_WORDS = ("iphone", "ipad", "pixel", "galaxy", "oneplus", "xiaomi", "macbook",
                 "chromebook", "surface")  # fmt: skip
_OS_WORDS = ("ios", "ipados", "android", "macos", "os x", "windows", "ubuntu", "chromeos")
_BROWSER_WORDS = ("chrome", "safari", "firefox", "edge", "opera", "brave", "internet explorer")


def _any_in(text: str, words: Iterable[str]) -> bool:
    return any(w in text for w in words)


def _feature_pattern(features: Iterable[str]) -> re.Pattern[str] | None:
    terms = _feature_terms(features)
    if not terms:
        return None
    body = "|".join(re.escape(t) for t in terms)
    return folded_pattern(rf"(?<!\w)(?:{body})(?:s|es)?(?!\w)")


def _feature_terms(features: Iterable[str]) -> list[str]:
    return sorted({f.strip() for f in features if f.strip()}, key=len, reverse=True)


class FeatureMatcher:
    """``_feature_pattern``'s matches, tried only where some term occurs: the pattern alone
    tries its whole alternation at every position of the text (17 us a fragment for 41
    terms), while finding where each term occurs is one substring search per term. The
    pattern decides at each of those positions, in order, so the spans are its own."""

    def __init__(self, features: Iterable[str]) -> None:
        self.pattern = _feature_pattern(features)
        self.terms = [lower_pattern(t) for t in _feature_terms(features)]

    def spans(self, low: str) -> list[tuple[int, int]]:
        if self.pattern is None:
            return []
        starts: set[int] = set()
        for term in self.terms:
            at = low.find(term)
            while at >= 0:
                starts.add(at)
                at = low.find(term, at + 1)
        out: list[tuple[int, int]] = []
        end = 0
        for at in sorted(starts):
            if at >= end and (m := self.pattern.match(low, at)) is not None:
                out.append(m.span())
                end = m.end()
        return out


class EvidenceExtractor:
    """Compiled once per task; ``extract`` is pure and deterministic."""

    def __init__(self, features: Iterable[str] = ()) -> None:
        self._features = FeatureMatcher(features)

    def extract_once(self, text: str, seen: dict[str, list[Evidence]] | None) -> list[Evidence]:
        """``extract``, remembered in ``seen`` by text (the lists are shared: never modify
        them). The chain reads a text's evidence to ask about it and again to finish each of
        its fragments."""
        if seen is None:
            return self.extract(text)
        found = seen.get(text)
        if found is None:
            found = seen[text] = self.extract(text)
        return found

    def extract(self, text: str) -> list[Evidence]:
        found: list[Evidence] = []
        low = fold(text)  # same length: spans found in it index ``text``
        taken: list[tuple[int, int]] = [m.span() for m in _PLACEHOLDER.finditer(text)]

        def add(kind: str, start: int, end: int) -> None:
            if end <= start or any(s < end and start < e for s, e in taken):
                return
            taken.append((start, end))
            found.append(Evidence(kind=kind, text=text[start:end], start=start, end=end))  # type: ignore[arg-type]

        if _any_in(low, _QUOTES) and _any_in(low, _MESSAGE_WORDS):
            for m in _ERROR_MESSAGE.finditer(low):
                add("error_message", m.start(1), m.end(1))
        if _CODE_NEEDS.search(low) is not None:
            for m in _ERROR_CODE.finditer(text):
                add("error_code", *m.span())
        if _any_in(low, _DEVICE_WORDS):
            for m in _DEVICE.finditer(low):
                add("device", *m.span())
        if _any_in(low, _OS_WORDS):
            for m in _OS.finditer(low):
                add("os", *m.span())
        if _any_in(low, _BROWSER_WORDS):
            for m in _BROWSER.finditer(low):
                add("browser", *m.span())
        if _VERSION_NEEDS.search(low) is not None:
            for m in _VERSION.finditer(low):
                if not _TIME_OR_MONEY.match(m.group()):
                    add("version", *m.span())
        for start, end in self._features.spans(low):
            add("feature", start, end)
        found.sort(key=lambda e: e.start)
        return found
