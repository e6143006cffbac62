"""The theme step's Arrow-level batches: vectors survive the round trip exactly, assignment
passes vectors through and respects the threshold, stored vectors are used as given."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from feedback_lakehouse.gold.themes.batches import (
    assign_batches,
    list_column,
    matrix,
    vector_batches,
)
from feedback_lakehouse.insights.offline_model import OfflineModel
from feedback_lakehouse.insights.vectors import encode

ASSIGN_SCHEMA = pa.schema(
    [("fragment_id", pa.string()), ("feedback_id", pa.string()), ("theme_id", pa.string()),
     ("similarity", pa.float64()), ("vector", pa.list_(pa.float32()))]
)  # fmt: skip
VECTOR_SCHEMA = pa.schema(
    [("fragment_id", pa.string()), ("feedback_id", pa.string()), ("sub_theme", pa.string()),
     ("vector", pa.list_(pa.float32()))]
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


def test_stored_vectors_are_used_and_missing_ones_embedded(tmp_path: Path) -> None:
    from test_offline_model import DOCS, examples  # same folder: on the path (prepend mode)

    model = OfflineModel(dims=16).fit(examples(), DOCS)
    model.save(tmp_path / "m")
    texts = ["the pie chart never loads", "sso login page shows an error"]
    subs = ["blank dashboard charts", "sso login failure"]
    own = model.vectors(texts)
    odd = own[0][::-1].copy()  # a stored vector unlike the text's: it must be the one used
    batch = pa.RecordBatch.from_pydict(
        {"fragment_id": ["f1", "f2"], "feedback_id": ["m1", "m2"], "sub_theme": subs,
         "text": texts, "vector": pa.array([base64.b64decode(encode(odd)), None], pa.binary())}
    )  # fmt: skip
    cfg = json.dumps({"model_dir": str(tmp_path / "m")})
    (out,) = list(vector_batches(iter([batch]), cfg, VECTOR_SCHEMA))
    got = matrix(out.column("vector"))
    expected = model.theme_vectors(texts, subs, own=np.stack([odd, own[1]]))
    assert np.allclose(got, expected, atol=1e-6)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
