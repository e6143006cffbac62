"""Ingest the reference exports into their bronze tables, rejects into ``bronze.rejected``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.bronze.files import (
    display_path,
    file_sha256,
    find_files,
    ingested_versions,
)
from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.bronze.reference import KINDS, parse_reference
from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.progress import Progress

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from feedback_lakehouse.catalog import Catalog


def _ddl(catalog: Catalog, name: str) -> str:
    return " ".join(catalog.spec(name).schema.split())


def ingest_reference(
    spark: SparkSession,
    catalog: Catalog,
    settings: Settings,
    batch_id: str,
    now: datetime,
    progress: Progress,
) -> dict[str, dict[str, int]]:
    """Upsert each new or changed reference file; returns accepted/rejected per kind."""
    seen = ingested_versions(catalog)
    summary: dict[str, dict[str, int]] = {}
    manifest: list[tuple[Any, ...]] = []
    rejects: list[tuple[Any, ...]] = []
    landing = settings.landing_dir
    progress.stage("reference data")
    for kind_name, pattern in settings.ingest.reference.items():
        kind = KINDS[kind_name]
        for path in find_files(landing, pattern):
            sha, shown = file_sha256(path), display_path(path, landing)
            if (shown, sha) in seen:
                continue
            rows: dict[tuple[Any, ...], dict[str, Any]] = {}
            bad = 0
            keys = catalog.spec(kind.table).keys
            for row, line, raw, err in parse_reference(
                kind, path, settings.ingest.max_record_bytes
            ):
                if row is not None and tuple(row[k] for k in keys) in rows:
                    reason, detail = RejectReason.DUPLICATE_RECORD_ID, f"duplicate key {keys}"
                elif row is None:
                    reason, detail = (err.reason, err.detail) if err else ("unknown", "")
                else:
                    rows[tuple(row[k] for k in keys)] = dict(row, batch_id=batch_id)
                    continue
                bad += 1
                rejects.append(
                    (f"reference.{kind_name}", shown, line, None, sha, None, str(reason),
                     detail, raw, len(raw.encode("utf-8", "replace")), batch_id, now)
                )  # fmt: skip
            if rows:
                spec = catalog.spec(kind.table)
                df = spark.createDataFrame(
                    [tuple(r[c] for c in spec.columns) for r in rows.values()],
                    _ddl(catalog, kind.table),
                )
                catalog.merge(kind.table, df)
            total = len(rows) + bad
            manifest.append(
                (shown, sha, f"reference.{kind_name}", path.stat().st_size, batch_id, total,
                 len(rows), bad, now)
            )  # fmt: skip
            entry = summary.setdefault(kind_name, {"accepted": 0, "rejected": 0})
            entry["accepted"] += len(rows)
            entry["rejected"] += bad
    if rejects:
        catalog.merge(
            "bronze.rejected",
            spark.createDataFrame(rejects, _ddl(catalog, "bronze.rejected")),
            update=False,
        )
    if manifest:
        catalog.merge(
            "bronze.ingest_files",
            spark.createDataFrame(manifest, _ddl(catalog, "bronze.ingest_files")),
        )
    progress.done()
    return summary
