"""One adapter per source kind: from a parsed raw record to the bronze envelope.

An adapter checks the source's contract (required fields, a readable timestamp, some text
from the customer) and lifts the envelope fields every later step filters on. It raises
RecordError with a reason for anything it cannot accept; it never changes the payload."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.bronze.timestamps import parse_timestamp
from feedback_lakehouse.config.settings import ExportMapping
from feedback_lakehouse.errors import RecordError
from feedback_lakehouse.text.markup import html_to_text

Envelope = dict[str, Any]
Adapter = Callable[[Mapping[str, Any]], Envelope]


def _missing(field: str) -> RecordError:
    return RecordError(RejectReason.MISSING_REQUIRED_FIELD, f"'{field}' is missing or empty")


def _require(obj: Mapping[str, Any], *path: str) -> Any:
    node: Any = obj
    for key in path:
        if not isinstance(node, Mapping) or node.get(key) in (None, "", [], {}):
            raise _missing(".".join(path))
        node = node[key]
    return node


def _get(obj: Mapping[str, Any] | None, *path: str) -> Any:
    node: Any = obj
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _shape(what: str, value: Any, expected: str) -> RecordError:
    return RecordError(RejectReason.UNEXPECTED_SHAPE,
                       f"{what} is a {type(value).__name__}, expected {expected}")  # fmt: skip


def _str(value: Any, what: str = "a field") -> str | None:
    """A scalar as text; a list or object is a shape error, never its Python repr."""
    if value is None:
        return None
    if isinstance(value, list | dict):
        raise _shape(what, value, "text")
    text = str(value).strip()
    return text or None


def requester_pseudonym(value: Any, what: str = "requester") -> str | None:
    """Who wrote the message, as a stable pseudonym: the same person (id or e-mail, any case)
    gets the same value, and no e-mail address or name reaches a table past the payload."""
    text = _str(value, what)
    if text is None:
        return None
    return "rq-" + hashlib.sha256(text.lower().encode("utf-8")).hexdigest()[:16]


def _body(value: Any, what: str) -> str:
    """Customer text: a string (or a number); a list or object is a shape error."""
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise _shape(what, value, "text")
    return str(value)


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _score(value: Any, column: str) -> float | None:
    """A mapped score: empty is none, a number is kept, anything else is a shape error (not a
    silent gap in the scores)."""
    if value in (None, ""):
        return None
    if isinstance(value, bool | list | dict):
        raise _shape(column, value, "a number")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _shape(column, value, "a number") from None


def _require_text(text: str, what: str) -> None:
    if not text.strip():
        raise RecordError(RejectReason.EMPTY_BODY, f"{what} is empty")


def _ts(value: Any, field: str, formats: tuple[str, ...] = ()) -> datetime:
    return parse_timestamp(value, formats, field)


def _optional_ts(value: Any, field: str) -> datetime | None:
    return None if value in (None, "") else _ts(value, field)


def zendesk_ticket(obj: Mapping[str, Any]) -> Envelope:
    """Zendesk-style ticket with its comment thread; the customer's text is the first
    end-user comment."""
    record_id = _require(obj, "id")
    created = _ts(_require(obj, "created_at"), "created_at")
    account = _require(obj, "organization_id")
    comments = _require(obj, "comments")
    if not isinstance(comments, list):
        raise _missing("comments")
    first = next(
        (c for c in comments if isinstance(c, Mapping) and c.get("author_role") == "end-user"),
        None,
    )
    if first is None:
        raise RecordError(RejectReason.MISSING_REQUIRED_FIELD, "no end-user comment in 'comments'")
    _require_text(_body(first.get("body"), "comments[].body"), "the first end-user comment")
    fields = obj.get("custom_fields") if isinstance(obj.get("custom_fields"), Mapping) else {}
    return {
        "source_record_id": str(record_id),
        "received_at": created,
        "channel": _str(_get(obj, "via", "channel")) or "ticket",
        "account_id": _str(account),
        "subject": _str(obj.get("subject")),
        "locale": _str(obj.get("locale")),
        "product_version": _str(fields.get("product_version")),
        "device": _str(fields.get("device")),
        "os": _str(fields.get("os")),
        "browser": _str(fields.get("browser")),
        "region": _str(fields.get("region")),
        "priority": _str(obj.get("priority")),
        "status": _str(obj.get("status")),
        "score": None,
        "resolved_at": _optional_ts(obj.get("solved_at"), "solved_at"),
        "requester_id": requester_pseudonym(
            _get(obj, "requester", "id") or obj.get("requester_id"), "requester.id"
        ),
    }


def intercom_chat(obj: Mapping[str, Any]) -> Envelope:
    """Intercom-style conversation: epoch timestamps, HTML bodies; customer turns are the
    source message and the parts written by a ``user``."""
    record_id = _require(obj, "id")
    created = _ts(_require(obj, "created_at"), "created_at")
    account = _require(obj, "custom_attributes", "account_id")
    body = _require(obj, "source", "body")
    parts = obj.get("conversation_parts")
    if parts is not None and not isinstance(parts, Mapping):
        raise _shape("conversation_parts", parts, "an object holding a conversation_parts list")
    user_parts = [
        html_to_text(_body(p.get("body"), "conversation_parts[].body"))
        for p in _get(obj, "conversation_parts", "conversation_parts") or []
        if isinstance(p, Mapping) and _get(p, "author", "type") == "user"
    ]
    text = html_to_text(_body(body, "source.body")) + " ".join(user_parts)
    _require_text(text, "the customer's chat text")
    attrs = obj["custom_attributes"]
    closed = _get(obj, "statistics", "last_close_at")
    return {
        "source_record_id": str(record_id),
        "received_at": created,
        "channel": "chat",
        "account_id": _str(account),
        "subject": None,
        "locale": _str(attrs.get("locale")),
        "product_version": _str(attrs.get("app_version")),
        "device": _str(attrs.get("device")),
        "os": _str(attrs.get("os")),
        "browser": _str(attrs.get("browser")),
        "region": _str(attrs.get("region")),
        "priority": None,
        "status": _str(obj.get("state")),
        "score": None,
        "resolved_at": _optional_ts(closed, "statistics.last_close_at"),
        "requester_id": requester_pseudonym(
            _get(obj, "source", "author", "id"), "source.author.id"
        ),
    }


def app_review(obj: Mapping[str, Any]) -> Envelope:
    """App-store review CSV row: anonymous, so no account; title + body are the text."""
    record_id = _require(obj, "review_id")
    submitted = _ts(_require(obj, "submitted_at"), "submitted_at")
    rating = _require(obj, "rating")
    _require_text(f"{obj.get('title') or ''} {obj.get('body') or ''}", "title and body")
    return {
        "source_record_id": str(record_id),
        "received_at": submitted,
        "channel": _str(obj.get("store")) or "app_store",
        "account_id": None,
        "subject": _str(obj.get("title")),
        "locale": _str(obj.get("locale")),
        "product_version": _str(obj.get("app_version")),
        "device": _str(obj.get("device")),
        "os": _str(obj.get("os")),
        "browser": None,
        "region": None,
        "priority": None,
        "status": None,
        "score": _float(rating),
        "resolved_at": None,
        "requester_id": requester_pseudonym(obj.get("reviewer"), "reviewer"),
    }


def survey_response(obj: Mapping[str, Any]) -> Envelope:
    """NPS / CSAT response; only responses with a comment carry feedback text."""
    record_id = _require(obj, "response_id")
    submitted = _ts(_require(obj, "submitted_at"), "submitted_at")
    score = _require(obj, "score")
    account = _require(obj, "account_id")
    _require_text(_body(obj.get("comment"), "comment"), "comment")
    return {
        "source_record_id": str(record_id),
        "received_at": submitted,
        "channel": _str(obj.get("survey")) or "survey",
        "account_id": _str(account),
        "subject": None,
        "locale": _str(obj.get("locale")),
        "product_version": None,
        "device": None,
        "os": None,
        "browser": None,
        "region": None,
        "priority": None,
        "status": None,
        "score": _float(score),
        "resolved_at": None,
        "requester_id": requester_pseudonym(obj.get("respondent_email"), "respondent_email"),
    }


def call_transcript(obj: Mapping[str, Any]) -> Envelope:
    """Call transcript with speaker turns; the customer's turns are the text."""
    record_id = _require(obj, "call_id")
    started = _ts(_require(obj, "started_at"), "started_at")
    account = _require(obj, "account_id")
    turns = _require(obj, "turns")
    customer = [
        str(t.get("text") or "")
        for t in (turns if isinstance(turns, list) else [])
        if isinstance(t, Mapping) and t.get("speaker") == "customer"
    ]
    if not customer:
        raise RecordError(RejectReason.MISSING_REQUIRED_FIELD, "no customer turn in 'turns'")
    _require_text(" ".join(customer), "the customer's turns")
    return {
        "source_record_id": str(record_id),
        "received_at": started,
        "channel": "phone",
        "account_id": _str(account),
        "subject": None,
        "locale": _str(obj.get("language")),
        "product_version": None,
        "device": None,
        "os": None,
        "browser": None,
        "region": None,
        "priority": None,
        "status": None,
        "score": None,
        "resolved_at": None,
        "requester_id": requester_pseudonym(obj.get("caller_id"), "caller_id"),
    }


def export_adapter(mapping: ExportMapping) -> Adapter:
    """Adapter for a bring-your-own export, driven by its column mapping."""
    formats = tuple(mapping.received_at.formats)

    def adapt(obj: Mapping[str, Any]) -> Envelope:
        def mapped(name: str | None) -> str | None:
            return _str(obj.get(name), name) if name else None

        record_id = _require(obj, mapping.record_id)
        ts_column = mapping.received_at.column
        received = _ts(_require(obj, ts_column), ts_column, formats)
        for column in mapping.required:
            _require(obj, column)
        text = " ".join(str(obj.get(c) or "") for c in mapping.body)
        _require_text(text, "/".join(mapping.body))
        resolved = None
        if mapping.resolved_at and obj.get(mapping.resolved_at.column) not in (None, ""):
            resolved = _ts(
                obj[mapping.resolved_at.column],
                mapping.resolved_at.column,
                tuple(mapping.resolved_at.formats),
            )
        return {
            "source_record_id": str(record_id),
            "received_at": received,
            "channel": (_str(obj.get(mapping.channel)) if mapping.channel else None)
            or mapping.channel_default,
            "account_id": _str(obj.get(mapping.account_id)) if mapping.account_id else None,
            "subject": _str(obj.get(mapping.subject)) if mapping.subject else None,
            "locale": _str(obj.get(mapping.locale)) if mapping.locale else None,
            "product_version": mapped(mapping.product_version),
            "device": mapped(mapping.device),
            "os": mapped(mapping.os),
            "browser": mapped(mapping.browser),
            "region": mapped(mapping.region),
            "priority": mapped(mapping.priority),
            "status": mapped(mapping.status),
            "score": _score(obj.get(mapping.score), mapping.score) if mapping.score else None,
            "resolved_at": resolved,
            "requester_id": requester_pseudonym(obj.get(mapping.requester), mapping.requester)
            if mapping.requester
            else None,
        }

    return adapt


BUILTIN: dict[str, Adapter] = {
    "zendesk_tickets": zendesk_ticket,
    "intercom_chats": intercom_chat,
    "app_reviews": app_review,
    "surveys": survey_response,
    "calls": call_transcript,
}
BUILTIN_FORMATS = {
    "zendesk_tickets": "jsonl",
    "intercom_chats": "jsonl",
    "app_reviews": "csv",
    "surveys": "csv",
    "calls": "jsonl",
}
