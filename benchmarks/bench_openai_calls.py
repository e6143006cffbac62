"""Backend calls per 1,000 messages with the ``openai`` backend on a lakehouse whose silver
is built (default: the sample of ``feedback-lakehouse run``), against the local
OpenAI-compatible test server, so no network and no cost. Counts what would be sent: distinct
fragment texts only, in batches of ``insights.openai.batch_size``.

    python benchmarks/bench_openai_calls.py --root ./lakehouse
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=REPO / "lakehouse")
    args = parser.parse_args()
    os.environ.setdefault("RUST_LOG", "error")
    from fake_openai import FakeOpenAI
    from feedback_lakehouse.insights.step import run_insights
    from feedback_lakehouse.lakehouse import open_lakehouse

    work = Path(tempfile.mkdtemp(prefix="fl-openai-calls-"))
    server = FakeOpenAI().start()
    try:
        shutil.copytree(args.root, work / "lh")  # the caller's lakehouse stays untouched
        os.environ["FL_BENCH_OPENAI_KEY"] = "local-test-server"
        lh = open_lakehouse(
            "local", REPO / "conf",
            environ={
                "FEEDBACK_LAKEHOUSE_ROOT": str(work / "lh"),
                "FEEDBACK_LAKEHOUSE__INSIGHTS__BACKEND": "openai",
                "FEEDBACK_LAKEHOUSE__INSIGHTS__OPENAI__BASE_URL": server.base_url,
                "FEEDBACK_LAKEHOUSE__INSIGHTS__OPENAI__API_KEY_ENV": "FL_BENCH_OPENAI_KEY",
                "FEEDBACK_LAKEHOUSE__TRACKING__ENABLED": "false",
            },
        )  # fmt: skip
        settings, spark, catalog = lh.settings, lh.spark, lh.catalog
        messages = catalog.read("silver.feedback").count()
        first = run_insights(spark, catalog, settings)
        again = run_insights(spark, catalog, settings)
        d = first.details
        result = {
            "messages": messages,
            "fragments": first.rows_read,
            "distinct_texts_sent": d["backend_fragments"],
            "batch_size": settings.insights.openai.batch_size,
            "calls": d["calls"],
            "calls_per_1000_messages": round(1000 * d["calls"] / messages, 1),
            "naive_three_calls_per_message": 3 * messages,
            "second_run_calls": again.details["calls"],
        }
        print(json.dumps(result, indent=2))
        out = REPO / "benchmarks" / "results" / "openai-calls.json"
        out.write_text(json.dumps(result, indent=2) + "\n")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
