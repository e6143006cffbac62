"""Long alternations regrouped by their first character, for Python's ``re``.

``re`` tries every branch of an alternation at every position of the text: a vocabulary of
80 words costs 80 tests per character. Grouped by first character (``n(?:ever|eed)|c(?:rash
|annot)``), one character test rejects a whole group, so silver's vocabulary patterns scan
about three times faster. The matches do not change: at a position only the group of that
position's character can match, and inside a group the branches keep their order."""

from __future__ import annotations

__all__ = ["by_first_char", "top_level_branches"]

_META = set("\\()[]{}|.*+?^$")


def _skip_class(pattern: str, i: int) -> int:
    """Index just past the character class opening at ``pattern[i]``."""
    i += 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while pattern[i] != "]":
        i += 2 if pattern[i] == "\\" else 1
    return i + 1


def _split(pattern: str) -> tuple[list[str], int]:
    """The branches of ``pattern`` up to the ``)`` closing its group (or its end), and the
    index of that ``)``."""
    branches, depth, start, i = [], 0, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _skip_class(pattern, i)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                break
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
        i += 1
    branches.append(pattern[start:i])
    return branches, i


def top_level_branches(pattern: str) -> list[str]:
    """The alternatives of ``pattern`` at its top level, in order."""
    return _split(pattern)[0]


def _expanded(branch: str) -> list[str]:
    """``branch`` as branches that each open with a literal character or ``\\b`` and one:
    a leading non-capturing group is distributed (``(?:a|b)c`` -> ``ac``, ``bc``)."""
    lead = ""
    if branch.startswith("\\b"):
        lead, branch = "\\b", branch[2:]
    if not branch.startswith("(?:"):
        return [lead + branch]
    inner, close = _split(branch[3:])
    tail = branch[3 + close + 1 :]
    if tail[:1] in ("?", "*", "+", "{"):
        raise ValueError(f"a repeated leading group cannot be regrouped: {branch[:40]!r}")
    return [x for part in inner for x in _expanded(lead + part + tail)]


def by_first_char(pattern: str) -> str:
    """``pattern``, an alternation, regrouped by first character; same matches, same spans.

    Each branch must open with a literal character, ``\\b`` and a word character, or a
    non-capturing group of such branches. A boundary before a word character ``c`` becomes
    ``c(?<!\\w.)``: nothing word-like before the ``c`` just read. Branches are grouped by the
    character as written, so write them in one case."""
    groups: dict[str, list[str]] = {}
    for branch in (b for part in top_level_branches(pattern) for b in _expanded(part)):
        lead = ""
        if branch.startswith("\\b"):
            branch, lead = branch[2:], r"(?<!\w.)"
            if not branch[:1].isalnum():
                raise ValueError(f"\\b before a non-word character: {branch[:40]!r}")
        if not branch or branch[0] in _META or branch[1:2] in ("?", "*", "+", "{"):
            raise ValueError(f"a branch must open with a literal character: {branch[:40]!r}")
        groups.setdefault(branch[0], []).append(lead + branch[1:])
    return "|".join(
        first if rests == [""] else f"{first}(?:{'|'.join(rests)})"
        for first, rests in groups.items()
    )
