"""Turn one export file into bronze rows: accepted records and rejected ones, side by side.

Runs on Spark executors (inside ``mapInPandas``), so it takes plain values, imports its
adapters itself and yields bounded pandas batches: memory stays flat however large the file."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedback_lakehouse.bronze.adapters import BUILTIN, Adapter, export_adapter
from feedback_lakehouse.bronze.readers import RawRecord, read_csv, read_jsonl
from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.errors import RecordError
from feedback_lakehouse.settings import ExportMapping
from feedback_lakehouse.tables import INGEST_STAGING

STATUS_OK = "ok"
STATUS_REJECTED = "rejected"

STAGING_COLUMNS = INGEST_STAGING.columns

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

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


TASK_SCHEMA = """path STRING, display_path STRING, source STRING, adapter STRING,
format STRING, sha256 STRING, batch_id STRING, ingested_at TIMESTAMP,
max_record_bytes BIGINT, mapping_json STRING"""


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


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_file(task: FileTask) -> Iterator[dict[str, Any]]:
    """Yield one staging row per record of the file, accepted or rejected."""
    adapter = _adapter(task)
    reader = read_jsonl if task.format == "jsonl" else read_csv
    base = {
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
            except RecordError as exc:
                error = exc
            except Exception as exc:  # a record of unexpected shape must not fail the file
                error = RecordError(RejectReason.UNEXPECTED_SHAPE, f"{type(exc).__name__}: {exc}")
        if envelope is not None:
            payload = (
                rec.raw_text
                if task.format == "jsonl"
                else json.dumps(rec.obj, ensure_ascii=False, separators=(",", ":"))
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


def parse_tasks_to_pandas(batches: Iterator[Any], rows_per_batch: int) -> Iterator[Any]:
    """``mapInPandas`` body: input batches of FileTask rows -> staging row batches."""
    import pandas as pd

    for tasks in batches:
        for raw_task in tasks.to_dict("records"):
            raw_task["ingested_at"] = pd.Timestamp(raw_task["ingested_at"]).to_pydatetime()
            raw_task["max_record_bytes"] = int(raw_task["max_record_bytes"])
            raw_task["mapping_json"] = raw_task.get("mapping_json") or ""
            task = FileTask(**raw_task)
            buffer: list[dict[str, Any]] = []
            for row in parse_file(task):
                buffer.append(row)
                if len(buffer) >= rows_per_batch:
                    yield _frame(buffer)
                    buffer = []
            if buffer:
                yield _frame(buffer)


def _frame(rows: list[dict[str, Any]]) -> Any:
    """Rows -> pandas with object columns (None stays None: no NaN strings, no nullable
    extension dtypes, which the Spark Connect Arrow path does not convert)."""
    import pandas as pd

    columns = {c: pd.Series([r.get(c) for r in rows], dtype=object) for c in STAGING_COLUMNS}
    for col in ("received_at", "ingested_at", "resolved_at"):
        columns[col] = pd.to_datetime(columns[col])
    columns["score"] = columns["score"].astype("float64")
    return pd.DataFrame(columns)
