"""Lists inside a message: which items are topics of their own and which are the steps or
the affected things of one problem. A numbered list under a label ("Steps to reproduce:") is
one problem's steps; a list announced as several things ("two things from our team:", "dos
problemas:") has one topic per item, dash bullets included; a plain dash list ("these
schedules fail:") is what one problem affects."""

from __future__ import annotations

import re

from feedback_lakehouse.text.caseless import folded_pattern

# "Two things:", "a few issues from our team:" announce a list whose items are the topics.
_ITEMS_AHEAD = folded_pattern(
    r"(?:two|three|four|2|3|4|a few|a couple of|couple of|several|multiple|some|the following)"
    r" (?:\w+ )?(?:things|issues|problems|questions|points|requests|items|bugs|asks|topics"
    r"|concerns|suggestions|ideas|complaints)\b"
    r"|(?:deux|trois|quelques|plusieurs) (?:choses|problèmes|points|questions)"
    r"|(?:zwei|drei|ein paar|mehrere) (?:dinge|probleme|punkte|fragen|themen)"
    r"|(?:dos|tres|varias|varios|algunas|algunos) (?:cosas|problemas|puntos|preguntas)"
    r"|(?:dois|duas|três|alguns|algumas|vários|várias) (?:coisas|questões|problemas|pontos)"
    r"|(?:due|tre|alcune|diversi) (?:cose|problemi|domande|punti)"
    r"|(?:twee|drie|een paar|enkele) (?:dingen|problemen|punten|vragen)"
)


# A dash or dot bullet continues the point it lists under (unless the list was announced as
# several things); numbered items are cues of their own.
LIST_ITEM = re.compile(r"^\s*[-*•·‣]\s")


def is_announced_item(text: str, start: int) -> bool:
    """A bullet line after an earlier bullet of a list announced as several things ("two
    things from our ops team:"): each item is a topic (the first one joins the announcement)."""
    end = text.find("\n", start)
    if not LIST_ITEM.match(text[start : end if end >= 0 else len(text)]):
        return False
    head, bullets = _list_head(text[max(0, start - _LOOK_BACK) : start])
    return bullets and _ITEMS_AHEAD.search(head) is not None


def announces_items(text: str) -> bool:
    """``text`` (folded) says several things follow ("We hit three issues this week.")."""
    return _ITEMS_AHEAD.search(text) is not None


def _list_head(above: str) -> tuple[str, bool]:
    """The line right above the bullets that end ``above`` (bullets may stand in paragraphs
    of their own), and whether there is any such bullet."""
    bullets = False
    for para in reversed(above.split("\n\n")):
        lines = [ln for ln in para.split("\n") if ln.strip()]
        first = next((i for i, ln in enumerate(lines) if LIST_ITEM.match(ln)), None)
        if first is None:
            if lines:
                return lines[-1], bullets
            continue
        bullets = True
        if first:
            return lines[first - 1], bullets
    return "", bullets


_LOOK_BACK = 1500
"""Characters above a list item searched for the line that introduces its list."""
_NUMBERED = re.compile(r"^\W{0,3}\d{1,2}[).:]\s")


def is_step(text: str, start: int) -> bool:
    """A numbered item of a list under a label ("Steps to reproduce:", "What I did:") that
    does not announce several things: the numbers are steps of one problem, not topics."""
    above = text[max(0, start - _LOOK_BACK) : start]
    lines = [ln for ln in above.rsplit("\n\n", 1)[-1].split("\n") if ln.strip()]
    heading = next((ln for ln in reversed(lines) if not _NUMBERED.match(ln)), "")
    if not heading and "\n\n" in above:  # the label may end the paragraph before
        heading = above.rstrip().rsplit("\n\n", 1)[0].rsplit("\n", 1)[-1]
    heading = heading.strip()
    return heading.endswith(":") and _ITEMS_AHEAD.search(heading) is None
