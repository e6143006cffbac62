"""Orchestration: a time-ordered stream of messages (issue mix driven by planted causes),
rendered per source and written to part files with ground truth, in bounded memory."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from feedback_lakehouse.bronze.reasons import RejectReason as R
from feedback_lakehouse.synth import malformed, sources
from feedback_lakehouse.synth.clock import iso_z, to_epoch
from feedback_lakehouse.synth.compose import Composer
from feedback_lakehouse.synth.ground_truth import PartWriter, truth_line, write_json
from feedback_lakehouse.synth.issues import build_catalog
from feedback_lakehouse.synth.message import Message
from feedback_lakehouse.synth.population import Accounts, Mix, timeline
from feedback_lakehouse.synth.reference import (
    DAY,
    Reference,
    build_accounts,
    build_releases,
    resolve_causes,
    write_reference,
)

DEFAULT_END = datetime(2026, 10, 31, tzinfo=UTC)
SOURCES = ("tickets", "chats", "reviews", "surveys", "calls")
SHARES = (0.50, 0.65, 0.77, 0.90, 1.0)
MALFORMED_P = 0.009
DUP_P = 0.1


@dataclass
class GenerationSummary:
    """What one generation run wrote."""

    counts: dict[str, int]
    malformed: int
    malformed_by_reason: dict[str, int]
    duplicates: int
    files: list[str]
    elapsed_s: float
    messages: int = 0
    extra: dict[str, object] = field(default_factory=dict)


def _writers(out_dir: Path) -> dict[str, PartWriter]:
    return {
        "tickets": PartWriter(out_dir, "tickets", "tickets", "jsonl"),
        "chats": PartWriter(out_dir, "chats", "chats", "jsonl"),
        "reviews": PartWriter(out_dir, "reviews", "reviews", "csv", sources.REVIEW_HEADER),
        "surveys": PartWriter(out_dir, "surveys", "surveys", "csv", sources.SURVEY_HEADER),
        "calls": PartWriter(out_dir, "calls", "calls", "jsonl"),
    }


def _reason(rng: random.Random, source: str, big: bool) -> str | None:
    if big:
        return R.RECORD_TOO_LARGE.value
    if source == "surveys" and rng.random() < 0.01:
        return R.EMPTY_BODY.value
    if rng.random() < MALFORMED_P:
        pool = (
            malformed.CSV_REASONS if source in ("reviews", "surveys") else (malformed.JSON_REASONS)
        )
        return rng.choice(pool).value
    return None


def _render(rng: random.Random, msg: Message, end: int, w: PartWriter) -> tuple[bytes, int]:
    """Serialise one message (with its planted fault, if any): bytes and physical lines."""
    reason, src = msg.malformed, msg.source
    if src in ("reviews", "surveys"):
        row = (sources.review if src == "reviews" else sources.survey)(rng, msg, msg.rid)
        if reason is not None:
            row = malformed.corrupt_row(rng, reason, src, row)
        text = w.csv_text(row)
        data = text.encode("utf-8")
        if reason == R.INVALID_UTF8:
            data = data.replace(malformed.MARK_BYTES, malformed.BAD_BYTES)
        return data, text.count("\n")
    if src == "tickets":
        body = sources.customer_body(msg)
        if reason == R.RECORD_TOO_LARGE:
            body = malformed.big_body(rng, body)
        obj = sources.ticket(rng, msg, int(msg.rid), end, body)
    elif src == "chats":
        obj = sources.chat(rng, msg, msg.rid, end)
    else:
        obj = sources.call(rng, msg, msg.rid)
    if reason is None or reason == R.RECORD_TOO_LARGE:
        return malformed.dumps(obj).encode("utf-8"), 1
    return malformed.corrupt_json(rng, reason, src, obj), 1


def generate(
    out_dir: Path,
    tickets: int,
    seed: int,
    days: int = 120,
    end: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationSummary:
    """Write the sample data set (all sources, reference data and ground truth) to
    ``out_dir``; ``tickets`` is the total number of messages over all sources."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    end_ts = to_epoch(end or DEFAULT_END)
    start_ts = end_ts - days * DAY
    ref_rng = random.Random(seed * 7919 + 1)
    rng = random.Random(seed * 7919 + 2)
    n_acc = min(20_000, max(150, tickets // 12))
    accounts, rows = build_accounts(ref_rng, n_acc, start_ts)
    ref = Reference(accounts, build_releases(ref_rng, start_ts, end_ts), rows=rows)
    issues = build_catalog()
    causes = resolve_causes(ref_rng, issues, ref, start_ts, end_ts)
    files = [p.relative_to(out_dir).as_posix() for p in write_reference(out_dir, ref)]
    write_json(out_dir / "ground_truth" / "issues.json", [i.public() for i in issues])
    write_json(out_dir / "ground_truth" / "causes.json", [
        {"issue_id": c["issue_id"], "type": c["type"], "id": c["id"], "segment": c["segment"],
         "start": iso_z(c["start"]),
         "spike_window": {"start": iso_z(c["spike_start"]), "end": iso_z(c["spike_end"])}}
        for c in causes])  # fmt: skip
    mix = Mix(rng, issues, causes, start_ts, end_ts)
    composer = Composer(rng, mix, Accounts(ref_rng, accounts), ref, n_acc)
    writers = _writers(out_dir)
    truth = PartWriter(out_dir, "ground_truth", "messages", "jsonl")
    counts = dict.fromkeys(SOURCES, 0)
    bad: dict[str, int] = {}
    dups = 0
    ids = {"tickets": 4_810_000, "chats": 215_478_000_000, "reviews": 0, "surveys": 0,
           "calls": 0}  # fmt: skip
    big_at = tickets // 3 if tickets >= 1000 else -1
    try:
        for n, (ts, b) in enumerate(timeline(rng, mix, tickets), start=1):
            x = rng.random()
            src = SOURCES[next(i for i, s in enumerate(SHARES) if x < s)]
            ids[src] += rng.randrange(1, 40) if src in ("tickets", "chats") else 1
            rid = {"tickets": str(ids["tickets"]), "chats": str(ids["chats"]),
                   "reviews": f"rv-{seed % 1000:03d}-{ids['reviews']:07d}",
                   "surveys": f"RSP-{ids['surveys']:07d}",
                   "calls": f"CALL-{ids['calls']:06d}"}[src]  # fmt: skip
            big = src == "tickets" and big_at >= 0 and n >= big_at
            big_at = -1 if big else big_at
            msg = composer.duplicate(src, rid, ts) if rng.random() < DUP_P and not big else None
            if msg is None:
                msg = composer.fresh(src, rid, ts, b)
            else:
                dups += 1
            msg.malformed = _reason(rng, src, big)
            w = writers[src]
            data, lines = _render(rng, msg, end_ts, w)
            rel, line = w.write(data, lines)
            frags = list(zip(msg.issues, msg.blocks, strict=False))
            if msg.malformed is None:
                composer.remember(msg)
            else:
                bad[msg.malformed] = bad.get(msg.malformed, 0) + 1
                raw = data.decode("utf-8", "replace")
                msg.pii = [p for p in msg.pii if p[1] in raw]
                if msg.malformed == R.EMPTY_BODY:
                    frags, msg.pii = [], []
            truth.write(truth_line(msg, rel, line, frags))
            counts[src] += 1
            if progress is not None and n % 1000 == 0:
                progress(n)
    finally:
        for wr in (*writers.values(), truth):
            wr.close()
    if progress is not None and tickets % 1000:
        progress(tickets)
    for wr in (*writers.values(), truth):
        files.extend(wr.files)
    files += ["ground_truth/issues.json", "ground_truth/causes.json", "ground_truth/manifest.json"]
    write_json(out_dir / "ground_truth" / "manifest.json", {
        "generator_version": "1", "seed": seed, "tickets": tickets, "days": days,
        "end": iso_z(end_ts), "counts": counts, "malformed": dict(sorted(bad.items())),
        "malformed_total": sum(bad.values()), "duplicates": dups, "accounts": n_acc,
        "files": files})  # fmt: skip
    return GenerationSummary(counts, sum(bad.values()), dict(sorted(bad.items())), dups, files,
                             time.perf_counter() - started, tickets)  # fmt: skip
