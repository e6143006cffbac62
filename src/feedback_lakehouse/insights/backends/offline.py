"""The embedded default backend: no network, a real trained model (see ``offline_model``).

Stage 1 is the linear classifiers; stage 2 adds the n-grams that drove the decision as phrase
evidence; stage 3 ranks the retrieved runbooks by similarity, raised when the runbook's product
area agrees with the classification. One call answers a whole batch."""

from __future__ import annotations

import re
import time
import uuid
from functools import lru_cache

from feedback_lakehouse.insights.offline_model import OfflineModel
from feedback_lakehouse.insights.schema import (
    Answer,
    CallRecord,
    Classification,
    Evidence,
    FragmentContext,
    Hypothesis,
    Reply,
    RiskFlags,
)
from feedback_lakehouse.insights.taxonomy import Taxonomy
from feedback_lakehouse.text.caseless import fold, folded_pattern


def _cue_pattern(cues: list[str]) -> re.Pattern[str] | None:
    """Any of ``cues`` on word boundaries, matched on ``fold``-ed text (see ``caseless``)."""
    if not cues:
        return None
    body = "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True))
    return folded_pattern(rf"(?<!\w)(?:{body})(?!\w)")


class RiskDetector:
    """Churn, renewal, escalation and competitor cues from the taxonomy, on word boundaries."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        r = taxonomy.risk
        self.churn = _cue_pattern(r.churn)
        self.renewal = _cue_pattern(r.renewal)
        self.escalation = _cue_pattern(r.escalation)
        self.competitors = _cue_pattern(r.competitors)
        self.names = {c.lower(): c for c in r.competitors}

    def detect(self, text: str) -> RiskFlags:
        low = fold(text)
        comp = self.competitors.search(low) if self.competitors else None
        name = text[comp.start() : comp.end()] if comp else None
        return RiskFlags(
            churn_signal=bool(self.churn and self.churn.search(low)),
            competitor=self.names.get(name.lower(), name) if name else None,
            renewal_concern=bool(self.renewal and self.renewal.search(low)),
            escalation_risk=bool(self.escalation and self.escalation.search(low)),
        )


SIMILARITY_FLOOR = 0.25
"""Grounded similarity at which a runbook starts to count (score 0)..."""
SIMILARITY_SPAN = 0.3
"""...and how far above the floor it must be to count fully (score 1). Measured on a held-out
seed: runbooks that explain a sub-theme sit at 0.5-0.75, unrelated ones under 0.4."""
AREA_MISMATCH = 0.3


def rank_runbooks(
    item: FragmentContext, area: str, max_hypotheses: int, min_score: float
) -> list[Hypothesis]:
    """Score = grounded retrieval similarity rescaled to 0..1 between the floor and floor +
    span, lowered when the runbook belongs to another product area; hypotheses under
    ``min_score`` are not worth a reader's time."""
    scored = []
    for c in item.candidates:
        if c.kind != "runbook":
            continue
        score = min(1.0, max(0.0, (c.similarity - SIMILARITY_FLOOR) / SIMILARITY_SPAN))
        if c.product_area is not None and c.product_area != area:
            score = max(0.0, score - AREA_MISMATCH)
        if score >= min_score:
            scored.append((score, c))
    scored.sort(key=lambda sc: (-sc[0], sc[1].doc_id))
    return [
        Hypothesis(
            rank=i + 1,
            doc_ids=[c.doc_id],
            title=c.title,
            score=round(s, 4),
            reason=f"grounded retrieval similarity {c.similarity:.2f}"
            + (f"; same product area ({area})" if c.product_area == area else ""),
        )
        for i, (s, c) in enumerate(scored[:max_hypotheses])
    ]


class OfflineBackend:
    name = "offline"
    reads_evidence = False

    def __init__(
        self,
        model: OfflineModel,
        taxonomy: Taxonomy,
        prompt_version: str,
        max_hypotheses: int = 3,
        min_score: float = 0.2,
    ) -> None:
        self.model_obj = model
        self.model = model.version
        self.prompt_version = prompt_version
        self.risk = RiskDetector(taxonomy)
        self.max_hypotheses = max_hypotheses
        self.min_score = min_score

    def analyse(self, items: list[FragmentContext]) -> Reply:
        started = time.time_ns()
        preds = self.model_obj.predict([it.text for it in items]) if items else []
        answers = []
        for item, p in zip(items, preds, strict=True):
            conf = min(p.probs["category"], p.probs["product_area"])
            cls = Classification(
                category=p.labels["category"],
                product_area=p.labels["product_area"],
                feedback_type=p.labels["feedback_type"],
                severity=p.labels["severity"],
                sub_theme=p.labels["sub_theme"],
                confidence=round(conf, 4),
                risk=self.risk.detect(item.text),
            )
            answers.append(
                Answer(
                    key=item.key,
                    classification=cls,
                    evidence=_locate(item.text, p.phrases),
                    hypotheses=rank_runbooks(
                        item, cls.product_area, self.max_hypotheses, self.min_score
                    ),
                )
            )
        call = CallRecord(
            call_id=uuid.uuid4().hex, backend=self.name, model=self.model,
            prompt_version=self.prompt_version, keys=[it.key for it in items],
            started_ns=started, ended_ns=time.time_ns(), status="ok",
            request=f"{len(items)} fragments", response=f"{len(answers)} answers",
        )  # fmt: skip
        return Reply(answers=answers, calls=[call] if items else [])


@lru_cache(maxsize=65536)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase's words, in order, separated by anything that is not a word character (the
    phrases are the model's vocabulary: a bounded set, compiled once each)."""
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\W+".join(words) + r"(?!\w)", re.IGNORECASE)


def _locate(text: str, phrases: list[str]) -> list[Evidence]:
    """Find each phrase (word n-gram, lower-cased by the vectorizer) in the original text."""
    out = []
    for ph in phrases:
        m = _phrase_pattern(ph).search(text)
        if m:
            out.append(
                Evidence(
                    kind="phrase", text=m.group(), start=m.start(), end=m.end(), source="model"
                )
            )
    return out
