"""The bronze ingest step: export files -> ``bronze.feedback_raw`` + ``bronze.rejected``.

Incremental by file: a file already ingested with the same path and checksum is skipped.
Parsing runs on the executors (``mapInArrow`` over one task per file) into a staging
table; accepted rows are MERGEd on (source, source_record_id) - a changed payload replaces
the old one, an identical one changes nothing - and rejected rows are inserted once per
(file checksum, line). Every record read lands in exactly one of the two tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from feedback_lakehouse import quality
from feedback_lakehouse.bronze.adapters import BUILTIN_FORMATS
from feedback_lakehouse.bronze.exports import check_columns
from feedback_lakehouse.bronze.files import (
    display_path,
    file_sha256,
    find_files,
    ingested_versions,
)
from feedback_lakehouse.bronze.parse import STATUS_OK, STATUS_REJECTED, FileTask
from feedback_lakehouse.bronze.quality import check_batch
from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.bronze.reference_ingest import ingest_reference
from feedback_lakehouse.config.settings import ExportMapping, Settings
from feedback_lakehouse.run import StepRun, as_step

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from feedback_lakehouse.catalog import Catalog


@dataclass(frozen=True)
class InputFile:
    path: Path
    source: str
    adapter: str
    format: str
    mapping: ExportMapping | None = None
    """The export's mapping (bring-your-own exports only)."""

    @property
    def mapping_json(self) -> str:
        return self.mapping.model_dump_json() if self.mapping else ""


def discover(settings: Settings, exports: list[ExportMapping]) -> list[InputFile]:
    """Feedback files to consider, per configured source and bring-your-own export."""
    landing = settings.landing_dir
    found: list[InputFile] = []
    for source, cfg in settings.ingest.sources.items():
        fmt = BUILTIN_FORMATS[cfg.adapter]
        found += [InputFile(p, source, cfg.adapter, fmt) for p in find_files(landing, cfg.path)]
    for mapping in [*settings.ingest.exports, *exports]:
        found += [
            InputFile(p, mapping.source, "export", mapping.format, mapping)
            for p in find_files(landing, mapping.path)
        ]
    return found


def _parse_partitions(settings: Settings, n_files: int) -> int:
    if settings.ingest.parse_partitions:
        return settings.ingest.parse_partitions
    return 1 if settings.engine.kind == "local" else max(1, n_files)


def _staged(
    spark: SparkSession, catalog: Catalog, tasks: list[FileTask], settings: Settings
) -> None:
    """Parse every task on the executors into ops.ingest_staging (overwritten)."""
    from feedback_lakehouse.bronze.parse import TASK_SCHEMA, parse_tasks_to_arrow

    rows_per_batch = settings.ingest.output_rows_per_batch
    staging = catalog.spec("ops.ingest_staging")
    task_df = spark.createDataFrame(
        [tuple(t.as_row().values()) for t in tasks], " ".join(TASK_SCHEMA.split())
    ).repartition(_parse_partitions(settings, len(tasks)))
    parsed = task_df.mapInArrow(
        lambda it: parse_tasks_to_arrow(it, rows_per_batch), " ".join(staging.schema.split())
    )
    parsed.select(*staging.columns).write.insertInto(catalog.physical(staging.name), overwrite=True)


def _split_staging(catalog: Catalog) -> tuple[DataFrame, DataFrame]:
    """Accepted rows unique on the key, and every rejected row (incl. in-batch repeats).

    Repeated keys are rare, so they are found by a key-only aggregate and only those rows are
    ranked: no sort of the whole batch with its payloads (which Sail's bounded memory pool
    cannot always hold)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = ["source", "source_record_id"]
    staging = catalog.read("ops.ingest_staging")
    ok = staging.filter(F.col("status") == STATUS_OK)
    repeated_keys = ok.groupBy(*keys).count().filter("count > 1").select(*keys)
    if repeated_keys.isEmpty():
        accepted = ok
        repeats = ok.limit(0)
    else:
        first = Window.partitionBy(*keys).orderBy("source_file", "source_line")
        ranked = ok.join(repeated_keys, keys, "left_semi").withColumn(
            "_rn", F.row_number().over(first)
        )
        later = ranked.filter("_rn > 1").select("file_sha256", "source_line")
        accepted = ok.join(later, ["file_sha256", "source_line"], "left_anti")
        repeats = ok.join(later, ["file_sha256", "source_line"], "left_semi")
    accepted = accepted.withColumn("status", F.col("status_value"))
    repeats = (
        repeats.withColumn("reason", F.lit(RejectReason.DUPLICATE_RECORD_ID.value))
        .withColumn(
            "detail", F.lit("an earlier record in this ingest batch has the same source_record_id")
        )
        .withColumn("raw_text", F.col("payload"))
        .withColumn("raw_bytes", F.length("payload").cast("bigint"))
    )
    rejected = staging.filter(F.col("status") == STATUS_REJECTED).unionByName(repeats)
    rejected = rejected.withColumn("rejected_at", F.col("ingested_at"))
    return accepted, rejected


def _per_file_counts(catalog: Catalog) -> dict[str, tuple[int, int]]:
    from pyspark.sql import functions as F

    rows = (
        catalog.read("ops.ingest_staging")
        .groupBy("file_sha256")
        .agg(
            F.count(F.lit(1)).alias("n"),
            F.sum(F.when(F.col("status") == STATUS_REJECTED, 1).otherwise(0)).alias("bad"),
        )
        .collect()
    )
    return {r["file_sha256"]: (int(r["n"]), int(r["bad"] or 0)) for r in rows}


def plan_rounds(
    tasks: list[FileTask], sizes: dict[str, int], round_bytes: int
) -> list[list[FileTask]]:
    """Group files into rounds of at most ``round_bytes`` input (a bigger file is a round of
    its own), largest first. Each round is parsed and written on its own, so the engine's
    write buffers follow the round, not the whole batch (measured: writing 1M rows in one go
    peaks at ~2 GB RSS; 128 MB rounds keep it near 1.4 GB at any size)."""
    rounds: list[list[FileTask]] = []
    current: list[FileTask] = []
    used = 0
    for task in sorted(tasks, key=lambda t: (-sizes[t.path], t.path)):
        size = sizes[task.path]
        if current and used + size > round_bytes:
            rounds.append(current)
            current, used = [], 0
        current.append(task)
        used += size
    if current:
        rounds.append(current)
    return rounds


@dataclass
class _RoundResult:
    read: int = 0
    quarantined: int = 0
    outcome: dict[str, int] = field(
        default_factory=lambda: {"inserted": 0, "updated": 0, "unchanged": 0}
    )
    per_source: Counter = field(default_factory=Counter)

    def add(self, other: _RoundResult) -> None:
        self.read += other.read
        self.quarantined += other.quarantined
        for key, value in other.outcome.items():
            self.outcome[key] += value
        self.per_source.update(other.per_source)


def _drop_rejects_read_now(catalog: Catalog, tasks: list[FileTask], rejected: DataFrame) -> None:
    """A file read again (its mapping fixed) keeps only the rejects of this reading: a line
    accepted now leaves ``bronze.rejected`` (removed after the new rows landed, never before)."""
    from pyspark.sql import functions as F

    key = ["file_sha256", "source_line"]
    stale = (
        catalog.read("bronze.rejected")
        .filter(F.col("file_sha256").isin([t.sha256 for t in tasks]))
        .select(*key)
        .join(rejected.select(*key), key, "left_anti")
    )
    if stale.limit(1).count():
        catalog.delete_keys("bronze.rejected", stale)


def _ingest_round(run: StepRun, tasks: list[FileTask]) -> _RoundResult:
    """Parse one round of files, land its rows, record its files in the manifest."""
    spark, catalog, settings, report = run.spark, run.catalog, run.settings, run.report
    result = _RoundResult()
    with report.timed("parse"):
        _staged(spark, catalog, tasks, settings)
    with report.timed("write"):
        accepted, rejected = _split_staging(catalog)
        by_status = catalog.read("ops.ingest_staging").groupBy("source", "status").count()
        result.per_source.update(
            {(r["source"], r["status"]): int(r["count"]) for r in by_status.collect()}
        )
        result.quarantined = rejected.count()
        result.outcome = catalog.upsert("bronze.feedback_raw", accepted, "payload_hash")
        catalog.insert_new("bronze.rejected", rejected)
        _drop_rejects_read_now(catalog, tasks, rejected)
        counts = _per_file_counts(catalog)
        result.read = sum(n for n, _ in counts.values())
        manifest = []
        for t in tasks:
            n, bad = counts.get(t.sha256, (0, 0))
            size = Path(t.path).stat().st_size
            manifest.append(
                (t.display_path, t.sha256, t.source, size, t.batch_id, n, n - bad, bad,
                 t.ingested_at)
            )  # fmt: skip
        ddl = " ".join(catalog.spec("bronze.ingest_files").schema.split())
        # Recorded last: a crash before this line re-parses the round next time, and the
        # writes above are idempotent.
        catalog.merge("bronze.ingest_files", spark.createDataFrame(manifest, ddl))
        # The staging table is private working space: empty it and drop its files now, or
        # every run would leave a full copy of its batch on disk.
        catalog.spark.sql(f"DELETE FROM {catalog.physical('ops.ingest_staging')}")
        catalog.vacuum("ops.ingest_staging", retention_hours=0)
    return result


def _reading(mapping: ExportMapping) -> str:
    """A mapping as it reads records: everything but where its files are."""
    return mapping.model_dump_json(exclude={"path"})


def _stored_mappings(catalog: Catalog) -> dict[str, str]:
    rows = catalog.read("bronze.export_mappings").select("source", "mapping_json").collect()
    return {r["source"]: _reading(ExportMapping.model_validate_json(r["mapping_json"]))
            for r in rows}  # fmt: skip


def _plan(
    run: StepRun, exports: list[ExportMapping], reprocess: bool
) -> tuple[list[FileTask], dict[str, int], int]:
    """New file versions to parse (checksummed), their sizes, and how many were skipped. A
    file already read is read again when its export's mapping changed since (or when asked):
    the fixed mapping is what the user wants applied to it."""
    catalog, settings, progress = run.catalog, run.settings, run.progress
    files = discover(settings, exports)
    total_bytes = sum(f.path.stat().st_size for f in files)
    progress.stage(f"checksum {len(files)} files ({total_bytes / 1e6:,.0f} MB)", total=total_bytes)
    seen = ingested_versions(catalog)
    stored = _stored_mappings(catalog)
    tasks: list[FileTask] = []
    sizes: dict[str, int] = {}
    skipped, again = 0, Counter[str]()
    for f in files:
        sha = file_sha256(f.path, progress)
        shown = display_path(f.path, settings.landing_dir)
        mine = _reading(f.mapping) if f.mapping else None
        changed = mine is not None and stored.get(f.source, mine) != mine
        if (shown, sha) in seen:
            if not (reprocess or changed):
                skipped += 1
                continue
            again[f.source] += 1
        if f.mapping:
            check_columns(f.path, f.mapping)
        task = FileTask(
            path=str(f.path.resolve()), display_path=shown, source=f.source,
            adapter=f.adapter, format=f.format, sha256=sha, batch_id=run.run_id,
            ingested_at=run.now, max_record_bytes=settings.ingest.max_record_bytes,
            earliest_at=settings.ingest.earliest_timestamp,
            latest_at=run.now + timedelta(hours=settings.ingest.max_future_hours),
            mapping_json=f.mapping_json,
        )  # fmt: skip
        tasks.append(task)
        sizes[task.path] = f.path.stat().st_size
    progress.done()
    why = "asked to (--reprocess)" if reprocess else "its export mapping changed"
    for source, n in again.items():
        run.report.messages.append(f"{source}: read {n} file(s) again: {why}")
    return tasks, sizes, skipped


@as_step("ingest")
def run_ingest(
    run: StepRun, exports: list[ExportMapping] | None = None, reprocess: bool = False
) -> None:
    """Ingest every new export file; see the module docstring for the guarantees. The
    batch's id is the run's: bronze rows, rejects, the file manifest and the quality results
    of one run share it."""
    from pyspark.sql import functions as F

    spark, catalog, settings, report, progress, now = (
        run.spark, run.catalog, run.settings, run.report, run.progress, run.now
    )  # fmt: skip
    batch_id, exports = run.run_id, exports or []
    with report.timed("checksum"):
        tasks, sizes, skipped = _plan(run, exports, reprocess)
    report.details.update(batch_id=batch_id, files_new=len(tasks), files_skipped=skipped)

    total = _RoundResult()
    rounds = plan_rounds(tasks, sizes, settings.ingest.round_bytes)
    if rounds:
        progress.stage(
            f"parse and write {len(tasks)} files in {len(rounds)} round(s)",
            total=sum(sizes.values()),
        )
        for round_tasks in rounds:
            total.add(_ingest_round(run, round_tasks))
            progress.advance(sum(sizes[t.path] for t in round_tasks))
        progress.done()
    # Remember how each export was mapped, once its files are read with it: silver reads its
    # text columns from it, and a changed mapping reads the files again next time
    mappings = {m.source: m for m in [*settings.ingest.exports, *exports]}
    if mappings:
        catalog.merge(
            "bronze.export_mappings",
            spark.createDataFrame(
                [(m.source, m.model_dump_json(), now) for m in mappings.values()],
                " ".join(catalog.spec("bronze.export_mappings").schema.split()),
            ),
        )
    report.rows_read = total.read
    report.rows_quarantined = total.quarantined
    report.rows_written = sum(total.outcome.values())
    report.details.update(total.outcome, rounds=len(rounds))
    report.details["per_source"] = {
        source: {
            "accepted": total.per_source.get((source, STATUS_OK), 0),
            "rejected": total.per_source.get((source, STATUS_REJECTED), 0),
        }
        for source in sorted({s for s, _ in total.per_source})
    }
    if rounds:
        reasons = (
            catalog.read("bronze.rejected")
            .filter(F.col("batch_id") == batch_id)
            .groupBy("reason")
            .count()
            .collect()
        )
        report.details["rejected_by_reason"] = {r["reason"]: int(r["count"]) for r in reasons}

    with report.timed("reference"):
        report.details["reference"] = ingest_reference(
            spark, catalog, settings, batch_id, now, progress
        )

    progress.stage("data quality checks")
    with report.timed("quality"):
        results = check_batch(run, exports)
    progress.done()
    quality.attach(report, results, settings.quality.fail_on_error)
