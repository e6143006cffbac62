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
    """Copy every export file; the newest ``share`` of each source's records goes to ``late``
    as new files (CSV headers kept). The generator writes a source's files in time order, so
    the newest records are the end of its last file: the incremental run sees new tickets, as
    a scheduled run would, not a sprinkle of old ones across the season. (Multi-line CSV
    records are rare in the sample; a split inside one lands in bronze.rejected.)"""
    by_folder: dict[Path, list[Path]] = {}
    for path in sorted(src.rglob("*")):
        if path.is_file() and "ground_truth" not in path.parts:
            by_folder.setdefault(path.parent, []).append(path)
    for folder, paths in by_folder.items():
        parts = []
        for path in paths:
            lines = path.read_bytes().splitlines(keepends=True)
            header = lines[:1] if path.suffix == ".csv" else []
            parts.append((path, header, lines[len(header) :]))
        reference = "reference" in folder.relative_to(src).parts
        left = 0 if reference else max(1, int(sum(len(b) for _, _, b in parts) * share))
        for path, header, body in reversed(parts):
            take = min(left, len(body))
            left -= take
            cut = len(body) - take
            rel = path.relative_to(src)
            (early / rel).parent.mkdir(parents=True, exist_ok=True)
            (early / rel).write_bytes(b"".join(header + body[:cut]))
            if take:
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
    from feedback_lakehouse.lakehouse import open_lakehouse
    from feedback_lakehouse.synth.generator import generate

    work = Path(tempfile.mkdtemp(prefix=prefix))
    generate(work / "gen", tickets=messages, seed=seed)
    lh = open_lakehouse(
        "local", REPO / "conf", environ={"FEEDBACK_LAKEHOUSE_ROOT": str(work / "lh")}
    )
    split_exports(work / "gen", lh.settings.landing_dir, work / "late", late_share)
    return Bench(work, lh.settings, lh.spark, lh.catalog)
