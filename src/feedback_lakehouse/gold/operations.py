"""Support operations in gold: SLA and lifecycle latencies (``gold.sla_metrics``), how well
each segment is covered by feedback (``gold.coverage``) and accounts showing churn, competitor,
renewal or escalation signals ranked by ARR (``gold.account_risk``). Each is a small
aggregate, rebuilt whole every run."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.run import StepRun


def _minutes(later: Column, earlier: Column) -> Column:
    from pyspark.sql import functions as F

    return (F.unix_timestamp(later) - F.unix_timestamp(earlier)) / 60.0


def _map_column(mapping: dict[str, float], key: Column, default: float) -> Column:
    from pyspark.sql import functions as F

    expr = F.lit(default)
    for k, v in mapping.items():
        expr = F.when(key == F.lit(k), F.lit(float(v))).otherwise(expr)
    return expr


BACKFILL_GRACE = "INTERVAL 1 DAY"
"""A source's first batch holds up to a day of live messages on a daily schedule."""


def sla_metrics(messages: DataFrame, settings: Settings, now: datetime) -> DataFrame:
    """``messages``: one row per message with source, priority, tier, status, received_at,
    bronze_ingested_at, resolved_at, classified_at (first insight), root_caused_at (first
    insight with a hypothesis), escalated, needs_review. As of the newest message, an open
    message older than its target counts as breached.

    Latencies from receipt to intake, classification and root cause are measured on live
    messages only: a message received more than ``BACKFILL_GRACE`` before its source was
    first ingested came in a backfill, and its "intake latency" is the age of the export
    (months on a generated sample, years on a public archive), not how fast the pipeline is.
    ``live_messages`` says how many were measured."""
    from pyspark.sql import functions as F

    g = settings.gold
    as_of = messages.agg(F.max("received_at").alias("t")).first()["t"]
    first = messages.groupBy("source").agg(F.min("bronze_ingested_at").alias("_first"))
    live = F.col("received_at") >= F.col("_first") - F.expr(BACKFILL_GRACE)
    m = messages.join(F.broadcast(first), "source", "left").withColumn("_live", live)
    m = m.withColumn("priority", F.coalesce(F.col("priority"), F.lit("normal")))
    m = m.withColumn("tier", F.coalesce(F.col("tier"), F.lit("unknown")))
    target = _map_column(g.sla_hours, F.col("priority"), g.sla_hours.get("normal", 72.0))
    factor = _map_column(g.sla_tier_factor, F.col("tier"), 1.0)
    m = m.withColumn("target_hours", target * factor)
    hours = _minutes(F.col("resolved_at"), F.col("received_at")) / 60.0
    age = _minutes(F.lit(as_of).cast("timestamp"), F.col("received_at")) / 60.0
    within = F.col("resolved_at").isNotNull() & (hours <= F.col("target_hours"))
    breached = (F.col("resolved_at").isNotNull() & (hours > F.col("target_hours"))) | (
        F.col("resolved_at").isNull() & (age > F.col("target_hours"))
    )
    judged = F.sum(within.cast("int")) + F.sum(breached.cast("int"))

    def latency(at: str) -> Column:
        return F.when(F.col("_live"), _minutes(F.col(at), F.col("received_at")))

    return m.groupBy("priority", "tier").agg(
        F.count(F.lit(1)).alias("messages"),
        F.count("resolved_at").alias("resolved"),
        F.first("target_hours").alias("target_hours"),
        F.sum(within.cast("int")).alias("within_target"),
        F.sum(breached.cast("int")).alias("breached"),
        (F.sum(within.cast("int")) / F.when(judged > 0, judged)).alias("compliance"),
        F.percentile_approx(hours, 0.5).alias("median_resolution_hours"),
        F.percentile_approx(hours, 0.9).alias("p90_resolution_hours"),
        F.percentile_approx(latency("bronze_ingested_at"), 0.5).alias("median_intake_minutes"),
        F.percentile_approx(latency("classified_at"), 0.5).alias("median_classification_minutes"),
        F.percentile_approx(latency("root_caused_at"), 0.5).alias("median_root_cause_minutes"),
        F.avg(F.col("escalated").cast("double")).alias("escalation_rate"),
        F.avg(F.col("needs_review").cast("double")).alias("needs_review_rate"),
        F.avg((F.lower(F.col("status")) == "reopened").cast("double")).alias("reopened_rate"),
        F.sum(F.coalesce(F.col("_live"), F.lit(False)).cast("int")).alias("live_messages"),
    ).withColumn("as_of", F.lit(as_of).cast("timestamp"))  # fmt: skip


def sla_input(catalog: Catalog) -> DataFrame:
    from pyspark.sql import functions as F

    ins = (
        catalog.read("silver.insights")
        .groupBy("feedback_id")
        .agg(
            F.min("processed_at").alias("classified_at"),
            F.min(F.when(~F.col("abstained"), F.col("processed_at"))).alias("root_caused_at"),
            F.max((F.col("escalation_risk") | F.col("abstained")).cast("int")).alias("escalated"),
            F.max(F.col("needs_review").cast("int")).alias("needs_review"),
        )
    )
    return catalog.read("silver.feedback").select(
        "feedback_id", "source", "priority", "tier", "status", "received_at",
        "bronze_ingested_at", "resolved_at",
    ).join(ins, "feedback_id", "left")  # fmt: skip


def coverage(catalog: Catalog, settings: Settings) -> DataFrame:
    """Messages, accounts and fragments per value of each coverage segment."""
    from functools import reduce

    from pyspark.sql import functions as F

    fb = catalog.read("silver.feedback").withColumn(
        "language", F.coalesce("language", F.lit("unknown"))
    )
    frags = (
        catalog.read("silver.fragments")
        .groupBy("feedback_id")
        .agg(F.count(F.lit(1)).alias("n_fragments"))
    )
    fb = fb.join(frags, "feedback_id", "left")
    parts = [
        fb.select(
            F.lit(seg).alias("segment"),
            F.coalesce(F.col(seg).cast("string"), F.lit("unknown")).alias("value"),
            "feedback_id",
            "account_id",
            "n_fragments",
        )
        for seg in settings.gold.coverage_segments
    ]
    return (
        reduce(lambda a, b: a.unionByName(b), parts)
        .groupBy("segment", "value")
        .agg(
            F.count(F.lit(1)).alias("messages"),
            F.countDistinct("account_id").alias("accounts"),
            F.coalesce(F.sum("n_fragments"), F.lit(0)).alias("fragments"),
        )
        .withColumn("thin", F.col("messages") < F.lit(settings.gold.coverage_min_points))
    )


def account_risk(catalog: Catalog) -> DataFrame:
    """Accounts with any churn, competitor, renewal or escalation signal, ranked by ARR."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    ins = catalog.read("silver.insights").filter(
        F.col("churn_signal") | F.col("competitor").isNotNull() | F.col("renewal_concern")
        | F.col("escalation_risk")
    ).filter(F.col("account_id").isNotNull())  # fmt: skip
    signals = ins.groupBy("account_id").agg(
        F.sum(F.col("churn_signal").cast("int")).alias("churn_signals"),
        F.sum(F.col("renewal_concern").cast("int")).alias("renewal_concerns"),
        F.sum(F.col("escalation_risk").cast("int")).alias("escalations"),
        F.sort_array(F.collect_set("competitor")).alias("competitors"),
        F.max("received_at").alias("last_signal_at"),
        F.slice(F.sort_array(F.collect_set("feedback_id")), 1, 5).alias("sample_feedback_ids"),
    )
    accounts = catalog.read("bronze.accounts").select(
        "account_id", "name", "tier", "arr_usd", "lifecycle_stage"
    )
    ranked = signals.join(accounts, "account_id", "left")
    # one row per account with a signal: ranking them in one partition is cheap (and saying so
    # with a constant partition keeps Spark from warning about it)
    order = Window.partitionBy(F.lit(1)).orderBy(F.desc_nulls_last("arr_usd"), "account_id")
    return ranked.withColumn("arr_rank", F.row_number().over(order))


def build_operations(run: StepRun) -> dict[str, int]:
    """SLA metrics, coverage and account risk, rebuilt whole (each is small)."""
    from pyspark.sql import functions as F

    catalog, settings, now = run.catalog, run.settings, run.now

    out = {}
    for name, df in (
        ("gold.sla_metrics", sla_metrics(sla_input(catalog), settings, now)),
        ("gold.coverage", coverage(catalog, settings)),
        ("gold.account_risk", account_risk(catalog)),
    ):
        catalog.replace(name, df.withColumn("computed_at", F.lit(now).cast("timestamp")))
        out[name] = catalog.read(name).count()
    return out
