"""Databricks task: gold (themes, the VoC fact table, dashboard views)."""

from _common import emit, parse, session

from feedback_lakehouse.gold.step import run_gold

if __name__ == "__main__":
    args = parse()
    lh = session(args)
    emit(run_gold(lh.spark, lh.catalog, lh.settings), args)
