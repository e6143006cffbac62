"""Throughput and peak memory of `generate` and `ingest` at several sizes.

Each phase runs in its own process so its peak RSS is its own; the embedded Sail engine runs
inside the ingest process, so that figure covers client and engine together.

    python benchmarks/bench_ingest.py --sizes 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

GENERATE = """
import json, resource, sys, time
from pathlib import Path
from feedback_lakehouse.synth.generator import generate
t = time.perf_counter()
s = generate(Path(sys.argv[1]), tickets=int(sys.argv[2]), seed=1)
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

INGEST = """
import json, resource, sys, time
from feedback_lakehouse.lakehouse import open_lakehouse
from feedback_lakehouse.bronze.ingest import run_ingest
lh = open_lakehouse("local", sys.argv[2], environ={"FEEDBACK_LAKEHOUSE_ROOT": sys.argv[1]})
spark, catalog, settings = lh.spark, lh.catalog, lh.settings
t = time.perf_counter()
r = run_ingest(spark, catalog, settings)
print(json.dumps({"seconds": time.perf_counter() - t, "read": r.rows_read,
                  "written": r.rows_written, "quarantined": r.rows_quarantined,
                  "balanced": r.balanced,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args: str) -> dict:
    env = dict(os.environ, RUST_LOG="error")
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{out.stderr[-4000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(n: int, workdir: Path) -> dict:
    root = workdir / f"lh-{n}"
    landing = root / "landing"
    gen = _run(GENERATE, str(landing), str(n))
    size_mb = sum(f.stat().st_size for f in landing.rglob("*") if f.is_file()) / 1e6
    ing = _run(INGEST, str(root), str(REPO / "conf"))
    shutil.rmtree(root, ignore_errors=True)
    return {
        "messages": n,
        "export_mb": round(size_mb, 1),
        "generate_s": round(gen["seconds"], 1),
        "generate_msgs_per_s": round(n / gen["seconds"]),
        "generate_peak_rss_mb": round(gen["peak_rss_mb"]),
        "ingest_s": round(ing["seconds"], 1),
        "ingest_records_per_s": round(ing["read"] / ing["seconds"]),
        "ingest_peak_rss_mb": round(ing["peak_rss_mb"]),
        "read": ing["read"],
        "written": ing["written"],
        "quarantined": ing["quarantined"],
        "balanced": ing["balanced"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "ingest.json"))
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="fl-bench-"))
    results = []
    for n in args.sizes:
        started = time.perf_counter()
        results.append(bench(n, workdir))
        print(json.dumps(results[-1]), f"({time.perf_counter() - started:.0f}s)", flush=True)
    Path(args.out).write_text(
        json.dumps({"machine": f"{os.cpu_count()} cores", "results": results}, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
