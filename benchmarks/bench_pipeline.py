"""The whole main job (``run``: ingest -> silver -> insights -> gold) on N generated tickets,
then again after the last 1% of every export lands: seconds per step, peak memory.

    python benchmarks/bench_pipeline.py --messages 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from _bench import REPO, prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--incremental-share", type=float, default=0.01)
    args = parser.parse_args()

    from feedback_lakehouse.pipeline import run_pipeline

    b = prepare(args.messages, args.incremental_share, prefix="fl-pipeline-bench-")
    spark, catalog, settings = b.spark, b.catalog, b.settings
    try:

        def timed_run() -> tuple[float, dict[str, object]]:
            t = time.perf_counter()
            reports = run_pipeline(spark, catalog, settings, log=lambda _: None)
            steps = {r.step: round(r.duration_s, 1) for r in reports}
            steps["phases"] = {r.step: r.details.get("seconds") for r in reports}
            steps["counts"] = {  # e.g. themes merged or split: what a phase's time paid for
                r.step: {k: v for k, v in r.details.items() if type(v) is int} for r in reports
            }
            return time.perf_counter() - t, steps

        full_s, full_steps = timed_run()
        b.land_late()
        inc_s, inc_steps = timed_run()
        result = {
            "messages_generated": args.messages,
            "fragments": catalog.read("silver.fragments").count(),
            "themes": catalog.read("gold.themes").filter("status = 'active'").count(),
            "full": {"seconds": round(full_s, 1), "steps": full_steps},
            "incremental": {
                "seconds": round(inc_s, 1),
                "steps": inc_steps,
                "share_of_full_run": round(inc_s / full_s, 3),
            },
            "peak_rss_mb_client_and_engine": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            ),
        }
        print(json.dumps(result, indent=2))
        out = REPO / "benchmarks" / "results" / f"pipeline-{args.messages}.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
    finally:
        b.close()


if __name__ == "__main__":
    main()
