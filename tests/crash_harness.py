"""Crash harness: run the main job in a child process that kills itself (SIGKILL) right after
a chosen Delta commit, run it again to completion, and compare every table with a clean
run's, key by key. Used by the slow crash tests and by ``benchmarks/fault_sweep.py``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
KILL_ENV = "FEEDBACK_LAKEHOUSE_KILL_AFTER"
# what differs between two runs of the same input by design: clocks, run ids, timings
VOLATILE = frozenset({
    "ingested_at", "processed_at", "created_at", "updated_at", "assigned_at", "detected_at",
    "computed_at", "named_at", "rejected_at", "bronze_ingested_at", "batch_id", "run_id",
    "call_id", "started_at", "latency_ms", "median_intake_minutes",
    "median_classification_minutes", "median_root_cause_minutes", "value", "at",
})  # fmt: skip
# working tables and per-run records: not the lakehouse's content
SKIPPED = re.compile(r"^ops\.(?!watermarks$)")
THEME_ID = re.compile(r"TH-[0-9a-f]{10}")


def environment(root: Path, models: Path, kill_after: str | None = None) -> dict[str, str]:
    env = dict(os.environ, FEEDBACK_LAKEHOUSE_ROOT=str(root), RUST_LOG="error")
    env["FEEDBACK_LAKEHOUSE__INSIGHTS__MODEL_DIR"] = str(models)  # trained once, shared
    env["FEEDBACK_LAKEHOUSE__TRACKING__ENABLED"] = "false"
    env["FEEDBACK_LAKEHOUSE_CONF"] = str(REPO / "conf")
    env.pop(KILL_ENV, None)
    if kill_after:
        env[KILL_ENV] = kill_after
    return env


def run_job(root: Path, models: Path, kill_after: str | None = None, timeout: float = 900) -> int:
    """``feedback-lakehouse run`` on ``root``; its exit code (-9 when it killed itself)."""
    done = subprocess.run(
        [sys.executable, "-m", "feedback_lakehouse.cli", "--format", "json", "run"],
        env=environment(root, models, kill_after), cwd=REPO, timeout=timeout,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
    )  # fmt: skip
    if done.returncode not in (0, -9):
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"run on {root} exited {done.returncode}: {tail}")
    return done.returncode


def new_lakehouse(root: Path, landing: Path) -> Path:
    """A fresh lakehouse root whose landing folder holds a copy of ``landing``."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(landing, root / "landing")
    return root


def snapshot(root: Path) -> dict[str, Counter[str]]:
    """Every table's rows, volatile columns left out, theme ids named by their smallest
    member fragment (theme ids are random; the partition is what must match)."""
    from deltalake import DeltaTable

    tables = {f"{p.parent.parent.name}.{p.parent.name}": p.parent
              for p in sorted(root.glob("*/*/_delta_log"))}  # fmt: skip
    names: dict[str, str] = {}
    if "gold.theme_members" in tables:
        for r in DeltaTable(str(tables["gold.theme_members"])).to_pyarrow_table().to_pylist():
            if r["theme_id"] and (
                r["theme_id"] not in names or r["fragment_id"] < names[r["theme_id"]]
            ):
                names[r["theme_id"]] = r["fragment_id"]

    def norm(v: Any) -> Any:
        if isinstance(v, str):
            return THEME_ID.sub(lambda m: f"<theme of {names.get(m.group(0), '?')}>", v)
        if isinstance(v, list | tuple):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, float):
            return round(v, 4)
        return v

    out = {}
    for name, path in tables.items():
        if SKIPPED.match(name):
            continue
        rows = DeltaTable(str(path)).to_pyarrow_table().to_pylist()
        out[name] = Counter(
            json.dumps({k: norm(v) for k, v in r.items() if k not in VOLATILE},
                       sort_keys=True, default=str)
            for r in rows
        )  # fmt: skip
    return out


def differences(
    clean: dict[str, Counter[str]], other: dict[str, Counter[str]]
) -> dict[str, dict[str, int]]:
    """Per table with a difference: rows lost (in the clean run only) and rows extra."""
    out = {}
    for name in sorted(set(clean) | set(other)):
        a, b = clean.get(name, Counter()), other.get(name, Counter())
        lost, extra = sum((a - b).values()), sum((b - a).values())
        if lost or extra:
            out[name] = {"lost": lost, "extra": extra, "rows": sum(a.values())}
    return out
