"""``maintain``: compaction and cleanup, so small files and Delta logs do not grow without end.

Every incremental run appends a few small files to each table it touches, and every commit
adds a log entry. ``maintain`` compacts each table's small files into large ones, writes a
log checkpoint and drops expired log entries, and deletes data files unreferenced for longer
than ``lakehouse.vacuum_retention_hours``. Locally it uses the ``deltalake`` package on the
folders; on Databricks ``OPTIMIZE`` and ``VACUUM``. It holds the writer lease like any step,
and the bundle runs it weekly."""

from __future__ import annotations

from typing import Any

from feedback_lakehouse.run import StepRun, as_step
from feedback_lakehouse.tables import WORKING_TABLES

STEP = "maintain"


@as_step(STEP)
def run_maintain(run: StepRun) -> None:
    catalog, report, progress = run.catalog, run.report, run.progress
    names = [n for n in catalog.specs if n not in WORKING_TABLES]
    progress.stage(f"compact and clean {len(names)} tables", total=len(names))
    tables: dict[str, Any] = {}
    for name in names:
        with report.timed("tables"):
            tables[name] = _maintain(run, name)
        progress.advance()
    progress.done()
    # read: tables looked at; written: tables maintained (none is ever left out)
    report.rows_read = report.rows_written = len(names)
    report.details["files_before"] = sum(t.get("files_before", 0) for t in tables.values())
    report.details["files_after"] = sum(t.get("files_after", 0) for t in tables.values())
    report.details["files_deleted"] = sum(t.get("files_deleted", 0) for t in tables.values())
    report.details["tables"] = {n: t for n, t in tables.items() if t.get("files_before")}


def _maintain(run: StepRun, name: str) -> dict[str, int]:
    catalog = run.catalog
    hours = run.settings.lakehouse.vacuum_retention_hours
    if catalog.databricks:
        catalog.spark.sql(f"OPTIMIZE {catalog.physical(name)}")
        catalog.vacuum(name, retention_hours=hours)
        return {}
    from deltalake import DeltaTable

    table = DeltaTable(catalog.location(name))
    before = len(table.file_uris())
    table.optimize.compact()
    table.create_checkpoint()
    table.cleanup_metadata()
    deleted = table.vacuum(retention_hours=hours, enforce_retention_duration=False, dry_run=False)
    after = len(DeltaTable(catalog.location(name)).file_uris())
    return {"files_before": before, "files_after": after, "files_deleted": len(deleted)}
