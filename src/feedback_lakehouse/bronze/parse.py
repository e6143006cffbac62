"""Turn one export file into bronze rows: accepted records and rejected ones, side by side.

Runs on Spark executors (inside ``mapInArrow``), so it takes plain values, imports its
adapters itself and yields bounded Arrow batches: memory stays flat however large the file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from feedback_lakehouse.bronze.adapters import BUILTIN, Adapter, export_adapter
from feedback_lakehouse.bronze.readers import RawRecord, read_csv, read_jsonl
from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.config.settings import ExportMapping
from feedback_lakehouse.errors import RecordError
from feedback_lakehouse.tables import INGEST_STAGING

STATUS_OK = "ok"
STATUS_REJECTED = "rejected"

_ID_KEYS = ("id", "review_id", "response_id", "call_id", "ticket_id")


@dataclass(frozen=True)
class FileTask:
    """What an executor needs to parse one file."""

    path: str
    display_path: str
    source: str
    adapter: str
    format: str
    sha256: str
    batch_id: str
    ingested_at: datetime
    max_record_bytes: int
    mapping_json: str = ""
    earliest_at: datetime | None = None
    """Record timestamps outside [earliest_at, latest_at] are quarantined."""
    latest_at: datetime | None = None

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


TASK_SCHEMA = """path STRING, display_path STRING, source STRING, adapter STRING,
format STRING, sha256 STRING, batch_id STRING, ingested_at TIMESTAMP,
max_record_bytes BIGINT, mapping_json STRING, earliest_at TIMESTAMP, latest_at TIMESTAMP"""


def _adapter(task: FileTask) -> Adapter:
    if task.mapping_json:
        return export_adapter(ExportMapping.model_validate_json(task.mapping_json))
    return BUILTIN[task.adapter]


def _best_effort_id(obj: dict[str, Any] | None, task: FileTask) -> str | None:
    if not obj:
        return None
    keys: tuple[str, ...] = _ID_KEYS
    if task.mapping_json:
        keys = (ExportMapping.model_validate_json(task.mapping_json).record_id, *keys)
    for key in keys:
        value = obj.get(key)
        if value not in (None, ""):
            return str(value)
    return None


def _in_range(envelope: dict[str, Any], task: FileTask) -> None:
    """RecordError(timestamp_out_of_range) for a timestamp outside the task's bounds."""
    for field in ("received_at", "resolved_at"):
        value = envelope.get(field)
        if value is None:
            continue
        if task.earliest_at is not None and value < task.earliest_at:
            raise RecordError(RejectReason.TIMESTAMP_OUT_OF_RANGE,
                              f"{field}={value.isoformat()} is before {task.earliest_at:%Y-%m-%d} "
                              "(ingest.earliest_timestamp)")  # fmt: skip
        if task.latest_at is not None and value > task.latest_at:
            raise RecordError(RejectReason.TIMESTAMP_OUT_OF_RANGE,
                              f"{field}={value.isoformat()} is after the ingest plus "
                              "ingest.max_future_hours")  # fmt: skip


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_file(task: FileTask) -> Iterator[dict[str, Any]]:
    """Yield one staging row per record of the file, accepted or rejected."""
    adapter = _adapter(task)
    reader = read_jsonl if task.format == "jsonl" else read_csv
    base = dict.fromkeys(INGEST_STAGING.columns) | {
        "source": task.source,
        "batch_id": task.batch_id,
        "ingested_at": task.ingested_at,
        "source_file": task.display_path,
        "file_sha256": task.sha256,
        "payload_format": task.format,
    }
    rec: RawRecord
    for rec in reader(Path(task.path), task.max_record_bytes):
        row = dict(base, source_line=rec.line, byte_offset=rec.offset)
        error = rec.error
        envelope: dict[str, Any] | None = None
        if error is None and rec.obj is not None:
            try:
                envelope = adapter(rec.obj)
                _in_range(envelope, task)
            except RecordError as exc:
                envelope = None
                error = exc
            except Exception as exc:  # a record of unexpected shape must not fail the file
                error = RecordError(RejectReason.UNEXPECTED_SHAPE, f"{type(exc).__name__}: {exc}")
        if envelope is not None:
            payload = (
                rec.raw_text if task.format == "jsonl" else orjson.dumps(rec.obj).decode("utf-8")
            )
            status_value = envelope.pop("status")
            row.update(envelope)
            row.update(
                status=STATUS_OK,
                status_value=status_value,
                payload=payload,
                payload_hash=sha256_text(payload),
            )
        else:
            row.update(
                status=STATUS_REJECTED,
                source_record_id=_best_effort_id(rec.obj, task),
                reason=str(error.reason) if error else str(RejectReason.UNEXPECTED_SHAPE),
                detail=error.detail if error else "no record",
                raw_text=rec.raw_text,
                raw_bytes=rec.raw_bytes,
            )
        yield row


_ARROW_TYPES = {"STRING": "string", "BIGINT": "int64", "DOUBLE": "float64", "TIMESTAMP": "ts"}


def _arrow_schema() -> Any:
    import pyarrow as pa

    fields = []
    for column in " ".join(INGEST_STAGING.schema.split()).split(","):
        name, ddl_type = column.split()
        kind = _ARROW_TYPES[ddl_type]
        fields.append(
            pa.field(name, pa.timestamp("us", tz="UTC") if kind == "ts" else getattr(pa, kind)())
        )
    return pa.schema(fields)


def _batch(rows: list[dict[str, Any]], schema: Any) -> Any:
    """Rows (dicts holding every column) -> one Arrow record batch: transposed with C-level
    itemgetter/zip, converted column by column (no pandas)."""
    import pyarrow as pa

    columns = zip(*map(itemgetter(*schema.names), rows), strict=True)
    return pa.RecordBatch.from_arrays(
        [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)],
        schema=schema,
    )


def parse_tasks_to_arrow(batches: Iterator[Any], rows_per_batch: int) -> Iterator[Any]:
    """``mapInArrow`` body: record batches of FileTask rows -> staging record batches of at
    most ``rows_per_batch`` rows, so memory stays bounded whatever the file size."""
    schema = _arrow_schema()
    for tasks in batches:
        for raw_task in tasks.to_pylist():
            for key in ("ingested_at", "earliest_at", "latest_at"):
                if raw_task.get(key) is not None:
                    raw_task[key] = raw_task[key].replace(tzinfo=None)
            raw_task["mapping_json"] = raw_task.get("mapping_json") or ""
            task = FileTask(**raw_task)
            buffer: list[dict[str, Any]] = []
            for row in parse_file(task):
                buffer.append(row)
                if len(buffer) >= rows_per_batch:
                    yield _batch(buffer, schema)
                    buffer = []
            if buffer:
                yield _batch(buffer, schema)
