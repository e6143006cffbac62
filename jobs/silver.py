"""Databricks task: silver (clean, redact, deduplicate, split) over new bronze records."""

from _common import emit, parse, session

from feedback_lakehouse.silver.step import run_silver

if __name__ == "__main__":
    args = parse()
    lh = session(args)
    emit(run_silver(lh.spark, lh.catalog, lh.settings), args)
