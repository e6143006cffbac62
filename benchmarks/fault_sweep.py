"""The crash sweep: for each table the main job writes, kill the job (SIGKILL) right after
its first commit to that table, run it again to completion, and compare every table with a
clean run's key by key; then the same for an incremental run (the newest share of every
export lands after a clean first run). Prints and writes one row per kill point: rows lost,
rows doubled or extra, per table.

    python benchmarks/fault_sweep.py --tickets 800
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _bench import REPO, split_exports

sys.path.insert(0, str(REPO / "tests"))

# every table a run commits to, in the order the steps write them
KILL_POINTS = (
    "bronze.feedback_raw", "bronze.rejected", "bronze.ingest_files", "silver.feedback",
    "silver.fragments", "ops.watermarks", "silver.insight_cache", "silver.text_vectors",
    "silver.insights", "gold.theme_members", "gold.theme_lineage", "gold.themes",
    "gold.fct_voc_themes", "gold.spikes", "gold.sla_metrics",
)  # fmt: skip


def main() -> None:
    from crash_harness import differences, new_lakehouse, run_job, snapshot
    from feedback_lakehouse.synth.generator import generate

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=800)
    parser.add_argument("--points", nargs="*", default=list(KILL_POINTS))
    parser.add_argument("--incremental-share", type=float, default=0.1)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="fl-fault-sweep-"))
    models = work / "models"
    generate(work / "gen", tickets=args.tickets, seed=5, days=45)
    split_exports(work / "gen", work / "early", work / "late", args.incremental_share)
    full = work / "full"
    for part in (work / "early", work / "late"):
        shutil.copytree(part, full, dirs_exist_ok=True)

    started = time.perf_counter()
    clean_root = new_lakehouse(work / "clean", full)
    run_job(clean_root, models)
    clean = snapshot(clean_root)
    rows = []
    for point in args.points:
        root = new_lakehouse(work / "crash", full)
        killed = run_job(root, models, kill_after=point) == -9
        run_job(root, models)
        diff = differences(clean, snapshot(root))
        rows.append({"run": "first", "kill_after": point, "killed": killed, "differences": diff})
        print(json.dumps(rows[-1]), flush=True)

    # incremental: a clean first run on the early share, the late share lands, then the kill
    inc_clean = new_lakehouse(work / "inc-clean", work / "early")
    run_job(inc_clean, models)
    shutil.copytree(work / "late", inc_clean / "landing", dirs_exist_ok=True)
    run_job(inc_clean, models)
    inc_reference = snapshot(inc_clean)
    for point in args.points:
        root = new_lakehouse(work / "inc-crash", work / "early")
        run_job(root, models)
        shutil.copytree(work / "late", root / "landing", dirs_exist_ok=True)
        killed = run_job(root, models, kill_after=point) == -9
        run_job(root, models)
        diff = differences(inc_reference, snapshot(root))
        rows.append({"run": "incremental", "kill_after": point, "killed": killed,
                     "differences": diff})  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
    result = {
        "tickets": args.tickets,
        "kill_points": len(rows),
        "killed": sum(r["killed"] for r in rows),
        "with_differences": sum(bool(r["differences"]) for r in rows),
        "seconds": round(time.perf_counter() - started),
        "points": rows,
    }
    out = REPO / "benchmarks" / "results" / "fault-sweep.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "points"}))


if __name__ == "__main__":
    main()
