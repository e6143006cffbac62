"""Themes live in one theme space (``embedder.SPACE``). A lakehouse whose themes were formed
in another space (an earlier embedder) cannot place new fragments against those centroids: its
themes are retired once, with lineage saying why, and every fragment is placed again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_lakehouse.gold.themes.embedder import SPACE
from feedback_lakehouse.gold.themes.frames import append_lineage

if TYPE_CHECKING:
    from feedback_lakehouse.run import StepRun

MARK_STEP = "gold"
MARK = f"theme_space:{SPACE}"
"""``ops.watermarks`` row (step, input_table) recording that the themes are in ``SPACE``."""


def rebuild_if_space_changed(run: StepRun) -> int:
    """Retire the active themes when they were formed in another theme space; returns how
    many were retired (0: the themes are in this space, or there are none).

    Crash order: members first (a member of a retired theme would count as placed), then the
    themes, then the mark, so a run killed anywhere in between does the rest next time."""
    from pyspark.sql import functions as F

    catalog, now = run.catalog, run.now
    marks = catalog.read("ops.watermarks").filter(
        (F.col("step") == MARK_STEP) & (F.col("input_table") == MARK)
    )
    if marks.limit(1).count():
        return 0
    active = catalog.read("gold.themes").filter(F.col("status") == "active").collect()
    if active or catalog.read("gold.theme_members").limit(1).count():
        catalog.spark.sql(f"DELETE FROM {catalog.physical('gold.theme_members')}")
    if active:
        retired = []
        for r in active:
            row = r.asDict(recursive=True)
            row.update(status="retired", merged_into=None, updated_at=now)
            retired.append(row)
        catalog.merge_rows("gold.themes", retired)
        detail = f"formed in an earlier theme space; themes rebuilt in {SPACE}"
        append_lineage(catalog, [(now, "retired", r["theme_id"], None, detail) for r in active])
    schema = " ".join(catalog.spec("ops.watermarks").schema.split())
    catalog.merge(
        "ops.watermarks", catalog.spark.createDataFrame([(MARK_STEP, MARK, now, now)], schema)
    )
    if active:
        run.report.details["themes_retired_for_new_space"] = len(active)
    return len(active)
