"""Split cleaned customer text into one fragment per reported problem.

Deterministic and explainable: the text is cut into sentences (and lines / paragraphs), and a
new fragment starts only where there is a topic-shift cue AND the new part reads like a fresh
problem statement. Cues:

* strong: "Also,", "Separately,", "Another thing:", "On a different note", "Unrelated, but",
  "PS:", "One more issue:", enumerations ("2)", "(b)", "Issue 2:") and their fr/de/es/ja
  equivalents (see ``cues``). They split
  unless what follows is only an ask, a filler or an anaphora ("Also, any ETA?", "Also, it
  happens on Firefox"); spoken fillers after the cue ("right, so") are skipped first.
* weak: a paragraph break (or a new chat/call turn; never a pasted log or stack-trace line,
  a dash bullet, a short "...:" label line or the content such a label announces) and a
  sentence opening with an additive "And " / "また、" (cue ``topic_shift``; not a follow-up
  question "And how ...?"). They split only when the following sentence also looks like a
  problem statement (problem or request vocabulary outside URLs and host names, not opening
  with an anaphora such as "it"/"this", not an ask/impact).

* a paragraph split by a weak cue joins the fragment before it again when the two are
  cohesive: they share a content word (stemmed and cut to six letters, function words of
  English and the message's language left out: a second paragraph that goes on about the
  same export, invoice or sync is the same problem), or its first sentence points back with a
  demonstrative ("these errors").
* lists: a numbered list under a label ("Steps to reproduce:") is the steps of one problem; a
  list announced as several things ("two things from our team:", "dos problemas:") has one
  topic per item, dash bullets included.

Everything else stays attached to the previous fragment, so a symptom paragraph followed by an
impact paragraph and "any ETA?" is one fragment. Non-problem lead-in text (fillers, a short
greeting that survived cleaning, a line announcing "two issues", the context given before an
enumeration) and a review-style title line are attached to what follows.
Noise (praise, how-to questions) therefore comes out as one fragment."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from feedback_lakehouse.silver.cues import (
    ADDITIVE,
    ASK,
    CONTEXT,
    FILLER,
    FIRST_ITEM,
    FOLLOW_UP_QUESTION,
    strong_cue,
)
from feedback_lakehouse.silver.lists import LIST_ITEM, announces_items, is_announced_item, is_step
from feedback_lakehouse.text.alternation import by_first_char
from feedback_lakehouse.text.caseless import fold, folded_pattern
from feedback_lakehouse.text.normal import word_string
from feedback_lakehouse.text.stems import stem

__all__ = ["Fragment", "fingerprint", "fragment_count_accuracy", "split_fragments"]


@dataclass(frozen=True, slots=True)
class Fragment:
    """One problem statement: ``text`` is ``source[start:end]``; ``cue`` says why it starts."""

    text: str
    start: int
    end: int
    cue: str


# Sentence units: cut after terminal punctuation + space (newlines are cut separately), and
# before a capitalised cue inside a run-on sentence ("... is this known Unrelated, but ...").
# Both cuts open with the space, so ``re`` skips ahead from space to space.
_CUE_AHEAD = by_first_char(
    r"Also,|Separately,|Unrelated,|Another (?:thing|issue|problem):"
    r"|One more (?:thing|issue|problem):|On a (?:different|separate|side) note|PS:|P\.S\."
    r"|Aussi,|Autre chose|Außerdem|Noch etwas|Ein anderes Thema|Además|Otra cosa|Por otro lado"
    r"|And [A-Z]"
)
_AFTER_STOP = r"[ \t](?<=[.!?][ \t])[ \t]*(?=\S)"
_BEFORE_CUE = rf"[ \t](?<=\S[ \t])[ \t]*(?={_CUE_AHEAD}|[2-9]\) )"
_SENT_END = re.compile(rf"{_AFTER_STOP}|{_BEFORE_CUE}")
# ...and right after a CJK full stop, which needs no space: for the lines that have one
_SENT_END_CJK = re.compile(rf"{_AFTER_STOP}|(?<=[。！？])|{_BEFORE_CUE}")

# Vocabulary that marks a problem or a request (weak cues need one of these); regrouped by
# first letter, it scans three times faster (see ``alternation``).
_PROBLEM = folded_pattern(by_first_char(
    r"n't|never|cannot|can ?not|unable|fail|error|broken|break|wrong|missing|lost"
    r"|crash|freez|stuck|slow|stop|too (?:high|low|many|few|small|big|long)|blank|empty"
    r"|ignor|reject|duplicat|twice|double|corrupt"
    r"|mangl|truncat|cut off|kick|logged out|log(?:s|ging)? (?:me |us )?out|expire|loop|throttl"
    r"|rate limit|timeout|time out"
    r"|please (?:add|support|let|allow|make)"
    r"|(?:would|we'd) (?:like|love)|feature|wish|need|want|missing|no way|confus|outdated"
    r"|old ui|greyed|disabled|only|instead|problem|issue|bug"
    r"|ne (?:\w+ )?pas|impossible|erreur|bloqu|plante|nicht|kein|fehler|funktioniert"
    r"|nunca|falla|error|roto|se rompe|dos veces|できません|されません|ない|エラー"
    r"|失敗|落ち|二重|遅"
    # whole words only ("change", "wonderful", "bookkeeper" are none of these); an HTTP
    # status, not a count ("300 users")
    r"|\b(?:not?\b|no\b|hang|keep(?:s|ing)?\b|(?:doesn|isn|aren|won)t\b"
    r"|(?:40[0-9]|42[0-9]|50[0-4])\b(?! ?[^\W\d_]+s\b))",
))  # fmt: skip
_ANAPHOR = folded_pattern(
    r"^\W*(?:it(?! seems| looks)|this|that|these|those|they|them|he|she|same)\b"
)
# Pasted logs, stack traces, HTTP dumps and shell lines: never the start of a new problem.
_CODE = folded_pattern(
    r"^(?:\s|[$>{\[<#|]|HTTP/|Traceback|File \"|at \w|\w+\.\w+\(|[a-z][\w.]*(?:-[\w.]+)+:"
    r"|(?:console|stderr|stdout|error|warning|warn|debug|info|log)\b\s*:)"
    r"|\b\w*(?:error|exception)\b:",
)
# A short first line without final punctuation is a title (review headline, subject).
_TITLE = re.compile(r"^[^\n.!?。！？:;]{1,60}$")


def _units(text: str) -> list[tuple[int, int, bool]]:
    """(start, end, starts_block) sentence units; starts_block marks a new line/paragraph."""
    out: list[tuple[int, int, bool]] = []
    pos = 0
    for line in text.split("\n"):
        lstart, lend = pos, pos + len(line)
        pos = lend + 1
        if not line.strip():
            continue
        first = True
        cut = lstart
        cjk = not line.isascii() and ("。" in line or "！" in line or "？" in line)
        for m in (_SENT_END_CJK if cjk else _SENT_END).finditer(line):
            end = lstart + m.start()
            if _BARE_NUMBER.match(text[cut:end]):
                continue  # "2. The invoices ..." : the item's number opens its sentence
            if text[cut:end].strip():
                out.append((cut, end, first))
                first = False
            cut = lstart + m.end()
        if text[cut:lend].strip():
            out.append((cut, lend, first))
    return out


_BARE_NUMBER = re.compile(r"^\W{0,3}\d{1,2}[.)]$")


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _content(part: str) -> str:
    m = FILLER.match(part)
    return part[m.end() :] if m else part


def _is_ask(rest: str) -> bool:
    """An ask, a filler or an anaphoric remark ("it also ..."): never a new problem."""
    rest = _content(rest)
    return not rest.strip() or bool(ASK.match(rest)) or _ANAPHOR.match(rest) is not None


def _is_attachment(rest: str) -> bool:
    """An ask / impact / context / filler part: belongs to the problem before it."""
    return _is_ask(rest) or CONTEXT.match(rest) is not None


def _looks_like_problem(rest: str) -> bool:
    rest = _content(rest)
    return not _is_attachment(rest) and _has_problem(rest)


# Host names, URLs, e-mail addresses and file names: their parts are not words ("acme.no").
# anchored at the start of a run and possessive: a long run of word characters is read once,
# not again from each of its characters (20,000 of them took 4 s)
_ADDRESS = re.compile(r"(?<![\w-])[\w-]++(?:[.@][\w-]++)++(?:/\S*+)?|(?<!\w)\w++://\S++")
_JOINERS = frozenset("./@:")
_SPACE = re.compile(r"\s")


def _has_problem(part: str) -> bool:
    m = _PROBLEM.search(part)
    if m is None:
        return False
    # the whitespace-delimited token the word was found in
    lo = max((part.rfind(c, 0, m.start()) for c in " \n\t"), default=-1) + 1
    after = _SPACE.search(part, m.end())
    token = part[lo : after.start() if after else len(part)]
    if not _JOINERS & set(token.strip(".,;:!?()[]<>\"'")):
        return True  # cheap test first: the word found is not inside an address
    return _PROBLEM.search(_ADDRESS.sub(" ", part)) is not None


def _boundary(text: str, unit: tuple[int, int, bool], prev_gap: str) -> str | None:
    """The cue that opens a new fragment at this unit, or None to attach it (``text`` is
    folded, see ``caseless``)."""
    start, end, block = unit
    body = text[start:end]
    strong = strong_cue(body)
    if strong is not None:
        cue, skip = strong
        if cue == "numbered_list" and is_step(text, start):
            return None
        return cue if not _is_ask(body[skip:]) else None
    m = ADDITIVE.match(body)
    if m and _looks_like_problem(body[m.end() :]) and not FOLLOW_UP_QUESTION.match(body, m.end()):
        return "topic_shift"
    if block and _looks_like_problem(body) and not _CODE.search(body):
        if LIST_ITEM.match(body) or _announced(text, start) or _is_label(body):
            return None  # a bullet, a "...:" label line, or the content a label announced
        return "paragraph"
    return None


def _is_label(body: str) -> bool:
    """A short line ending in a colon ("Error shown in the app:") labels what follows."""
    line = body.strip()
    return line.endswith(":") and "\n" not in line and len(line.split()) <= 8


def _announced(text: str, start: int) -> bool:
    """The line before ``start`` ends with a colon ("Error in the app:", "Steps:"): what
    follows is its content, not a new topic."""
    before = text[:start].rstrip()
    return before.endswith(":") and "\n" in text[max(0, len(before) - 200) : start]


_WEAK = ("paragraph", "topic_shift")


def _is_lead_in(folded: str, group: list) -> bool:
    """A short opening without a problem (a filler or greeting the cleaner left), or one that
    only announces the problems to come ("A few points from the finance team:"); ``folded``
    is the message's folded text (see ``caseless``)."""
    words = folded[group[0] : group[1]].split()
    if len(words) <= 6 and group[1] - group[0] <= 50:  # characters too: CJK has no spaces
        return not group[3]
    if len(words) > 30 or not announces_items(" ".join(words)):
        return False
    # "Two issues since the update: the export is broken" states the first one itself
    _, colon, rest = folded[group[0] : group[1]].partition(":")
    return not (colon and _looks_like_problem(rest))


def _is_title(text: str, group: list, next_start: int) -> bool:
    """The first group is a single headline line directly followed by the next line."""
    head = text[group[0] : group[1]]
    return bool(_TITLE.match(head)) and text[group[1] : next_start].count("\n") == 1


_STOP_LANGUAGES = {"en": "english", "fr": "french", "de": "german", "es": "spanish",
                   "pt": "portuguese", "it": "italian", "nl": "dutch"}  # fmt: skip
# Words of 4+ letters; scripts written without spaces (CJK, kana) are left out: a run of them
# is a whole clause, which only a verbatim repeat would share.
_WORD = re.compile(r"[^\W\d_\u3000-\u9fff\uf900-\ufaff\uff00-\uffef]{4,}")


@lru_cache(maxsize=16)
def _stop_words(language: str | None) -> frozenset[str]:
    """Function words of English (scikit-learn's list: short, so words such as "page" or
    "problem" still tie two paragraphs) and of the message's language (all when unknown)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from stop_words import get_stop_words

    names = {_STOP_LANGUAGES.get(language or "", "")} - {"", "english"}
    if language not in _STOP_LANGUAGES:
        names = set(_STOP_LANGUAGES.values()) - {"english"}
    return frozenset(ENGLISH_STOP_WORDS) | {w for name in names for w in get_stop_words(name)}


# Words of talking to support, not of the product: they tie any two paragraphs of a ticket.
_SUPPORT_TALK = re.compile(
    r"^(?:help|request|immediate|urgent|asap|escalat|kindly|thank|really|advance|possible"
    r"|notic|recent|team|result|consequence|frustrat|appreciat|reply|respon|ticket|support"
    r"|customer|regard|hello|morning|afternoon|today|yesterday|week|month|time)"
)


def _content_words(text: str, stop: frozenset[str]) -> set[str]:
    """What a passage is about: its words less function words, problem-talk ("issue",
    "error", "broken", "need": that something is wrong, not what), support-talk and pasted
    log lines."""
    prose = "\n".join(ln for ln in text.split("\n") if not _CODE.search(fold(ln)))
    return {stem for w in _WORD.findall(prose.lower()) if w not in stop and (stem := _topic(w))}


@lru_cache(maxsize=1 << 16)
def _topic(word: str) -> str:
    """The word's stem when it can say what a passage is about, else '' (cached: a message's
    words recur across messages)."""
    if _PROBLEM.search(word) or _SUPPORT_TALK.match(word):
        return ""
    return stem(word)[:6]


def split_fragments(text: str, language: str | None = None) -> list[Fragment]:
    """Fragments of cleaned customer ``text``; ``language`` (ISO 639-1, when known) picks
    the function words that do not count when a paragraph is compared with the one before;
    the cue lists cover en/fr/de/es/it/pt/nl/ja at once."""
    stop = _stop_words(language)
    units = _units(text)
    if not units:
        return []
    folded = fold(text)  # the cue and vocabulary patterns read folded text
    # Each group: [start, end, cue, has_problem]
    groups: list[list] = []
    prev_end = 0
    for i, unit in enumerate(units):
        start, end, _ = unit
        cue = _boundary(folded, unit, text[prev_end:start]) if i else None
        body = folded[start:end]
        if cue is None and groups and is_announced_item(folded, start):
            cue = "list_item"  # a bullet of a list announced as several things

        if cue is None and groups:
            groups[-1][1] = end
            groups[-1][3] = groups[-1][3] or _looks_like_problem(body)
        elif (
            len(groups) == 1
            and cue in _WEAK
            and (
                _is_lead_in(folded, groups[0])
                or _is_title(text, groups[0], start)
                or (not groups[0][3] and FIRST_ITEM.match(body) is not None)
            )
        ):
            # A lead-in without a problem (filler, greeting left over, the context given
            # before an enumeration "1) ...") joins what follows.
            groups[-1][1], groups[-1][3] = end, True
        else:
            first_cue = "numbered_list" if FIRST_ITEM.match(body) else "start"
            groups.append([start, end, cue or first_cue, _looks_like_problem(body)])
        prev_end = end
    # a paragraph that goes on about what the fragment before it named joins it: weak cues
    # split only where the words change
    if not any(g[2] in _WEAK for g in groups[1:]):
        merged = groups
    else:
        merged = _merge_cohesive(text, folded, groups, stop)
    frags = []
    for start, end, cue, _ in merged:
        s, e = _strip_span(text, start, end)
        frags.append(Fragment(text[s:e], s, e, cue))
    return frags


def _merge_cohesive(text: str, folded: str, groups: list[list], stop: frozenset[str]) -> list[list]:
    """Groups opened by a weak cue join the one before when they share a content word or
    point back at it (``folded``: the text folded, see ``caseless``)."""
    merged: list[list] = []
    words: set[str] = set()  # the content words of the last merged group, kept as it grows
    for group in groups:
        own = _content_words(text[group[0] : group[1]], stop)
        if merged and group[2] in _WEAK and (words & own or _refers_back(folded, group[0])):
            merged[-1][1] = group[1]
            words |= own
        else:
            merged.append(group)
            words = own
    return merged


# A paragraph that opens with a demonstrative, or names "these"/"those" things in its first
# sentence, points back at the problem before it ("we restart it, but these gaps keep
# coming"); "this morning" only dates it, and a later "this" ("I get this error") usually
# introduces something new.
_BACK_REFERENCE = folded_pattern(
    r"^\W*(?:this|these|those)\b(?! (?:morning|afternoon|evening|week|weekend|month|year"
    r"|quarter|time)\b)|\b(?:these|those)\b(?! (?:days|weeks|months)\b)"
)
_FIRST_SENTENCE = re.compile(r"[^\n.!?]*")


def _refers_back(folded: str, start: int) -> bool:
    """A reference tie: the sentence at ``start`` of the folded text is about something
    already named."""
    first = _FIRST_SENTENCE.match(folded, start)
    return first is not None and _BACK_REFERENCE.search(first.group()) is not None


def fingerprint(text: str) -> str:
    """sha1 hex of the normalised text (NFKC, lowercase, punctuation and whitespace collapsed,
    so a placeholder such as ``[EMAIL]`` stays as the word ``email``) - stable across runs."""
    return hashlib.sha1(word_string(text).encode("utf-8")).hexdigest()


def fragment_count_accuracy(pairs: Iterable[tuple[int, int]]) -> dict[str, float | int]:
    """Share of messages whose predicted fragment count equals the expected count.

    ``pairs`` are (predicted, expected); expected 0 (noise) is compared as 1. Multi-topic
    means expected >= 2, single-topic expected <= 1."""
    stats = {"single": [0, 0], "multi": [0, 0]}
    for predicted, expected in pairs:
        key = "multi" if expected >= 2 else "single"
        stats[key][1] += 1
        stats[key][0] += int(predicted == max(expected, 1))
    out: dict[str, float | int] = {}
    for key, (ok, n) in stats.items():
        out[f"{key}_n"] = n
        out[f"{key}_accuracy"] = ok / n if n else 1.0
    return out
