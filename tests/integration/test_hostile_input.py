"""Hostile export files, ingested end to end into a lakehouse of their own: every record
ends accepted or quarantined with its reason (read = written + quarantined), none crashes
the batch, and silver takes what bronze accepted."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from pyspark.sql import functions as F


def _ticket(record_id: int, **over: Any) -> dict[str, Any]:
    t = {
        "id": record_id, "created_at": "2026-08-03T16:22:05Z", "organization_id": "ACC-1",
        "via": {"channel": "web"},
        "comments": [{"author_role": "end-user", "body": f"Export {record_id} fails"}],
    }  # fmt: skip
    return t | over


def _lines(*records: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


@pytest.fixture(scope="module")
def hostile(spark, own_settings, tmp_path_factory):
    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.lakehouse import open_lakehouse

    root = tmp_path_factory.mktemp("hostile_lakehouse")
    tickets = root / "landing" / "tickets"
    chats = root / "landing" / "chats"
    reviews = root / "landing" / "reviews"
    for folder in (tickets, chats, reviews):
        folder.mkdir(parents=True)
    (tickets / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + _lines(_ticket(1), _ticket(2)))
    (tickets / "dates.jsonl").write_bytes(_lines(
        _ticket(3, created_at="0001-01-01T00:00:00Z"),
        _ticket(4, created_at="9999-12-31T23:59:59Z"),
        _ticket(5, comments=[{"author_role": "end-user", "body": ["The report", "is empty"]}]),
        _ticket(6, comments=[{"author_role": "end-user", "body": "x" * 2_000_000}]),
    ))  # fmt: skip
    zipped = _lines(*(_ticket(100 + i) for i in range(20)))
    (tickets / "zipped.jsonl").write_bytes(gzip.compress(zipped))
    (chats / "parts.jsonl").write_bytes(_lines({
        "id": "c1", "created_at": 1722695325, "source": {"body": "<p>Broken</p>"},
        "custom_attributes": {"account_id": "ACC-1"},
        "conversation_parts": [{"author": {"type": "user"}, "body": "still broken"}],
    }))  # fmt: skip
    # line 3 opens a quote that line 5 closes: 7 rows that read as 5 without the detection
    (reviews / "quotes.csv").write_text(
        "review_id,submitted_at,rating,title,body\n"
        'r1,2026-08-01T10:00:00Z,4,Fine,"works"\n'
        'r2,2026-08-01T11:00:00Z,2,Sync,"stops at ""syncing\n'
        'r3,2026-08-01T12:00:00Z,1,Crash,"crashes on start"\n'
        'r4,2026-08-01T13:00:00Z,3,Slow,"slow ""search"" results"\n'
        'r5,2026-08-01T14:00:00Z,5,Great,"love it"\n'
        'r6,2026-08-01T15:00:00Z,2,Login,"logs me out"\n'
        'r7,2026-08-01T16:00:00Z,4,Ok,"ok"\n',
        encoding="utf-8",
    )
    lh = open_lakehouse(settings=own_settings(root, "hostile_"))
    return lh, run_ingest(lh.spark, lh.catalog, lh.settings)


def test_every_hostile_record_ends_somewhere_with_its_reason(hostile) -> None:
    lh, report = hostile
    assert report.balanced
    assert (report.rows_read, report.rows_written) == (34, 28)
    rejected = lh.catalog.read("bronze.rejected").collect()
    reasons = {(r["source_file"], r["source_line"]): r["reason"] for r in rejected}
    assert reasons == {
        ("tickets/dates.jsonl", 1): "timestamp_out_of_range",
        ("tickets/dates.jsonl", 2): "timestamp_out_of_range",
        ("tickets/dates.jsonl", 3): "unexpected_shape",
        ("tickets/dates.jsonl", 4): "record_too_large",
        ("chats/parts.jsonl", 1): "unexpected_shape",
        ("reviews/quotes.csv", 3): "invalid_csv",
    }
    huge = next(r for r in rejected if r["reason"] == "record_too_large")
    assert len(huge["raw_text"]) < 70_000 and "sha256 " in huge["raw_text"]
    accepted = lh.catalog.read("bronze.feedback_raw").filter(F.col("source") == "tickets")
    ids = {int(r["source_record_id"]) for r in accepted.select("source_record_id").collect()}
    assert ids == {1, 2, *range(100, 120)}  # the BOM'd file's first record and all 20 zipped
    reviews = lh.catalog.read("bronze.feedback_raw").filter(F.col("source") == "reviews")
    got = {r["source_record_id"] for r in reviews.select("source_record_id").collect()}
    assert got == {"r1", "r3", "r4", "r5", "r6", "r7"}  # the unclosed quote's row only


def test_silver_takes_every_accepted_hostile_record(hostile) -> None:
    from feedback_lakehouse.silver.step import run_silver

    lh, _ = hostile
    report = run_silver(lh.spark, lh.catalog, lh.settings)
    assert report.balanced and report.rows_read == 28 and report.rows_quarantined == 0
    assert lh.catalog.read("silver.feedback").count() == 28


def _bronze_copy(lh, record_id: str, source_record_id: str, payload: str):
    """A bronze row like ticket ``record_id`` with another id and payload, landed now."""
    from datetime import UTC, datetime

    row = (
        lh.catalog.read("bronze.feedback_raw")
        .filter((F.col("source") == "tickets") & (F.col("source_record_id") == record_id))
        .withColumn("source_record_id", F.lit(source_record_id))
        .withColumn("payload", F.lit(payload))
        .withColumn("payload_hash", F.sha2(F.lit(payload), 256))
        .withColumn("ingested_at", F.lit(datetime.now(UTC).replace(tzinfo=None)))
    )
    return row


def test_a_record_silver_cannot_read_is_kept_and_tried_again_until_it_reads(hostile) -> None:
    from feedback_lakehouse.silver.step import run_silver

    lh, _ = hostile
    lh.catalog.append("bronze.feedback_raw", _bronze_copy(lh, "1", "900", "{not json"))
    first = run_silver(lh.spark, lh.catalog, lh.settings)
    assert (first.rows_read, first.rows_quarantined) == (1, 1) and first.balanced
    [kept] = lh.catalog.read("silver.rejected").collect()
    assert (kept["feedback_id"], kept["reason"], kept["attempts"]) == (
        "tickets:900",
        "unreadable_record",
        1,
    )
    assert "JSONDecodeError" in kept["detail"]
    again = run_silver(lh.spark, lh.catalog, lh.settings)  # no new input: the reject is retried
    assert again.rows_read == 1
    [kept2] = lh.catalog.read("silver.rejected").collect()
    assert kept2["attempts"] == 2 and kept2["first_rejected_at"] == kept["first_rejected_at"]
    # the record becomes readable (as when its adapter is fixed): silver takes it in
    fixed = json.dumps(_ticket(900))
    lh.spark.sql(
        f"UPDATE {lh.catalog.physical('bronze.feedback_raw')} SET payload = '{fixed}' "
        "WHERE source = 'tickets' AND source_record_id = '900'"
    )
    third = run_silver(lh.spark, lh.catalog, lh.settings)
    assert (third.rows_read, third.rows_quarantined) == (1, 0)
    assert lh.catalog.read("silver.rejected").count() == 0
    ids = lh.catalog.read("silver.feedback").filter(F.col("feedback_id") == "tickets:900")
    assert ids.count() == 1


def test_a_message_exported_again_with_fewer_fragments_loses_the_stale_ones(hostile) -> None:
    from feedback_lakehouse.silver.step import run_silver

    lh, _ = hostile
    first = "The CSV export fails with a timeout every time."
    body = [
        {"author_role": "end-user", "body": f"{first}\n\nAlso, the login page rejects my password."}
    ]
    two = _bronze_copy(lh, "2", "901", json.dumps(_ticket(901, comments=body)))
    lh.catalog.append("bronze.feedback_raw", two)
    run_silver(lh.spark, lh.catalog, lh.settings)
    frags = lh.catalog.read("silver.fragments").filter(F.col("feedback_id") == "tickets:901")
    assert frags.count() == 2
    one = [{"author_role": "end-user", "body": first}]
    edited = _bronze_copy(lh, "2", "901", json.dumps(_ticket(901, comments=one)))
    lh.catalog.merge("bronze.feedback_raw", edited)
    run_silver(lh.spark, lh.catalog, lh.settings)
    assert [r["ordinal"] for r in frags.collect()] == [0]
