"""Person-name detection without a NER model: first/last-name gazetteers plus context.

Gazetteers come from Faker's per-locale person providers (read as plain data, no Faker
instance), so names of many origins are known without shipping our own lists. A gazetteer
hit alone is not enough for words that are also ordinary English words ("Mark", "Grace"):
those need a known surname next to them. Context (signature blocks after a sign-off,
"my colleague X", "ask for X", honorifics, Japanese さん/様) catches names the lists miss."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from functools import lru_cache

from feedback_lakehouse.text.alternation import by_first_char
from feedback_lakehouse.text.caseless import fold, folded_pattern, lower_pattern


def _words_list(text: str) -> list[str]:
    return text.split()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LOCALES = tuple(
    _words_list(
        """
    en_US en_GB en_IE en_IN en_NZ de_DE de_AT de_CH fr_FR fr_CA fr_BE es_ES es_MX es_AR
    it_IT pt_BR pt_PT nl_NL pl_PL hi_IN sv_SE da_DK no_NO tr_TR ro_RO cs_CZ ja_JP zh_CN
    ko_KR
"""
    )
)
_FIRST_ATTRS = ("first_names", "first_names_male", "first_names_female", "first_romanized_names")
_LAST_ATTRS = ("last_names", "last_romanized_names")

# Common words that Faker also lists as given names: these need a known surname beside them.
AMBIGUOUS_FIRST = _words(
    """
    Bill Can Chase Don Else Faith Floor Grace Grant Guy Harm Hope Job Junior Line Loan Lot
    Love Mark May My Odd Owe Peer Per Rose Said Sole Sue Summer Ties Til Till Tone Us Will
    June April August Art Pat Dawn Ray Rich Sandy Holly Ivy Iris Joy Bob Jack Frank Drew
    Gene Wade Dale Glen Penny Rusty Sunny Carol Angel Miles Chip Chance Cash Lane Page Case
    Sky Storm Star Dusty Ernest Hunter Major Royal Hero Christian Victor Amber Ruby Crystal
    Jade Pearl Hazel Autumn Winter Spring Forest River Brook Clay Cliff Ford Gay Heath Marsh
    Mason Reed Rob Sterling Stone Tucker Warren Will Young Ben Al Ali Ana Eva Ada Abu Bo Di
    Ed Jo Le Li Lu Ma Mo Na Ni No Si So Su Ta Te To Un Van Von Del Della Dan Man Mai Jan Mar
    Marc Pablo Rey Reina Sol Luz Paz Cruz Belle Bella Bonita Dulce Linda Mercedes Porsche
    Tesla Paris London Sydney Austin Dallas Phoenix Camden Chelsea Jersey Victoria Georgia
    Virginia Carolina Florence Dakota Nevada Indiana Madison Lincoln Jefferson Washington
    Jackson Tyler Taylor Lee Long Ren Adam Eve Aurora Ariel Luna Nova Orion Atlas Apollo
    Titan Iris Echo Ray Max Bear Fox Wolf Say Do Be Go Ko Ca Ha He Ho Sam Sim Tim Kim Lin
    Pia Ina Ida Ima Ona Una Ora Ola Ela Bio Pin Pop Top Tab Kit Dot Net Web App Api Set Get
    Post
    """
)
# Capitalised words that are never part of a person's name in our domain.
STOP = _words(
    """
    Hi Hello Hey Dear Thanks Thank Thx Best Regards Kind Cheers Sincerely Regards Team
    Support Please Also Separately Another Sorry Yes No Ok Okay The This That These Those
    There Here When Where What Why How Who Which While If And Or But So Since Because After
    Before Then Lumen Lumenary Safari Chrome Edge Firefox Opera Brave Salesforce Slack Teams
    Zoom Jira Google Microsoft Apple Android Windows Linux Ubuntu Mac Macos Ios Iphone Ipad
    Pixel Galaxy Okta Azure Aws Snowflake Bigquery Redshift Postgres Mysql Excel Csv Pdf Api
    Sso Mfa Scim Saml Oauth Http Https Json Rest Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday January February March April June July September October November
    December Phone Tel Fax Mobile Email Mail Customer Success Lead Manager Director Head
    Analyst Engineer Admin Finance Operations Product Marketing Sales Data Analytics
    Dashboard Report Reports Invoice Order Street Road Avenue Lane Suite Floor Inc Ltd Gmbh
    Corp Llc Sas Kk Ag Bank Media Systems Health Foods Insurance Robotics Labs Group
    Holdings Bonjour Hola Hallo Merci Danke Gracias Saludos Cordialement Viele Beste Grüße
    Grüßen Atentamente Un Bien Sehr Estimado Estimada Madame Monsieur Equipe Équipe Mr Mrs
    Ms Dr Herr Frau Sr Sra Face Id Touch Settings Home Login Sign Log Export Import Webhook
    Webhooks Token Tokens Release Notes Status Page Help Center Docs Guide Chat Ticket
    Account Billing Plan Plans Seats Enterprise Pro Free Trial Us Eu Uk Usa Europe America
    Asia Pacific North South East West Central Good Morning Afternoon Evening Update Urgent
    Important Issue Problem Bug Error Fix Feature Request Pm Am Utc Gmt Cet Pst Est Vp Ceo
    Cto Cfo Coo Bi It Hr Qa Ops Devops Dev Prod Staging Sandbox Confidentiality Notice
    Disclaimer Sent From My Get Outlook Iphone
    """
)
_PARTICLES = _words(
    """
    de da di du del della der den van von ter le la bin al y e
    """
)

_UP = "A-ZÀ-ÖØ-ÞĀ-ſ"
_LO = "a-zß-öø-ÿĀ-ſ"
_TOK = rf"(?:Mc|Mac|O['’]|D['’])?[{_UP}][{_LO}]+(?:-[{_UP}][{_LO}]+)?"
_TOKEN_RE = re.compile(_TOK)
# A run of capitalised words on one line (lowercase particles allowed inside); the first
# word's look-behind comes after its capital, so that re skips ahead from capital to capital.
_TOK_TAIL = rf"(?:(?<=M)(?:c|ac)[{_UP}]|(?<=[OD])['’][{_UP}])?[{_LO}]+(?:-[{_UP}][{_LO}]+)?"
_RUN = re.compile(
    rf"[{_UP}](?<![\w@./#-].){_TOK_TAIL}"
    rf"(?:[ \t]+(?:(?:{'|'.join(sorted(_PARTICLES))})[ \t]+)?{_TOK})+(?![\w@])"
)
# Context that announces a person; weak triggers ("contact X") also need gazetteer support.
_STRONG = (
    r"colleague|coworker|co-worker|teammate|loop in|ask for|cc|cc'd|my name is|name's|call me|"
    r"collègue|je m'appelle|kollegin|kollege|ansprechpartner(?:in)?|compañer[oa]|me llamo|"
    r"Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Herr|Frau|Mme\.?|M\.|Sr\.|Sra\."
)
_WEAK = (
    r"manager|boss|admin|talk to|speak (?:to|with)|spoke (?:to|with)|talked to|contact|this is|"
    r"i am|i'm|contacter|je suis|ich bin|contactar con|soy"
)
# by first letter (``alternation``); no strong word is a weak one: the word tells the kind
_TRIGGER_WORD = by_first_char(lower_pattern(f"{_STRONG}|{_WEAK}"))
_TRIGGER = folded_pattern(rf"\b(?P<word>{_TRIGGER_WORD})[ \t]*:?[ \t]+(?=[{_UP}MOD])")
_STRONG_WORD = folded_pattern(_STRONG)
_HONORIFIC = frozenset(["mr", "mrs", "ms", "dr", "herr", "frau", "mme", "m", "sr", "sra"])
# Words right after a pair of capitalised words that say the pair is a person.
_POST = re.compile(
    r"(?:,?[ \t]+who\b|[ \t]+from[ \t]+(?:our|the|my)\b|[ \t]+\((?:our|my)\b"
    r"|[ \t]+(?:says|said|asked|mentioned|reported|noticed|saw)\b)"
)
# Endings of ordinary words (adverbs, gerunds...), never of the given names we need here.
_WORDLIKE = re.compile(r"(?:ly|ing|ed|tion|ness|ment|able|ful|ous|ive|ers|ist|ism|ity|ance|ence)$")
_SIGNOFF = re.compile(
    r"^[ \t>]*(?:best|best regards|kind regards|warm regards|regards|many thanks|thanks|thank you"
    r"|thx|cheers|sincerely|yours|yours sincerely|all the best|br|rgds|cordialement|bien à vous"
    r"|bien cordialement|merci|merci d'avance|salutations|viele grüße|beste grüße|mit freundlichen"
    r" grüßen|freundliche grüße|lg|vg|danke|gruß|grüße|saludos|un saludo|atentamente|gracias"
    r"|muchas gracias|cordialmente|un abrazo|grazie|cordiali saluti|met vriendelijke groet"
    r"|以上、?よろしくお願いします。?|よろしくお願いいたします。?|よろしくお願いします。?"
    r"|ご確認をお願いします。?|よろしく。?)[ \t]*[,.!:-]*[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SIG_HINT = re.compile(
    r"\||^(?:phone|tel|mobile|mob|cell|m|t|fax|tél|telefon|teléfono|email|e-mail)\b\s*[:.]|@|"
    r"^\+?[\d(][\d ()./-]{6,}$",
    re.IGNORECASE,
)
_JA_HONORIFIC = re.compile(
    r"([\u4e00-\u9fff]{1,3}(?:[ \u3000]?[\u4e00-\u9fff]{1,3})?|[\u30a1-\u30fa\u30fc]{2,}"
    r"(?:[・ \u3000][\u30a1-\u30fa\u30fc]{2,})?)(?=さん|様|さま|氏|殿)"
)
_JA_NOT_NAME = _words(
    """
    担当者 担当 皆 皆さん お客 客 各位 ご担当者 サポート チーム 関係者
    """
)


def _provider_names(attrs: tuple[str, ...]) -> set[str]:
    names: set[str] = set()
    for loc in _LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in attrs:
            value = provider.__dict__.get(attr)
            if isinstance(value, dict | list | tuple):
                for name in value:
                    names.update(str(name).split())
    return names


@lru_cache(maxsize=1)
def gazetteers() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(latin first names, latin last names, CJK family names, CJK given names), built once."""
    first, last = _provider_names(_FIRST_ATTRS), _provider_names(_LAST_ATTRS)
    latin = re.compile(rf"^{_TOK}$")
    cjk = re.compile(r"^[\u4e00-\u9fff\u3040-\u30ff]+$")
    return (
        frozenset(n for n in first if latin.match(n) and n not in STOP),
        frozenset(n for n in last if latin.match(n) and n not in STOP),
        frozenset(n for n in last if cjk.match(n)),
        frozenset(n for n in first if cjk.match(n)),
    )


def _tokens(run: str, offset: int) -> list[tuple[str, int, int]]:
    return [(m.group(), offset + m.start(), offset + m.end()) for m in _TOKEN_RE.finditer(run)]


def _is_first(tok: str, nxt: str, first: frozenset[str], last: frozenset[str]) -> bool:
    if tok not in first or nxt in STOP:
        return False
    if nxt in last:
        return True
    # An unknown surname must not look like an ordinary (plural, derived) English word.
    return tok not in AMBIGUOUS_FIRST and not _WORDLIKE.search(nxt) and not nxt.endswith("s")


def _gazetteer_names(text: str) -> Iterator[tuple[int, int]]:
    first, last, _, _ = gazetteers()
    for run in _RUN.finditer(text):
        toks = _tokens(run.group(), run.start())
        i = 0
        while i < len(toks) - 1:
            tok, nxt = toks[i][0], toks[i + 1][0]
            base = tok.split("-")[0]
            if tok == nxt:
                i += 1
                continue
            if (
                _is_first(tok, nxt, first, last)
                or _is_first(base, nxt, first, last)
                or (
                    nxt in last
                    and nxt not in AMBIGUOUS_FIRST
                    and tok not in STOP
                    and tok not in AMBIGUOUS_FIRST
                    and tok in first
                )
                or (
                    tok not in STOP
                    and nxt not in STOP
                    and not _WORDLIKE.search(tok)
                    and not _WORDLIKE.search(nxt)
                    and not nxt.endswith("s")
                    and (tok in first or nxt in last)
                    and i + 2 == len(toks)
                    and _POST.match(text, toks[i + 1][2])
                )
            ):
                yield toks[i][1], toks[i + 1][2]
                i += 2
            else:
                i += 1


_NAME_AT = re.compile(rf"{_TOK}(?:[ \t]+{_TOK}){{0,2}}")
_HAS_CJK = re.compile(r"[\u3040-\u9fff]")


def _name_at(text: str, pos: int) -> tuple[int, int] | None:
    """A name of 1-3 capitalised words starting at ``pos`` (same line)."""
    m = _NAME_AT.match(text, pos)
    if not m:
        return None
    toks = [t for t in _tokens(m.group(), m.start())]
    while toks and toks[-1][0] in STOP:
        toks.pop()
    if not toks or toks[0][0] in STOP:
        return None
    return toks[0][1], toks[-1][2]


def _line_is_name(line: str) -> bool:
    words = line.split()
    caps = [w for w in words if w not in _PARTICLES]
    return (
        1 <= len(caps) <= 4
        and len(words) <= 5
        and all(_TOKEN_RE.fullmatch(w) and w not in STOP for w in caps)
    )


def _supported(toks: list[str]) -> bool:
    """At least one word is a known first name (non-ambiguous) or surname."""
    first, last, _, _ = gazetteers()
    return (toks[0] in first and toks[0] not in AMBIGUOUS_FIRST) or any(t in last for t in toks[1:])


def _signature_names(text: str) -> Iterator[tuple[int, int]]:
    content: list[tuple[int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        if raw.strip():
            content.append((pos, raw))
        pos += len(raw) + 1
    for k, (p, s) in enumerate(content):
        stripped = s.strip()
        if len(stripped) > 60 or not _line_is_name(stripped):
            continue
        words = stripped.split()
        after_signoff = k > 0 and _SIGNOFF.match(content[k - 1][1]) is not None
        before_hint = k + 1 < len(content) and _SIG_HINT.search(content[k + 1][1].strip())
        alone = len(words) >= 2 and _supported(words)
        if after_signoff or (before_hint and len(words) >= 2) or (alone and k > 0):
            start = p + s.index(stripped)
            yield start, start + len(stripped)


def _trigger_names(text: str, folded: str) -> Iterator[tuple[int, int]]:
    for m in _TRIGGER.finditer(folded):
        span = _name_at(text, m.end())
        if not span:
            continue
        toks = text[span[0] : span[1]].split()
        honorific = m.group().strip().rstrip(":").strip().rstrip(".").lower() in _HONORIFIC
        strong = _STRONG_WORD.fullmatch(m["word"]) is not None
        if honorific or (len(toks) >= 2 and (strong or _supported(toks))):
            yield span


def _japanese_names(text: str) -> Iterator[tuple[int, int]]:
    _, _, family, given = gazetteers()
    for m in _JA_HONORIFIC.finditer(text):
        cand = m.group(1).strip()
        if cand in _JA_NOT_NAME or cand.endswith(tuple(_JA_NOT_NAME)):
            continue
        kanji = cand.replace(" ", "").replace("\u3000", "")
        if not kanji[0] >= "\u4e00" or any(kanji.startswith(f) for f in family):
            yield m.start(1), m.end(1)
    for line in re.finditer(
        r"^[ \t]*([\u4e00-\u9fff]{1,3}[ \u3000]?[\u4e00-\u9fff]{1,3})[ \t]*$", text, re.MULTILINE
    ):
        cand = line.group(1)
        if any(cand.startswith(f) for f in family) and any(
            cand.replace("\u3000", " ").split(" ")[-1].endswith(g) for g in given
        ):
            yield line.start(1), line.end(1)


# "Hi Priya," / "Agent: Hello Sam" opening a line, and "Thanks, Fiona" closing one: whoever is
# greeted or signs is a person, whether or not the gazetteers know the name.
_GREETING = re.compile(
    rf"^[ \t>]*(?:[A-Z][a-z]+:[ \t]*)?(?i:hi|hello|hey|dear|hallo|bonjour|hola|ciao|olá|oi"
    rf"|good (?:morning|afternoon|evening))[ \t]+(?P<name>{_TOK}(?:[ \t]+{_TOK})?)[ \t]*"
    rf"(?=[,!:\n]|$)"
    rf"|^[ \t>]*(?i:thanks|thank you|many thanks|cheers|best|regards|merci|danke|gracias"
    rf"|grazie|obrigad[oa])[ \t]*(?:[,!]|[ \t]-|[ \t]–|[ \t]—)[ \t]*"
    rf"(?P<signed>{_TOK}(?:[ \t]+{_TOK})?)[ \t]*[.!]?[ \t]*$",
    re.MULTILINE,
)


_GREETING_WORDS = frozenset(
    _words_list(
        """
    hi hello hey dear hallo bonjour hola ciao olá oi good thanks thank many cheers best regards
    merci danke gracias grazie obrigado obrigada
    """
    )
)


def _line_starts(text: str) -> list[int]:
    """Starts of the first two and the last three lines: where greetings open a message and
    thanks close it (reading every line of a long message cost a third of the redactor)."""
    starts = [0]
    for _ in range(2):
        nl = text.find("\n", starts[-1])
        if nl < 0:
            break
        starts.append(nl + 1)
    end = len(text)
    for _ in range(3):
        nl = text.rfind("\n", 0, end)
        if nl < 0:
            break
        starts.append(nl + 1)
        end = nl
    return sorted(set(starts))


def _greeting_lines(folded: str) -> Iterator[int]:
    """Those line starts whose first or second word (after "Agent:") greets or thanks."""
    for start in _line_starts(folded):
        head = folded[start : start + 40].split("\n", 1)[0]
        words = head.replace(",", " ").replace("!", " ").split()[:2]
        if any(w.lstrip(">") in _GREETING_WORDS for w in words):
            yield start


def _greeted(word: str) -> bool:
    """ "hi Seriously, ..." greets no one: a word shaped like an adverb or gerund is a name
    only when the gazetteers know it (Emily, Ted)."""
    return not _WORDLIKE.search(word.lower()) or word in gazetteers()[0]


def _greeting_names(text: str, folded: str) -> Iterator[tuple[int, int]]:
    matches = (_GREETING.match(text, start) for start in _greeting_lines(folded))
    for m in matches:
        if m is None:
            continue
        group = "name" if m.group("name") else "signed"
        toks = [t for t in _tokens(m.group(group), m.start(group)) if t[0] not in STOP]
        if toks and toks[0][1] == m.start(group) and _greeted(toks[0][0]):
            yield toks[0][1], toks[-1][2]
    # a message signed with a bare name on its last line, after a blank line
    last = text.rstrip()
    cut = last.rfind("\n\n")
    tail = last[cut + 2 :].strip() if cut >= 0 else ""
    if tail and "\n" not in tail and _line_is_name(tail) and len(tail.split()) <= 3:
        start = last.rindex(tail)
        yield start, start + len(tail)


# A capitalised run that ends in, or is followed by, one of these names an organisation or a
# role ("Chase Branch", "Morgan Chase bank", "Loan Officer"), not a person.
_ORG_OR_ROLE = re.compile(
    r"(?:bank|branch|services?|mortgage|financial|finance|inc|llc|ltd|corp|corporation|group"
    r"|holdings|capital|credit|lending|servicing|insurance|company|officer|representative|agent"
    r"|supervisor|specialist|advisor|adviser|associate|clerk|teller|banker|servicer|underwriter"
    r"|processor|coordinator|consultant|assistant|department|dept)\b",
    re.IGNORECASE,
)


def _is_org_or_role(text: str, start: int, end: int) -> bool:
    last = text[start:end].split()[-1]
    after = text[end : end + 30].lstrip(" \t")
    return bool(_ORG_OR_ROLE.fullmatch(last)) or (
        after != text[end : end + 30] and _ORG_OR_ROLE.match(after) is not None
    )


def find_names(text: str, folded: str | None = None) -> list[tuple[int, int]]:
    """Character spans of person names in ``text`` (may overlap; the caller merges);
    ``folded`` is ``caseless.fold(text)`` when the caller has it. Organisations and roles
    named like people are left out."""
    folded = fold(text) if folded is None else folded
    spans = list(_gazetteer_names(text))
    spans.extend(_trigger_names(text, folded))
    spans.extend(_signature_names(text))
    spans.extend(_greeting_names(text, folded))
    if _HAS_CJK.search(text):
        spans.extend(_japanese_names(text))
    return [(s, e) for s, e in spans if not _is_org_or_role(text, s, e)]
