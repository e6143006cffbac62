"""Reference exports (accounts, releases, incidents, feature flags): typed rows or rejects.

These files are small (thousands of rows), so they are parsed on the driver; each row is
checked against its table's contract and a bad row is quarantined like any other record."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedback_lakehouse.bronze.readers import read_csv
from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.bronze.timestamps import parse_timestamp
from feedback_lakehouse.errors import RecordError


def _text(v: str) -> str | None:
    return v.strip() or None


def _number(v: str) -> float | None:
    if not v.strip():
        return None
    try:
        return float(v)
    except ValueError:
        raise RecordError(RejectReason.UNEXPECTED_SHAPE, f"{v!r} is not a number") from None


def _time(v: str) -> datetime | None:
    return parse_timestamp(v) if v.strip() else None


@dataclass(frozen=True)
class ReferenceKind:
    table: str
    columns: dict[str, Callable[[str], Any]]
    required: tuple[str, ...]


KINDS: dict[str, ReferenceKind] = {
    "accounts": ReferenceKind(
        "bronze.accounts",
        {
            "account_id": _text, "name": _text, "tier": _text, "arr_usd": _number,
            "region": _text, "industry": _text, "lifecycle_stage": _text,
            "language": _text, "country": _text, "created_at": _time,
        },
        ("account_id", "tier"),
    ),
    "releases": ReferenceKind(
        "bronze.releases",
        {
            "release_id": _text, "version": _text, "component": _text,
            "deployed_at": _time, "notes": _text,
        },
        ("release_id", "version", "deployed_at"),
    ),
    "incidents": ReferenceKind(
        "bronze.incidents",
        {
            "incident_id": _text, "started_at": _time, "ended_at": _time, "service": _text,
            "severity": _text, "summary": _text,
        },
        ("incident_id", "started_at"),
    ),
    "feature_flags": ReferenceKind(
        "bronze.feature_flags",
        {
            "flag": _text, "changed_at": _time, "state": _text, "segment": _text,
            "description": _text,
        },
        ("flag", "changed_at"),
    ),
}  # fmt: skip


def parse_reference(
    kind: ReferenceKind, path: Path, max_record_bytes: int
) -> Iterator[tuple[dict[str, Any] | None, int, str, RecordError | None]]:
    """Yield (typed row or None, line, raw text, error) per CSV row."""
    for rec in read_csv(path, max_record_bytes):
        if rec.error is not None or rec.obj is None:
            yield None, rec.line, rec.raw_text, rec.error
            continue
        try:
            missing = [c for c in kind.columns if c not in rec.obj]
            if missing:
                raise RecordError(
                    RejectReason.MISSING_REQUIRED_FIELD, f"columns {missing} not in the header"
                )
            row = {c: conv(rec.obj.get(c) or "") for c, conv in kind.columns.items()}
            empty = [c for c in kind.required if row.get(c) in (None, "")]
            if empty:
                raise RecordError(RejectReason.MISSING_REQUIRED_FIELD, f"{empty} empty")
        except RecordError as exc:
            yield None, rec.line, rec.raw_text, exc
            continue
        yield row, rec.line, rec.raw_text, None
