"""Databricks task: insights (classify, extract evidence, rank root causes) for new fragments."""

from _common import emit, parse, session

from feedback_lakehouse.insights.step import run_insights

if __name__ == "__main__":
    args = parse()
    lh = session(args)
    emit(run_insights(lh.spark, lh.catalog, lh.settings), args)
