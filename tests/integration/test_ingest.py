"""Bronze ingest of the generated sample on the embedded engine, checked against ground truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pyspark.sql import functions as F

pytestmark = pytest.mark.integration

SOURCES = ("tickets", "chats", "reviews", "surveys", "calls")


def _pairs(df, *cols: str) -> Counter:
    return Counter(tuple(r) for r in df.select(*cols).collect())


def test_accepted_rows_match_ground_truth_per_source(catalog, truth, first_ingest) -> None:
    expected = Counter(m["source"] for m in truth if m["malformed"] is None)
    raw = catalog.read("bronze.feedback_raw").filter(F.col("source").isin(*SOURCES))
    got = Counter(r["source"] for r in raw.select("source").collect())
    assert got == expected
    assert set(got) == set(SOURCES)


def test_every_planted_malformed_record_is_rejected_with_its_reason(
    catalog, truth, first_ingest
) -> None:
    planted = Counter(
        (m["source"], m["file"], m["line"], m["malformed"]) for m in truth if m["malformed"]
    )
    assert planted, "the sample must plant malformed records"
    rejected = _pairs(
        catalog.read("bronze.rejected").filter(F.col("source").isin(*SOURCES)),
        "source", "source_file", "source_line", "reason",
    )  # fmt: skip
    assert rejected == planted


def test_nothing_lost_and_report_balanced(catalog, truth, first_ingest) -> None:
    assert first_ingest.balanced
    assert first_ingest.rows_read == len(truth)
    assert first_ingest.rows_written == sum(1 for m in truth if m["malformed"] is None)
    assert first_ingest.details["inserted"] == first_ingest.rows_written
    assert first_ingest.details["files_skipped"] == 0


def test_envelope_timestamps_are_utc_and_ids_unique(catalog, truth, first_ingest) -> None:
    raw = catalog.read("bronze.feedback_raw").filter(F.col("source").isin(*SOURCES))
    got = {
        (r["source"], r["source_record_id"]): r["ts"]
        for r in raw.select(
            "source",
            "source_record_id",
            F.date_format("received_at", "yyyy-MM-dd'T'HH:mm:ss").alias("ts"),
        ).collect()
    }
    want = {
        (m["source"], m["source_record_id"]): m["received_at"][:19]
        for m in truth
        if m["malformed"] is None
    }
    assert got == want
    assert raw.count() == len(got)  # (source, source_record_id) is unique


def test_staging_is_emptied_and_its_files_removed(catalog, engine_settings, first_ingest) -> None:
    assert catalog.read("ops.ingest_staging").count() == 0
    staging_dir = engine_settings.root / "ops" / "ingest_staging"
    data_files = [p for p in staging_dir.rglob("*.parquet") if "_delta_log" not in p.parts]
    assert data_files == []


def test_quality_results_recorded_and_passing(catalog, first_ingest) -> None:
    results = catalog.read("ops.quality_results").filter(
        f"run_id = '{first_ingest.details['batch_id']}'"
    )
    rows = results.select("table_name", "expectation", "success").collect()
    assert {r["table_name"] for r in rows} == {"bronze.feedback_raw", "bronze.rejected"}
    assert all(r["success"] for r in rows), [r for r in rows if not r["success"]]


def test_reference_tables_loaded(catalog, sample, first_ingest) -> None:
    import csv

    with (sample / "reference" / "accounts.csv").open(encoding="utf-8") as fh:
        n_accounts = sum(1 for _ in csv.DictReader(fh))
    assert catalog.read("bronze.accounts").count() == n_accounts
    for name in ("bronze.releases", "bronze.incidents", "bronze.feature_flags"):
        assert (
            catalog.read(name).count()
            == first_ingest.details["reference"][name.split(".")[1]]["accepted"]
        )


def test_second_ingest_changes_nothing(spark, catalog, engine_settings, first_ingest) -> None:
    from feedback_lakehouse.bronze.ingest import run_ingest

    tables = ("bronze.feedback_raw", "bronze.rejected", "bronze.accounts", "bronze.ingest_files")
    before = {t: catalog.read(t).count() for t in tables}
    again = run_ingest(spark, catalog, engine_settings)
    after = {t: catalog.read(t).count() for t in tables}
    assert after == before
    assert (again.rows_read, again.details["files_new"]) == (0, 0)
    assert again.details["files_skipped"] >= first_ingest.details["files_new"]


def test_a_new_process_sees_the_tables(catalog, engine_settings, first_ingest) -> None:
    env = dict(os.environ, FEEDBACK_LAKEHOUSE_ROOT=str(engine_settings.root), RUST_LOG="error")
    query = "SELECT source, count(*) AS n FROM bronze.feedback_raw GROUP BY source"
    conf = str(Path(__file__).parents[2] / "conf")
    out = subprocess.run(
        [sys.executable, "-m", "feedback_lakehouse.cli", "--conf", conf,
         "sql", query, "--format", "json"],
        env=env, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    rows = json.loads(out.stdout)
    expected = {r["source"]: r["n"] for r in catalog.sql(query).collect()}
    assert {r["source"]: r["n"] for r in rows} == expected


def test_cli_sql_json_and_bad_sql(engine_settings, first_ingest, monkeypatch, capsys) -> None:
    from feedback_lakehouse.cli import main

    monkeypatch.setenv("FEEDBACK_LAKEHOUSE_ROOT", str(engine_settings.root))
    conf = str(Path(__file__).parents[2] / "conf")
    query = "SELECT count(*) AS n FROM bronze.rejected WHERE source = 'tickets'"
    assert main(["--conf", conf, "sql", query, "--format", "json"]) == 0
    expected = first_ingest.details["per_source"]["tickets"]["rejected"]
    assert json.loads(capsys.readouterr().out) == [{"n": expected}]
    assert main(["--conf", conf, "sql", "SELECT no_such_column FROM bronze.feedback_raw"]) == 2
    assert "error from the Spark engine" in capsys.readouterr().err
