"""Silver on the embedded engine, measured against the sample's ground truth."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from feedback_lakehouse.evaluate.tables import evaluate_silver

pytestmark = pytest.mark.integration

SOURCES = ("tickets", "chats", "reviews", "surveys", "calls")


@pytest.fixture(scope="module")
def metrics(catalog, sample, silver_run):
    return evaluate_silver(catalog, sample)


def _per_source(df) -> dict[str, int]:
    rows = df.filter(F.col("source").isin(*SOURCES)).groupBy("source").count().collect()
    return {r["source"]: int(r["count"]) for r in rows}


def test_every_accepted_record_becomes_one_message(catalog, first_ingest, silver_run) -> None:
    bronze = catalog.read("bronze.feedback_raw")
    silver = catalog.read("silver.feedback")
    assert silver.count() == bronze.count() == silver_run.rows_read
    assert silver_run.balanced and silver_run.rows_quarantined == 0
    # per source: each record the sample's ingest accepted is exactly one message
    accepted = {s: first_ingest.details["per_source"][s]["accepted"] for s in SOURCES}
    assert _per_source(silver) == _per_source(bronze) == accepted
    assert silver.select("source", "source_record_id").distinct().count() == silver.count()


def test_pii_targets(metrics) -> None:
    pii = metrics["pii"]
    for kind in ("EMAIL", "PHONE", "CARD", "ORDER_ID", "IP"):
        assert pii[kind]["recall"] >= 0.98, (kind, pii[kind])
    assert pii["NAME"]["recall"] >= 0.90, pii["NAME"]


def test_dedup_targets(metrics) -> None:
    assert metrics["dedup"]["precision"] >= 0.95, metrics["dedup"]
    assert metrics["dedup"]["recall"] >= 0.90, metrics["dedup"]


def test_fragment_targets(metrics) -> None:
    assert metrics["fragments"]["multi_topic_accuracy"] >= 0.85, metrics["fragments"]
    assert metrics["fragments"]["single_topic_accuracy"] >= 0.95, metrics["fragments"]


def test_language_accuracy(metrics) -> None:
    assert metrics["language"]["accuracy"] >= 0.95, metrics["language"]


def test_fragments_and_duplicates_are_consistent(catalog, silver_run) -> None:
    feedback = catalog.read("silver.feedback")
    fragments = catalog.read("silver.fragments")
    per_message = fragments.groupBy("feedback_id").count()
    mismatched = feedback.join(per_message, "feedback_id", "left").filter(
        F.coalesce(F.col("count"), F.lit(0)) != F.col("fragment_count")
    )
    assert mismatched.count() == 0
    originals = feedback.select(F.col("feedback_id").alias("duplicate_of"))
    dangling = feedback.filter(F.col("duplicate_of").isNotNull()).join(
        originals, "duplicate_of", "left_anti"
    )
    assert dangling.count() == 0
    assert all(q["success"] for q in silver_run.details["quality"]), silver_run.details["quality"]


def test_unknown_accounts_are_kept_and_flagged(catalog, sample, truth, silver_run) -> None:
    import csv

    with (sample / "reference" / "accounts.csv").open(encoding="utf-8") as fh:
        known = {r["account_id"] for r in csv.DictReader(fh)}
    planted_unknown = {
        f"{m['source']}:{m['source_record_id']}"
        for m in truth
        if m["malformed"] is None and m["account_id"] and m["account_id"] not in known
    }
    flagged = catalog.read("silver.feedback").filter(
        F.col("source").isin(*SOURCES) & F.col("account_id").isNotNull() & ~F.col("account_known")
    )
    assert {r["feedback_id"] for r in flagged.select("feedback_id").collect()} == planted_unknown


def test_second_run_changes_nothing(spark, catalog, engine_settings, silver_run) -> None:
    from feedback_lakehouse.silver.step import run_silver

    before = {t: catalog.read(t).count() for t in ("silver.feedback", "silver.fragments")}
    again = run_silver(spark, catalog, engine_settings)
    after = {t: catalog.read(t).count() for t in ("silver.feedback", "silver.fragments")}
    assert again.rows_read == 0
    assert after == before


def test_dedup_time_slices_do_not_change_the_links(catalog, engine_settings, silver_run) -> None:
    """Slicing the batch in time (``silver.dedup_chunk_rows``) bounds memory only: many small
    slices find exactly the links one slice finds."""
    from feedback_lakehouse.silver.dedup import find_duplicates

    cols = catalog.spec("ops.silver_dedup_input").columns
    batch = catalog.read("silver.feedback").select(*cols)

    def links(chunk: int) -> set[tuple[str, str, str]]:
        silver = engine_settings.silver.model_copy(update={"dedup_chunk_rows": chunk})
        settings = engine_settings.model_copy(update={"silver": silver})
        found = find_duplicates(catalog, batch, settings, "ops.silver_duplicates").collect()
        return {(r["feedback_id"], r["duplicate_of"], r["duplicate_kind"]) for r in found}

    try:
        one, many = links(1_000_000), links(300)
    finally:
        catalog.spark.sql(f"DELETE FROM {catalog.physical('ops.silver_duplicates')}")
    assert len(one) > 50
    assert many == one
