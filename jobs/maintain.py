"""Databricks task: compaction and cleanup of every table (weekly)."""

from _common import emit, parse, session

from feedback_lakehouse.maintenance import run_maintain

if __name__ == "__main__":
    args = parse()
    lh = session(args)
    emit(run_maintain(lh.spark, lh.catalog, lh.settings), args)
