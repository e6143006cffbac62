"""The insights section of ``feedback-lakehouse evaluate``: ``silver.insights`` against the
sample generator's planted issues (ground truth is read here and in tests only).

Silver fragments are matched to planted fragments per message: by position when the counts
agree, else each planted fragment takes the silver fragment sharing most words with it."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)
_CODE = re.compile(r"\bERR_[A-Z0-9_]+\b|\b(?:HTTP/1\.1\s|HTTP\s)?[45]\d\d\b")


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def match_fragments(
    planted: list[dict[str, Any]], silver: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(planted, silver) pairs for one message; silver sorted by ordinal."""
    if not planted or not silver:
        return []
    if len(planted) == len(silver):
        return list(zip(planted, silver, strict=True))
    pairs = []
    for p in planted:
        pw = _words(p["text"])
        best = max(silver, key=lambda s: len(pw & _words(s["text"] or "")))
        pairs.append((p, best))
    return pairs


def _macro_f1(pairs: list[tuple[str, str | None]]) -> float:
    labels = {t for t, _ in pairs}
    scores = []
    for lab in labels:
        tp = sum(1 for t, p in pairs if t == lab and p == lab)
        fp = sum(1 for t, p in pairs if t != lab and p == lab)
        fn = sum(1 for t, p in pairs if t == lab and p != lab)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return round(sum(scores) / len(scores), 4) if scores else 0.0


def _expected_evidence(text: str, envelope: dict[str, Any]) -> set[tuple[str, str]]:
    """Envelope values the generator wrote into the text, and planted error codes."""
    out = set()
    for kind, col in (("version", "product_version"), ("os", "os"), ("device", "device"),
                      ("browser", "browser")):  # fmt: skip
        value = envelope.get(col)
        if not value or value == "desktop":
            continue
        if value in text:
            out.add((kind, value))
        elif kind in ("browser", "os") and value.split()[0] in text:  # "Safari" of "Safari 17"
            out.add((kind, value.split()[0]))
    out.update(("error_code", m.group()) for m in _CODE.finditer(text))
    return out


def insight_metrics(
    truth: dict[str, dict[str, Any]],
    fragments: dict[str, list[dict[str, Any]]],
    envelopes: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """``fragments``: feedback_id -> silver fragments joined with their insight, by ordinal."""
    cat: list[tuple[str, str | None]] = []
    area: list[tuple[str, str | None]] = []
    per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    rc = Counter()
    ev = Counter()
    for fid, msg in truth.items():
        if msg.get("duplicate_of"):
            continue  # a duplicate repeats its original's answer; count each issue once
        pairs = match_fragments(msg["fragments"], fragments.get(fid, []))
        for planted, got in pairs:
            cat.append((planted["category"], got.get("category")))
            area.append((planted["product_area"], got.get("product_area")))
            lang = per_lang[msg["language"]]
            lang[0] += planted["category"] == got.get("category")
            lang[1] += 1
            docs = [h["doc_ids"][0] for h in (got.get("hypotheses") or [])]
            doc = planted["root_cause_doc"]
            if doc:
                rc["planted"] += 1
                rc["top1"] += bool(docs) and docs[0] == doc
                rc["top3"] += doc in docs[:3]
            else:
                rc["none"] += 1
                rc["abstained"] += bool(got.get("abstained"))
            want = _expected_evidence(got.get("text") or "", envelopes.get(fid, {}))
            have = {
                (e["kind"], e["text"])
                for e in got.get("evidence") or []
                if e["kind"] in ("version", "os", "device", "browser", "error_code")
            }
            ev["expected"] += len(want)
            ev["found"] += sum(1 for w in want if any(_same(w, h) for h in have))
            ev["extracted"] += len(have)
            ev["correct"] += sum(1 for h in have if any(_same(w, h) for w in want))
    n = len(cat)
    return {
        "fragments_scored": n,
        "category": {
            "accuracy": round(sum(t == p for t, p in cat) / n, 4) if n else 0.0,
            "macro_f1": _macro_f1(cat),
        },
        "product_area": {
            "accuracy": round(sum(t == p for t, p in area) / n, 4) if n else 0.0,
            "macro_f1": _macro_f1(area),
        },
        "category_accuracy_per_language": {
            k: round(v[0] / v[1], 4) for k, v in sorted(per_lang.items()) if v[1]
        },
        "evidence": {
            "precision": round(ev["correct"] / ev["extracted"], 4) if ev["extracted"] else 0.0,
            "recall": round(ev["found"] / ev["expected"], 4) if ev["expected"] else 0.0,
            "note": "against the version/OS/device/browser values and HTTP/error codes the "
            "generator wrote into the text; other true evidence (an API version, a second "
            "browser) counts as wrong, so precision is a lower bound",
        },
        "root_cause": {
            "planted": rc["planted"],
            "top1": round(rc["top1"] / rc["planted"], 4) if rc["planted"] else 0.0,
            "top3": round(rc["top3"] / rc["planted"], 4) if rc["planted"] else 0.0,
            "no_cause": rc["none"],
            "correct_abstention": round(rc["abstained"] / rc["none"], 4) if rc["none"] else 0.0,
        },
    }


def _same(want: tuple[str, str], have: tuple[str, str]) -> bool:
    """Same kind and the texts contain one another ("iOS 18" vs "iOS 18.1")."""
    return want[0] == have[0] and (want[1] in have[1] or have[1] in want[1])


def leakage(examples: list[str], planted: list[str], n: int = 5) -> dict[str, Any]:
    """How much of the planted text the training examples already contain: exact matches and
    the share of planted word n-grams that occur in any example."""

    def grams(text: str) -> set[tuple[str, ...]]:
        w = [x.lower() for x in _WORD.findall(text)]
        return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}

    seen: set[tuple[str, ...]] = set()
    for e in examples:
        seen |= grams(e)
    norm = {" ".join(_WORD.findall(e.lower())) for e in examples}
    total = shared = exact = 0
    for p in planted:
        g = grams(p)
        total += len(g)
        shared += len(g & seen)
        exact += " ".join(_WORD.findall(p.lower())) in norm
    return {
        "planted_fragments": len(planted),
        "exact_copies_in_examples": exact,
        f"shared_{n}gram_share": round(shared / total, 4) if total else 0.0,
    }
