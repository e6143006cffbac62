"""Databricks task: bronze ingest of new export files."""

from _common import emit, parse, session

from feedback_lakehouse.bronze.ingest import run_ingest

if __name__ == "__main__":
    args = parse()
    lh = session(args)
    emit(run_ingest(lh.spark, lh.catalog, lh.settings), args)
