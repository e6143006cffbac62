"""``gold.spikes``: hourly theme counts per segment from the silver and gold tables (each
account once per theme and day, duplicates left out: see ``_one_report_per_account_day``), spikes
detected per theme on the executors (a theme's segments and its "all" series travel
together), then linked on the driver to the releases, flag changes and incidents of the
insights model's event timeline. Recomputed from the earliest feedback placed in a theme
this run (see ``build_spikes``): spikes are few, history is small once aggregated to hours."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.gold.spikes.detect import (
    SEGMENT_KINDS,
    Spike,
    SpikeSettings,
    baseline_hours,
    detect_in_series,
    reach_hours,
)
from feedback_lakehouse.gold.spikes.links import link_events
from feedback_lakehouse.gold.spikes.series import series_from_columns

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.run import StepRun

LONG = "ops.spike_messages"
Rows = list[dict[str, Any]]
SPIKE_COLUMNS = (
    "theme_id", "segment_kind", "segment_value", "start", "end", "count", "total", "expected",
    "share", "baseline_share", "ratio", "p_value", "specificity",
)  # fmt: skip


def detect_table(table: Any, cfg: SpikeSettings) -> Rows:
    """Spikes from buckets tagged with the segment kind they are detected for (an Arrow table:
    theme_id, segment_kind, segment_value, hour, count, total, tag): that kind's buckets
    (every theme, so a segment-hour's total is known wherever anyone wrote) plus a copy of the
    "all" series, which a segment's baseline borrows from. "all" spikes come from the "all"
    tag. Columnar throughout: a pass at 1M fragments has millions of buckets."""
    import pyarrow.compute as pc

    out: Rows = []
    if not table.num_rows:
        return out
    for tag in sorted(pc.unique(table["tag"]).to_pylist()):
        part = table.filter(pc.equal(table["tag"], tag))
        d = series_from_columns(
            part["theme_id"], part["segment_kind"], part["segment_value"], part["hour"],
            part["count"], part["total"], baseline_hours(cfg),
        )  # fmt: skip
        for spike in detect_in_series(d, cfg):
            if spike.segment_kind == tag:
                out.append({k: getattr(spike, k) for k in SPIKE_COLUMNS})
    return out


def _one_report_per_account_day(df: DataFrame) -> DataFrame:
    """A spike is more customers than usual raising a theme, not one customer writing again:
    duplicates are dropped and an account counts once per theme and day (its first message);
    messages without an account (app reviews) all count."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    df = df.filter(F.col("duplicate_of").isNull())
    day = Window.partitionBy("theme_id", "account_id", F.to_date("received_at")).orderBy(
        "received_at", "feedback_id"
    )
    first = F.col("account_id").isNull() | (F.row_number().over(day) == 1)
    return df.withColumn("_first", first).filter("_first").drop("_first")


def hourly_buckets(catalog: Catalog, since: datetime | None = None) -> DataFrame:
    """theme_id, segment_kind, segment_value, hour, count (messages of the theme), total
    (messages of the segment value in that hour, every theme). One pass over the joined
    messages (segments exploded, not unioned), landed in ``ops.spike_buckets`` so the two
    aggregations and the detection read it once."""
    from pyspark.sql import functions as F

    members = catalog.read("gold.theme_members").filter(F.col("theme_id").isNotNull())
    feedback = catalog.read("silver.feedback").select(
        "feedback_id", "received_at", "account_id", "duplicate_of", "product_version", "os",
        "browser", "region", "tier",
    )  # fmt: skip
    if since is not None:
        feedback = feedback.filter(F.col("received_at") >= F.lit(since))
    base = (
        members.select("fragment_id", "feedback_id", "theme_id")
        .join(feedback, "feedback_id")
        .transform(_one_report_per_account_day)
        .join(catalog.read("silver.insights").select("fragment_id", "product_area"),
              "fragment_id")
        .withColumn("hour", F.date_trunc("hour", "received_at"))
        .withColumn("platform", F.when(F.lower("os").startswith("ios"), "ios")
                    .when(F.lower("os").startswith("android"), "android"))
        .withColumn("browser", F.split(F.col("browser"), " ").getItem(0))
        .withColumn("os", F.split(F.col("os"), " ").getItem(0))
        .withColumn("all", F.lit("all"))
    )  # fmt: skip
    segments = F.explode(
        F.array(*[
            F.struct(F.lit(k).alias("kind"), F.col(k).cast("string").alias("value"))
            for k in SEGMENT_KINDS
        ])
    )  # fmt: skip
    long = (
        base.select("feedback_id", "theme_id", "hour", segments.alias("s"))
        .select("feedback_id", "theme_id", "hour", F.col("s.kind").alias("segment_kind"),
                F.col("s.value").alias("segment_value"))
        .filter(F.col("segment_value").isNotNull() & (F.col("segment_value") != ""))
        .distinct()  # hour follows from feedback_id; dropDuplicates costs an aggregate a column
    )  # fmt: skip
    long.write.insertInto(catalog.physical(LONG), overwrite=True)
    long = catalog.read(LONG)
    counts = long.groupBy("theme_id", "segment_kind", "segment_value", "hour").agg(
        F.count(F.lit(1)).alias("count")
    )
    totals = (
        long.select("feedback_id", "segment_kind", "segment_value", "hour").distinct()
        .groupBy("segment_kind", "segment_value", "hour")
        .agg(F.count(F.lit(1)).alias("total"))
    )  # fmt: skip
    return counts.join(totals, ["segment_kind", "segment_value", "hour"])


def build_spikes(
    run: StepRun, events_path: str | None, labels: dict[str, str], since: datetime | None = None,
    areas: dict[str, str] | None = None,
) -> list[Spike]:  # fmt: skip
    """Detect, link and write ``gold.spikes``; returns this run's spikes (few).

    With ``since`` (the earliest feedback placed in a theme this run) only spikes starting
    from ``since`` - ``reach_hours`` can change: their windows and baselines are recomputed from the
    data after ``since`` - baseline - window, and older spikes are kept as they are.
    ``areas``: each theme's product area, which an event must not contradict to be linked."""
    import pyarrow as pa

    from feedback_lakehouse.insights.knowledge import doc_from_json

    catalog, now = run.catalog, run.now
    cfg = SpikeSettings.of(run.settings.gold)
    ts = pa.timestamp("us")
    schema = pa.schema(
        [("theme_id", pa.string()), ("segment_kind", pa.string()), ("segment_value", pa.string()),
         ("start", ts), ("end", ts), ("count", pa.int64()), ("total", pa.int64()),
         ("expected", pa.float64()), ("share", pa.float64()), ("baseline_share", pa.float64()),
         ("ratio", pa.float64()), ("p_value", pa.float64()), ("specificity", pa.float64())]
    )  # fmt: skip
    ddl = (
        "theme_id STRING, segment_kind STRING, segment_value STRING, start TIMESTAMP, "
        "end TIMESTAMP, count BIGINT, total BIGINT, expected DOUBLE, share DOUBLE, "
        "baseline_share DOUBLE, ratio DOUBLE, p_value DOUBLE, specificity DOUBLE"
    )
    from pyspark.sql import functions as F

    cutoff = lo = None
    if since is not None:
        cutoff = since - timedelta(hours=reach_hours(cfg))
        # from midnight, so each account's first report of a day is seen, as in a full run
        lo = (cutoff - timedelta(days=cfg.baseline_days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    buckets = hourly_buckets(catalog, lo)
    kinds = catalog.spark.createDataFrame([(k,) for k in SEGMENT_KINDS], "tag STRING")
    tagged = buckets.withColumn("tag", F.col("segment_kind")).unionByName(
        buckets.filter(F.col("segment_kind") == "all").crossJoin(
            kinds.filter(F.col("tag") != "all")
        )
    )

    def per_partition(batches: Any) -> Any:
        # a theme's series must be seen whole: gather the partition's batches first
        parts = list(batches)
        rows = detect_table(pa.Table.from_batches(parts), cfg) if parts else []
        yield pa.RecordBatch.from_pylist(rows, schema=schema)

    found = (
        tagged.repartition(len(SEGMENT_KINDS), "tag")
        .mapInArrow(per_partition, ddl)
        .collect()  # detected spikes: tens to hundreds
    )
    spikes = [
        Spike(
            **{
                k: (r[k].replace(tzinfo=None) if isinstance(r[k], datetime) else r[k])
                for k in SPIKE_COLUMNS
            }
        )
        for r in found
    ]
    if cutoff is not None:
        spikes = [s for s in spikes if s.start >= cutoff]
    events = []
    if events_path and Path(events_path).is_file():
        events = [doc_from_json(d) for d in json.loads(Path(events_path).read_text())]
    linked = link_events(spikes, events, cfg, areas)
    rows = [
        {
            **asdict(s),
            "spike_id": f"{s.theme_id}|{s.segment}|{s.start:%Y%m%dT%H}",
            "label": labels.get(s.theme_id),
            "window_start": s.start,
            "window_end": s.end,
            "detected_at": now,
        }
        for s in linked
    ]
    spec = catalog.spec("gold.spikes")
    kept = []
    if cutoff is not None:  # spikes before the cutoff cannot have changed: keep them
        kept = [r.asDict() for r in catalog.read("gold.spikes")
                .filter(F.col("window_start") < F.lit(cutoff)).collect()]  # fmt: skip
    df = catalog.spark.createDataFrame(
        [tuple(r.get(c) for c in spec.columns) for r in kept + rows],
        " ".join(spec.schema.split()),
    )
    catalog.replace("gold.spikes", df)
    return linked
