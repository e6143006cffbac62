"""Reduce a customer's raw text to what they said about the product.

Removes an agent's turns from a pasted transcript, quoted replies, forwarded headers, legal
disclaimers, e-mail signatures, greetings and HTML; repairs broken Unicode and entities;
collapses whitespace; maps product-name aliases and version strings to canonical forms. Pure
and deterministic; the original stays in bronze. Every cut is conservative: when unsure, text
is kept."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from ftfy import fix_text
from ftfy.badness import badness, is_bad

from feedback_lakehouse.text.caseless import ascii_caseless, none_in
from feedback_lakehouse.text.markup import html_to_text

MAX_CHARS = 20_000
"""Longer texts are cut here: nobody reports one problem in 20,000 characters, and every later
stage (redaction, fragments, models) is bounded by it."""

_QUOTE_HEADERS = re.compile(
    r"^(?:"
    r"On .{4,200}(?:wrote|a écrit|schrieb|escribió)\s*:\s*$"
    r"|Le .{4,200} a écrit\s*:\s*$"
    r"|Am .{4,200} schrieb .{0,80}:\s*$"
    r"|El .{4,200} escribió\s*:\s*$"
    r"|-{2,}\s*(?:Original Message|Forwarded message|Message d'origine|Ursprüngliche Nachricht"
    r"|Mensaje original)\s*-{2,}\s*$"
    r"|(?:From|De|Von|Von:|Envoyé|Sent):\s.+$"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^\s*>.*$", re.MULTILINE)
_DISCLAIMER = re.compile(
    r"^(?:This (?:e-?mail|message)(?: and any attachments?)? (?:is|are|may be) "
    r"(?:confidential|intended)"
    r"|CONFIDENTIALITY NOTICE|DISCLAIMER"
    r"|Ce (?:message|courriel)(?: et ses pièces jointes)? (?:est|sont) confidentiel"
    r"|Diese E-Mail (?:ist|kann) vertraulich"
    r"|Este (?:mensaje|correo) (?:es|y sus anexos son) confidencial"
    r"|この(?:メール|電子メール)は.{0,20}機密)",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNOFF = re.compile(
    r"^\s*(?:--\s*|best(?: regards| wishes)?|kind regards|warm regards|regards|many thanks|"
    r"thanks(?: again| in advance)?|thank you|thx|ty|cheers|sincerely|br|"
    r"cordialement|bien cordialement|merci(?: d'avance| beaucoup)?|salutations|"
    r"viele grüße|mit freundlichen grüßen|beste grüße|lg|danke(?: im voraus)?|"
    r"saludos(?: cordiales)?|atentamente|un saludo|gracias(?: de antemano)?|"
    r"よろしくお願いいたします|よろしくお願いします|以上、?よろしくお願いいたします)"
    r"\s*[,.!。]?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_MOBILE_SIG = re.compile(r"^\s*(?:Sent from my \w+.*|Envoyé de mon \w+.*|Von meinem \w+ gesendet)$",
                         re.IGNORECASE | re.MULTILINE)  # fmt: skip
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|greetings|bonjour|salut|"
    r"hallo|guten (?:tag|morgen)|sehr geehrte[rs]?|liebe[rs]?|hola|buen(?:os|as) (?:días|tardes)|"
    r"estimad[oa]s?|お世話になっております|こんにちは)\b(?:\s+[\w.'-]+){0,3}\s*[,!.:。、]?\s*$",
    re.IGNORECASE,
)
# A transcript pasted as one text ("Customer: ... / Agent: ..."): the agent's turns are not
# the customer's words, and the speaker labels are not words at all.
_TURN = re.compile(
    r"^\s*(?P<who>customer|client|user|me|visitor|caller|kunde|cliente|utilisateur"
    r"|agent|support|rep|representative|bot|operator|assistant|advisor|soporte"
    r"|conseiller|berater)\s*:\s?",
    re.IGNORECASE | re.MULTILINE,
)
_AGENT = frozenset(
    [
        "agent",
        "support",
        "rep",
        "representative",
        "bot",
        "operator",
        "assistant",
        "advisor",
        "soporte",
        "conseiller",
        "berater",
    ]
)


def customer_turns(text: str) -> tuple[str, bool]:
    """Only the customer's turns of a transcript with at least one agent turn and one
    customer turn, their labels dropped; any other text as it is."""
    turns = list(_TURN.finditer(text)) if ":" in text else []
    whos = {m["who"].lower() in _AGENT for m in turns}
    if len(turns) < 2 or whos != {True, False}:
        return text, False
    kept = [text[: turns[0].start()]]
    for m, nxt in zip(turns, [*turns[1:], None], strict=True):
        if m["who"].lower() not in _AGENT:
            kept.append(text[m.end() : nxt.start() if nxt else len(text)])
    return "\n".join(part.strip() for part in kept if part.strip()), True


# the lead bytes of UTF-8 read as Latin-1/cp1252 ("Ã¼", "â€™", "Â "): cheap to look for,
# and ftfy's own check is only run when one is there
_MOJIBAKE_HINT = re.compile("[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u0152-\u0178]")
_TAGS = re.compile(r"<(?:p|br|div|span|b|i|strong|em|ul|li|ol|a|table|tr|td)\b[^>]*>", re.I)
_SPACE = r"[ \t\u00a0\u2000-\u200b\u3000]"
# runs of spacing to collapse; one plain space (every gap between two words) stays untouched
_SPACES = re.compile(rf" {_SPACE}+|[\t\u00a0\u2000-\u200b\u3000]{_SPACE}*")
_BLANKS = re.compile(r"\n\s*\n+")
_VERSION = re.compile(r"\b(v|ver\.?\s?|version\s)(\d+)\.(\d+)(?:\.(\d+))?\b", re.IGNORECASE)
# What each case-insensitive pattern cannot match without (lower-case ASCII): cheap tests that
# spare most messages the patterns (see ``caseless.none_in``).
_VERSION_NEEDS = re.compile(r"v(?:er\.?\s?|ersion\s)?\d")
_QUOTE_HEADER_NEEDS = (":", "--")
_DISCLAIMER_NEEDS = ("confiden", "intended", "disclaimer", "vertraulich")  # or "この"
_MOBILE_SIG_NEEDS = ("sent from my ", "envoy", "von meinem ")


@dataclass(frozen=True)
class Cleaned:
    text: str
    removed: tuple[str, ...]
    """What was cut, by kind (quoted_reply, disclaimer, signature, greeting, html, truncated)."""


def _cut_at(pattern: re.Pattern[str], text: str, min_keep: int = 1) -> tuple[str, bool]:
    """Cut at the first match that leaves some text before it."""
    for m in pattern.finditer(text):
        if len(text[: m.start()].strip()) >= min_keep:
            return text[: m.start()], True
    return text, False


def _cut_signoff(text: str) -> tuple[str, bool]:
    """The first sign-off line among the last 12 lines starts the signature."""
    lines = text.rstrip().split("\n")
    for i in range(max(0, len(lines) - 12), len(lines)):
        if not _SIGNOFF.match(lines[i]):  # the cheap test first: most lines are no sign-off
            continue
        rest = [line for line in lines[i + 1 :] if line.strip()]
        looks_like_signature = len(rest) <= 8 and all(
            len(line) <= 80 and not line.rstrip().endswith(("!", "?", "。")) for line in rest
        )
        if looks_like_signature and "\n".join(lines[:i]).strip():
            return "\n".join(lines[:i]), True
    return text, False


_CONTACT = re.compile(r"@|\+?\d[\d ().-]{6,}\d| \| |^(?:tel|phone|mobile|m|t)\s*[:.]", re.I)


def _cut_signature_block(text: str) -> tuple[str, bool]:
    """A last paragraph of a few short unpunctuated lines with contact details (a signature
    with no sign-off line before it)."""
    head, sep, last = text.rstrip().rpartition("\n\n")
    lines = [line.strip() for line in last.split("\n") if line.strip()]
    if (
        sep
        and head.strip()
        and 1 <= len(lines) <= 5
        and all(len(line) <= 70 and not line.endswith((".", "?", "!", "。")) for line in lines)
        and any(_CONTACT.search(line) for line in lines)
    ):
        return head, True
    return text, False


def canonical_versions(text: str) -> str:
    """``v5.14`` -> ``5.14.0``, ``version 5.14`` -> ``version 5.14.0``: one spelling per version,
    the customer's word "version" kept."""

    def fix(m: re.Match[str]) -> str:
        word = m[1] if m[1].lower().startswith("version") else ""
        return f"{word}{m[2]}.{m[3]}.{m[4] or 0}"

    low = ascii_caseless(text)
    if low is not None and _VERSION_NEEDS.search(low) is None:
        return text
    return _VERSION.sub(fix, text)


def apply_aliases(text: str, aliases: Mapping[str, str]) -> str:
    """Replace product-name aliases (whole words, case-insensitive) by their canonical names."""
    if not aliases:
        return text
    pattern, lookup, words = _alias_pattern(tuple(aliases.items()))
    if words and none_in(text, words):
        return text
    return pattern.sub(lambda m: lookup[m[0].lower()], text)


@lru_cache(maxsize=16)
def _alias_pattern(
    items: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str], dict[str, str], tuple[str, ...]]:
    """The pattern, the canonical name of each lower-cased alias, and the aliases lower-cased
    for a cheap test first (none when one is not ASCII), built once per alias mapping."""
    keys = sorted((k for k, _ in items), key=len, reverse=True)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)", re.IGNORECASE
    )
    words = tuple(k.lower() for k in keys) if all(k.isascii() for k in keys) else ()
    return pattern, {k.lower(): v for k, v in items}, words


def clean_text(raw: str, aliases: Mapping[str, str] | None = None) -> Cleaned:
    """The customer's words: see the module docstring for what goes."""
    removed: list[str] = []
    text = raw or ""
    if len(text) > MAX_CHARS * 4:  # bound the work on pathological inputs first
        text = text[: MAX_CHARS * 4]
        removed.append("truncated")
    # Repair only text that is broken throughout (a wrong decode): a customer quoting one
    # garbled name ("Müller shows as MÃ¼ller") is describing a bug, and that is evidence.
    bad = not text.isascii() and _MOJIBAKE_HINT.search(text)  # the hint is not ASCII
    if bad and is_bad(text) and badness(text) >= 3:
        text = fix_text(text, uncurl_quotes=False, fix_character_width=False)
    if _TAGS.search(text):
        text = html_to_text(text)
        removed.append("html")
    elif "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text, cut = customer_turns(text)
    if cut:
        removed.append("agent_turns")
    if not none_in(text, _QUOTE_HEADER_NEEDS):
        text, cut = _cut_at(_QUOTE_HEADERS, text)
        if cut:
            removed.append("quoted_reply")
    if not none_in(text, _DISCLAIMER_NEEDS) or "この" in text:
        text, cut = _cut_at(_DISCLAIMER, text)
        if cut:
            removed.append("disclaimer")
    if ">" in text and _QUOTED_LINE.search(text):
        text = _QUOTED_LINE.sub("", text)
        removed.append("quoted_reply")
    cut = False
    if not none_in(text, _MOBILE_SIG_NEEDS):
        text, cut = _cut_at(_MOBILE_SIG, text)
    text, cut_sig = _cut_signoff(text)
    text, cut_block = _cut_signature_block(text)
    if cut or cut_sig or cut_block:
        removed.append("signature")
    lines = text.strip().split("\n")
    if len(lines) > 1 and _GREETING.match(lines[0]):
        lines = lines[1:]
        removed.append("greeting")
    text = "\n".join(line.strip() for line in lines)
    text = _BLANKS.sub("\n\n", _SPACES.sub(" ", text)).strip()
    text = canonical_versions(apply_aliases(text, aliases or {}))
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        removed.append("truncated")
    return Cleaned(text, tuple(dict.fromkeys(removed)))
