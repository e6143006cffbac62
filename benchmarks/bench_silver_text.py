"""Per-sub-step throughput of silver's text work on generated messages, in one Python process
(the work each executor does per message): extract + clean, language, PII, fragments, MinHash.

    python benchmarks/bench_silver_text.py --messages 20000
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import orjson

from feedback_lakehouse.bronze.readers import read_csv, read_jsonl
from feedback_lakehouse.silver.clean import clean_text
from feedback_lakehouse.silver.extract import customer_text
from feedback_lakehouse.silver.fragments import split_fragments
from feedback_lakehouse.silver.language import detect_languages
from feedback_lakehouse.silver.minhash import normalise_for_dedup, signatures
from feedback_lakehouse.silver.pii import redact_many
from feedback_lakehouse.synth.generator import generate

ADAPTERS = {"tickets": "zendesk_tickets", "chats": "intercom_chats", "reviews": "app_reviews",
            "surveys": "surveys", "calls": "calls"}  # fmt: skip
LANGS = ("en", "fr", "de", "es", "ja", "it", "pt", "nl")


def _timed(label: str, n: int, fn, results: dict):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    results[label] = round(n / (time.perf_counter() - t))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        generate(Path(tmp), tickets=args.messages, seed=5)
        payloads = []
        for source, adapter in ADAPTERS.items():
            for path in sorted((Path(tmp) / source).glob("*")):
                reader = read_csv if path.suffix == ".csv" else read_jsonl
                for rec in reader(path, 1 << 20):
                    if rec.obj is not None:
                        payloads.append((adapter, orjson.dumps(rec.obj)))
    n = len(payloads)
    rate: dict[str, int] = {}
    # warm up: models and gazetteers load once per worker process, not per batch
    warm = [clean_text(customer_text(a, orjson.loads(p))).text for a, p in payloads[:200]]
    redact_many(warm, [lang for lang, _ in detect_languages(warm, LANGS)])
    texts = _timed(
        "extract_clean", n,
        lambda: [clean_text(customer_text(a, orjson.loads(p))).text for a, p in payloads], rate,
    )  # fmt: skip
    langs = _timed("language", n, lambda: detect_languages(texts, LANGS), rate)
    red = _timed("pii", n, lambda: redact_many(texts, [lang for lang, _ in langs]), rate)
    redacted = [r.text for r in red]
    _timed("fragments", n, lambda: [split_fragments(t) for t in redacted], rate)
    _timed(
        "minhash",
        n,
        lambda: signatures([normalise_for_dedup(t) for t in redacted], normalised=True),
        rate,
    )
    total = 1 / sum(1 / v for v in rate.values())
    print(json.dumps({"messages": n, "messages_per_s": rate, "all_steps_per_s": round(total)}))


if __name__ == "__main__":
    main()
