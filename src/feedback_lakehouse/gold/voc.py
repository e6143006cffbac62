"""``gold.fct_voc_themes``: one row per theme x category x product area over the window —
volume (duplicates count: each is a customer asking), reach, enterprise reach, support hours,
ARR touched, paid share, the share that are problems (not praise or questions), trends with
the counts they compare, pattern type and sample tickets. Rebuilt whole each run: it is small
and its window moves.

A trend is a ratio only over a base: with fewer than ``gold.trend_min_base`` messages in the
period compared with, the theme is ``new``; a period before the lakehouse's first message is
``no_history`` (a 120-day export has no previous quarter), and ``too_few`` when the current
period holds fewer too; otherwise ``up`` / ``down`` when the change is beyond chance for two
counts (|z| > 1.96, Poisson), else ``flat``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.gold.patterns import Base, pattern_type_column

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.run import StepRun


def voc_facts(
    messages: DataFrame, themes: DataFrame, settings: Settings, now: datetime
) -> DataFrame:
    """``messages``: one row per (theme_id, feedback_id) with category, product_area,
    received_at, resolved_at, account_id, tier, arr_usd, problem (not praise or a question),
    similarity (to its theme). ``themes``: theme_id, label."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    g = settings.gold
    extent = messages.agg(F.min("received_at").alias("start"), F.max("received_at").alias("end"))
    start, end = extent.first()
    if end is None:
        return messages.sparkSession.createDataFrame([], _schema())
    start_lit = F.lit(end).cast("timestamp") - F.expr(f"INTERVAL {g.window_days} DAYS")
    end_lit = F.lit(end).cast("timestamp")
    m = messages.filter(F.col("received_at") > start_lit)
    age_days = (F.unix_timestamp(end_lit) - F.unix_timestamp("received_at")) / 86400.0
    hours = (F.unix_timestamp("resolved_at") - F.unix_timestamp("received_at")) / 3600.0
    ent = F.col("tier").isin(*g.enterprise_tiers)
    # a message with no known account (an app-store review) is not counted as paid
    paid = F.coalesce(F.col("tier").isin(*g.paid_tiers), F.lit(False))

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
        F.avg(F.col("problem").cast("double")).alias("problem_share"),
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
    base = _base(m, ent)
    # representative and recent: the last 30 days first, closest to the theme first
    rank = Window.partitionBy(*key).orderBy(
        "_old", F.desc_nulls_last("similarity"), F.desc("received_at"), "feedback_id"
    )
    samples = (
        m.select(*key, "feedback_id", "received_at", "similarity", (age_days > 30).alias("_old"))
        .withColumn("_rank", F.row_number().over(rank))
        .filter(F.col("_rank") <= 5)
        .groupBy(*key)
        .agg(F.array_sort(F.collect_list(F.struct("_rank", "feedback_id"))).alias("_s"))
        .select(*key, F.transform("_s", lambda x: x["feedback_id"]).alias("sample_feedback_ids"))
    )
    facts = (
        facts.join(accounts, key, "left")
        .join(samples, key, "left")
        .withColumn("accounts_affected", F.coalesce("accounts_affected", F.lit(0)))
        .withColumn("ent_accounts_affected", F.coalesce("ent_accounts_affected", F.lit(0)))
    )
    per_account = F.col("ticket_count") / F.greatest(F.col("accounts_affected"), F.lit(1))

    def covered(days: int):  # the compared period lies within the data and the window
        return g.window_days >= days and (end - start).total_seconds() >= days * 86400

    def change(now_col: str, prev_col: str, days: int):
        if not covered(days):
            return F.lit(None).cast("double")
        return F.when(F.col(prev_col) >= g.trend_min_base, F.col(now_col) / F.col(prev_col) - 1.0)

    def trend(now_col: str, prev_col: str, days: int):
        now_n, prev_n = F.col(now_col), F.col(prev_col)
        z = (now_n - prev_n) / F.sqrt(F.greatest(now_n + prev_n, F.lit(1)))
        if not covered(days):
            return F.lit("no_history")
        return (
            F.when(prev_n < g.trend_min_base, F.when(now_n >= g.trend_min_base, "new")
                   .otherwise("too_few"))
            .when(z > 1.96, "up").when(z < -1.96, "down").otherwise("flat")
        )  # fmt: skip

    return (
        facts.join(themes.select("theme_id", "label"), "theme_id", "left")
        .withColumn("tickets_per_account", per_account)
        .withColumn("mom_change", change("count_30d", "count_prev_30d", 60))
        .withColumn("qoq_change", change("count_90d", "count_prev_90d", 180))
        .withColumn("mom_trend", trend("count_30d", "count_prev_30d", 60))
        .withColumn("qoq_trend", trend("count_90d", "count_prev_90d", 180))
        .withColumn(
            "pattern_type",
            pattern_type_column(
                F.col("ent_accounts_affected"),
                F.col("accounts_affected"),
                F.col("tickets_per_account"),
                g,
                base,
            ),
        )
        .withColumn("window_start", start_lit)
        .withColumn("window_end", end_lit)
        .withColumn("computed_at", F.lit(now).cast("timestamp"))
    )


def _base(m: DataFrame, ent: Column) -> Base:
    """The accounts that wrote in the window (to any theme), all and enterprise."""
    from pyspark.sql import functions as F

    row = (
        m.filter(F.col("account_id").isNotNull())
        .groupBy("account_id")
        .agg(F.max(ent.cast("int")).alias("ent"))
        .agg(F.count(F.lit(1)).alias("n"), F.sum("ent").alias("ent"))
        .first()
    )
    return Base(int(row["n"] or 0), int(row["ent"] or 0))


def _schema() -> str:
    from feedback_lakehouse.tables import FCT_VOC_THEMES

    return " ".join(FCT_VOC_THEMES.schema.split())


def theme_messages(catalog: Catalog, non_problems: Sequence[str] = ()) -> DataFrame:
    """One row per theme x message x class (several fragments of one message in one theme
    count once), with the message's times and account context.

    The rows are grouped on the four key columns before the message columns join (one row per
    feedback_id): ``dropDuplicates`` on the wide rows keeps the first value of every other
    column, which Sail computes as an aggregate per column (9 of the 10 s this took at 1M
    fragments). A message is a problem when any of its fragments there is not of a type in
    ``non_problems`` (praise, questions)."""
    from pyspark.sql import functions as F

    members = catalog.read("gold.theme_members").filter(F.col("theme_id").isNotNull())
    ins = catalog.read("silver.insights").select(
        "fragment_id", "category", "product_area", "feedback_type"
    )
    fb = catalog.read("silver.feedback").select(
        "feedback_id", "received_at", "resolved_at", "account_id", "tier", "arr_usd"
    )
    return (
        members.select("fragment_id", "feedback_id", "theme_id", "similarity")
        .join(ins, "fragment_id")
        .groupBy("theme_id", "feedback_id", "category", "product_area")
        .agg(
            F.max(~F.coalesce(F.col("feedback_type").isin(*non_problems), F.lit(False)))
            .alias("problem"),
            F.max("similarity").alias("similarity"),
        )
        .join(fb, "feedback_id")
    )  # fmt: skip


def build_voc(run: StepRun) -> int:
    """Rebuild the fact table. The joined messages are landed once (``ops.voc_messages``):
    the window's end and the three aggregations each read them, and joining members, insights
    and feedback four times was most of the step at 1M fragments."""
    catalog = run.catalog
    spec = catalog.spec("ops.voc_messages")
    joined = theme_messages(catalog, run.settings.gold.non_problem_feedback_types)
    joined.select(*spec.columns).write.insertInto(catalog.physical(spec.name), overwrite=True)
    messages = catalog.read(spec.name)
    facts = voc_facts(messages, catalog.read("gold.themes"), run.settings, run.now)
    catalog.replace("gold.fct_voc_themes", facts)
    return catalog.read("gold.fct_voc_themes").count()
