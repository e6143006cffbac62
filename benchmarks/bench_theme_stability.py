"""Theme-id stability: run the whole pipeline on 90% of the sample, add the last 10% of every
export, run again, and count the old fragments whose theme id changed (target <= 5%).

    python benchmarks/bench_theme_stability.py --messages 5000
"""

from __future__ import annotations

import argparse
import json
import shutil
import time

from _bench import REPO, prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--new-share", type=float, default=0.10)
    args = parser.parse_args()

    from feedback_lakehouse.evaluate.tables import evaluate_gold
    from feedback_lakehouse.pipeline import run_pipeline

    b = prepare(args.messages, args.new_share, seed=args.seed, prefix="fl-theme-stability-")
    spark, catalog, settings, work = b.spark, b.catalog, b.settings, b.work
    try:
        t = time.perf_counter()
        run_pipeline(spark, catalog, settings, log=lambda _: None)
        first_s = time.perf_counter() - t
        before = {r["fragment_id"]: r["theme_id"]
                  for r in catalog.read("gold.theme_members").collect()}  # fmt: skip
        themes_before = catalog.read("gold.themes").filter("status = 'active'").count()
        b.land_late()
        t = time.perf_counter()
        run_pipeline(spark, catalog, settings, log=lambda _: None)
        second_s = time.perf_counter() - t
        after = {r["fragment_id"]: r["theme_id"]
                 for r in catalog.read("gold.theme_members").collect()}  # fmt: skip
        old = [f for f, th in before.items() if th is not None]
        changed = sum(1 for f in old if after.get(f) != before[f])
        shutil.copytree(work / "gen" / "ground_truth", settings.landing_dir / "ground_truth",
                        dirs_exist_ok=True)  # fmt: skip
        result = {
            "messages_generated": args.messages,
            "old_fragments_with_theme": len(old),
            "new_fragments": len(after) - len(before),
            "old_fragments_whose_theme_changed": changed,
            "theme_id_change_share": round(changed / len(old), 4) if old else 0.0,
            "themes_before": themes_before,
            "themes_after": catalog.read("gold.themes").filter("status = 'active'").count(),
            "lineage": [
                r.asDict()
                for r in catalog.read("gold.theme_lineage").groupBy("kind").count().collect()
            ],
            "gold_after": evaluate_gold(catalog, settings.landing_dir),
            "first_run_s": round(first_s, 1),
            "second_run_s": round(second_s, 1),
        }
        print(json.dumps(result, indent=2, default=str))
        out = REPO / "benchmarks" / "results" / "theme-stability.json"
        out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    finally:
        b.close()


if __name__ == "__main__":
    main()
