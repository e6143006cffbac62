"""``feedback-lakehouse evaluate``: the pipeline's tables measured against the sample
generator's ground truth (read here and in tests only, never by the pipeline)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.synth.ground_truth import read_causes, read_messages

if TYPE_CHECKING:
    from feedback_lakehouse.catalog import Catalog

PII_TYPES = ("EMAIL", "PHONE", "NAME", "ORDER_ID", "CARD", "IP", "ADDRESS")
_WS = re.compile(r"\s+")


def load_truth(landing: Path) -> dict[str, dict[str, Any]]:
    """Ground truth per feedback_id (``source:source_record_id``), valid messages only."""
    return {
        f"{m['source']}:{m['source_record_id']}": m
        for m in read_messages(landing)
        if m["malformed"] is None
    }


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def pii_metrics(truth: dict[str, dict], redacted: dict[str, str]) -> dict[str, dict[str, float]]:
    """Recall: a planted value no longer appears in the redacted text (redacted, or cut with a
    signature). Count-based precision: placeholders of a type in a message beyond the number
    of values of that type planted there count as false positives."""
    found: Counter = Counter()
    planted: Counter = Counter()
    placeholders: Counter = Counter()
    matched: Counter = Counter()
    for fid, text in redacted.items():
        m = truth.get(fid)
        if m is None:
            continue
        norm = _norm(text)
        per_type: Counter = Counter()
        for item in m["pii"]:
            planted[item["type"]] += 1
            per_type[item["type"]] += 1
            if _norm(item["value"]) not in norm:
                found[item["type"]] += 1
        for t in PII_TYPES:
            n = text.count(f"[{t}]")
            placeholders[t] += n
            matched[t] += min(n, per_type[t])
    return {
        t: {
            "planted": planted[t],
            "recall": round(found[t] / planted[t], 4) if planted[t] else 1.0,
            "precision": round(matched[t] / placeholders[t], 4) if placeholders[t] else 1.0,
        }
        for t in PII_TYPES
    }


def _pairs(clusters: Iterable[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for c in clusters for p in combinations(c, 2)}  # type: ignore[misc]


def dedup_metrics(truth: dict[str, dict], duplicate_of: dict[str, str | None]) -> dict[str, float]:
    """Pairwise precision/recall of duplicate clusters (original + its duplicates)."""
    gt: defaultdict[str, list[str]] = defaultdict(list)
    pred: defaultdict[str, list[str]] = defaultdict(list)
    for fid in duplicate_of:
        if fid not in truth:
            continue
        root = truth[fid]["duplicate_of"] or fid
        gt[root].append(fid)
        pred[duplicate_of[fid] or fid].append(fid)
    gt_pairs, pred_pairs = _pairs(gt.values()), _pairs(pred.values())
    hit = len(gt_pairs & pred_pairs)
    return {
        "true_pairs": len(gt_pairs),
        "predicted_pairs": len(pred_pairs),
        "precision": round(hit / len(pred_pairs), 4) if pred_pairs else 1.0,
        "recall": round(hit / len(gt_pairs), 4) if gt_pairs else 1.0,
    }


def fragment_metrics(truth: dict[str, dict], counts: dict[str, int]) -> dict[str, float]:
    """Share of messages whose fragment count equals the planted one (noise counts as 1)."""
    multi = [0, 0]
    single = [0, 0]
    for fid, n in counts.items():
        m = truth.get(fid)
        if m is None or m["duplicate_of"]:
            continue
        expected = max(1, len(m["fragments"]))
        bucket = multi if expected > 1 else single
        bucket[0] += n == expected
        bucket[1] += 1
    return {
        "multi_topic_messages": multi[1],
        "multi_topic_accuracy": round(multi[0] / multi[1], 4) if multi[1] else 1.0,
        "single_topic_messages": single[1],
        "single_topic_accuracy": round(single[0] / single[1], 4) if single[1] else 1.0,
    }


def language_metrics(truth: dict[str, dict], languages: dict[str, str]) -> dict[str, Any]:
    pairs = [(truth[f]["language"], lang) for f, lang in languages.items() if f in truth]
    per: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for want, got in pairs:
        per[want][0] += want == got
        per[want][1] += 1
    return {
        "accuracy": round(sum(w == g for w, g in pairs) / len(pairs), 4) if pairs else 1.0,
        "per_language": {k: round(v[0] / v[1], 4) for k, v in sorted(per.items())},
    }


def evaluate_silver(catalog: Catalog, landing: Path) -> dict[str, Any]:
    truth = load_truth(landing)
    if not truth:
        return {"error": f"no ground truth under {landing / 'ground_truth'}"}
    # evaluation reads the whole (sample-sized) table on purpose: it is a measurement tool
    rows = (
        catalog.read("silver.feedback")
        .select("feedback_id", "text_redacted", "duplicate_of", "fragment_count", "language")
        .collect()
    )
    return {
        "messages": len(rows),
        "pii": pii_metrics(truth, {r["feedback_id"]: r["text_redacted"] for r in rows}),
        "dedup": dedup_metrics(truth, {r["feedback_id"]: r["duplicate_of"] for r in rows}),
        "fragments": fragment_metrics(truth, {r["feedback_id"]: r["fragment_count"] for r in rows}),
        "language": language_metrics(truth, {r["feedback_id"]: r["language"] for r in rows}),
    }


def evaluate_insights(catalog: Catalog, landing: Path, examples: list[str]) -> dict[str, Any]:
    """Classification, evidence and root-cause metrics, plus a leakage check of the offline
    model's examples against the planted text."""
    from feedback_lakehouse.evaluate.insights import insight_metrics, leakage

    truth = load_truth(landing)
    if not truth:
        return {"error": f"no ground truth under {landing / 'ground_truth'}"}
    ins = catalog.read("silver.insights").select(
        "fragment_id", "category", "product_area", "hypotheses", "abstained", "evidence",
        "needs_review",
    )  # fmt: skip
    rows = (
        catalog.read("silver.fragments")
        .select("fragment_id", "feedback_id", "ordinal", "text", "received_at")
        .join(ins, "fragment_id", "left")
        .orderBy("feedback_id", "ordinal")
        .collect()
    )
    frags: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        frags[r["feedback_id"]].append(r.asDict(recursive=True))
    env = {
        r["feedback_id"]: r.asDict()
        for r in catalog.read("silver.feedback")
        .select("feedback_id", "product_version", "os", "device", "browser")
        .collect()
    }
    out = insight_metrics(truth, frags, env)
    done = [r for r in rows if r["category"] is not None or r["needs_review"] is not None]
    out["fragments"] = len(rows)
    out["with_insight"] = len(done)
    out["needs_review_share"] = (
        round(sum(bool(r["needs_review"]) for r in done) / len(done), 4) if done else 0.0
    )
    planted = [f["text"] for m in truth.values() for f in m["fragments"]]
    out["leakage"] = leakage(examples, planted)
    return out


def evaluate_gold(catalog: Catalog, landing: Path) -> dict[str, Any]:
    """Themes against the planted issues: adjusted Rand index over matched fragments, the
    unassigned share and the theme count."""
    from sklearn.metrics import adjusted_rand_score, homogeneity_completeness_v_measure

    from feedback_lakehouse.evaluate.insights import match_fragments

    truth = load_truth(landing)
    if not truth:
        return {"error": f"no ground truth under {landing / 'ground_truth'}"}
    rows = (
        catalog.read("silver.fragments")
        .select("fragment_id", "feedback_id", "ordinal", "text", "received_at")
        .join(
            catalog.read("gold.theme_members").select("fragment_id", "theme_id"),
            "fragment_id",
            "left",
        )
        .orderBy("feedback_id", "ordinal")
        .collect()
    )
    frags: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        frags[r["feedback_id"]].append(r.asDict())
    planted, found = [], []
    reports: defaultdict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for fid, msg in truth.items():
        for p, got in match_fragments(msg["fragments"], frags.get(fid, [])):
            if got.get("theme_id"):
                planted.append(p["issue_id"])
                found.append(got["theme_id"])
                at = got["received_at"].replace(tzinfo=None)
                reports[got["theme_id"]].append((at, p["issue_id"]))
    themes = catalog.read("gold.themes").filter("status = 'active'").count()
    unassigned = sum(1 for r in rows if not r["theme_id"])
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for issue, theme in zip(planted, found, strict=True):
        votes[theme][issue] += 1
    theme_issue = {t: c.most_common(1)[0][0] for t, c in votes.items()}
    # homogeneity: each theme holds one issue; completeness: each issue is one theme (an issue
    # whose phrasings share neither words nor meaning can form several themes)
    hom, com, _ = homogeneity_completeness_v_measure(planted, found) if planted else (0, 0, 0)
    hom, com = round(float(hom), 4), round(float(com), 4)
    return {
        "spikes": _spike_metrics(catalog, landing, theme_issue, reports),
        "themes": themes,
        "planted_issues": len({i for m in truth.values() for i in m["issues"]}),
        "adjusted_rand_index": round(adjusted_rand_score(planted, found), 4) if planted else 0.0,
        "homogeneity": hom,
        "completeness": com,
        "fragments": len(rows),
        "unassigned_share": round(unassigned / len(rows), 4) if rows else 0.0,
    }


def _spike_metrics(
    catalog: Catalog,
    landing: Path,
    theme_issue: dict[str, str],
    reports: dict[str, list[tuple[datetime, str]]],
) -> Any:
    """Spikes scored twice: each judged by its theme's majority issue, and by the majority
    issue of the theme's own fragments inside the spike's window (a theme that merged two
    planted issues spikes for one of them; the first reading calls that spike false)."""
    from feedback_lakehouse.evaluate.spikes import evaluate_spikes, spike_key
    from feedback_lakehouse.gold.spikes.detect import Spike

    causes = read_causes(landing)
    if causes is None:
        return {"error": f"{landing / 'ground_truth' / 'causes.json'} not found"}
    fields = set(Spike.__dataclass_fields__)
    spikes = []
    for r in catalog.read("gold.spikes").collect():
        d = r.asDict()
        d["start"], d["end"] = d.pop("window_start"), d.pop("window_end")
        spikes.append(Spike(**{k: v for k, v in d.items() if k in fields}))
    by_theme = evaluate_spikes(spikes, theme_issue, causes)
    window_issue = {}
    for s in spikes:
        inside = Counter(i for at, i in reports.get(s.theme_id, []) if s.start <= at < s.end)
        if inside:
            window_issue[spike_key(s)] = inside.most_common(1)[0][0]
    by_window = evaluate_spikes(spikes, theme_issue, causes, window_issue)
    return by_theme | {
        "by_window_majority": {
            k: by_window[k]
            for k in (
                "release_recall",
                "recall",
                "false_spikes",
                "false_episodes",
                "delay_hours",
                "own_segment_delay_hours",
            )
        }
    }


def section_errors(result: dict[str, Any]) -> dict[str, str]:
    """``section`` (or ``section.part``) -> error, for every part that could not be measured."""
    errors = {}
    for name, section in result.items():
        if not isinstance(section, dict):
            continue
        if "error" in section:
            errors[name] = str(section["error"])
        for part, value in section.items():
            if isinstance(value, dict) and "error" in value:
                errors[f"{name}.{part}"] = str(value["error"])
    return errors
