"""Insights throughput, backend calls, peak memory, and the cost of an incremental run.

The exports are split as in ``bench_silver``: 99% of every file is the full run, the last 1%
lands afterwards as the incremental run. Ingest and silver run first and are not timed here.

    python benchmarks/bench_insights.py --messages 100000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_silver import _split  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--incremental-share", type=float, default=0.01)
    parser.add_argument("--out", help="default: benchmarks/results/insights-<messages>.json")
    args = parser.parse_args()
    os.environ.setdefault("RUST_LOG", "error")

    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.engine import get_spark
    from feedback_lakehouse.insights.step import run_insights
    from feedback_lakehouse.settings import load_settings
    from feedback_lakehouse.silver.step import run_silver
    from feedback_lakehouse.synth.generator import generate

    work = Path(tempfile.mkdtemp(prefix="fl-insights-bench-"))
    try:
        generate(work / "gen", tickets=args.messages, seed=3)
        late = work / "late"
        settings = load_settings(
            "local", REPO / "conf", environ={"FEEDBACK_LAKEHOUSE_ROOT": str(work / "lh")}
        )
        _split(work / "gen", settings.landing_dir, late, args.incremental_share)
        spark = get_spark(settings)
        catalog = Catalog(spark, settings)
        catalog.ensure()
        run_ingest(spark, catalog, settings)
        silver = run_silver(spark, catalog, settings)
        t = time.perf_counter()
        full = run_insights(spark, catalog, settings)
        full_s = time.perf_counter() - t
        for path in late.rglob("*"):
            if path.is_file():
                target = settings.landing_dir / path.relative_to(late)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
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
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
