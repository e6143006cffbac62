"""Theme splits: a theme that has come to hold two issues becomes two themes.

Membership is sticky and centroids move as running means, so a theme born when two issues
were still small can end up holding both. Each run, a deterministic sample of every large
enough theme's members is clustered on its own (``clustering.split``); a theme whose sample
holds two clusters that are further apart than ``gold.split_similarity`` is split: every
member goes to the nearer of the two parts, the larger part keeps the theme's id, the other
becomes a new theme, and ``gold.theme_lineage`` records it (kind ``split``, with the parent in
``other_theme_id``) so a trend over months can compare like with like."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.gold.themes.clustering import Split, normalise, split
from feedback_lakehouse.gold.themes.frames import (
    Theme,
    append_lineage,
    assign_df,
    member_texts,
    theme_vectors,
    vector_sums,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.run import StepRun

SPLIT = "ops.theme_split"


def sample_members(members: DataFrame, per_theme: int) -> DataFrame:
    """About ``per_theme`` members of each theme, chosen by a hash of the fragment id: the
    same fragments speak for a theme run after run."""
    from pyspark.sql import functions as F

    sizes = members.groupBy("theme_id").agg(F.count(F.lit(1)).alias("_n"))
    return (
        members.join(sizes, "theme_id")
        .filter(
            (F.crc32(F.col("fragment_id")) % 10_000).cast("double") / 10_000.0
            < F.lit(float(per_theme)) / F.col("_n").cast("double")
        )
        .drop("_n")
    )


def split_due(before: int, after: int, growth: float) -> bool:
    """Whether a theme that held ``before`` members and now holds ``after`` is looked at for a
    split: each time it passes a rung of the ladder 1, (1 + growth), (1 + growth)^2, ... So a
    theme is examined once per ``growth`` of growth, with no state to keep: a new theme at
    once, and in a run that adds 1% of the data about one theme in ten, not every theme."""
    if after <= 0 or growth <= 0:
        return after > 0
    if before <= 0:
        return True
    return _rung(after, growth) > _rung(before, growth)


def _rung(count: int, growth: float) -> int:
    return math.floor(math.log(count) / math.log1p(growth) + 1e-9)


def split_themes(run: StepRun, themes: list[Theme], before: dict[str, int]) -> datetime | None:
    """Split the themes that hold two issues (``themes`` gains the new ones and the split
    ones' centroids and counts are updated). Only themes due by ``split_due`` are looked at
    (``before``: member counts before this run). Returns the earliest ``received_at`` among
    the fragments that moved, from which spikes must be recomputed, or None when none split."""
    from pyspark.sql import functions as F

    catalog, settings, now, report = run.catalog, run.settings, run.now, run.report
    g = settings.gold
    due = [t for t in themes if split_due(before.get(t.theme_id, 0), t.count, g.split_growth)]
    report.details["themes_split_checked"] = len(due)
    found = _find_splits(catalog, due, settings)
    report.details["themes_split"] = len(found)
    if not found:
        return None
    since: datetime | None = None
    by_id = {t.theme_id: t for t in themes}
    lineage = []
    for theme_id, sp in found.items():
        parent = by_id[theme_id]
        child = Theme(f"TH-{uuid.uuid4().hex[:10]}", sp.split_off, 0, now, None)
        members = catalog.read("gold.theme_members").filter(F.col("theme_id") == theme_id)
        vectors = theme_vectors(
            member_texts(catalog, members.select("fragment_id", "feedback_id")),
            "fragment_id STRING, feedback_id STRING, vector ARRAY<FLOAT>",
        )
        halves = [Theme(theme_id, sp.keep, 0, None, None), child]
        assign_df(vectors, halves, -1.0).write.insertInto(catalog.physical(SPLIT), overwrite=True)
        assigned = catalog.read(SPLIT)
        sums = vector_sums(assigned, len(parent.centroid))
        if child.theme_id not in sums or parent.theme_id not in sums:
            continue  # the sample's two parts did not hold across all members: no split
        moved = assigned.filter(F.col("theme_id") == child.theme_id).select(
            "fragment_id", "feedback_id", "theme_id", "similarity",
            F.lit(now).cast("timestamp").alias("assigned_at"),
        )  # fmt: skip
        catalog.upsert("gold.theme_members", moved, "theme_id")
        for t in (parent, child):
            total, n = sums[t.theme_id]
            t.centroid, t.count = normalise(total / n), n
        first = (
            moved.join(catalog.read("silver.fragments").select("fragment_id", "received_at"),
                       "fragment_id")
            .agg(F.min("received_at").alias("at")).first()["at"]
        )  # fmt: skip
        since = first if since is None or (first is not None and first < since) else since
        themes.append(child)
        lineage.append((now, "split", child.theme_id, theme_id,
                        f"{child.count} of {parent.count + child.count} fragments; "
                        f"part similarity {sp.similarity:.3f} < {g.split_similarity}"))  # fmt: skip
    report.details["themes_split"] = len(lineage)
    if not lineage:
        return None
    append_lineage(catalog, lineage)
    return since


def _find_splits(catalog: Catalog, themes: list[Theme], settings: Settings) -> dict[str, Split]:
    """Each large enough theme's member sample, clustered on the driver (bounded:
    ``gold.split_sample`` vectors per theme)."""
    from pyspark.sql import functions as F

    g = settings.gold
    large = [t.theme_id for t in themes if t.count >= 2 * g.min_cluster_size]
    if not large:
        return {}
    members = catalog.read("gold.theme_members").filter(F.col("theme_id").isin(large))
    sample = sample_members(members.select("fragment_id", "theme_id"), g.split_sample)
    # toPandas (Arrow underneath) also on Spark 3.5 runtimes, which lack toArrow
    frame = (
        theme_vectors(member_texts(catalog, sample),
                      "fragment_id STRING, theme_id STRING, vector ARRAY<FLOAT>")
        .orderBy("theme_id", "fragment_id")  # the same sample in the same order each run
        .toPandas()
    )  # fmt: skip
    if frame.empty:
        return {}
    ids = frame["theme_id"].to_numpy()
    vectors = np.stack(frame["vector"].to_list()).astype(np.float32)
    out = {}
    for theme_id in large:
        rows = vectors[ids == theme_id]
        if found := split(rows, g.min_cluster_size, g.split_similarity, g.split_min_share):
            out[theme_id] = found
    return out
