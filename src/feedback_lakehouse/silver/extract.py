"""The customer's own words from a bronze payload, per source kind.

Only what the customer wrote: the first end-user comment of a ticket (not agent replies), the
user turns of a chat or call, a review's title and body, a survey comment, the mapped body
columns of an export. Signatures and quoted replies are still in; cleaning removes them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from feedback_lakehouse.text.markup import html_to_text


def _ticket(obj: Mapping[str, Any]) -> str:
    for comment in obj.get("comments") or []:
        if isinstance(comment, Mapping) and comment.get("author_role") == "end-user":
            return str(comment.get("body") or "")
    return ""


def _chat(obj: Mapping[str, Any]) -> str:
    parts = [str((obj.get("source") or {}).get("body") or "")]
    for part in (obj.get("conversation_parts") or {}).get("conversation_parts") or []:
        if isinstance(part, Mapping) and (part.get("author") or {}).get("type") == "user":
            parts.append(str(part.get("body") or ""))
    return "\n\n".join(t for t in (html_to_text(p) for p in parts) if t)


def _review(obj: Mapping[str, Any]) -> str:
    title, body = str(obj.get("title") or "").strip(), str(obj.get("body") or "").strip()
    return f"{title}\n{body}" if title and body else title or body


def _survey(obj: Mapping[str, Any]) -> str:
    return str(obj.get("comment") or "")


def _call(obj: Mapping[str, Any]) -> str:
    return "\n".join(
        str(t.get("text") or "")
        for t in obj.get("turns") or []
        if isinstance(t, Mapping) and t.get("speaker") == "customer"
    )


EXTRACTORS = {
    "zendesk_tickets": _ticket,
    "intercom_chats": _chat,
    "app_reviews": _review,
    "surveys": _survey,
    "calls": _call,
}


_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fwd?|aw|wg|tr|rv|sv)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
_FOLD = re.compile(r"\W+")


def subject_title(subject: object, body: str) -> str:
    """The subject as the message's one-line title, or "" when there is none or the body
    already says it: the customer wrote it, it is their words. One reply or forward prefix
    stays (``RE: RE: Fwd:`` -> ``RE:``): it says the message answers an earlier one, which is
    how a follow-up is told from a first report (``silver.follow_ups``)."""
    if not isinstance(subject, str):
        return ""
    prefix = _REPLY_PREFIX.match(subject)
    title = " ".join(_REPLY_PREFIX.sub("", subject).split())
    folded = _FOLD.sub(" ", title.lower()).strip()
    if not folded or folded in _FOLD.sub(" ", body.lower()):
        return ""
    if prefix:
        return f"{prefix.group().split(':')[0].strip()}: {title}"
    return title


def customer_text(
    adapter: str, obj: Mapping[str, Any], body_columns: list[str] | None = None
) -> str:
    """Raw customer text of one record; ``adapter`` names the bronze adapter (``export`` for a
    bring-your-own export, whose ``body_columns`` are joined by a blank line). The subject
    joins after cleaning (``subject_title``)."""
    if adapter == "export":
        return "\n\n".join(str(obj.get(c) or "").strip() for c in body_columns or [] if obj.get(c))
    return EXTRACTORS[adapter](obj)
