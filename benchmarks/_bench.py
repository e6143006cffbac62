"""Shared set-up for the benchmarks: generate exports, split off the newest part of every
file for an incremental run, and open the embedded engine on a temporary lakehouse."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def split_exports(src: Path, early: Path, late: Path, share: float) -> None:
    """Copy every export file, its last ``share`` of records into ``late``; CSV headers kept.
    (Multi-line CSV records are rare in the sample; a split inside one lands in
    bronze.rejected and is counted there.)"""
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


@dataclass
class Bench:
    work: Path
    settings: Any
    spark: Any
    catalog: Any

    def land_late(self) -> None:
        """The split-off newest records arrive as new export files."""
        late = self.work / "late"
        for path in late.rglob("*"):
            if path.is_file():
                target = self.settings.landing_dir / path.relative_to(late)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, target)

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def prepare(messages: int, late_share: float, seed: int = 3, prefix: str = "fl-bench-") -> Bench:
    os.environ.setdefault("RUST_LOG", "error")
    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.engine import get_spark
    from feedback_lakehouse.settings import load_settings
    from feedback_lakehouse.synth.generator import generate

    work = Path(tempfile.mkdtemp(prefix=prefix))
    generate(work / "gen", tickets=messages, seed=seed)
    settings = load_settings(
        "local", REPO / "conf", environ={"FEEDBACK_LAKEHOUSE_ROOT": str(work / "lh")}
    )
    split_exports(work / "gen", settings.landing_dir, work / "late", late_share)
    spark = get_spark(settings)
    catalog = Catalog(spark, settings)
    catalog.ensure()
    return Bench(work, settings, spark, catalog)
