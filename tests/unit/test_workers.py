from __future__ import annotations

import json

import pytest

from feedback_lakehouse.silver.transform import HANDLER, TransformConfig, transform_rows
from feedback_lakehouse.workers import WorkerPool

pytestmark = pytest.mark.unit

CFG = TransformConfig(adapters={"surveys": "surveys"}, languages=("en", "de"))


def _row(i: int, comment: str) -> dict[str, str]:
    payload = json.dumps({"comment": comment, "response_id": str(i)})
    return {"source": "surveys", "source_record_id": str(i), "payload": payload,
            "payload_hash": str(i)}  # fmt: skip


def test_pool_returns_what_in_process_work_returns_in_order() -> None:
    comments = [
        "Exports to CSV drop custom fields. Also, SSO logs us out hourly.",
        "Die App stürzt beim Start ab. Rufen Sie mich an: +49 30 1234567",
        "Dashboards are slow, mail me at ana@example.com",
        "",
        "Great product!",
    ]
    chunks = [[_row(i * 10 + k, c) for k, c in enumerate(comments)] for i in range(5)]
    with WorkerPool(2, HANDLER, CFG.to_json()) as pool:
        results = list(pool.map(iter(chunks)))
    expected = [transform_rows(chunk, CFG) for chunk in chunks]
    # lingua's confidences may differ in the last bits between processes
    for got_rows, want_rows in zip(results, expected, strict=True):
        for got, want in zip(got_rows, want_rows, strict=True):
            assert got.pop("language_confidence") == pytest.approx(
                want.pop("language_confidence"), abs=1e-9
            )
            assert got == want
    assert results[0][1]["language"] == "de" and "[PHONE]" in results[0][1]["text_redacted"]


def test_a_bad_record_is_reported_not_fatal() -> None:
    rows = [{"source": "surveys", "source_record_id": "x", "payload": "{not json",
             "payload_hash": "h"}]  # fmt: skip
    with WorkerPool(1, HANDLER, CFG.to_json()) as pool:
        (result,) = list(pool.map(iter([rows])))
    assert result[0]["error"].startswith("JSONDecodeError")
