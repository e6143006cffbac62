"""The whole main job (``run``: ingest -> silver -> insights -> gold) on N generated tickets,
then again after the last 1% of every export lands: seconds per step, peak memory.

    python benchmarks/bench_pipeline.py --messages 100000
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
    args = parser.parse_args()
    os.environ.setdefault("RUST_LOG", "error")

    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.engine import get_spark
    from feedback_lakehouse.pipeline import run_pipeline
    from feedback_lakehouse.settings import load_settings
    from feedback_lakehouse.synth.generator import generate

    work = Path(tempfile.mkdtemp(prefix="fl-pipeline-bench-"))
    try:
        generate(work / "gen", tickets=args.messages, seed=3)
        settings = load_settings(
            "local", REPO / "conf", environ={"FEEDBACK_LAKEHOUSE_ROOT": str(work / "lh")}
        )
        _split(work / "gen", settings.landing_dir, work / "late", args.incremental_share)
        spark = get_spark(settings)
        catalog = Catalog(spark, settings)
        catalog.ensure()

        def timed_run() -> tuple[float, dict[str, object]]:
            t = time.perf_counter()
            reports = run_pipeline(spark, catalog, settings, log=lambda _: None)
            steps = {r.step: round(r.duration_s, 1) for r in reports}
            steps["phases"] = {r.step: r.details.get("seconds") for r in reports}
            return time.perf_counter() - t, steps

        full_s, full_steps = timed_run()
        for path in (work / "late").rglob("*"):
            if path.is_file():
                target = settings.landing_dir / path.relative_to(work / "late")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)
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
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
