"""Finishing one fragment with its text's answer: pattern evidence in the fragment's own text,
the answer's and the event timeline's hypotheses ranked, abstention and human review. Pure
given the toolkit, so it is unit-tested on hand-built answers without Spark or a model."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson

from feedback_lakehouse.insights.events import FragmentFacts, platform_of
from feedback_lakehouse.insights.schema import Answer, Evidence, Hypothesis
from feedback_lakehouse.insights.toolkit import ChainConfig, Toolkit

Rows = list[dict[str, Any]]
ESCALATE = "insufficient evidence — escalate to human review"


def finalize_rows(
    rows: Rows, kit: Toolkit, cfg: ChainConfig, sims: np.ndarray, areas: list[str | None],
    seen: dict[str, list[Evidence]] | None = None,
) -> Rows:  # fmt: skip
    """``finalize_row`` for a batch: the event timeline is matched for all answered rows at
    once (``sims``: rows x events; ``areas``: each answer's product area). ``seen``: pattern
    evidence by text, as far as it is known (the chunk's answered texts)."""
    events: list[list[Hypothesis]] = [[] for _ in rows]
    answered = [i for i, r in enumerate(rows) if r.get("answer")]
    if sims.shape[1] and answered:
        facts = [_facts(rows[i], areas[i] or "") for i in answered]
        found = kit.event_index.batch(
            facts, sims[answered], cfg.max_hypotheses, min_score=cfg.abstain_score
        )
        for i, hyps in zip(answered, found, strict=True):
            events[i] = hyps
    # a repeated text's evidence is found once (a batch arrives grouped by answer key)
    seen = {} if seen is None else seen
    return [finalize_row(r, kit, cfg, events[i], seen) for i, r in enumerate(rows)]


def _facts(r: dict[str, Any], product_area: str) -> FragmentFacts:
    return FragmentFacts(
        received_at=_naive_utc(r.get("received_at")), product_area=product_area,
        product_version=r.get("product_version"), tier=r.get("tier"), region=r.get("region"),
        platform=platform_of(r.get("os"), r.get("device")), browser=r.get("browser"),
    )  # fmt: skip


def finalize_row(
    r: dict[str, Any],
    kit: Toolkit,
    cfg: ChainConfig,
    events: list[Hypothesis],
    seen: dict[str, list[Evidence]] | None = None,
) -> dict[str, Any]:
    """One ``silver.insights`` row: the answer's labels, evidence in this fragment's own text,
    the answer's and the timeline's hypotheses (``events``) ranked, abstention and review.
    ``seen``: pattern evidence of texts met before (extraction is pure; lists are not
    modified)."""
    text = r["text"] or ""
    backend = cfg.backend
    base = {
        k: r.get(k)
        for k in ("fragment_id", "feedback_id", "fingerprint", "answer_key", "received_at",
                  "account_id", "duplicate_of", "language")
    }  # fmt: skip
    base.update(backend=backend, model=r.get("model"), prompt_version=cfg.prompt_version)
    evidence = kit.extractor.extract_once(text, seen)
    answer = _answer(r.get("answer"))
    if answer is None:
        error = r.get("error") or "no backend answer for this fragment"
        return {
            **base, **_empty_labels(), "evidence": [e.model_dump() for e in evidence],
            "hypotheses": [], "root_cause_doc": None, "root_cause_score": None,
            "abstained": True, "escalation": ESCALATE, "needs_review": True,
            "review_reasons": [f"backend error: {error}"], "error": error,
        }  # fmt: skip
    cls = answer.classification
    evidence = _merge_evidence(evidence, _relocate(text, answer.evidence))
    hyps = _rank(answer.hypotheses + events, evidence, cfg.max_hypotheses)
    good = [h for h in hyps if h["score"] >= cfg.abstain_score]
    reasons: list[str] = []
    if cls.confidence < cfg.review_confidence:
        reasons.append(f"confidence {cls.confidence:.2f} below {cfg.review_confidence:.2f}")
    if kit.taxonomy.is_sensitive(cls.category, cls.product_area, cls.sub_theme):
        reasons.append(f"sensitive class ({cls.category}/{cls.product_area})")
    top_area = _doc_area(kit, good[0]["doc_ids"][0]) if good else None
    if top_area and top_area != cls.product_area:
        reasons.append(
            f"stages disagree: classified {cls.product_area}, best root cause is {top_area}"
        )
    return {
        **base,
        "category": cls.category, "product_area": cls.product_area,
        "feedback_type": cls.feedback_type, "severity": cls.severity,
        "sub_theme": cls.sub_theme, "confidence": cls.confidence,
        "churn_signal": cls.risk.churn_signal, "competitor": cls.risk.competitor,
        "renewal_concern": cls.risk.renewal_concern, "escalation_risk": cls.risk.escalation_risk,
        "evidence": [e.model_dump() for e in evidence],
        "hypotheses": good,
        "root_cause_doc": good[0]["doc_ids"][0] if good else None,
        "root_cause_score": good[0]["score"] if good else None,
        "abstained": not good, "escalation": None if good else ESCALATE,
        "needs_review": bool(reasons), "review_reasons": reasons, "error": None,
    }  # fmt: skip


def _answer(value: Answer | str | None) -> Answer | None:
    """An answer this chunk received, or a cached one (JSON), validated."""
    if value is None or isinstance(value, Answer):
        return value
    return Answer.model_validate_json(value)


def labels_of(answer: Answer | str | None) -> dict[str, Any]:
    """The answer's product area and sub-theme; a cached answer by a plain JSON read (the
    full, validated parse happens once, in ``finalize_row``; parsing a batch's answers ahead
    keeps thousands of models alive, which costs more in garbage collection than it saves)."""
    if isinstance(answer, Answer):
        c = answer.classification
        return {"product_area": c.product_area, "sub_theme": c.sub_theme}
    return orjson.loads(answer)["classification"] if answer else {}


def _naive_utc(value: datetime | None) -> datetime | None:
    """Arrow hands timestamps over as aware UTC; reference data is naive UTC."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _empty_labels() -> dict[str, Any]:
    return dict.fromkeys(
        ("category", "product_area", "feedback_type", "severity", "sub_theme", "confidence",
         "churn_signal", "competitor", "renewal_concern", "escalation_risk"),
    )  # fmt: skip


def _relocate(text: str, found: list[Evidence]) -> list[Evidence]:
    """Backend evidence was located in the text the backend saw; a duplicate's text may differ,
    so each quote is found again in this fragment's text (and dropped when absent)."""
    out = []
    for e in found:
        if text[e.start : e.end] == e.text:
            out.append(e)
            continue
        m = re.search(re.escape(e.text), text, re.IGNORECASE)
        if m:
            out.append(e.model_copy(update={"start": m.start(), "end": m.end(), "text": m.group()}))
    return out


def _merge_evidence(pattern: list[Evidence], model: list[Evidence]) -> list[Evidence]:
    out = list(pattern)
    for e in model:
        if not any(p.start < e.end and e.start < p.end for p in out):
            out.append(e)
    return sorted(out, key=lambda e: (e.start, e.end))


def _rank(hyps: list[Hypothesis], evidence: list[Evidence], limit: int) -> list[dict[str, Any]]:
    """Best score per document, then the supporting evidence texts attached; as the row's
    hypothesis dicts (``Hypothesis.model_dump`` field for field, without a copy per model)."""
    best: dict[str, Hypothesis] = {}
    for h in hyps:
        key = h.doc_ids[0]
        if key not in best or h.score > best[key].score:
            best[key] = h
    ranked = sorted(best.values(), key=lambda h: (-h.score, h.doc_ids[0]))[:limit]
    support = [e.text for e in evidence][:8]
    return [
        {"rank": i + 1, "doc_ids": list(h.doc_ids), "title": h.title, "score": h.score,
         "evidence": list(h.evidence or support), "reason": h.reason}
        for i, h in enumerate(ranked)
    ]  # fmt: skip


def _doc_area(kit: Toolkit, doc_id: str) -> str | None:
    """The product area of a runbook or event (the first document with the id), from a map
    built once per toolkit."""
    areas: dict[str, str | None] | None = getattr(kit, "_doc_areas", None)
    if areas is None:
        areas = {}
        for d in [*kit.model.docs, *kit.event_index.docs]:
            areas.setdefault(d.doc_id, d.product_area)
        kit._doc_areas = areas  # type: ignore[attr-defined]
    return areas.get(doc_id)
