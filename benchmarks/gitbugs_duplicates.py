"""Duplicates on real bug reports (../shared/data/gitbugs-hadoop: 2,503 Hadoop JIRA reports,
66 known duplicate pairs, paraphrases filed days to years apart), through ingest and silver
on the embedded engine, beside a plain retrieval peer measured in the same run.

- silver's duplicate links (exact / near / follow-up): pairwise precision and recall against
  the known pairs, and the most reports linked to one original (a shared template chaining
  unrelated reports shows here). Once with no account (as the export is), once with every
  report under one account (the project), where follow-ups may compare any two.
- ``silver.duplicate_candidates`` ("likely duplicate of"): for the later report of each known
  pair, is the earlier one its first candidate (recall@1) or among its first five (@5)?
- peer: TF-IDF (scikit-learn, English stop words, sublinear tf) cosine over the same text,
  every earlier report ranked by brute force.

Prints one JSON and writes it to benchmarks/results/gitbugs-duplicates.json.

    .venv/bin/python benchmarks/gitbugs_duplicates.py
"""

from __future__ import annotations

import csv
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "gitbugs-hadoop"
OUT = REPO / "benchmarks" / "results" / "gitbugs-duplicates.json"


def _pairs() -> set[frozenset[str]]:
    with (DATA / "hadoop_bugs-combined.csv").open(encoding="utf-8") as f:
        return {frozenset((r["Issue id"], r["Duplicate id"])) for r in csv.DictReader(f)}


def _reports() -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with (DATA / "hadoop_bugs.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _created(row: dict[str, str]) -> datetime:
    return datetime.strptime(row["Created"], "%d/%b/%y %H:%M")


def _ordered(pairs: set[frozenset[str]], when: dict[str, datetime]) -> list[tuple[str, str]]:
    """(later, earlier) for each known pair whose two reports are both in the export."""
    out = []
    for pair in pairs:
        a, b = sorted(pair)
        if a in when and b in when:
            out.append((a, b) if (when[a], a) > (when[b], b) else (b, a))
    return sorted(out)


def _recall_at(ranked: dict[str, list[str]], pairs: list[tuple[str, str]], k: int) -> float:
    return round(sum(1 for late, early in pairs if early in ranked.get(late, [])[:k])
                 / max(1, len(pairs)), 3)  # fmt: skip


def silver_run(csv_path: Path, account: bool) -> dict[str, Any]:
    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.config.mapping import load_export_mapping
    from feedback_lakehouse.lakehouse import open_lakehouse
    from feedback_lakehouse.silver.step import run_silver

    with tempfile.TemporaryDirectory() as root:
        # each run its own schemas: one process, one embedded engine, two lakehouses
        prefix = "gb_project_" if account else "gb_"
        overrides = {k: v for k, v in os.environ.items() if k.startswith("FEEDBACK_LAKEHOUSE__")}
        lh = open_lakehouse("local", REPO / "conf", environ={
            **overrides, "FEEDBACK_LAKEHOUSE_ROOT": root,
            "FEEDBACK_LAKEHOUSE__LAKEHOUSE__SCHEMA_PREFIX": prefix,
        })  # fmt: skip
        mapping = load_export_mapping(REPO / "benchmarks/exports/gitbugs-hadoop.yml")
        update: dict[str, Any] = {"path": str(csv_path)}
        if account:
            update["account_id"] = "project"
        run_ingest(lh.spark, lh.catalog, lh.settings, exports=[mapping.model_copy(update=update)])
        t0 = time.perf_counter()
        report = run_silver(lh.spark, lh.catalog, lh.settings)
        seconds = time.perf_counter() - t0
        ids = {r["feedback_id"]: r["source_record_id"] for r in
               lh.catalog.read("silver.feedback").select("feedback_id", "source_record_id")
               .collect()}  # fmt: skip
        links = [(ids[r["feedback_id"]], ids[r["duplicate_of"]], r["duplicate_kind"]) for r in
                 lh.catalog.read("silver.feedback").filter("duplicate_of IS NOT NULL")
                 .select("feedback_id", "duplicate_of", "duplicate_kind").collect()]  # fmt: skip
        ranked: dict[str, list[str]] = {}
        for r in (lh.catalog.read("silver.duplicate_candidates").orderBy("feedback_id", "rank")
                  .collect()):  # fmt: skip
            ranked.setdefault(ids[r["feedback_id"]], []).append(ids[r["candidate_id"]])
    return {"messages": len(ids), "rejected": report.rows_quarantined, "links": links,
            "ranked": ranked, "silver_seconds": round(seconds, 1)}  # fmt: skip


def link_quality(links: list[tuple[str, str, str]], truth: set[frozenset[str]]) -> dict[str, Any]:
    predicted = {frozenset((a, b)) for a, b, _ in links}
    hit = predicted & truth
    per_original = Counter(b for _, b, _ in links)
    return {
        "links_by_kind": dict(Counter(k for _, _, k in links)),
        "precision": round(len(hit) / len(predicted), 3) if predicted else None,
        "recall": round(len(hit) / len(truth), 3),
        "most_reports_linked_to_one": max(per_original.values(), default=0),
    }


def tfidf_peer(reports: list[dict[str, str]], pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Every earlier report ranked by TF-IDF cosine, for the later report of each pair."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    t0 = time.perf_counter()
    order = sorted(reports, key=lambda r: (_created(r), r["Issue id"]))
    index = {r["Issue id"]: i for i, r in enumerate(order)}
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1).fit_transform(
        [f"{r['Summary']}\n{r['Description']}" for r in order]
    )
    ranked = {}
    for late, _ in pairs:
        i = index[late]
        sims = (matrix[:i] @ matrix[i].T).toarray().ravel()
        top = sims.argsort()[::-1][:5]
        ranked[late] = [order[j]["Issue id"] for j in top if sims[j] > 0]
    return {"recall_at_1": _recall_at(ranked, pairs, 1),
            "recall_at_5": _recall_at(ranked, pairs, 5),
            "seconds": round(time.perf_counter() - t0, 2)}  # fmt: skip


def main() -> None:
    reports = _reports()
    truth = _pairs()
    when = {r["Issue id"]: _created(r) for r in reports}
    pairs = _ordered(truth, when)
    truth_here = {frozenset(p) for p in pairs}
    result: dict[str, Any] = {"reports": len(reports), "known_pairs": len(pairs)}
    with tempfile.TemporaryDirectory() as tmp:
        with_project = Path(tmp) / "hadoop_bugs_project.csv"
        with with_project.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, [*reports[0].keys(), "project"])
            writer.writeheader()
            writer.writerows({**r, "project": "HADOOP"} for r in reports)
        for name, path, account in (("no_account", DATA / "hadoop_bugs.csv", False),
                                    ("account_is_project", with_project, True)):  # fmt: skip
            run = silver_run(path, account)
            result[name] = {
                "messages": run["messages"], "rejected": run["rejected"],
                **link_quality(run["links"], truth_here),
                "candidates_recall_at_1": _recall_at(run["ranked"], pairs, 1),
                "candidates_recall_at_5": _recall_at(run["ranked"], pairs, 5),
                "messages_with_candidates": len(run["ranked"]),
                "silver_seconds": run["silver_seconds"],
                "silver_messages_per_s": round(run["messages"] / run["silver_seconds"]),
            }  # fmt: skip
    result["peer_tfidf_cosine"] = tfidf_peer(reports, pairs)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
