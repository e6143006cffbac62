"""Split export files into raw records, keeping where each one starts.

Pure Python over bytes, so a broken line, invalid UTF-8 or a ragged CSV row becomes one
rejected record with its file and line, never an exception that fails the whole file. A gzip
file is read decompressed (known by its first bytes, whatever its name; offsets are then the
decompressed stream's), and a damaged one keeps the records before the damage. A record too
large to accept is kept as a bounded excerpt with its size and hash. A CSV quote that opens and
never closes swallows the rows after it into one field; a continuation line that reads as a
whole row of its own gives it away, and that row and the ones after it are read again."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.errors import RecordError

csv.field_size_limit(sys.maxsize)
EXCERPT_BYTES = 64 * 1024
"""How much of a record too large to accept is kept in ``bronze.rejected``."""
_BOM = b"\xef\xbb\xbf"
_GZIP = b"\x1f\x8b"


def open_export(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip."""
    fh = path.open("rb")
    if fh.read(2) == _GZIP:
        fh.close()
        return gzip.open(path, "rb")
    fh.seek(0)
    return fh


def excerpt(raw: bytes) -> str:
    """The start of a raw record too large to store whole, with its size and hash."""
    head = raw[:EXCERPT_BYTES].decode("utf-8", "backslashreplace")
    digest = hashlib.sha256(raw).hexdigest()
    return f"{head} [excerpt: the first {EXCERPT_BYTES:,} of {len(raw):,} bytes, sha256 {digest}]"


def _damaged(line: int, exc: BaseException) -> RawRecord:
    """The rest of a file that cannot be read to its end, as one rejected record."""
    return RawRecord(line, None, "", 0, error=RecordError(
        RejectReason.DAMAGED_FILE, f"{type(exc).__name__}: {exc}"))  # fmt: skip


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
    offset, line_no = 0, 0
    with open_export(path) as fh:
        lines = iter(fh)
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except (OSError, EOFError) as exc:  # a damaged gzip: what came before stands
                yield _damaged(line_no + 1, exc)
                return
            line_no += 1
            start, offset = offset, offset + len(line)
            raw = line.rstrip(b"\r\n")
            if line_no == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
            text, err = _decode(raw)
            rec = RawRecord(line_no, start, text, len(raw))
            if len(raw) > max_record_bytes:
                rec.raw_text = excerpt(raw)
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
    """Feeds physical lines to csv.reader and remembers those of the current record; lines
    given back are read again first (the records an unclosed quote swallowed)."""

    def __init__(self, text: io.TextIOBase) -> None:
        self._text = text
        self._again: list[str] = []
        self.lines: list[str] = []
        self.line_no = 0

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = self._again.pop() if self._again else self._text.readline()
        if not line:
            raise StopIteration
        self.line_no += 1
        self.lines.append(line)
        return line

    def give_back(self, lines: list[str]) -> None:
        self._again.extend(reversed(lines))
        self.line_no -= len(lines)


def _key_shape(value: str) -> str:
    """A key's outline: runs of letters and digits -> ``9`` (holding a digit) or ``a``, other
    characters kept ("ACC-17" and "ACC-9" -> ``a-9``; "2026-08-01" -> ``9-9-9``)."""
    runs = re.sub(r"[^\W_]+", lambda m: "9" if any(c.isdigit() for c in m[0]) else "a", value)
    return runs.strip()


def _first_field(line: str) -> str | None:
    try:
        row = next(csv.reader([line]), [])
    except csv.Error:
        return None
    return row[0] if row else None


def _swallowed_from(lines: list[str], width: int) -> int | None:
    """Index of the first continuation line of a multi-line record that reads as a record of
    its own: the header's width and a first field shaped like the record's own key. A quote
    opened and not closed swallowed it. Prose with many commas starts with a word, not a key."""
    own = _first_field(lines[0])
    if not own:
        return None
    shape = _key_shape(own)
    for k in range(1, len(lines)):
        try:
            row = next(csv.reader([lines[k]]), [])
        except csv.Error:
            continue
        if len(row) == width and row[0] and _key_shape(row[0]) == shape:
            return k
    return None


def _unclosed_quote(start: int, lines: list[str], k: int) -> RawRecord:
    raw = "".join(lines[:k]).rstrip("\r\n")
    raw_bytes = raw.encode("utf-8", "surrogateescape")
    span = f"line {start}" if k == 1 else f"lines {start}-{start + k - 1}"
    detail = (
        f"a quoted field opened on line {start} is not closed before line {start + k}, "
        f"which reads as a record of its own ({span} quarantined, read again from line "
        f"{start + k}); check the quotes on line {start}"
    )
    text = raw_bytes.decode("utf-8", "backslashreplace")
    return RawRecord(
        start, None, text, len(raw_bytes), error=RecordError(RejectReason.INVALID_CSV, detail)
    )


def read_csv(path: Path, max_record_bytes: int) -> Iterator[RawRecord]:
    """One RawRecord per CSV row (RFC 4180 quoting, multi-line fields); ``obj`` maps header
    to value. A UTF-8 BOM is ignored; invalid bytes reject only the rows that hold them."""
    with open_export(path) as fh:
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
            except (OSError, EOFError) as exc:  # a damaged gzip: what came before stands
                yield _damaged(start, exc)
                return
            except csv.Error as exc:
                if (k := _swallowed_from(tap.lines, width)) is not None:
                    rec = _unclosed_quote(start, tap.lines, k)
                    tap.give_back(tap.lines[k:])
                    tap.lines.clear()
                    yield rec
                    continue
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
            if len(tap.lines) > 1 and (k := _swallowed_from(tap.lines, width)) is not None:
                rec = _unclosed_quote(start, tap.lines, k)
                tap.give_back(tap.lines[k:])
                tap.lines.clear()
                yield rec
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
                rec.raw_text = excerpt(raw_bytes)
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
