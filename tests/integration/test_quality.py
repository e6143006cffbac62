"""The bronze quality suite catches what it claims to, on small hand-built DataFrames."""

from __future__ import annotations

from datetime import datetime

import pytest

from feedback_lakehouse import quality
from feedback_lakehouse.bronze.quality import bronze_feedback_checks
from feedback_lakehouse.tables import FEEDBACK_RAW

pytestmark = pytest.mark.integration


def _row(source: str, record_id: str | None, payload: str | None) -> tuple:
    values = dict.fromkeys(FEEDBACK_RAW.columns)
    now = datetime(2026, 8, 3, 12, 0)
    values.update(
        source=source, source_record_id=record_id, received_at=now, ingested_at=now,
        batch_id="b1", payload=payload, payload_hash="h",
    )  # fmt: skip
    return tuple(values[c] for c in FEEDBACK_RAW.columns)


def test_bronze_checks_flag_each_fault(spark) -> None:
    rows = [
        _row("tickets", "1", "{}"),
        _row("tickets", "1", "{}"),  # duplicate key
        _row("pigeon_post", "2", "{}"),  # source not allowed
        _row("chats", None, None),  # missing id and payload
    ]
    df = spark.createDataFrame(rows, " ".join(FEEDBACK_RAW.schema.split()))
    results = quality.validate(df, "bronze.feedback_raw", bronze_feedback_checks(
        ["tickets", "chats"]
    ))  # fmt: skip
    failed = {(r.expectation, r.column): r.unexpected_count for r in results if not r.success}
    assert failed == {
        ("expect_column_values_to_not_be_null", "source_record_id"): 1,
        ("expect_column_values_to_not_be_null", "payload"): 1,
        ("expect_column_values_to_be_in_set", "source"): 1,
        ("expect_compound_columns_to_be_unique", "source,source_record_id"): 2,
    }
    assert all(r.element_count == 4 for r in results)
