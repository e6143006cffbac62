"""Planted malformed records: each corruption matches one RejectReason so the bronze layer's
quarantine can be scored record by record."""

from __future__ import annotations

import json
import random
from typing import Any

from feedback_lakehouse.bronze.reasons import RejectReason as R

MARK = "\u2063BADBYTES\u2063"
MARK_BYTES = MARK.encode("utf-8")
BAD_BYTES = b"\xff\xfe"
BAD_TIMES = ("31/02/2026 25:61", "yesterday", "next tuesday", "2026-13-45T99:00:00Z")
JSON_REASONS = (R.INVALID_JSON, R.MISSING_REQUIRED_FIELD, R.INVALID_UTF8, R.EMPTY_BODY,
                R.UNPARSEABLE_TIMESTAMP)  # fmt: skip
CSV_REASONS = (R.INVALID_CSV, R.MISSING_REQUIRED_FIELD, R.INVALID_UTF8, R.EMPTY_BODY,
               R.UNPARSEABLE_TIMESTAMP)  # fmt: skip
TIME_FIELD = {"tickets": "created_at", "chats": "created_at", "calls": "started_at"}
MISSING_FIELD = {"tickets": "organization_id", "chats": "created_at", "calls": "account_id"}


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def corrupt_json(rng: random.Random, reason: str, source: str, obj: dict[str, Any]) -> bytes:
    """Serialise ``obj`` with the given fault."""
    if reason == R.MISSING_REQUIRED_FIELD:
        obj.pop(MISSING_FIELD[source], None)
    elif reason == R.UNPARSEABLE_TIMESTAMP:
        obj[TIME_FIELD[source]] = rng.choice(BAD_TIMES)
    elif reason == R.EMPTY_BODY:
        if source == "tickets":
            obj["comments"][0]["body"] = rng.choice(("", "   ", "\n"))
        elif source == "chats":
            obj["source"]["body"] = "<p></p>"
            box = obj["conversation_parts"]
            box["conversation_parts"] = [
                p for p in box["conversation_parts"] if p["author"]["type"] != "user"
            ]
            box["total_count"] = len(box["conversation_parts"])
        else:
            for turn in obj["turns"]:
                if turn["speaker"] == "customer":
                    turn["text"] = ""
    elif reason == R.INVALID_UTF8:
        if source == "tickets":
            obj["comments"][0]["body"] += " " + MARK
        elif source == "chats":
            obj["source"]["body"] = obj["source"]["body"].replace("</p>", MARK + "</p>", 1)
        else:
            turn = next(t for t in obj["turns"] if t["speaker"] == "customer")
            turn["text"] += " " + MARK
    text = dumps(obj)
    if reason == R.INVALID_JSON:
        text = text[: rng.randrange(len(text) // 3, 2 * len(text) // 3)]
    data = text.encode("utf-8")
    if reason == R.INVALID_UTF8:
        data = data.replace(MARK_BYTES, BAD_BYTES)
    return data


def corrupt_row(rng: random.Random, reason: str, source: str, row: list[str]) -> list[str]:
    """Apply the fault to a CSV row (invalid UTF-8 is applied on the encoded bytes)."""
    body = 5 if source == "reviews" else 4
    if reason == R.INVALID_CSV:
        if rng.random() < 0.5:
            row.append("unexpected")
        else:
            row.pop()
    elif reason == R.MISSING_REQUIRED_FIELD:
        row[3 if source == "reviews" else 5] = ""
    elif reason == R.EMPTY_BODY:
        row[body] = ""
        if source == "reviews":
            row[4] = ""
    elif reason == R.UNPARSEABLE_TIMESTAMP:
        row[2] = rng.choice(BAD_TIMES)
    elif reason == R.INVALID_UTF8:
        row[body] += " " + MARK
    return row


def big_body(rng: random.Random, body: str, size: int = 3_000_000) -> str:
    """A ~3 MB body: the customer pasted a whole log file."""
    lines = []
    total = 0
    n = 0
    while total < size:
        n += 1
        line = (
            f"2026-08-0{1 + n % 9}T12:{n % 60:02d}:{(n * 7) % 60:02d}Z WARN sync worker"
            f" {n % 17} retry {n % 5} batch={n * 31 % 100000} status=queued"
        )
        lines.append(line)
        total += len(line) + 1
    return body + "\n\nFull log below:\n" + "\n".join(lines)
