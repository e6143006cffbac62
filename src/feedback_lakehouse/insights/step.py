"""The insights step: ``silver.fragments`` -> ``silver.insights``, one row per fragment.

Incremental: a fragment is worked on when it has no insight yet under the current backend,
model and prompt version, or when its last attempt failed. Cost-controlled: only distinct
texts (fingerprints; a duplicate message's fragments reuse their original's) that are not in
``silver.insight_cache`` reach a backend, so a re-run on unchanged input makes zero calls."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedback_lakehouse.audit.tracking import traces_deferred
from feedback_lakehouse.catalog import sql_string
from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.insights.chain import (
    CHAIN_HANDLER,
    ChainConfig,
    insight_arrow_schema,
    run_batches,
)
from feedback_lakehouse.insights.training import (
    event_documents,
    human_labels,
    train_model,
    write_events,
)
from feedback_lakehouse.invariants import enforce, insights_hold
from feedback_lakehouse.run import StepRun, as_step
from feedback_lakehouse.tables import INSIGHT_RESULTS
from feedback_lakehouse.workers import auto_workers

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog

STEP = "insights"
WORK = "ops.insight_work"
RESULTS = "ops.insight_results"


def _config(settings: Settings, model_dir: str, events_path: str, now: datetime) -> ChainConfig:
    return ChainConfig(
        insights=settings.insights,
        model_dir=model_dir,
        taxonomy_path=str(Path(model_dir) / "taxonomy.yml"),
        events_path=events_path,
        processed_at=now.replace(tzinfo=UTC).isoformat(),
    )


def _work(catalog: Catalog, backend: str, model: str, prompt: str) -> DataFrame:
    """Fragments without a good insight under this backend/model/prompt, with their segment."""
    from pyspark.sql import functions as F

    frags = catalog.read("silver.fragments")
    done = (
        catalog.read("silver.insights")
        .filter(
            F.col("error").isNull() & (F.col("backend") == backend) & (F.col("model") == model)
            & (F.col("prompt_version") == prompt)
        )
        .select("fragment_id", "fingerprint")
    )  # fmt: skip
    todo = frags.join(done, ["fragment_id", "fingerprint"], "left_anti")
    # a duplicate's fragment reuses the answer for its original's fragment at the same place
    canon = frags.select(
        F.col("feedback_id").alias("duplicate_of"), "ordinal",
        F.col("fingerprint").alias("canon_fingerprint"),
    )  # fmt: skip
    feedback = catalog.read("silver.feedback").select(
        "feedback_id", "product_version", "os", "device", "browser", "region", "tier"
    )
    return (
        todo.join(canon, ["duplicate_of", "ordinal"], "left")
        .withColumn("answer_key", F.coalesce("canon_fingerprint", "fingerprint"))
        .join(feedback, "feedback_id", "left")
        .select(*catalog.spec(WORK).columns)
    )


def _drop_orphans(catalog: Catalog) -> None:
    """Insights of fragments silver no longer has (a message exported again with fewer
    fragments) go: the fact table would count them."""
    orphans = (
        catalog.read("silver.insights")
        .select("fragment_id")
        .join(catalog.read("silver.fragments").select("fragment_id"), "fragment_id", "left_anti")
    )
    if orphans.limit(1).count():
        catalog.delete_keys("silver.insights", orphans)


@as_step(STEP)
def run_insights(run: StepRun) -> None:
    from pyspark.sql import functions as F

    catalog, settings, report, progress, now = (
        run.catalog, run.settings, run.report, run.progress, run.now
    )  # fmt: skip
    s = settings.insights
    run.audit.prepare()  # the tracking store opens while the model trains
    progress.stage("train or load the offline model, index the knowledge base")
    with report.timed("model"):
        model, folder = train_model(settings, human_labels(catalog))
        events = event_documents(catalog, settings, model)
        events_path = write_events(events, folder, model)
    progress.done()
    model_name = model.version if s.backend == "offline" else s.openai.model
    cfg = _config(settings, str(folder), str(events_path), now)
    report.details.update(
        backend=s.backend, model=model_name, prompt_version=s.prompt_version,
        runbooks=len(model.docs), event_documents=len(events),
    )  # fmt: skip

    with report.timed("select"):
        _drop_orphans(catalog)
        _work(catalog, s.backend, model_name, s.prompt_version).write.insertInto(
            catalog.physical(WORK), overwrite=True
        )
        work = catalog.read(WORK)
        report.rows_read = work.count()
    if report.rows_read == 0:
        report.details.update(calls=0, cache_hits=0, tokens_in=0, tokens_out=0)
        return

    cache = catalog.read("silver.insight_cache").filter(
        (F.col("backend") == s.backend) & (F.col("model") == model_name)
        & (F.col("prompt_version") == s.prompt_version)
    )  # fmt: skip
    known = catalog.read("silver.text_vectors").filter(F.col("model") == model.version)
    local = settings.engine.kind == "local"
    parts = s.partitions or (1 if local else 8)
    workers = auto_workers(s.local_workers, report.rows_read) if local else 1
    report.details["workers"] = workers
    progress.stage(
        f"ask the {s.backend} backend (distinct new texts only); evidence, timeline hypotheses "
        "and review for every fragment"
    )
    with report.timed("chain"):
        # a key's fragments meet in one chunk: its text is answered once, then every fragment
        # is finished with that answer (cached answers and vectors come in with the rows)
        rows = _grouped(
            work.join(cache.select("answer_key", "answer"), "answer_key", "left")
            .join(known.select("answer_key", "vector"), "answer_key", "left")
            .withColumn("model", F.lit(model_name)),
            1 if local else parts,
        )
        cfg_json = cfg.to_json()
        schema = insight_arrow_schema(with_stage=True)
        rows.mapInArrow(
            lambda it: run_batches(it, cfg_json, CHAIN_HANDLER, schema, workers, "answer_key"),
            " ".join(INSIGHT_RESULTS.schema.split()),
        ).write.insertInto(catalog.physical(RESULTS), overwrite=True)
    progress.done()

    results = catalog.read(RESULTS)
    staged = results.filter(F.col("stage_kind").isNotNull()).select(
        F.col("stage_kind").alias("kind"), "answer_key", F.col("stage_payload").alias("payload"),
        "error",
    )  # fmt: skip
    finished = results.filter(F.col("stage_kind").isNull())
    with run.audit.tracked() as tracker:
        with report.timed("land"):
            answers = staged.filter(F.col("kind") == "answer").select(
                "answer_key", F.lit(s.backend).alias("backend"), F.lit(model_name).alias("model"),
                F.lit(s.prompt_version).alias("prompt_version"), F.col("payload").alias("answer"),
                F.lit(now).cast("timestamp").alias("created_at"),
            )  # fmt: skip
            catalog.insert_new("silver.insight_cache", answers)
            _land_vectors(catalog, staged, model.version, now)
            call_rows = staged.filter(F.col("kind") == "call")
            calls = run.audit.land_call_json(call_rows)
        # queued now, written by MLflow's background logger while the rows are landed
        run.audit.trace_json(tracker, call_rows, "analyse", "fragments")
        with report.timed("upsert"):
            counts = catalog.upsert("silver.insights", finished, "processed_at")
        report.rows_written = counts["inserted"] + counts["updated"] + counts["unchanged"]
        with report.timed("stats"):
            stats = _stats(finished, staged)
        report.details.update(calls, **stats, **counts)
        report.details["cache_hits"] = report.rows_read - stats["backend_answers"]
        tracker.params(
            {"backend": s.backend, "model": model_name, "prompt_version": s.prompt_version}
        )
        tracker.metrics(
            {k: v for k, v in report.details.items() if isinstance(v, int | float)}
            | {"fragments": report.rows_read}
        )
        report.details["mlflow_run_id"] = tracker.run_id
        if not traces_deferred():
            with report.timed("traces"):  # what the background logger has not written yet
                tracker.flush()
    with report.timed("cleanup"):
        for name in (RESULTS, WORK):
            catalog.spark.sql(f"DELETE FROM {catalog.physical(name)}")
            catalog.vacuum(name, retention_hours=0)
    with report.timed("invariants"):
        enforce(STEP, insights_hold(catalog))


def _grouped(rows: DataFrame, buckets: int) -> DataFrame:
    """``rows`` in ``buckets`` partitions by answer key, sorted on it within each, so a key's
    rows arrive together. Done by a window: the embedded engine drops a plain sort whose
    consumer (``mapInArrow``) does not ask for an order, but keeps the one a window needs."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    bucket = F.pmod(F.xxhash64("answer_key"), F.lit(buckets)) if buckets > 1 else F.lit(0)
    in_bucket = Window.partitionBy("_bucket").orderBy("answer_key")
    return rows.withColumn("_bucket", bucket).withColumn("_order", F.row_number().over(in_bucket))


def _land_vectors(catalog: Catalog, staged: DataFrame, version: str, now: datetime) -> None:
    """This run's text embeddings -> ``silver.text_vectors`` (vectors of other model versions
    are dropped: a new model embeds every text it answers again)."""
    from pyspark.sql import functions as F

    fresh = staged.filter(F.col("kind") == "vector").select(
        "answer_key", F.lit(version).alias("model"), F.unbase64("payload").alias("vector"),
        F.lit(now).cast("timestamp").alias("created_at"),
    )  # fmt: skip
    table = catalog.physical("silver.text_vectors")
    stale = catalog.read("silver.text_vectors").filter(F.col("model") != version).limit(1)
    if stale.count():
        catalog.spark.sql(f"DELETE FROM {table} WHERE model != {sql_string(version)}")
    catalog.insert_new("silver.text_vectors", fresh)


def _stats(finished: DataFrame, staged: DataFrame) -> dict[str, int]:
    from pyspark.sql import functions as F

    row = finished.agg(
        F.count(F.lit(1)).alias("n"),
        F.sum(F.col("needs_review").cast("int")).alias("needs_review"),
        F.sum(F.col("abstained").cast("int")).alias("escalated"),
        F.sum(F.col("error").isNotNull().cast("int")).alias("failed"),
    ).first()
    # a distinct count over every row is one unspillable set in the engine: group, then count
    distinct_texts = finished.select("answer_key").distinct().count()
    answered = staged.filter(F.col("kind").isin("answer", "failure")).count()
    return {
        "needs_review": int(row["needs_review"] or 0),
        "escalated": int(row["escalated"] or 0),
        "failed": int(row["failed"] or 0),
        "distinct_texts": distinct_texts,
        "backend_answers": answered,
    }
