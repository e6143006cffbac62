"""``gold.fct_voc_themes``: one row per theme x category x product area over the window —
volume (duplicates count: each is a customer asking), reach, enterprise reach, support hours,
ARR touched, paid share, month-over-month and quarter-over-quarter trend, pattern type and
sample tickets. Rebuilt whole each run: it is small and its window moves."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.gold.patterns import pattern_type_column

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.run import StepRun


def voc_facts(
    messages: DataFrame, themes: DataFrame, settings: Settings, now: datetime
) -> DataFrame:
    """``messages``: one row per (theme_id, feedback_id) with category, product_area,
    received_at, resolved_at, account_id, tier, arr_usd. ``themes``: theme_id, label."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    g = settings.gold
    end = messages.agg(F.max("received_at").alias("end")).first()["end"]
    if end is None:
        return messages.sparkSession.createDataFrame([], _schema())
    start_lit = F.lit(end).cast("timestamp") - F.expr(f"INTERVAL {g.window_days} DAYS")
    end_lit = F.lit(end).cast("timestamp")
    m = messages.filter(F.col("received_at") > start_lit)
    age_days = (F.unix_timestamp(end_lit) - F.unix_timestamp("received_at")) / 86400.0
    hours = (F.unix_timestamp("resolved_at") - F.unix_timestamp("received_at")) / 3600.0
    ent = F.col("tier").isin(*g.enterprise_tiers)
    paid = F.col("tier").isin(*g.paid_tiers)

    def between(lo: int, hi: int):
        return F.sum(F.when((age_days >= lo) & (age_days < hi), 1).otherwise(0))

    key = ["theme_id", "category", "product_area"]
    # No distinct aggregates: the engine holds a distinct set per group in memory and cannot
    # spill it (at 1M fragments that exhausted a 2 GiB pool). ``messages`` is already one row
    # per theme x message x class, accounts are counted after one row per account, and the
    # sample ids come from a ranked top 5.
    facts = m.groupBy(*key).agg(
        F.count(F.lit(1)).alias("ticket_count"),
        F.sum(F.when(hours >= 0, hours)).alias("hours_spent"),
        F.avg(F.when(hours >= 0, hours)).alias("avg_handle_hours"),
        F.min("received_at").alias("first_seen"),
        F.max("received_at").alias("last_seen"),
        F.avg(paid.cast("double")).alias("paid_share"),
        between(0, 30).alias("count_30d"),
        between(30, 60).alias("count_prev_30d"),
        between(0, 90).alias("count_90d"),
        between(90, 180).alias("count_prev_90d"),
    )
    accounts = (
        m.filter(F.col("account_id").isNotNull())
        .groupBy(*key, "account_id")
        .agg(F.max("arr_usd").alias("arr_usd"), F.max(ent.cast("int")).alias("ent"))
        .groupBy(*key)
        .agg(
            F.count(F.lit(1)).alias("accounts_affected"),
            F.sum("ent").alias("ent_accounts_affected"),
            F.sum("arr_usd").alias("arr_affected"),
        )
    )
    rank = Window.partitionBy(*key).orderBy("feedback_id")
    samples = (
        m.select(*key, "feedback_id")
        .withColumn("_rank", F.row_number().over(rank))
        .filter(F.col("_rank") <= 5)
        .groupBy(*key)
        .agg(F.sort_array(F.collect_list("feedback_id")).alias("sample_feedback_ids"))
    )
    facts = (
        facts.join(accounts, key, "left")
        .join(samples, key, "left")
        .withColumn("accounts_affected", F.coalesce("accounts_affected", F.lit(0)))
        .withColumn("ent_accounts_affected", F.coalesce("ent_accounts_affected", F.lit(0)))
    )
    per_account = F.col("ticket_count") / F.greatest(F.col("accounts_affected"), F.lit(1))

    def change(now_col: str, prev_col: str):
        return F.when(F.col(prev_col) > 0, F.col(now_col) / F.col(prev_col) - 1.0)

    return (
        facts.join(themes.select("theme_id", "label"), "theme_id", "left")
        .withColumn("tickets_per_account", per_account)
        .withColumn("mom_change", change("count_30d", "count_prev_30d"))
        .withColumn("qoq_change", change("count_90d", "count_prev_90d"))
        .withColumn(
            "pattern_type",
            pattern_type_column(
                F.col("ent_accounts_affected"),
                F.col("accounts_affected"),
                F.col("tickets_per_account"),
                g,
            ),
        )
        .withColumn("window_start", start_lit)
        .withColumn("window_end", end_lit)
        .withColumn("computed_at", F.lit(now).cast("timestamp"))
    )


def _schema() -> str:
    from feedback_lakehouse.tables import FCT_VOC_THEMES

    return " ".join(FCT_VOC_THEMES.schema.split())


def theme_messages(catalog: Catalog) -> DataFrame:
    """One row per theme x message x class (several fragments of one message in one theme
    count once), with the message's times and account context.

    The distinct rows are taken on the four key columns before the message columns join (one
    row per feedback_id): ``dropDuplicates`` on the wide rows keeps the first value of every
    other column, which Sail computes as an aggregate per column (9 of the 10 s this took at
    1M fragments)."""
    from pyspark.sql import functions as F

    members = catalog.read("gold.theme_members").filter(F.col("theme_id").isNotNull())
    ins = catalog.read("silver.insights").select("fragment_id", "category", "product_area")
    fb = catalog.read("silver.feedback").select(
        "feedback_id", "received_at", "resolved_at", "account_id", "tier", "arr_usd"
    )
    return (
        members.select("fragment_id", "feedback_id", "theme_id")
        .join(ins, "fragment_id")
        .select("theme_id", "feedback_id", "category", "product_area")
        .distinct()
        .join(fb, "feedback_id")
    )


def build_voc(run: StepRun) -> int:
    """Rebuild the fact table. The joined messages are landed once (``ops.voc_messages``):
    the window's end and the three aggregations each read them, and joining members, insights
    and feedback four times was most of the step at 1M fragments."""
    catalog = run.catalog
    spec = catalog.spec("ops.voc_messages")
    theme_messages(catalog).select(*spec.columns).write.insertInto(
        catalog.physical(spec.name), overwrite=True
    )
    messages = catalog.read(spec.name)
    facts = voc_facts(messages, catalog.read("gold.themes"), run.settings, run.now)
    catalog.replace("gold.fct_voc_themes", facts)
    return catalog.read("gold.fct_voc_themes").count()
