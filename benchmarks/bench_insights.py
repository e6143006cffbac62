"""Insights throughput, backend calls, peak memory, and the cost of an incremental run.

The exports are split as in ``bench_silver``: 99% of every file is the full run, the last 1%
lands afterwards as the incremental run. Ingest and silver run first and are not timed here.

    python benchmarks/bench_insights.py --messages 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from _bench import REPO, prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--incremental-share", type=float, default=0.01)
    parser.add_argument("--out", help="default: benchmarks/results/insights-<messages>.json")
    args = parser.parse_args()

    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.insights.step import run_insights
    from feedback_lakehouse.silver.step import run_silver

    b = prepare(args.messages, args.incremental_share, prefix="fl-insights-bench-")
    spark, catalog, settings = b.spark, b.catalog, b.settings
    try:
        run_ingest(spark, catalog, settings)
        silver = run_silver(spark, catalog, settings)
        t = time.perf_counter()
        full = run_insights(spark, catalog, settings)
        full_s = time.perf_counter() - t
        b.land_late()
        run_ingest(spark, catalog, settings)
        run_silver(spark, catalog, settings)
        t = time.perf_counter()
        inc = run_insights(spark, catalog, settings)
        inc_s = time.perf_counter() - t
        d = full.details
        result = {
            "messages": silver.rows_read,
            "full": {
                "fragments": full.rows_read, "seconds": round(full_s, 1),
                "fragments_per_s": round(full.rows_read / full_s),
                "phase_seconds": d.get("seconds"),
                "distinct_texts_sent_to_backend": d.get("backend_fragments"),
                "backend_calls": d.get("calls"),
                "backend_calls_per_1000_messages": round(1000 * d["calls"] / silver.rows_read, 2),
                "cache_hits": d.get("cache_hits"),
                "needs_review": d.get("needs_review"), "escalated": d.get("escalated"),
            },
            "incremental": {
                "fragments": inc.rows_read, "seconds": round(inc_s, 1),
                "share_of_full_run": round(inc_s / full_s, 3),
                "backend_calls": inc.details.get("calls"),
                "phase_seconds": inc.details.get("seconds"),
            },
            "peak_rss_mb_client_and_engine": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            ),
        }  # fmt: skip
        print(json.dumps(result, indent=2))
        out = args.out or REPO / "benchmarks" / "results" / f"insights-{args.messages}.json"
        Path(out).write_text(json.dumps(result, indent=2) + "\n")
    finally:
        b.close()


if __name__ == "__main__":
    sys.exit(main())
