"""The theme step's Arrow-level batches: vectors survive the round trip exactly, assignment
passes vectors through and respects the threshold, a theme vector is the text's own."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from feedback_lakehouse.gold.themes.batches import (
    assign_batches,
    list_column,
    matrix,
    vector_batches,
)

ASSIGN_SCHEMA = pa.schema(
    [("fragment_id", pa.string()), ("feedback_id", pa.string()), ("theme_id", pa.string()),
     ("similarity", pa.float64()), ("vector", pa.list_(pa.float32()))]
)  # fmt: skip
VECTOR_SCHEMA = pa.schema(
    [("fragment_id", pa.string()), ("feedback_id", pa.string()), ("vector", pa.list_(pa.float32()))]
)  # fmt: skip


def test_matrix_and_list_column_round_trip_also_on_a_slice() -> None:
    m = np.arange(12, dtype=np.float32).reshape(4, 3)
    col = list_column(m)
    assert col.to_pylist()[1] == [3.0, 4.0, 5.0]
    assert np.array_equal(matrix(col), m)
    assert np.array_equal(matrix(col.slice(1, 2)), m[1:3])


def test_ragged_vectors_are_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match="same length"):
        matrix(pa.array([[1.0, 2.0], [1.0]], pa.list_(pa.float32())))


def test_assignment_keeps_vectors_and_leaves_far_ones_unassigned() -> None:
    vecs = [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]
    batch = pa.RecordBatch.from_pydict(
        {"fragment_id": ["f1", "f2", "f3"], "feedback_id": ["m1", "m2", "m3"],
         "vector": pa.array(vecs, pa.list_(pa.float32()))}
    )  # fmt: skip
    cfg = json.dumps({"theme_ids": ["TH-a"], "centroids": [[1.0, 0.0]], "threshold": 0.5})
    (out,) = list(assign_batches(iter([batch]), cfg, ASSIGN_SCHEMA))
    assert out.schema == ASSIGN_SCHEMA
    assert out.column("theme_id").to_pylist() == ["TH-a", None, "TH-a"]
    assert np.allclose(out.column("similarity").to_pylist(), [1.0, 0.0, 0.6], atol=1e-6)
    assert out.column("vector").to_pylist() == batch.column("vector").to_pylist()
    no_themes = json.dumps({"theme_ids": [], "centroids": [], "threshold": 0.5})
    (none,) = list(assign_batches(iter([batch]), no_themes, ASSIGN_SCHEMA))
    assert none.column("theme_id").null_count == 3


def test_theme_vectors_are_the_texts_own_and_nothing_else() -> None:
    texts = [
        "the csv export fails with a timeout",
        "exporting to csv times out",
        "the new logo looks great",
        "the csv export fails with a timeout",
        "",
    ]
    batch = pa.RecordBatch.from_pydict(
        {"fragment_id": [f"f{i}" for i in range(5)], "feedback_id": ["m"] * 5,
         "text": texts, "sub_theme": ["a", "b", "c", "d", None]}
    )  # fmt: skip
    (out,) = list(vector_batches(iter([batch]), "{}", VECTOR_SCHEMA))
    assert out.schema == VECTOR_SCHEMA
    assert out.column("fragment_id").to_pylist() == [f"f{i}" for i in range(5)]
    got = matrix(out.column("vector"))
    # the same text under another predicted sub-theme: the same vector (no blend)
    assert np.array_equal(got[0], got[3])
    assert np.allclose(np.linalg.norm(got[:4], axis=1), 1.0, atol=1e-5)
    assert not got[4].any()  # an empty fragment is similar to nothing
    assert got[0] @ got[1] > got[0] @ got[2]  # a paraphrase sits nearer than another topic
