"""The whole main job (``run``: ingest -> silver -> insights -> gold) on N generated tickets,
then again after the last 1% of every export lands: seconds per step, peak memory.

Wall time on this machine moves by a quarter between runs of the same code, so each run also
records the CPU seconds it used (this process, which hosts the embedded engine, plus the worker
processes) and the machine's steal time: CPU seconds compare two versions of the code better
than wall time when the machine's speed is not the same. The workers' memory is not measured
here: a child's ``ru_maxrss`` counts the parent's pages it was forked with, so it reads as the
engine process's size at the time the workers started.

    python benchmarks/bench_pipeline.py --messages 100000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

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
            t, cpu, steal = time.perf_counter(), _cpu_seconds(), _steal_seconds()
            reports = run_pipeline(spark, catalog, settings)
            steps = {r.step: round(r.duration_s, 1) for r in reports}
            steps["phases"] = {r.step: r.details.get("seconds") for r in reports}
            steps["counts"] = {  # e.g. themes merged or split: what a phase's time paid for
                r.step: {k: v for k, v in r.details.items() if type(v) is int} for r in reports
            }
            steps["cpu_seconds"] = round(_cpu_seconds() - cpu, 1)
            steps["machine_steal_seconds"] = round(_steal_seconds() - steal, 1)
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


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (the workers)."""
    own, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _steal_seconds() -> float:
    """CPU time the hypervisor gave to others (``/proc/stat``), 0 where it is not known."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


if __name__ == "__main__":
    main()
