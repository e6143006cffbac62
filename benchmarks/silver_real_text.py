"""Silver's per-message text work on text the project did not write: the hand-written labeled
set (PII recall and over-redaction, fragment counts, language, words lost to cleaning) and
real bank messages and complaints (false redactions and lost words per 1,000 messages).

Measures only; nothing here trains or tunes. Prints one JSON (also written to
``benchmarks/results/silver-text.json``) with counts and redacted token types, never
customer text.

    python benchmarks/silver_real_text.py [--shared ../shared/data] [--per-set 1000]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from feedback_lakehouse.silver.clean import clean_text, customer_turns
from feedback_lakehouse.silver.extract import customer_text
from feedback_lakehouse.silver.language import detect_languages
from feedback_lakehouse.silver.pii import redact_many
from feedback_lakehouse.silver.transform import TransformConfig, message_fragments, message_text

REPO = Path(__file__).resolve().parents[1]
LANGS = ("en", "fr", "de", "es", "ja", "it", "pt", "nl")
_WORD = re.compile(r"[^\W_]+")
_PII_TYPE = {"person_name": "NAME", "phone": "PHONE", "email": "EMAIL",
             "order_number": "ORDER_ID", "street_address": "ADDRESS", "card_number": "CARD",
             "ip_address": "IP"}  # fmt: skip


def _words(text: str) -> Counter[str]:
    return Counter(w.lower() for w in _WORD.findall(text))


def lost_share(raw: str, kept: str) -> float:
    """Share of the customer's own words that cleaning removed (an agent's turns in a pasted
    transcript are not theirs)."""
    before, after = _words(customer_turns(raw)[0]), _words(kept)
    total = sum(before.values())
    return sum((before - after).values()) / total if total else 0.0


def caught(value: str, text: str, spans: Any) -> bool:
    """A labeled PII value is caught when every letter and digit of each of its occurrences in
    the text lies inside a redacted span. Its words elsewhere (a surname in a company name,
    "PO" before a number) do not count. A value the text no longer holds (cleaning cut it)
    counts as caught."""
    pattern = r"\s+".join(re.escape(part) for part in value.split())
    covered = [False] * len(text)
    for span in spans:
        covered[span.start : span.end] = [True] * (span.end - span.start)
    found = False
    for m in re.finditer(pattern, text):
        found = True
        if not all(covered[i] for i in range(m.start(), m.end()) if text[i].isalnum()):
            return False
    return found or value not in text


def _process(texts: list[str]) -> tuple[list[str], list[str], list[Any]]:
    langs = [lang for lang, _ in detect_languages(texts, LANGS)]
    return langs, texts, redact_many(texts, langs)


def handwritten(folder: Path, with_subject: bool) -> dict[str, Any]:
    """Through silver's own per-message path, as a bring-your-own export (body, subject)."""
    messages = [json.loads(line) for line in (folder / "messages.jsonl").open(encoding="utf-8")]
    labels = {r["id"]: r for r in map(json.loads, (folder / "labels.jsonl").open(encoding="utf-8"))}
    cfg = TransformConfig(adapters={}, export_bodies={"hw": ["body"]},
                          export_subjects={"hw": "subject"} if with_subject else {})  # fmt: skip
    raws = [customer_text("export", m, ["body"]) for m in messages]
    made = [message_text({"source": "hw", "payload": json.dumps(m)}, cfg) for m in messages]
    langs, texts, redactions = _process([t for t, _, _ in made])
    per_type: dict[str, list[int]] = {}
    over, over_types = 0, Counter[str]()
    counts = Counter[str]()
    lost_half = 0
    rows = zip(messages, raws, texts, langs, redactions, made, strict=True)
    for m, raw, text, lang, red, (_, _, titled) in rows:
        lab = labels[m["id"]]
        for item in lab["pii"]:
            hit = per_type.setdefault(item["type"], [0, 0])
            hit[1] += 1
            hit[0] += caught(item["value"], text, red.spans)
        # a redaction over-reaches when it covers none of the message's labeled values
        values = [v["value"] for v in lab["pii"]]
        for span in red.spans:
            covered = text[span.start : span.end]
            if not any(covered in v or v in covered or _overlap(covered, v) for v in values):
                over += 1
                over_types[span.type] += 1
        want, got = len(lab["fragments"]), len(message_fragments(red.text, lang, titled))
        counts[f"{min(want, 3)}_topic_messages"] += 1
        counts[f"{min(want, 3)}_topic_right"] += got == want
        if want == 1 and got > 1:
            counts["single_topic_oversplit"] += 1
        counts["language_right"] += lang == lab["language"]
        lost_half += lost_share(raw, text) > 0.5
    n = len(messages)
    found = sum(v[0] for v in per_type.values())
    total = sum(v[1] for v in per_type.values())
    by_topics = {
        k: round(counts[f"{k}_topic_right"] / counts[f"{k}_topic_messages"], 3)
        for k in (1, 2, 3) if counts[f"{k}_topic_messages"]
    }  # fmt: skip
    return {
        "messages": n,
        "subject_joined": with_subject,
        "pii_recall": round(found / total, 3) if total else None,
        "pii_recall_by_type": {t: f"{v[0]}/{v[1]}" for t, v in sorted(per_type.items())},
        "over_redactions": over,
        "over_redactions_by_type": dict(over_types.most_common()),
        "fragment_count_right": round(sum(counts[f"{k}_topic_right"] for k in (1, 2, 3)) / n, 3),
        "fragment_count_right_by_topics": by_topics,
        "single_topic_oversplit": round(
            counts["single_topic_oversplit"] / max(counts["1_topic_messages"], 1), 3
        ),
        "language_accuracy": round(counts["language_right"] / n, 3),
        "messages_losing_over_half_their_words": lost_half,
    }


def handwritten_duplicates(folder: Path) -> dict[str, Any]:
    """The hand-written set through ingest and silver on the embedded engine, in a lakehouse of
    its own: pairwise duplicate precision/recall against its labels, per kind found."""
    import tempfile

    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.config.mapping import load_export_mapping
    from feedback_lakehouse.evaluate.tables import dedup_metrics
    from feedback_lakehouse.lakehouse import open_lakehouse
    from feedback_lakehouse.silver.step import run_silver

    labels = {r["id"]: r for r in map(json.loads, (folder / "labels.jsonl").open(encoding="utf-8"))}
    with tempfile.TemporaryDirectory() as root:
        lh = open_lakehouse("local", REPO / "conf", environ={"FEEDBACK_LAKEHOUSE_ROOT": root})
        mapping = load_export_mapping(REPO / "benchmarks/exports/handwritten-dev.yml")
        mapping = mapping.model_copy(update={"path": str(folder / "messages.jsonl")})
        run_ingest(lh.spark, lh.catalog, lh.settings, exports=[mapping])
        run_silver(lh.spark, lh.catalog, lh.settings)
        rows = (
            lh.catalog.read("silver.feedback")
            .select("source_record_id", "duplicate_of", "duplicate_kind")
            .collect()
        )
        kinds = Counter(r["duplicate_kind"] for r in rows if r["duplicate_kind"])
    found = {r["source_record_id"]: (r["duplicate_of"] or "").split(":", 1)[-1] or None
             for r in rows}  # fmt: skip
    truth = {i: {"duplicate_of": lab["duplicate_of"]} for i, lab in labels.items()}
    return {"labeled_duplicates": sum(1 for lab in labels.values() if lab["duplicate_of"]),
            "found_by_kind": dict(kinds), **dedup_metrics(truth, found)}  # fmt: skip


def _overlap(a: str, b: str) -> bool:
    wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return bool(wa & wb)


def _csv_texts(path: Path, column: str, limit: int) -> list[str]:
    csv.field_size_limit(sys.maxsize)
    out = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if (row.get(column) or "").strip():
                out.append(row[column])
            if len(out) >= limit:
                break
    return out


def unlabeled(texts: list[str]) -> dict[str, Any]:
    """Real text with no PII labels: every redaction is counted, per type, per 1,000."""
    cleaned = [clean_text(t).text for t in texts]
    _, _, redactions = _process(cleaned)
    types = Counter(s.type for r in redactions for s in r.spans)
    lost = sum(lost_share(r, c) > 0.5 for r, c in zip(texts, cleaned, strict=True))
    k = 1000 / len(texts)
    return {
        "messages": len(texts),
        "redactions_per_1000": round(sum(types.values()) * k, 1),
        "redactions_per_1000_by_type": {t: round(c * k, 1) for t, c in types.most_common()},
        "messages_losing_over_half_their_words_per_1000": round(lost * k, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--per-set", type=int, default=1000)
    parser.add_argument(
        "--no-engine",
        action="store_true",
        help="skip the duplicate measure (it runs ingest and silver)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/silver-text.json")
    args = parser.parse_args()
    started = time.perf_counter()
    hw = args.shared / "handwritten-dev"
    result: dict[str, Any] = {
        "handwritten_dev": handwritten(hw, with_subject=True),
        "handwritten_dev_body_only": handwritten(hw, with_subject=False),
        "banking77": unlabeled(
            _csv_texts(args.shared / "banking77/test.csv", "text", args.per_set)
        ),
        "cfpb": unlabeled(_csv_texts(
            next((args.shared / "cfpb").glob("*.csv")), "Consumer complaint narrative",
            args.per_set,
        )),
    }  # fmt: skip
    if not args.no_engine:
        result["handwritten_dev_duplicates"] = handwritten_duplicates(hw)
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    text = json.dumps(result, indent=2)
    args.out.write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
