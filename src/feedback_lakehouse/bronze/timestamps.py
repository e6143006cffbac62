"""Read the timestamp shapes real exports use and normalise them to naive UTC datetimes
(Spark's TIMESTAMP with a UTC session zone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.errors import RecordError

_EPOCH_MS_THRESHOLD = 100_000_000_000  # larger epoch numbers are milliseconds


def parse_timestamp(value: object, formats: Sequence[str] = (), field: str = "") -> datetime:
    """ISO 8601 (``Z``, offsets, space separator), UNIX epoch seconds or milliseconds, then the
    given strptime formats. Naive values are taken as UTC. Raises RecordError otherwise."""
    if type(value) is str and len(value) >= 19 and value[4] == "-":  # fast path: ISO 8601
        try:
            return _utc_naive(datetime.fromisoformat(value))
        except ValueError:
            pass
    what = f"{field}={value!r}" if field else repr(value)
    if value is None or isinstance(value, bool):
        raise RecordError(RejectReason.UNPARSEABLE_TIMESTAMP, f"{what} is not a timestamp")
    if isinstance(value, int | float):
        return _from_epoch(float(value), what)
    text = str(value).strip()
    if not text:
        raise RecordError(RejectReason.UNPARSEABLE_TIMESTAMP, f"{what} is empty")
    if text.lstrip("-").replace(".", "", 1).isdigit():
        return _from_epoch(float(text), what)
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        for fmt in formats:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        hint = f" (accepted: ISO 8601, epoch seconds{', ' + ', '.join(formats) if formats else ''})"
        raise RecordError(RejectReason.UNPARSEABLE_TIMESTAMP, f"{what}{hint}")
    return _utc_naive(parsed)


def _utc_naive(parsed: datetime) -> datetime:
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _from_epoch(number: float, what: str) -> datetime:
    if abs(number) >= _EPOCH_MS_THRESHOLD:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError) as exc:
        raise RecordError(RejectReason.UNPARSEABLE_TIMESTAMP, f"{what}: {exc}") from None
