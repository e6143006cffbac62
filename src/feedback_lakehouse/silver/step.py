"""The silver step: new bronze records -> ``silver.feedback`` + ``silver.fragments``.

Incremental on bronze's ``ingested_at`` (stored in ``ops.watermarks``), idempotent by
feedback_id / fragment_id. Per-message text work runs once per record on the executors into
a staging table; deduplication and enrichment are Spark joins."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from feedback_lakehouse import quality
from feedback_lakehouse.config.settings import ExportMapping, Settings
from feedback_lakehouse.run import StepRun, as_step
from feedback_lakehouse.silver import candidates, dedup, follow_ups, words
from feedback_lakehouse.silver.quality import check_run
from feedback_lakehouse.silver.transform import WORK_SCHEMA, TransformConfig, transform_batches
from feedback_lakehouse.workers import auto_workers

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog

STEP = "silver"
STAGING = "ops.silver_staging"
REJECTED = "silver.rejected"
DUPLICATES = "ops.silver_duplicates"
DEDUP_INPUT = "ops.silver_dedup_input"


def _export_mappings(catalog: Catalog, settings: Settings) -> dict[str, ExportMapping]:
    """Each export source's mapping: the one bronze read it with, else the configured one."""
    mappings = {m.source: m for m in settings.ingest.exports}
    for row in catalog.read("bronze.export_mappings").collect():  # one row per export source
        mapping = ExportMapping.model_validate_json(row["mapping_json"])
        mappings[mapping.source] = mapping
    return mappings


def _config(settings: Settings, mappings: dict[str, ExportMapping]) -> TransformConfig:
    adapters = {name: s.adapter for name, s in settings.ingest.sources.items()}
    return TransformConfig(
        adapters=adapters,
        export_bodies={s: list(m.body) for s, m in mappings.items()},
        export_subjects={s: m.subject for s, m in mappings.items() if m.subject},
        aliases=dict(settings.silver.aliases),
        languages=tuple(settings.silver.languages),
        num_perm=settings.silver.minhash_permutations,
    )


def _watermark(catalog: Catalog) -> datetime | None:
    from pyspark.sql import functions as F

    rows = (
        catalog.read("ops.watermarks")
        .filter((F.col("step") == STEP) & (F.col("input_table") == "bronze.feedback_raw"))
        .collect()
    )
    return rows[0]["value"] if rows else None


def _enrich(catalog: Catalog, work: DataFrame, bronze: DataFrame) -> DataFrame:
    """Envelope from bronze + account context; unknown accounts kept and flagged."""
    from pyspark.sql import functions as F

    accounts = catalog.read("bronze.accounts").select(
        "account_id", "tier", "arr_usd", "region", "industry", "lifecycle_stage",
        F.col("language").alias("account_language"), F.lit(True).alias("account_known"),
    )  # fmt: skip
    envelope = bronze.select(
        "source", "source_record_id", "channel", "received_at",
        F.col("ingested_at").alias("bronze_ingested_at"), "account_id", "product_version",
        "device", "os", "browser", F.col("region").alias("envelope_region"), "priority",
        "status", "score", "resolved_at", "requester_id",
    )  # fmt: skip
    joined = work.join(envelope, ["source", "source_record_id"]).join(
        accounts, "account_id", "left"
    )
    return joined.withColumn(
        "account_known", F.coalesce(F.col("account_known"), F.lit(False))
    ).withColumn("region", F.coalesce(F.col("region"), F.col("envelope_region")))


def _batch(catalog: Catalog, mark: datetime | None) -> DataFrame:
    """Bronze records newer than the watermark, plus those silver could not read before
    (``silver.rejected``): tried again on every run, so a fixed adapter takes them in."""
    from pyspark.sql import functions as F

    bronze = catalog.read("bronze.feedback_raw")
    if mark is None:
        return bronze
    retry = catalog.read(REJECTED).select("source", "source_record_id", F.lit(True).alias("_r"))
    return (
        bronze.join(retry, ["source", "source_record_id"], "left")
        .filter((F.col("ingested_at") > F.lit(mark)) | F.col("_r").isNotNull())
        .drop("_r")
    )


@as_step(STEP)
def run_silver(run: StepRun) -> None:
    from pyspark.sql import functions as F

    catalog, settings, report, progress, now = (
        run.catalog, run.settings, run.report, run.progress, run.now
    )  # fmt: skip
    mark = _watermark(catalog)
    bronze = _batch(catalog, mark)
    extent = bronze.agg(F.max("ingested_at").alias("high"), F.count("*").alias("n")).first()
    if extent["high"] is None:
        report.details["watermark"] = str(mark)
        return
    high = max(extent["high"], mark) if mark is not None else extent["high"]  # retries are older

    progress.stage("clean, detect language, redact PII, split fragments")
    with report.timed("transform"):
        mappings = _export_mappings(catalog, settings)
        cfg = _config(settings, mappings).to_json()
        local = settings.engine.kind == "local"
        parts = settings.silver.partitions or (1 if local else 8)
        workers = auto_workers(settings.silver.local_workers, int(extent["n"])) if local else 1
        report.details["transform_workers"] = workers
        work = (
            bronze.select("source", "source_record_id", "payload", "payload_hash")
            .repartition(parts)
            .mapInArrow(
                lambda it: transform_batches(it, cfg, 2000, workers),
                " ".join(WORK_SCHEMA.split()),
            )
        )
        work.write.insertInto(catalog.physical(STAGING), overwrite=True)
    progress.done()

    progress.stage("deduplicate, enrich, write")
    with report.timed("dedup_enrich_write"):
        # exports that name no requester: the account stands for the sender in follow-ups
        land_staged(run, bronze, {m.source for m in mappings.values() if not m.requester})
    progress.done()
    # checked before the watermark moves: a run killed while checking checks the batch again
    progress.stage("data quality checks")
    with report.timed("quality"):
        batch = catalog.read(STAGING).filter(F.col("error").isNull()).select("feedback_id")
        results = check_run(catalog, batch)
        quality.record(catalog, run.run_id, STEP, results)
    progress.done()
    _release_read(catalog)
    # the watermark moves only once the batch's messages and fragments are both written
    catalog.merge(
        "ops.watermarks",
        catalog.spark.createDataFrame(
            [(STEP, "bronze.feedback_raw", high, now)],
            " ".join(catalog.spec("ops.watermarks").schema.split()),
        ),
    )
    for scratch in (STAGING, DEDUP_INPUT, follow_ups.WORK, candidates.INPUT, candidates.STAGE):
        catalog.spark.sql(f"DELETE FROM {catalog.physical(scratch)}")
        catalog.vacuum(scratch, retention_hours=0)
    report.details["watermark"] = str(high)
    quality.attach(report, results, settings.quality.fail_on_error)


def _batch_rows(catalog: Catalog, staged_ok: DataFrame) -> DataFrame:
    """The ``silver.feedback`` rows of this batch's messages."""
    ids = staged_ok.select("feedback_id")
    return catalog.read("silver.feedback").join(ids, "feedback_id", "left_semi")


def land_staged(run: StepRun, bronze: DataFrame, unnamed: set[str]) -> None:
    """The staged messages -> duplicate links -> ``silver.feedback`` + ``silver.fragments``;
    fills the report's counts (``unnamed``: export sources that name no requester). Separate
    from the text work so each can be measured alone."""
    from pyspark.sql import functions as F

    catalog, settings, now, report = run.catalog, run.settings, run.now, run.report

    staged = catalog.read(STAGING)
    report.rows_read = staged.count()
    report.rows_quarantined = _keep_rejected(run, staged)
    if report.rows_quarantined:
        report.messages.append(
            f"{report.rows_quarantined} records could not be read; see silver.rejected (they "
            "are tried again on every run)"
        )
    ok = staged.filter(F.col("error").isNull())
    enriched = _enrich(catalog, ok, bronze)
    # duplicate links are computed once, on narrow rows landed in time order (each time
    # slice of the dedup then reads its own row groups, not the whole batch)
    narrow = (
        ok.select("feedback_id", "source", "source_record_id", "exact_hash", "minhash",
                  "text_chars")
        .join(bronze.select("source", "source_record_id", "received_at", "account_id",
                            "requester_id"),
              ["source", "source_record_id"])
        .select(*catalog.spec(DEDUP_INPUT).columns)
        .repartition(1)
        .sortWithinPartitions("received_at")
    )  # fmt: skip
    narrow.write.insertInto(catalog.physical(DEDUP_INPUT), overwrite=True)
    texts = ok.select("feedback_id", "source", F.col("text_redacted").alias("text")).join(
        catalog.read(DEDUP_INPUT).select("feedback_id", "received_at", "account_id",
                                         "requester_id"),
        "feedback_id",
    )  # fmt: skip
    with report.timed("words"):  # read once here; follow-ups and candidates join on them
        words.index_messages(catalog, texts, settings, now)
    with report.timed("dedup"):
        duplicates = dedup.find_duplicates(
            catalog, catalog.read(DEDUP_INPUT), settings, DUPLICATES, texts, unnamed
        )
    feedback = (
        enriched.join(duplicates, "feedback_id", "left")
        .withColumn("fragment_count", F.size("fragments"))
        .withColumn("processed_at", F.lit(now).cast("timestamp"))
    )
    with report.timed("land_feedback"):
        catalog.upsert("silver.feedback", feedback, "payload_hash")
    with report.timed("candidates"):
        report.details["duplicate_candidates"] = candidates.write_candidates(
            catalog, texts.select("feedback_id", "source", "received_at", "account_id", "text"),
            settings, now,
        )  # fmt: skip
    # fragments from the staged arrays + the batch's message rows as they now stand (no
    # recomputation). Not "the rows this run wrote": after a crash between the two tables the
    # messages are unchanged and would get no fragments, for good
    landed = _batch_rows(catalog, ok)
    fragments = (
        ok.select("feedback_id", F.explode("fragments").alias("f"))
        .join(
            landed.select("feedback_id", "language", "received_at", "source",
                          "account_id", "duplicate_of", "processed_at"),
            "feedback_id",
        )
        .select(
            F.concat_ws("#", "feedback_id", F.col("f.ordinal").cast("string"))
            .alias("fragment_id"),
            "feedback_id", F.col("f.ordinal").alias("ordinal"), F.col("f.text").alias("text"),
            F.col("f.fingerprint").alias("fingerprint"),
            F.col("f.char_start").alias("char_start"), F.col("f.char_end").alias("char_end"),
            F.col("f.split_cue").alias("split_cue"), "language", "received_at", "source",
            "account_id", "duplicate_of", "processed_at",
        )
    )  # fmt: skip
    with report.timed("land_fragments"):
        catalog.upsert("silver.fragments", fragments, "fingerprint")
        _drop_stale_fragments(catalog, ok)
    report.rows_written = report.rows_read - report.rows_quarantined
    stats = (
        _batch_rows(catalog, ok)
        .agg(
            F.count(F.lit(1)).alias("messages"),
            F.sum(F.when(F.col("duplicate_of").isNotNull(), 1).otherwise(0)).alias("dups"),
            F.sum("fragment_count").alias("fragments"),
            F.sum("pii_count").alias("pii"),
        )
        .collect()[0]
    )
    report.details.update(
        messages=int(stats["messages"] or 0),
        duplicates=int(stats["dups"] or 0),
        fragments=int(stats["fragments"] or 0),
        pii_redacted=int(stats["pii"] or 0),
    )


def _keep_rejected(run: StepRun, staged: DataFrame) -> int:
    """Records of the batch silver could not read -> ``silver.rejected`` (attempts counted,
    the first rejection kept). Returns how many failed."""
    from pyspark.sql import functions as F

    catalog = run.catalog
    failed = staged.filter(F.col("error").isNotNull())
    n = failed.count()
    before = catalog.read(REJECTED).select(
        "feedback_id", F.col("first_rejected_at").alias("_first"), F.col("attempts").alias("_n")
    )
    if n:
        rows = (
            failed.join(before, "feedback_id", "left")
            .select(
                "feedback_id", "source", "source_record_id", "payload_hash",
                F.lit("unreadable_record").alias("reason"), F.col("error").alias("detail"),
                F.coalesce("_first", F.lit(run.now).cast("timestamp")).alias("first_rejected_at"),
                F.lit(run.now).cast("timestamp").alias("last_tried_at"),
                (F.coalesce("_n", F.lit(0)) + 1).cast("int").alias("attempts"),
                F.lit(run.code_version).alias("code_version"),
            )
        )  # fmt: skip
        catalog.merge(REJECTED, rows)
    return n


def _release_read(catalog: Catalog) -> None:
    """Rejected records that read this time leave ``silver.rejected``: only once their
    messages and fragments have landed (the batch is defined by that table until then)."""
    from pyspark.sql import functions as F

    ok = catalog.read(STAGING).filter(F.col("error").isNull()).select("feedback_id")
    read_now = catalog.read(REJECTED).select("feedback_id").join(ok, "feedback_id", "left_semi")
    if read_now.limit(1).count():
        catalog.delete_keys(REJECTED, ok)  # matched rows only: the staged ones read now


def _drop_stale_fragments(catalog: Catalog, ok: DataFrame) -> None:
    """A message exported again with fewer fragments loses the ones past its new count (their
    insights and theme places go with them in the next steps)."""
    from pyspark.sql import functions as F

    counts = ok.select("feedback_id", F.size("fragments").alias("_n"))
    stale = (
        catalog.read("silver.fragments")
        .select("fragment_id", "feedback_id", "ordinal")
        .join(counts, "feedback_id")
        .filter(F.col("ordinal") >= F.col("_n"))
    )
    if stale.limit(1).count():
        catalog.delete_keys("silver.fragments", stale)
