"""The chain's data shapes, shared by every backend. A backend answers with ``Answer``; the
chain turns answers into ``silver.insights`` rows. Pydantic validates what a model returns, so
an answer that does not fit is an error with a message, never a half-filled row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_lakehouse.llm.calls import CallRecord

EvidenceKind = Literal[
    "phrase", "error_code", "error_message", "version", "device", "os", "browser", "feature"
]  # fmt: skip


class _Model(BaseModel):
    """Mutable defaults are factories: a plain ``[]`` default is deep-copied for every
    object, and the chain builds millions of them (a tenth of finishing the fragments went to
    ``copy.deepcopy``)."""

    model_config = ConfigDict(extra="forbid")


class RiskFlags(_Model):
    churn_signal: bool = False
    competitor: str | None = None  # the competitor's name when one is mentioned
    renewal_concern: bool = False
    escalation_risk: bool = False


class Classification(_Model):
    """Stage 1: the fragment placed in the taxonomy (labels are checked against it later)."""

    category: str
    product_area: str
    feedback_type: str
    severity: str
    sub_theme: str = Field(max_length=80)
    confidence: float = Field(ge=0.0, le=1.0)
    risk: RiskFlags = Field(default_factory=RiskFlags)


class Evidence(_Model):
    """Stage 2: one piece of evidence, located in the redacted text by character span."""

    kind: EvidenceKind
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    source: Literal["pattern", "model"] = "pattern"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A document the retrieval or the event timeline put forward for stage 3. Built by the
    chain itself, never parsed from outside: a plain dataclass, since the answer pass builds
    several per text and validation would be a tenth of its cost."""

    doc_id: str
    kind: Literal["runbook", "release", "incident", "flag"]
    title: str
    snippet: str
    similarity: float  # retrieval cosine similarity, 0..1
    product_area: str | None = None
    event_boost: float = 0.0  # >0 when the document is an event close in time and segment
    event_reason: str | None = None


class Hypothesis(_Model):
    """Stage 3: one ranked root-cause hypothesis with the documents it cites."""

    rank: int = Field(ge=1)
    doc_ids: list[str] = Field(min_length=1)
    title: str
    score: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list)  # evidence texts that support it
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FragmentContext:
    """Everything a backend may see of one fragment: redacted text only. Built by the chain
    (see ``Candidate``)."""

    key: str  # the cache key's fingerprint part
    text: str
    language: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


class Answer(_Model):
    """A backend's answer for one fragment."""

    key: str
    classification: Classification
    evidence: list[Evidence] = Field(
        default_factory=list
    )  # backend evidence (model quotes located in the text)
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    abstain_reason: str | None = None


class Failure(_Model):
    """A fragment the backend could not answer; it is kept and marked for review."""

    key: str
    error: str


class Reply(_Model):
    answers: list[Answer] = Field(default_factory=list)
    failures: list[Failure] = Field(default_factory=list)
    calls: list[CallRecord] = Field(default_factory=list)
