"""Silver throughput per sub-step, peak memory, and the cost of an incremental run.

The generated exports are split: 99% of every file lands first (ingest + silver = the full
run), the last 1% lands as new files afterwards (ingest + silver = the incremental run).

    python benchmarks/bench_silver.py --messages 100000
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


def _split(src: Path, early: Path, late: Path, share: float) -> None:
    """Copy every export file, its last ``share`` of records into ``late``; CSV headers kept.
    (Multi-line CSV records are rare in the sample; a split inside one lands in bronze.rejected
    and is counted there.)"""
    for path in src.rglob("*"):
        if not path.is_file() or "ground_truth" in path.parts:
            continue
        rel = path.relative_to(src)
        lines = path.read_bytes().splitlines(keepends=True)
        header = lines[:1] if path.suffix == ".csv" else []
        body = lines[len(header) :]
        cut = (
            len(body) - max(1, int(len(body) * share))
            if "reference" not in rel.parts
            else len(body)
        )
        (early / rel).parent.mkdir(parents=True, exist_ok=True)
        (early / rel).write_bytes(b"".join(header + body[:cut]))
        if cut < len(body):
            late_rel = rel.with_name(rel.stem + "-late" + rel.suffix)
            (late / late_rel).parent.mkdir(parents=True, exist_ok=True)
            (late / late_rel).write_bytes(b"".join(header + body[cut:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--incremental-share", type=float, default=0.01)
    parser.add_argument("--out", help="default: benchmarks/results/silver-<messages>.json")
    args = parser.parse_args()
    os.environ.setdefault("RUST_LOG", "error")

    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.engine import get_spark
    from feedback_lakehouse.settings import load_settings
    from feedback_lakehouse.silver.step import run_silver
    from feedback_lakehouse.synth.generator import generate

    work = Path(tempfile.mkdtemp(prefix="fl-silver-bench-"))
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
        t = time.perf_counter()
        full = run_silver(spark, catalog, settings)
        full_s = time.perf_counter() - t
        for path in late.rglob("*"):
            if path.is_file():
                target = settings.landing_dir / path.relative_to(late)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
        run_ingest(spark, catalog, settings)
        t = time.perf_counter()
        inc = run_silver(spark, catalog, settings)
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
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
