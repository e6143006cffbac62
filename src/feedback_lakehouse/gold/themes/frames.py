"""The theme step's Spark plumbing, shared by placement (``themes``) and splits
(``theme_splits``): a theme in memory, fragments' theme vectors as a frame, nearest-theme
assignment, and per-theme vector sums for centroids."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from feedback_lakehouse.gold.themes.batches import assign_batches, vector_batches

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog


@dataclass(slots=True)
class Theme:
    theme_id: str
    centroid: np.ndarray
    count: int
    created_at: datetime | None
    row: dict[str, Any] | None  # the stored row, None for a theme born in this run


def _arrow(schema_ddl: str) -> Any:
    import pyarrow as pa

    types = {"STRING": pa.string(), "DOUBLE": pa.float64(), "ARRAY<FLOAT>": pa.list_(pa.float32())}
    cols = [c.strip().split(" ", 1) for c in schema_ddl.split(",")]
    return pa.schema([(n, types[t.strip()]) for n, t in cols])


def map_arrow(df: DataFrame, fn: Callable[..., Any], cfg: dict[str, Any], ddl: str) -> DataFrame:
    """``fn(batches, cfg_json, schema)`` over the frame's Arrow batches (``theme_batches``)."""
    cfg_json, schema = json.dumps(cfg), _arrow(ddl)
    return df.mapInArrow(lambda it: fn(it, cfg_json, schema), ddl)


def theme_vectors(df: DataFrame, ddl: str) -> DataFrame:
    """Fragments (fragment_id, text, ...) with their theme vectors, as the columns of ``ddl``
    (``vector`` is the theme vector)."""
    return map_arrow(df, vector_batches, {}, ddl)


def member_texts(catalog: Catalog, members: DataFrame) -> DataFrame:
    """Theme members with what their theme vector is made of: the fragment's text."""
    return members.join(
        catalog.read("silver.fragments").select("fragment_id", "text"), "fragment_id"
    )


def append_lineage(catalog: Catalog, rows: list[tuple[Any, ...]]) -> None:
    """Append (at, kind, theme_id, other_theme_id, detail) rows to ``gold.theme_lineage``."""
    if rows:
        schema = " ".join(catalog.spec("gold.theme_lineage").schema.split())
        catalog.append("gold.theme_lineage", catalog.spark.createDataFrame(rows, schema))


def assign_df(df: DataFrame, themes: list[Theme], threshold: float) -> DataFrame:
    """Nearest-theme assignment: one matrix product per batch."""
    cfg = {"theme_ids": [t.theme_id for t in themes],
           "centroids": [t.centroid.tolist() for t in themes], "threshold": threshold}  # fmt: skip
    return map_arrow(df, assign_batches, cfg,
                     "fragment_id STRING, feedback_id STRING, theme_id STRING, similarity DOUBLE, "
                     "vector ARRAY<FLOAT>")  # fmt: skip


def vector_sums(assigned: DataFrame, dims: int) -> dict[str, tuple[np.ndarray, int]]:
    """Per theme: the sum of its assigned vectors and how many there are. One aggregation
    (theme x dimension) whose result is small, however many fragments were assigned."""
    from pyspark.sql import functions as F

    out: dict[str, tuple[np.ndarray, int]] = {}
    for r in (
        assigned.filter(F.col("theme_id").isNotNull())
        .select("theme_id", F.posexplode("vector").alias("pos", "x"))
        .groupBy("theme_id", "pos")
        .agg(F.sum("x").alias("s"), F.count(F.lit(1)).alias("n"))
        .collect()  # themes x dimensions: small
    ):
        total, _ = out.get(r["theme_id"], (np.zeros(dims, np.float32), 0))
        total[int(r["pos"])] = r["s"]
        out[r["theme_id"]] = (total, int(r["n"]))
    return out
