"""Silver throughput per sub-step, peak memory, and the cost of an incremental run.

The generated exports are split: 99% of every file lands first (ingest + silver = the full
run), the last 1% lands as new files afterwards (ingest + silver = the incremental run).

    python benchmarks/bench_silver.py --messages 100000
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
    parser.add_argument("--out", help="default: benchmarks/results/silver-<messages>.json")
    args = parser.parse_args()

    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.silver.step import run_silver

    b = prepare(args.messages, args.incremental_share, prefix="fl-silver-bench-")
    try:
        run_ingest(b.spark, b.catalog, b.settings)
        t = time.perf_counter()
        full = run_silver(b.spark, b.catalog, b.settings)
        full_s = time.perf_counter() - t
        b.land_late()
        run_ingest(b.spark, b.catalog, b.settings)
        t = time.perf_counter()
        inc = run_silver(b.spark, b.catalog, b.settings)
        inc_s = time.perf_counter() - t
        result = {
            "messages_generated": args.messages,
            "full": {"messages": full.rows_read, "seconds": round(full_s, 1),
                     "messages_per_s": round(full.rows_read / full_s),
                     "phase_seconds": full.details.get("seconds")},
            "incremental": {"messages": inc.rows_read, "seconds": round(inc_s, 1),
                            "share_of_full_run": round(inc_s / full_s, 3),
                            "phase_seconds": inc.details.get("seconds")},
            "peak_rss_mb_client_and_engine": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            ),
        }  # fmt: skip
        print(json.dumps(result, indent=2))
        out = args.out or REPO / "benchmarks" / "results" / f"silver-{args.messages}.json"
        Path(out).write_text(json.dumps(result, indent=2) + "\n")
    finally:
        b.close()


if __name__ == "__main__":
    sys.exit(main())
