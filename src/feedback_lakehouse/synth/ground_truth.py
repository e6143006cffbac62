"""Ground truth: its writers, and the one reader of what they wrote. Ground truth is read by
tests, benchmarks and the evaluation only, never by the pipeline."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from feedback_lakehouse.synth.clock import iso_z
from feedback_lakehouse.synth.issues import Issue
from feedback_lakehouse.synth.message import Message

PART_SIZE = 100_000
FOLDER = "ground_truth"


def read_messages(landing: Path) -> Iterator[dict[str, Any]]:
    """Every generated message's truth (malformed ones included, ``malformed`` says why),
    in the order written, from ``<landing>/ground_truth/messages-*.jsonl``."""
    for path in sorted((Path(landing) / FOLDER).glob("messages-*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            yield from (json.loads(line) for line in fh if line.strip())


def read_causes(landing: Path) -> list[dict[str, Any]] | None:
    """The planted spike causes (``causes.json``), or None when the folder has none."""
    path = Path(landing) / FOLDER / "causes.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


class PartWriter:
    """Writes records to ``<dir>/<stem>-NNNNN.<ext>`` parts of at most PART_SIZE records and
    reports the part and 1-based start line of each record."""

    def __init__(
        self, out_dir: Path, subdir: str, stem: str, ext: str, header: list[str] | None = None
    ) -> None:
        self.base = out_dir / subdir
        self.subdir, self.stem, self.ext, self.header = subdir, stem, ext, header
        self.part = -1
        self.count = PART_SIZE
        self.line = 0
        self.fh: io.BufferedWriter | None = None
        self.rel = ""
        self.files: list[str] = []
        self._buf = io.StringIO()
        self._csv = csv.writer(self._buf, lineterminator="\n")

    def _roll(self) -> None:
        self.close()
        self.part += 1
        self.base.mkdir(parents=True, exist_ok=True)
        name = f"{self.stem}-{self.part:05d}.{self.ext}"
        self.rel = f"{self.subdir}/{name}"
        self.files.append(self.rel)
        self.fh = open(self.base / name, "wb")  # noqa: SIM115 - closed in close()
        self.count, self.line = 0, 0
        if self.header is not None:
            self.fh.write(self.csv_text(self.header).encode("utf-8"))
            self.line = 1

    def csv_text(self, row: list[str]) -> str:
        buf = self._buf
        buf.seek(0)
        buf.truncate()
        self._csv.writerow(row)
        return buf.getvalue()

    def write(self, data: bytes, lines: int = 1) -> tuple[str, int]:
        """Append one record of ``lines`` physical lines (``data`` without the final newline
        for JSON lines; CSV text already ends with one)."""
        if self.count >= PART_SIZE:
            self._roll()
        assert self.fh is not None
        start = self.line + 1
        self.fh.write(data if data.endswith(b"\n") else data + b"\n")
        self.line += lines
        self.count += 1
        return self.rel, start

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


def truth_line(msg: Message, rel: str, line: int, frags: list[tuple[Issue, str]]) -> bytes:
    return json.dumps(
        {
            "source": msg.source,
            "source_record_id": msg.rid,
            "file": rel,
            "line": line,
            "received_at": iso_z(msg.ts),
            "account_id": msg.account_id,
            "language": msg.lang,
            "issues": [i.issue_id for i in msg.issues],
            "fragments": [
                {
                    "issue_id": i.issue_id,
                    "category": i.category,
                    "product_area": i.product_area,
                    "severity": i.severity,
                    "root_cause_doc": i.root_cause_doc,
                    "text": text,
                }
                for i, text in frags
            ],
            "noise": msg.noise,
            "duplicate_of": msg.dup_of,
            "dup_kind": msg.dup_kind,
            "pii": [{"type": t, "value": v} for t, v in msg.pii],
            "malformed": msg.malformed,
        },
        ensure_ascii=False,
    ).encode("utf-8")


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
