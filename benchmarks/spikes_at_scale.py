"""Gold's themes and spikes scored against the generator's ground truth at benchmark scale:
generate N tickets, run the whole job once on all but the newest 1% (as the pipeline
benchmark's full run), then ``evaluate_gold`` (theme ARI, spike recall,
false spikes, links). The sample's few thousand tickets give the spike test little power; at
1M it has 200 times the volume an hour, which is where false spikes show.

    python benchmarks/spikes_at_scale.py --messages 1000000   # ~15 min on 2 cores
"""

from __future__ import annotations

import argparse
import json

from _bench import REPO, prepare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()

    from feedback_lakehouse.evaluate.tables import evaluate_gold
    from feedback_lakehouse.pipeline import run_pipeline

    b = prepare(args.messages, 0.01, prefix="fl-spikes-bench-")
    try:
        run_pipeline(b.spark, b.catalog, b.settings, log=lambda _: None)
        result = evaluate_gold(b.catalog, b.work / "gen")
        result["messages_generated"] = args.messages
        text = json.dumps(result, indent=2, default=str)
        print(text)
        out = REPO / "benchmarks" / "results" / f"spikes-{args.messages}.json"
        out.write_text(text + "\n")
    finally:
        b.close()


if __name__ == "__main__":
    main()
