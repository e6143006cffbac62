"""Split export files into raw records, keeping where each one starts.

Pure Python over bytes, so a broken line, invalid UTF-8 or a ragged CSV row becomes one
rejected record with its file and line, never an exception that fails the whole file."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.errors import RecordError

csv.field_size_limit(sys.maxsize)


@dataclass(slots=True)
class RawRecord:
    """One record as read: its position, raw text and, when readable, its parsed object."""

    line: int
    """1-based line where the record starts (CSV: first physical line, header is line 1)."""
    offset: int | None
    """Byte offset of the record's start (JSON lines only)."""
    raw_text: str
    raw_bytes: int
    obj: dict[str, Any] | None = None
    error: RecordError | None = None


def _decode(raw: bytes) -> tuple[str, RecordError | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="backslashreplace")
        detail = f"byte 0x{raw[exc.start]:02x} at position {exc.start} is not valid UTF-8"
        return text, RecordError(RejectReason.INVALID_UTF8, detail)


def read_jsonl(path: Path, max_record_bytes: int) -> Iterator[RawRecord]:
    """One RawRecord per non-blank line; ``obj`` is set only for a valid JSON object."""
    offset = 0
    with path.open("rb") as fh:
        for line_no, line in enumerate(fh, start=1):
            start, offset = offset, offset + len(line)
            raw = line.rstrip(b"\r\n")
            if not raw.strip():
                continue
            text, err = _decode(raw)
            rec = RawRecord(line_no, start, text, len(raw))
            if len(raw) > max_record_bytes:
                rec.error = RecordError(
                    RejectReason.RECORD_TOO_LARGE,
                    f"{len(raw):,} bytes > ingest.max_record_bytes={max_record_bytes:,}",
                )
            elif err is not None:
                rec.error = err
            else:
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    rec.error = RecordError(RejectReason.INVALID_JSON, str(exc))
                else:
                    if isinstance(obj, dict):
                        rec.obj = obj
                    else:
                        rec.error = RecordError(
                            RejectReason.INVALID_JSON,
                            f"expected a JSON object, got {type(obj).__name__}",
                        )
            yield rec


class _LineTap:
    """Feeds physical lines to csv.reader and remembers those of the current record."""

    def __init__(self, text: io.TextIOBase) -> None:
        self._text = text
        self.lines: list[str] = []
        self.line_no = 0

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = self._text.readline()
        if not line:
            raise StopIteration
        self.line_no += 1
        self.lines.append(line)
        return line


def read_csv(path: Path, max_record_bytes: int) -> Iterator[RawRecord]:
    """One RawRecord per CSV row (RFC 4180 quoting, multi-line fields); ``obj`` maps header
    to value. A UTF-8 BOM is ignored; invalid bytes reject only the rows that hold them."""
    with path.open("rb") as fh:
        text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
        tap = _LineTap(text)
        reader = csv.reader(tap)
        try:
            header = next(reader)
        except StopIteration:
            return
        tap.lines.clear()
        width = len(header)
        while True:
            start = tap.line_no + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raw_bytes = "".join(tap.lines).encode("utf-8", "surrogateescape")
                tap.lines.clear()
                yield RawRecord(
                    start,
                    None,
                    raw_bytes.decode("utf-8", "backslashreplace"),
                    len(raw_bytes),
                    error=RecordError(RejectReason.INVALID_CSV, str(exc)),
                )
                continue
            raw = "".join(tap.lines).rstrip("\r\n")
            tap.lines.clear()
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            try:
                raw_bytes = raw.encode("utf-8")
                bad_utf8 = False
            except UnicodeEncodeError:
                raw_bytes = raw.encode("utf-8", "surrogateescape")
                bad_utf8 = True
            rec = RawRecord(start, None, raw, len(raw_bytes))
            if bad_utf8:
                rec.raw_text, rec.error = _decode(raw_bytes)
            if len(raw_bytes) > max_record_bytes:
                rec.raw_text = raw_bytes.decode("utf-8", "backslashreplace")
                rec.error = RecordError(
                    RejectReason.RECORD_TOO_LARGE,
                    f"{len(raw_bytes):,} bytes > ingest.max_record_bytes={max_record_bytes:,}",
                )
            elif rec.error is None and len(row) != width:
                rec.error = RecordError(
                    RejectReason.INVALID_CSV, f"{len(row)} columns, header has {width}"
                )
            elif rec.error is None:
                rec.obj = dict(zip(header, row, strict=True))
            yield rec
