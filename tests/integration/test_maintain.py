"""`maintain` compacts each table's small files without changing a row."""

from __future__ import annotations


def test_maintain_compacts_and_keeps_every_row(spark, catalog, engine_settings, gold_run) -> None:
    from feedback_lakehouse.maintenance import run_maintain
    from feedback_lakehouse.tables import WORKING_TABLES

    names = [n for n in catalog.specs if n not in WORKING_TABLES]
    rows = {n: catalog.read(n).count() for n in names}
    report = run_maintain(spark, catalog, engine_settings)
    assert report.balanced and report.rows_read == len(names)
    d = report.details
    assert d["files_after"] < d["files_before"], "an incremental lakehouse has files to compact"
    assert all(t["files_after"] <= t["files_before"] for t in d["tables"].values())
    assert {n: catalog.read(n).count() for n in names} == rows
    again = run_maintain(spark, catalog, engine_settings)  # nothing left to compact
    assert again.details["files_after"] == again.details["files_before"] == d["files_after"]
