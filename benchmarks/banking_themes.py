"""The product's own themes on real bank-customer messages (../shared/data/banking77: 13,083
messages, 77 intents), through the bring-your-own-export path and every step (ingest, silver,
insights, gold) with the default conf, beside TF-IDF + KMeans with the true k in the same run.

The export has no dates: each message gets one, spread evenly over 90 days in a fixed shuffled
order, so the themes see a steady stream. A message's theme is its first fragment's; one with
no theme counts as unassigned (and as a cluster of its own for ARI / NMI, which is how a
person reading the themes would meet it). Also reported: the ten largest themes' labels with
their top intents, and how many themes a shipped sub-theme names. No customer text is printed
or stored, only intent names, labels and figures.

    .venv/bin/python benchmarks/banking_themes.py [--sample N]

Prints one JSON and writes it to benchmarks/results/banking-themes.json. The embedder and
clustering comparison (with BERTopic) is ``theme_embedders.py``, in its own environment.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "banking77"
OUT = REPO / "benchmarks" / "results" / "banking-themes.json"
SEED = 3
START = datetime(2026, 1, 1)


def _messages(sample: int | None) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for name in ("train.csv", "test.csv"):
        with (DATA / name).open(encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f))
    rng = random.Random(SEED)
    rng.shuffle(rows)
    if sample:
        rows = rows[:sample]
    step = timedelta(days=90) / max(1, len(rows))
    return [
        {"id": f"b{i:05d}", "at": (START + i * step).strftime("%Y-%m-%dT%H:%M:%SZ"),
         "text": r["text"], "intent": r["category"]}
        for i, r in enumerate(rows)
    ]  # fmt: skip


def _export(rows: list[dict[str, str]], folder: Path) -> Path:
    path = folder / "banking77.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["id", "at", "text"])
        writer.writeheader()
        writer.writerows({k: r[k] for k in ("id", "at", "text")} for r in rows)
    return path


def product_themes(rows: list[dict[str, str]]) -> dict[str, Any]:
    """Every step on the export; message id -> theme id (or None), theme labels, seconds."""
    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.config.settings import ExportMapping
    from feedback_lakehouse.gold.step import run_gold
    from feedback_lakehouse.insights.step import run_insights
    from feedback_lakehouse.lakehouse import open_lakehouse
    from feedback_lakehouse.silver.step import run_silver

    with tempfile.TemporaryDirectory() as root:
        path = _export(rows, Path(root))
        lh = open_lakehouse("local", REPO / "conf", environ={
            "FEEDBACK_LAKEHOUSE_ROOT": str(Path(root) / "lh"),
            "FEEDBACK_LAKEHOUSE__LAKEHOUSE__SCHEMA_PREFIX": "bank_",
        })  # fmt: skip
        mapping = ExportMapping.model_validate({
            "source": "bank", "format": "csv", "path": str(path), "record_id": "id",
            "received_at": {"column": "at"}, "body": ["text"], "channel_default": "chat",
        })  # fmt: skip
        seconds: dict[str, float] = {}
        t = time.perf_counter()
        run_ingest(lh.spark, lh.catalog, lh.settings, exports=[mapping])
        for name, step in (("silver", run_silver), ("insights", run_insights),
                           ("gold", run_gold)):  # fmt: skip
            t0 = time.perf_counter()
            step(lh.spark, lh.catalog, lh.settings)
            seconds[name] = round(time.perf_counter() - t0, 1)
        seconds["total"] = round(time.perf_counter() - t, 1)
        c = lh.catalog
        first = {
            r["feedback_id"]: r["fragment_id"]
            for r in c.read("silver.fragments").filter("ordinal = 0")
            .select("feedback_id", "fragment_id").collect()
        }  # fmt: skip
        theme_of = {
            r["fragment_id"]: r["theme_id"]
            for r in c.read("gold.theme_members").select("fragment_id", "theme_id").collect()
        }
        record = {
            r["feedback_id"]: r["source_record_id"]
            for r in c.read("silver.feedback").select("feedback_id", "source_record_id").collect()
        }
        themes = {r["theme_id"]: r["label"] for r in
                  c.read("gold.themes").filter("status = 'active'")
                  .select("theme_id", "label").collect()}  # fmt: skip
        subs = {r["sub_theme"] for r in c.read("silver.insights").select("sub_theme")
                .distinct().collect()}  # fmt: skip
    assigned = {record[f]: theme_of.get(frag) for f, frag in first.items() if f in record}
    return {"assigned": assigned, "labels": themes, "sub_themes": subs, "seconds": seconds}


def scores(truth: list[str], predicted: list[str | None]) -> dict[str, Any]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    # an unassigned message is a cluster of its own
    filled = [p if p is not None else f"_none{i}" for i, p in enumerate(predicted)]
    return {
        "ari": round(adjusted_rand_score(truth, filled), 3),
        "nmi": round(normalized_mutual_info_score(truth, filled), 3),
        "unassigned": round(sum(p is None for p in predicted) / max(1, len(predicted)), 3),
        "themes": len({p for p in predicted if p is not None}),
    }


def kmeans_peer(rows: list[dict[str, str]], k: int) -> dict[str, Any]:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    t0 = time.perf_counter()
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [r["text"] for r in rows]
    )
    labels = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit_predict(x)
    out = scores([r["intent"] for r in rows], [str(v) for v in labels])
    return {**out, "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=None, help="messages (default: all)")
    args = parser.parse_args()
    rows = _messages(args.sample)
    intents = {r["id"]: r["intent"] for r in rows}
    run = product_themes(rows)
    ids = [r["id"] for r in rows if r["id"] in run["assigned"]]
    predicted = [run["assigned"][i] for i in ids]
    members: dict[str, Counter[str]] = defaultdict(Counter)
    for i, theme in zip(ids, predicted, strict=True):
        if theme is not None:
            members[theme][intents[i]] += 1
    largest = sorted(members.items(), key=lambda kv: -sum(kv[1].values()))[:10]
    labels = run["labels"]
    result = {
        "messages": len(rows),
        "messages_in_silver": len(ids),
        "product": {
            **scores([intents[i] for i in ids], predicted),
            "themes_named_by_a_shipped_sub_theme": sum(
                1 for t in members if labels.get(t) in run["sub_themes"]
            ),
            "seconds": run["seconds"],
        },
        "peer_tfidf_kmeans_true_k": kmeans_peer(rows, len(set(intents.values()))),
        "largest_themes": [
            {
                "label": labels.get(t),
                "messages": sum(c.values()),
                "top_intents": [f"{name} ({n})" for name, n in c.most_common(3)],
            }
            for t, c in largest
        ],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
