"""Discourse cues that open or close a topic in customer text (en/fr/de/es/it/pt/nl/ja).

Patterns match ``fold``-ed text (see ``caseless``). Strong cues ("Also,", "Separately,",
"2)") open a new fragment unless an ask follows; the additive "And" / "また、" is weak (it goes
on as often as it shifts); asks, fillers and context openers attach to the problem before."""

from __future__ import annotations

from feedback_lakehouse.text.caseless import folded_pattern

__all__ = ["ADDITIVE", "ASK", "CONTEXT", "FILLER", "FIRST_ITEM", "FOLLOW_UP_QUESTION", "strong_cue"]

# "Issue 2:", "Bug #3 -": an item of an enumeration of several problems.
_ITEM_WORD = r"(?:problem|issue|bug|point|item|request|question|topic)"
# Strong topic-shift cues at the start of a unit (matched case-insensitively).
_STRONG = [
    (
        "also",
        r"also(?:[,:]|\s[-–—])|and also[,:]?|plus[,:]|oh,? and|aussi[,:]|et aussi[,:]?|de plus[,:]"
        r"|außerdem[,:]?|ausserdem[,:]?|zudem[,:]|además[,:]?|también[,:]|それと、?|あと、"
        r"|それから、",
    ),
    (
        "separately",
        r"separately[,:]|unrelated[,:]?(?: but,?)?|on an unrelated note,?"
        r"|on a (?:different|separate|side) note,?|another (?:thing|issue|problem|point)[,:]?"
        r"|one more (?:thing|issue|problem)[,:]?|a second (?:issue|problem)[,:]?|p\.?s\.?[,:]"
        r"|by the way,?|btw,?|autre chose ?:|autre problème ?:|par ailleurs,?|sinon,"
        r"|(?:a |the )?(?:second|third|other|next|separate|last) (?:thing|issue|problem|point"
        r"|question|request|topic)\b[,:.\s-]*|d'autre part,?|noch etwas ?:|ein anderes thema ?:"
        r"|ein weiteres problem ?:|übrigens,?|inoltre,?|un'altra cosa ?:|la seconda\b|il secondo\b"
        r"|daarnaast[,:]?|verder[,:]|nog iets ?:|além disso,?|outra coisa ?:|o segundo\b"
        r"|a segunda\b"
        r"|otra cosa ?:|por otro lado,?|aparte,|otro problema ?:|別件(?:ですが)?、?"
        r"|もう一(?:つ|点)、?|ところで、?|それとは別に、?",
    ),
    (
        "numbered_list",
        # 2) #2 (b) (2), not "(c) 2024 Acme" (a copyright line)
        r"(?:[2-9]|1[0-9])[).:]\s|#[2-9]\b|[②③④⑤]|\([2-9]\)\s"
        r"|\(?(?!c\)\s*(?:\d|copyright))[b-h]\)\s"
        rf"|{_ITEM_WORD}\s?#?[2-9]\b"
        r"|(?:second(?:ly)?|third(?:ly)?|deuxièmement|zweitens|segundo)[,:]",
    ),
]
_STRONG_RE = [(cue, folded_pattern(rf"^\W{{0,3}}(?:{pat})\s*")) for cue, pat in _STRONG]
# any of them: one test for the three lists, as most units open with none
_ANY_STRONG = folded_pattern(rf"^\W{{0,3}}(?:{'|'.join(pat for _, pat in _STRONG)})")
# Additive connectives ("And ...", ja "また、" = "and, moreover"): they go on as often as they
# shift, so they are weak cues.
ADDITIVE = folded_pattern(r"^\s*(?:(?:and|et|und|y)\s+(?!also\b)|また、\s*)")
# "And how does ...?": a question that follows up on the point just made.
FOLLOW_UP_QUESTION = folded_pattern(
    r"(?:how|what|where|when|why|which|who|is|are|can|could|do|does|will|should|wie|was|wo"
    r"|wann|warum|welche[rsn]?|kann|comment|quand|pourquoi|quel(?:le)?s?|est-ce|cómo|qué"
    r"|cuándo|dónde|por qué|cuál)\b[^\n]*\?\s*$"
)
# The first item of an enumeration: "1)", "(a)", "Issue 1:", "First,".
FIRST_ITEM = folded_pattern(
    rf"^\W{{0,3}}(?:1[).:]\s|\(?a\)\s|\(1\)\s|{_ITEM_WORD}\s?#?1\b|firstly[,:]|first[,:]|①)"
)

# Asks and fillers: even after a strong cue they belong to the previous problem.
ASK = folded_pattern(
    r"^\W*(?:any (?:update|eta|news|idea|workaround)|is (?:this|it|there)|are (?:you|there)"
    r"|can (?:you|someone|anyone)|could (?:you|someone)|would (?:you|it)|kindly|let me know"
    r"|(?:please|pls|plz)\b(?! (?:add|let|support|allow|make|give|provide|bring|include))"
    r"|let us know|thanks?\b|thx|ty\b|cheers|appreciate|we would appreciate"
    r"|hope|looking forward|hello\??$|hi\b|hey\b|ok\b|okay\b|yes\b|yeah\b|yep\b|sure\b|right\b"
    r"|mhm|um+\b|uh+\b|one sec|anyone there|merci|danke|gracias|ありがとう|よろしく)",
)
# Impact and context: attached to the previous problem unless a strong cue says otherwise.
CONTEXT = folded_pattern(
    r"^\W*(?:impact\b|the result|as a (?:consequence|result)|because of (?:this|it)"
    r"|this (?:is|blocks|affects|means|makes|happens|started|has|was|also)|that (?:is|blocks|was)"
    r"|it (?:is|was|has|happens|started|also|affects|only|still|worked|used)"
    r"|it'?s\b|same\b|again\b|still\b|we(?:'re| are) on\b|using\b|on (?:ios|android|chrome|safari"
    r"|firefox|edge|windows|macos|pixel|iphone|galaxy|ipad)|noticed\b|first seen|since\b"
    r"|started\b|happens\b|happening\b|even\b|tried\b|we tried|i tried|clearing|restarting"
    r"|reinstall|no\b)",
)


def strong_cue(unit: str) -> tuple[str, int] | None:
    """The strong cue opening ``unit`` and where the text after it starts, or None."""
    if _ANY_STRONG.match(unit) is None:
        return None
    for cue, rx in _STRONG_RE:
        m = rx.match(unit)
        if m:
            return cue, m.end()
    return None


# Spoken / chat discourse fillers in front of the real content ("right, so", "um,").
FILLER = folded_pattern(
    r"^(?:\W*(?:um+|uh+|erm|so|right|yeah|yes|okay|ok|well|like|basically|and|oh)\b[,.\s]*)+",
)
