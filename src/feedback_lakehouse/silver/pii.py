"""PII redaction of customer text before it reaches silver tables.

Each detector proposes typed spans over the original text; overlaps are resolved in favour of
the longest span (then the more specific type), and the spans are replaced by placeholders
such as ``[EMAIL]``. Structured identifiers (emails, cards, IPs, order ids) use strict
patterns with checksums or address validation so version numbers, error codes, dates and
amounts survive; phones are validated with ``phonenumbers`` against the regions the text's
language suggests; names come from :mod:`feedback_lakehouse.silver.pii_names`."""

from __future__ import annotations

import bisect
import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from feedback_lakehouse.silver.pii_names import find_names
from feedback_lakehouse.text.alternation import by_first_char
from feedback_lakehouse.text.caseless import fold, folded_pattern

TYPES = ("EMAIL", "PHONE", "NAME", "ORDER_ID", "CARD", "IP", "ADDRESS", "SECRET")
# Higher wins when two candidate spans have the same length.
_PRIORITY = {"SECRET": 8, "EMAIL": 7, "CARD": 6, "IP": 5, "ORDER_ID": 4, "PHONE": 3,
             "ADDRESS": 2, "NAME": 1}  # fmt: skip
_ALL_REGIONS = ("US", "GB", "FR", "DE", "ES", "JP")
_REGIONS = {
    "en": ("US", "GB"),
    "fr": ("FR",),
    "de": ("DE",),
    "es": ("ES",),
    "ja": ("JP",),
}


@dataclass(frozen=True, slots=True)
class PiiSpan:
    """One redacted value: its type and its offsets in the original text."""

    type: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redaction:
    """Redacted text plus the spans (original offsets) that were replaced."""

    text: str
    spans: tuple[PiiSpan, ...]


_EMAIL = re.compile(r"(?<![\w.+%-])[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_IPV4 = re.compile(
    r"(?<![\w.=~^<>])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
    r"(?![\w]|\.\d)"
)
_IPV4_HINT = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")  # in every address: a cheap test first
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
# A pattern that opens with a character set lets re skip ahead to the next possible start;
# one opening with a look-behind is tried at every position. So the look-behind comes after
# the first character here: "(?<![\d.,-].)" is "no digit, dot, comma or dash before it".
_CARD = re.compile(r"\d(?<![\d.,-].)(?:[ -]{0,2}\d){12,18}(?![\d.,]\d|-\d|\d)")
_ORDER = re.compile(
    r"\b(?-i:(?:INV|PO|ORD|SO|RMA)(?=[A-Z0-9-]*\d)(?:-[A-Z0-9]+)+)\b"
    r"|(?:\b(?:order|invoice|(?-i:PO)|ref(?:erence)?|receipt|purchase order|commande|facture"
    r"|bestellung|rechnung|auftrag|pedido|factura)[ \t]*(?:no\.?|nr\.?|number|num\.?"
    r"|n[º°]\.?|#|id)?[ \t]*[:#]?[ \t]*|\bn[º°][ \t]*|注文番号[:：]?\s*|請求書番号[:：]?\s*)"
    r"(?P<id>(?-i:#?(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{3,22}[A-Z0-9]|#[A-Z0-9]{6,12}))\b",
    re.IGNORECASE,
)
# Every match of _ORDER holds one of these (folded): a cheap test before the pattern runs.
_ORDER_HINTS = (
    "inv-", "po ", "po-", "po#", "po:", "po.", "ord-", "so-", "rma-", "order", "invoice",
    "ref", "receipt", "commande", "facture", "bestell", "rechnung", "auftrag", "pedido",
    "factura", "numéro", "número", "numero", "nº", "n°", "注文番号", "請求書番号",
)  # fmt: skip
# A number announced as an order / invoice / PO number a few words earlier in the sentence
# ("our Bestellnummer for 2026 is 4500087312", "PO number (current term: 4500123987)").
_ORDER_ANNOUNCED = re.compile(
    r"(?:(?:order|invoice|purchase|po|bestell|rechnungs|auftrags)[ \t-]?"
    r"(?:number|nummer|no\b|nr\b)|num[eé]ro de (?:commande|facture)"
    r"|n[uú]mero de (?:pedido|factura))"
    r"[^.!?\n]{0,60}?(?<![\w.-])(?P<id>\d{6,14})(?![\w.-]\w)",
    re.IGNORECASE,
)
# a bare "#A77813": letters then digits after a hash (an issue number "#123" has no letter)
_HASH_ID = re.compile(r"(?<![\w#])#[A-Z]{1,3}\d{5,12}\b")
_ORDER_HINT = re.compile(by_first_char("|".join(map(re.escape, _ORDER_HINTS))))
# ...and the shape of its id (case as written): a text with a hint and no such id is spared
_ORDER_SHAPE = re.compile(r"[A-Z0-9][A-Z0-9-]{3,22}[A-Z0-9]|#[A-Z0-9]{6}|(?:INV|PO|ORD|SO|RMA)-")
_SIX_DIGITS = re.compile(r"\d{6}")
_ANNOUNCE_HINTS = ("number", "nummer", " no", " nr", "numéro", "número")
_ORDER_KEEP = re.compile(r"^(?:ERR|HTTP|KB|REL|INC|FLAG|ACC|CALL|AG|CVE|ISO|RFC)[-_]", re.I)
_PHONE_REST = r"[\d \t().\-/]*(?:[ \t]*\n[ \t]*[\d(][\d \t().\-/]*)?\d(?![\w])"
_PHONE_CAND = re.compile(  # "+", "(" or a digit first, each then the look-behind (see _CARD)
    rf"\+(?<![\w.+/-].)\d{_PHONE_REST}|\((?<![\w.+/-].)\+?\d{_PHONE_REST}"
    rf"|\d(?<![\w.+/-].){_PHONE_REST}"
)
# Credentials customers paste: vendor key shapes, JWTs, bearer tokens, and the value after
# "password:" / "api key =" and the like (the word stays, the value goes).
_VENDOR_KEY = re.compile(
    r"\b(?:(?:sk|pk|rk)[-_](?:live|test|prod)[-_][A-Za-z0-9]{8,}|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}"
    r"|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{4,})"
)
# run on the folded text (same offsets): a lower-case pattern scans faster than IGNORECASE
_SECRET_VALUE = folded_pattern(
    r"\bbearer[ \t]+(?P<bearer>[\w.~+/-]{16,}=*)"
    r"|\b(?:password|passwd|pwd|passcode|pin|token|api[ _-]?key|secret|client[ _-]secret"
    r"|access[ _-]key|mot de passe|passwort|kennwort|contraseña|senha)"
    r"(?:[ \t]+(?:is|was|ist|est|es|é))?[ \t]*[:=][ \t]*(?P<value>[^\s\[\]]{4,})"
    r"|\b(?:password|passwd|pwd|passcode|token|api[ _-]?key|secret)[ \t]+(?:is|was)[ \t]+"
    r"(?P<said>(?=[^\s]*[\d!@#$%^&*])[^\s\[\]]{6,})"
)
_VENDOR_HINT = re.compile(r"sk[-_]|pk[-_]|rk[-_]|gh[pousr]_|xox|akia|aiza|eyj")
_SECRET_HINTS = (
    "sk_", "sk-", "pk_", "pk-", "rk_", "rk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "xox",
    "akia", "aiza", "eyj", "bearer", "passw", "pwd", "passcode", "pin:", "pin =", "pin=",
    "pin is", "token", "key:", "key =", "key=", "key is", "secret", "mot de passe", "kennwort",
    "contraseña", "senha",
)  # fmt: skip
_SECRET_HINT = re.compile(by_first_char("|".join(map(re.escape, _SECRET_HINTS))))
# "jane dot doe at example dot com", "jane[at]example.com": an address written to dodge
# scrapers is still an address. A spelled-out "at" needs a spelled-out "dot" and a known
# top-level domain, so "meet at the office" stays.
_TLD = r"(?:com|org|net|io|co|de|fr|es|it|nl|uk|eu|ca|au|jp|br|pt|ch|at|be|se|no|dk|info|biz)"
_DOT = r"(?:[ \t]*(?:\(dot\)|\[dot\]|\{dot\})[ \t]*|[ \t]+dot[ \t]+)"
_EMAIL_DODGE = re.compile(
    rf"(?<![\w.])[\w+-]+(?:(?:\.|{_DOT})[\w+-]+)*[ \t]*(?:\(at\)|\[at\]|\{{at\}})[ \t]*"
    rf"[\w-]+(?:(?:\.|{_DOT})[\w-]+)*(?:\.|{_DOT}){_TLD}\b"
    rf"|(?<![\w.])[\w+-]+(?:{_DOT}[\w+-]+)*[ \t]+at[ \t]+[\w-]+(?:{_DOT}[\w-]+)*{_DOT}{_TLD}\b",
    re.IGNORECASE,
)
_DATE_LIKE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
_STREET_EN = (
    r"(?:Street|St\.?|Road|Rd\.?|Avenue|Ave\.?|Lane|Ln\.?|Drive|Dr\.?|Boulevard|Blvd\.?|Way"
    r"|Place|Pl\.?|Court|Ct\.?|Square|Sq\.?|Terrace|Crescent|Close|Parkway|Highway|Hwy)"
)
_CITY = r"[A-ZÀ-Þ][a-zß-ÿ'’-][\w'’-]*(?:[ \t][A-ZÀ-Þ][a-zß-ÿ'’-][\w'’-]*){0,2}"
_SEP = r",?[ \t]*\n?[ \t]*"
_POST_TAIL = (
    rf"(?:{_SEP}(?:Suite|Apt\.?|Unit|Floor|Fl\.?)[ \t]+\w+)?"
    rf"(?:{_SEP}(?:\d{{4,5}}[ \t]+{_CITY}|{_CITY}(?:,?[ \t]+(?:[A-Z]{{2}}[ \t]+\d{{5}}(?:-\d{{4}})?"
    rf"|[A-Z]{{1,2}}\d[A-Z\d]?[ \t]?\d[A-Z]{{2}}|\d{{4,5}}))?))?"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[A-Za-z]?,?[ \t]+(?:[A-ZÀ-Þ][\w'’.-]*[ \t]+){{1,3}}{_STREET_EN}\b{_POST_TAIL}"
    rf"|\b\d{{1,4}}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?:rue|avenue|av\.|boulevard|bd|place|chemin"
    rf"|allée|impasse|quai|cours|route)[ \t]+(?:(?:de|du|des|la|le|l'|d')[ \t]?)*"
    rf"[A-ZÀ-Þ][\w'’-]+(?:[ \t][A-ZÀ-Þ][\w'’-]+)?{_POST_TAIL}"
    rf"|\b(?:Calle|C/|Avenida|Avda\.|Paseo|Plaza|Camino|Carrer|Ronda)[ \t]+"
    rf"(?:(?:de|del|la|los|las)[ \t]+)*[A-ZÀ-Þ][\w'’-]+(?:[ \t][A-ZÀ-Þ][\w'’-]+)?,?[ \t]+"
    rf"\d{{1,4}}\b{_POST_TAIL}"
    r"|〒?\d{3}-\d{4}[ \t\u3000]*(?:東京都|北海道|京都府|大阪府|[\u4e00-\u9fff]{2,3}県)"
    r"[\u4e00-\u9fff\u3040-\u30ff]{1,20}\d+(?:[-－]\d+){0,3}"
    r"|(?:東京都|北海道|京都府|大阪府|[\u4e00-\u9fff]{2,3}県)[\u4e00-\u9fff\u3040-\u30ff]{1,20}"
    r"\d+(?:[-－丁目番地号]\d*){1,4}"
)
# UK extras: "Flat 3," / "Unit 5," before an address, a street named without a number after
# one, and a postcode on its own ("EC1A 1BB").
_UNIT = r"(?:Flat|Apartment|Apt\.?|Unit|Suite)[ \t]+\w{1,5},?[ \t]+"
_ADDRESS_UNIT = re.compile(
    rf"\b{_UNIT}(?:\d{{1,5}}[A-Za-z]?,?[ \t]+)?(?:[A-ZÀ-Þ][\w'’.-]*[ \t]+){{1,3}}{_STREET_EN}\b"
    rf"{_POST_TAIL}"
)
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}\b")
_UK_POSTCODE_HINT = re.compile(r" \d[A-Z][A-Z]\b")
# A street and number, then (after a comma or a line break) a postcode and a city: the
# continental form ("Strandkaien 14" / "5013 Bergen"). A 4-digit code that reads as a year
# (19xx, 20xx) is not taken for a postcode.
_ADDRESS_EU = re.compile(
    rf"(?<![\w-])[A-ZÀ-Þ][\wß-ÿ'’-]+(?:[ \t][A-ZÀ-Þ][\wß-ÿ'’-]+)?[ \t]+\d{{1,4}}[a-z]?"
    rf"(?:,[ \t]*\n?|[ \t]*\n)[ \t]*(?!(?:19|20)\d\d\b)\d{{4,5}}[ \t]+{_CITY}"
)
_POSTCODE_LINE_HINT = re.compile(r"[,\n][ \t]*\d{4}")
# German streets: a capitalised word plus house number; the suffix is checked in Python
# because a suffix alternation inside the pattern is slow on long texts.
_ADDRESS_DE = re.compile(rf"(?<![\w-])[A-ZÄÖÜ][\wäöüß-]+\.?[ \t]+\d{{1,4}}[a-z]?\b{_POST_TAIL}")
_DE_STREET = re.compile(r"(?:straße|strasse|str\.|allee|weg|platz|gasse|ring|damm|ufer)$", re.I)
_HAS_CJK = re.compile(r"[\u3040-\u9fff]")
# Every match of _ADDRESS holds its street word so placed, every German street one of the
# folded suffixes: cheap tests before the costly patterns run. The words are grouped by
# first letter (see ``alternation``).
_ADDRESS_NEEDS = re.compile(
    r"[ \t](?:(?:" + by_first_char(
        r"Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Place|Pl|Court"
        r"|Ct|Square|Sq|Terrace|Crescent|Close|Parkway|Highway|Hwy"
    ) + r")\b|(?:" + by_first_char(
        r"rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|cours|route"
    ) + r")[ \t])|(?:" + by_first_char(
        r"Calle|C/|Avenida|Avda\.|Paseo|Plaza|Camino|Carrer|Ronda"
    ) + r")[ \t]|[県都道府]"
)  # fmt: skip
_DE_STREET_HINTS = (
    "straße",
    "strasse",
    "str.",
    "allee",
    "weg",
    "platz",
    "gasse",
    "ring",
    "damm",
    "ufer",
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _phone_shaped(candidate: str) -> bool:
    """National numbers need a phone-like grouping, so versions and ids stay."""
    if candidate.lstrip("(").startswith("+"):
        return True
    groups = re.findall(r"\d+", candidate)
    if re.match(r"\(\d{2,4}\)", candidate) and all(len(g) > 1 for g in groups):
        return True
    if any(len(g) == 1 for g in groups[1:]):
        return False
    return len(groups) >= 3 or (len(groups) == 2 and groups[0].startswith("0"))


@lru_cache(maxsize=65536)
def _valid_phone(candidate: str, regions: tuple[str, ...]) -> bool:
    digits = sum(c.isdigit() for c in candidate)
    if digits < 7 or digits > 15 or _DATE_LIKE.match(candidate) or not _phone_shaped(candidate):
        return False
    if candidate.lstrip("(").startswith("+"):
        try:
            num = phonenumbers.parse(candidate, None)
        except phonenumbers.NumberParseException:
            return False
        # fictional and unallocated ranges are still someone's way of writing a phone number
        groups = re.findall(r"\d+", candidate)
        grouped = len(groups) >= 3 and all(len(g) >= 2 for g in groups[1:])
        return phonenumbers.is_valid_number(num) or (
            grouped and phonenumbers.is_possible_number(num)
        )
    nums = []
    for region in regions:  # the text's own regions first: most numbers stop at the first
        try:
            num = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return True
        nums.append(num)
    # Unallocated but well-formed (e.g. "01 18 72 49 71"): accept when grouped like a phone.
    groups = re.findall(r"\d+", candidate)
    return (
        len(groups) >= 4
        and all(2 <= len(g) <= 4 for g in groups)
        and any(phonenumbers.is_possible_number(n) for n in nums)
    )


def _phones(text: str, regions: tuple[str, ...]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for m in _PHONE_CAND.finditer(text):
        cand, start = m.group(), m.start()
        trimmed = cand.rstrip(" \t.-/(")
        if _valid_phone(trimmed.replace("\n", " "), regions):
            out.append((start, start + len(trimmed)))
            continue
        # Several numbers on one run, or a number followed by unrelated digits.
        for part in re.finditer(r"[+(]?\d[\d().\-/]*(?:[ \t]\(?\d[\d().\-/]*)*", cand):
            chunk = part.group().rstrip(".-/(")
            if _valid_phone(chunk, regions):
                out.append((start + part.start(), start + part.start() + len(chunk)))
    return out


_DIGIT = re.compile(r"\d")


def _candidates(text: str, language: str | None) -> list[tuple[int, int, str]]:
    """Every detector's spans. Detectors whose pattern needs a character the text lacks (an
    '@', a digit, two colons) are skipped: half of all messages have no digit at all."""
    found: list[tuple[int, int, str]] = []
    folded = fold(text)
    if "@" in text:
        found += [(m.start(), m.end(), "EMAIL") for m in _EMAIL.finditer(text)]
    if ("at" in folded) and ("dot" in folded or "(at)" in folded or "[at]" in folded):
        found += [(m.start(), m.end(), "EMAIL") for m in _EMAIL_DODGE.finditer(text)]
    if _SECRET_HINT.search(folded):
        found += _secrets(text, folded)
    if _DIGIT.search(text) is not None:
        found += _numeric_candidates(text, folded, language)
    elif "#" in text:  # an order id such as "#AB12CD" may have no digit
        found += _order_ids(text, folded)
    if text.count(":") >= 2:
        for m in _IPV6.finditer(text):
            if m.group().count(":") >= 2 and any(c.isalnum() for c in m.group()):
                try:
                    ipaddress.IPv6Address(m.group())
                except ValueError:
                    continue
                found.append((m.start(), m.end(), "IP"))
    found += [(s, e, "NAME") for s, e in find_names(text, folded)]
    return found


def _secrets(text: str, folded: str) -> list[tuple[int, int, str]]:
    found = []
    if _VENDOR_HINT.search(folded):
        found += [(m.start(), m.end(), "SECRET") for m in _VENDOR_KEY.finditer(text)]
    for m in _SECRET_VALUE.finditer(folded):
        group = next(g for g in ("value", "said", "bearer") if m.group(g))
        start, end = m.start(group), m.end(group)
        while end > start and text[end - 1] in ",;.)]\"'":  # the sentence's, not the secret's
            end -= 1
        found.append((start, end, "SECRET"))
    return found


def _order_ids(text: str, folded: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    if "#" in text:
        found += [(m.start(), m.end(), "ORDER_ID") for m in _HASH_ID.finditer(text)]
    if any(w in folded for w in _ANNOUNCE_HINTS) and _SIX_DIGITS.search(text):
        found += [(m.start("id"), m.end("id"), "ORDER_ID") for m in _ORDER_ANNOUNCED.finditer(text)]
    hinted = _ORDER_HINT.search(folded) and _ORDER_SHAPE.search(text)
    for m in _ORDER.finditer(text) if hinted else ():
        if not _ORDER_KEEP.match(m.group()):
            # "Order #X" is one token; for "Reference: X" only the id is personal.
            start = m.start() if m.group("id") is None or "#" in m.group() else m.start("id")
            found.append((start, m.end(), "ORDER_ID"))
    return found


def _numeric_candidates(text: str, folded: str, language: str | None) -> list[tuple[int, int, str]]:
    """IPv4, cards, order ids, addresses and phones: each needs at least one digit."""
    found: list[tuple[int, int, str]] = []
    if _IPV4_HINT.search(text):
        found += [(m.start(), m.end(), "IP") for m in _IPV4.finditer(text)]
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn(digits) and len(set(digits)) > 1:
            found.append((m.start(), m.end(), "CARD"))
    found += _order_ids(text, folded)
    if _ADDRESS_NEEDS.search(text):
        found += [(m.start(), m.end(), "ADDRESS") for m in _ADDRESS.finditer(text)]
    if any(unit in text for unit in ("Flat", "Apartment", "Apt", "Unit", "Suite")):
        found += [(m.start(), m.end(), "ADDRESS") for m in _ADDRESS_UNIT.finditer(text)]
    if _UK_POSTCODE_HINT.search(text):
        found += [(m.start(), m.end(), "ADDRESS") for m in _UK_POSTCODE.finditer(text)]
    if _POSTCODE_LINE_HINT.search(text):
        found += [(m.start(), m.end(), "ADDRESS") for m in _ADDRESS_EU.finditer(text)]
    if any(hint in folded for hint in _DE_STREET_HINTS):
        for m in _ADDRESS_DE.finditer(text):
            word = m.group().split()[0]
            suffix = _DE_STREET.search(word)
            if suffix and suffix.start() >= 3 and len(m.group().split()[1]) <= 4:
                found.append((m.start(), m.end(), "ADDRESS"))
    lang = (language or "").lower()[:2]
    regions = _REGIONS.get(lang, ())
    regions += tuple(r for r in _ALL_REGIONS if r not in regions)
    found += [(s, e, "PHONE") for s, e in _phones(text, regions)]
    return found


def _resolve(found: list[tuple[int, int, str]]) -> list[PiiSpan]:
    """Keep the longest (then most specific) span wherever candidates overlap."""
    starts: list[int] = []
    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(found, key=lambda f: (f[0] - f[1], -_PRIORITY[f[2]], f[0])):
        i = bisect.bisect_right(starts, start)
        if (i and chosen[i - 1][1] > start) or (i < len(starts) and starts[i] < end):
            continue
        starts.insert(i, start)
        chosen.insert(i, (start, end, kind))
    return [PiiSpan(k, s, e) for s, e, k in chosen]


def redact(text: str, language: str | None = None) -> Redaction:
    """Replace PII in ``text`` with typed placeholders; spans refer to the original text."""
    if not text or (not any(c.isalnum() for c in text[:4096]) and not text[4096:]):
        return Redaction(text or "", ())
    spans = _resolve(_candidates(text, language))
    if not spans:
        return Redaction(text, ())
    parts: list[str] = []
    pos = 0
    for span in spans:
        parts.append(text[pos : span.start])
        parts.append(f"[{span.type}]")
        pos = span.end
    parts.append(text[pos:])
    return Redaction("".join(parts), tuple(spans))


def redact_many(texts: list[str], languages: list[str | None]) -> list[Redaction]:
    """Batch form for per-partition use; ``languages`` aligns with ``texts``."""
    if len(languages) != len(texts):
        raise ValueError("texts and languages must have the same length")
    return [redact(t, lang) for t, lang in zip(texts, languages, strict=True)]
