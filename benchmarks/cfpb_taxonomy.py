"""The offline model on a user's own taxonomy: real CFPB complaints (``../shared/data/cfpb``),
labelled by consumers with Product and Issue. The labels become a taxonomy file and example
files in a temporary conf folder, loaded by the same loaders the pipeline uses; the model is
trained on the earlier 70% of complaints and tested on the later 30%.

    python benchmarks/cfpb_taxonomy.py [--csv ../shared/data/cfpb/complaints_before_2019-06.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CSV = REPO.parent / "shared" / "data" / "cfpb" / "complaints_before_2019-06.csv"
MERGE = {  # the CFPB renamed products in 2017; old and new names are one product
    "Credit card": "Credit card or prepaid card",
    "Payday loan": "Payday loan, title loan, or personal loan",
    "Consumer Loan": "Vehicle loan or lease",
    "Bank account or service": "Checking or savings account",
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def load(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["Consumer complaint narrative"].strip()]
    rows.sort(key=lambda r: datetime.strptime(r["Date received"], "%Y/%m/%d"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--train-share", type=float, default=0.7)
    parser.add_argument("--min-issue", type=int, default=8, help="rarer issues become 'other'")
    args = parser.parse_args()

    from feedback_lakehouse.insights.examples import load_examples
    from feedback_lakehouse.insights.offline_model import OfflineModel
    from feedback_lakehouse.insights.taxonomy import load_taxonomy

    rows = load(args.csv)
    cut = int(len(rows) * args.train_share)
    train, test = rows[:cut], rows[cut:]
    product = {r["Product"]: slug(MERGE.get(r["Product"], r["Product"])) for r in rows}
    counts = Counter(r["Issue"] for r in train)
    issue = {i: slug(i) if counts[i] >= args.min_issue else "other" for i in counts}

    def issue_of(r: dict[str, str]) -> str:
        return issue.get(r["Issue"], "other")

    conf = Path(tempfile.mkdtemp(prefix="cfpb-conf-"))
    taxonomy = {
        "categories": {v: v.replace("_", " ") for v in sorted(set(issue.values()) | {"other"})},
        "product_areas": {v: v.replace("_", " ") for v in sorted(set(product.values()))},
        "feedback_types": {"complaint": "A consumer complaint"},
        "severities": ["medium"],
    }
    (conf / "taxonomy.yml").write_text(yaml.safe_dump(taxonomy, sort_keys=True))
    themes: dict[tuple[str, str], list[str]] = {}
    for r in train:
        themes.setdefault((issue_of(r), product[r["Product"]]), []).append(
            r["Consumer complaint narrative"]
        )
    examples = {
        "sub_themes": [
            {
                "sub_theme": f"{i.replace('_', ' ')[:50]} / {p.replace('_', ' ')[:25]}",
                "category": i,
                "product_area": p,
                "feedback_type": "complaint",
                "severity": "medium",
                "examples": texts,
            }
            for (i, p), texts in sorted(themes.items())
        ]
    }
    (conf / "examples.yml").write_text(yaml.safe_dump(examples, allow_unicode=True))

    tax = load_taxonomy(conf / "taxonomy.yml")
    loaded = load_examples([conf / "examples.yml"], tax)
    t = time.perf_counter()
    model = OfflineModel().fit(loaded, [])
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    preds = model.predict([r["Consumer complaint narrative"] for r in test])
    pred_s = time.perf_counter() - t

    def score(field: str, truth: list[str]) -> dict[str, float]:
        got = [p.labels[field] for p in preds]
        acc = sum(a == b for a, b in zip(truth, got, strict=True)) / len(truth)
        labels = set(truth)
        f1s = []
        for lab in labels:
            tp = sum(a == lab and b == lab for a, b in zip(truth, got, strict=True))
            fp = sum(a != lab and b == lab for a, b in zip(truth, got, strict=True))
            fn = sum(a == lab and b != lab for a, b in zip(truth, got, strict=True))
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        majority = Counter(truth).most_common(1)[0][1] / len(truth)
        return {"accuracy": round(acc, 4), "macro_f1": round(sum(f1s) / len(f1s), 4),
                "majority_baseline": round(majority, 4), "classes": len(labels)}  # fmt: skip

    result = {
        "complaints_with_narrative": len(rows),
        "train": len(train),
        "test": len(test),
        "split": "by date received: earlier complaints train, later ones test",
        "product (as product_area)": score("product_area", [product[r["Product"]] for r in test]),
        "issue (as category)": score("category", [issue_of(r) for r in test]),
        "fit_seconds": round(fit_s, 1),
        "predict_per_s": round(len(test) / pred_s),
    }
    print(json.dumps(result, indent=2))
    out = REPO / "benchmarks" / "results" / "cfpb-taxonomy.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
