"""The theme step's per-batch work at the Arrow level: vectors go from the stored bytes to a
numpy matrix to an Arrow list column without becoming Python floats. As rows, a 256-float
vector costs tens of microseconds to convert each way, which at 1M fragments was most of
the vector and assignment phases."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from feedback_lakehouse.gold.themes.clustering import assign
from feedback_lakehouse.gold.themes.embedder import embed


def matrix(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A list<float> column of equal-length vectors as an (n, d) float32 matrix."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    n = len(column)
    if n == 0:
        return np.zeros((0, 0), dtype=np.float32)
    lengths = pc.list_value_length(column)
    lo, hi = pc.min(lengths).as_py(), pc.max(lengths).as_py()
    if column.null_count or lo != hi:
        raise ValueError(
            f"theme vectors must all have the same length (found {lo}..{hi}, "
            f"{column.null_count} missing); run `feedback-lakehouse gold` again to rebuild them"
        )
    values = column.flatten().to_numpy(zero_copy_only=False)
    return values.astype(np.float32, copy=False).reshape(n, lo)


def list_column(m: np.ndarray) -> pa.Array:
    """An (n, d) matrix as a list<float> column (one vector per row)."""
    n, d = m.shape
    offsets = pa.array(np.arange(0, (n + 1) * d, d, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(np.ascontiguousarray(m, np.float32).ravel()))


def _batch(columns: list[pa.Array], schema: pa.Schema) -> pa.RecordBatch:
    pairs = zip(columns, schema, strict=True)
    arrays = [c if c.type == f.type else c.cast(f.type) for c, f in pairs]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def vector_batches(
    batches: Iterator[pa.RecordBatch], cfg_json: str, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """fragment_id, text, ... -> the theme vector of each fragment: its own text embedded
    (``embedder``). The output has ``schema``'s columns: ``vector`` is the theme vector, the
    others pass through from the input by name."""
    for b in batches:
        if b.num_rows == 0:
            continue
        theme = list_column(embed([t or "" for t in b.column("text").to_pylist()]))
        yield _batch([theme if f.name == "vector" else b.column(f.name) for f in schema], schema)


def assign_batches(
    batches: Iterator[pa.RecordBatch], cfg_json: str, schema: pa.Schema
) -> Iterator[pa.RecordBatch]:
    """fragment_id, feedback_id, vector -> the same with the nearest theme close enough (or
    null) and the similarity to it; the vector column passes through untouched."""
    cfg = json.loads(cfg_json)
    ids: list[str] = cfg["theme_ids"]
    cents = np.array(cfg["centroids"], dtype=np.float32) if ids else np.zeros((0, 1), np.float32)
    for b in batches:
        if b.num_rows == 0:
            continue
        vectors = b.column("vector")
        best, sims = assign(matrix(vectors), cents, cfg["threshold"])
        theme = pa.array([ids[i] if i >= 0 else None for i in best.tolist()], pa.string())
        cols = [b.column("fragment_id"), b.column("feedback_id"), theme,
                pa.array(sims.astype(np.float64)), vectors]  # fmt: skip
        yield _batch(cols, schema)
