"""The ``openai`` backend: any OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI,
Databricks Model Serving, vLLM, Ollama) through the ``openai`` SDK.

Fragments go in batches of ``batch_size``, at most ``concurrency`` calls in flight. The
transport (key, retries with backoff or Retry-After, reading the reply) is
``chat.ChatClient``; every HTTP attempt is counted in the call's ``CallRecord``. A reply is
trusted only after checks: labels in the taxonomy, cited documents among the fragment's
candidates, every key answered once, quotes located verbatim in the text (those that are not
are dropped, not fatal). A rejected reply gets one repair call with the errors appended; a
fragment still unanswered becomes a ``Failure``, never a gap.

The API key comes from the environment variable named in the settings and is scrubbed from
every error, record and log line this module writes."""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from pydantic import ValidationError

from feedback_lakehouse.config.settings import OpenAISettings
from feedback_lakehouse.insights import prompts
from feedback_lakehouse.insights.prompts import WireAnswer, WireReply
from feedback_lakehouse.insights.schema import (
    Answer,
    CallRecord,
    Classification,
    Evidence,
    Failure,
    FragmentContext,
    Hypothesis,
    Reply,
    RiskFlags,
)
from feedback_lakehouse.insights.taxonomy import Taxonomy
from feedback_lakehouse.llm.client import NO_KEY as NO_KEY
from feedback_lakehouse.llm.client import ChatClient, ChatResult
from feedback_lakehouse.llm.delimit import neutralise

log = logging.getLogger(__name__)

SUB_THEME_CHARS = 80  # Classification.sub_theme's limit


@dataclass
class _Checked:
    """A reply checked against its batch: accepted answers and per-key rejections."""

    answers: dict[str, Answer] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _clamp(x: float) -> float:
    return min(1.0, max(0.0, x))


def _short_theme(text: str) -> str:
    return " ".join(text.split()[: prompts.SUB_THEME_WORDS])[:SUB_THEME_CHARS]


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """The span of ``quote`` in ``text``: exact first, then ignoring case; also tried on
    the neutralised text (same length), since that is the text the model saw."""
    quote = quote.strip()
    if not quote:
        return None
    for haystack in dict.fromkeys((text, neutralise(text))):
        start = haystack.find(quote)
        if start >= 0:
            return start, start + len(quote)
    for haystack in dict.fromkeys((text, neutralise(text))):
        m = re.search(re.escape(quote), haystack, re.IGNORECASE)
        if m:
            return m.start(), m.end()
    return None


def _located(quotes: list[str], text: str) -> list[tuple[str, int, int]]:
    """(text, start, end) of each quote found in ``text``; the others are dropped."""
    out = []
    for q in quotes:
        if span := locate(q, text):
            out.append((text[span[0] : span[1]], *span))
    return out


def _evidence(answer: WireAnswer, item: FragmentContext) -> list[Evidence]:
    """Model quotes as spans of the fragment text. A quote the model paraphrased is not
    evidence: it is dropped and logged, and the answer still stands."""
    spans: dict[tuple[int, int, str], Evidence] = {}
    for e in answer.evidence:
        for text, start, end in _located([e.quote], item.text):
            ev = Evidence(kind=e.kind, text=text, start=start, end=end, source="model")
            spans.setdefault((start, end, e.kind), ev)
    found = sum(1 for e in answer.evidence if locate(e.quote, item.text))
    if found < len(answer.evidence):
        dropped = len(answer.evidence) - found
        log.info("fragment %s: dropped %d model quote(s) not in its text", item.key, dropped)
    return list(spans.values())


def _hypotheses(answer: WireAnswer, item: FragmentContext) -> list[Hypothesis]:
    """Ranked 1..n in the model's order, scores clamped to 0..1, titled from the cited
    documents (the model is not asked for titles it could get wrong)."""
    titles = {c.doc_id: c.title for c in item.candidates}
    out = []
    for rank, h in enumerate(answer.hypotheses, 1):
        doc_ids = list(dict.fromkeys(h.doc_ids))
        quotes = [text for text, _, _ in _located(h.evidence_quotes, item.text)]
        out.append(
            Hypothesis(
                rank=rank,
                doc_ids=doc_ids,
                title=" / ".join(titles[d] for d in doc_ids),
                score=_clamp(h.score),
                evidence=list(dict.fromkeys(quotes)),
                reason=h.reason,
            )
        )
    return out


def _convert(answer: WireAnswer, item: FragmentContext) -> Answer:
    """A checked wire answer as the chain's ``Answer``."""
    risk = answer.risk
    classification = Classification(
        category=answer.category,
        product_area=answer.product_area,
        feedback_type=answer.feedback_type,
        severity=answer.severity,
        sub_theme=_short_theme(answer.sub_theme),
        confidence=_clamp(answer.confidence),
        risk=RiskFlags(
            churn_signal=risk.churn_signal,
            competitor=(risk.competitor or "").strip() or None,
            renewal_concern=risk.renewal_concern,
            escalation_risk=risk.escalation_risk,
        ),
    )
    return Answer(
        key=item.key,
        classification=classification,
        evidence=_evidence(answer, item),
        hypotheses=_hypotheses(answer, item),
        abstain_reason=(answer.abstain_reason or "").strip() or None,
    )


class OpenAIBackend:
    """The chain's backend for OpenAI-compatible endpoints (see the module docstring)."""

    name = "openai"
    reads_evidence = True

    def __init__(
        self,
        settings: OpenAISettings,
        taxonomy: Taxonomy,
        prompt_version: str,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._chat = ChatClient(settings, environ, purpose="insights.openai")
        self.model = settings.model
        self.prompt_version = prompt_version
        self._settings = settings
        self._taxonomy = taxonomy
        self._format = prompts.response_format(taxonomy)

    def __repr__(self) -> str:
        return (
            f"OpenAIBackend(model={self.model!r}, base_url={self._settings.base_url!r}, "
            f"api_key_env={self._settings.api_key_env!r}, prompt_version={self.prompt_version!r})"
        )

    def analyse(self, items: list[FragmentContext]) -> Reply:
        """Answer every item once (duplicate keys are answered once): each key ends in
        ``answers`` or ``failures``, with one ``CallRecord`` per call made."""
        unique = list({item.key: item for item in reversed(items)}.values())[::-1]
        size = self._settings.batch_size
        batches = [unique[i : i + size] for i in range(0, len(unique), size)]
        if not batches:
            return Reply()
        workers = min(self._settings.concurrency, len(batches))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="openai") as pool:
            parts = list(pool.map(self._batch, batches))
        return Reply(
            answers=[a for p in parts for a in p.answers],
            failures=[f for p in parts for f in p.failures],
            calls=[c for p in parts for c in p.calls],
        )

    def _batch(self, batch: list[FragmentContext]) -> Reply:
        """One call for the batch, one repair call for the fragments it got wrong, and a
        ``Failure`` for each fragment still unanswered."""
        record, call, checked = self._call(batch)
        calls = [record]
        if checked.errors and call.content is not None:
            retry = [item for item in batch if item.key in checked.errors]
            record, call, rechecked = self._call(retry, checked.errors)
            calls.append(record)
            checked.answers.update(rechecked.answers)
            checked.errors = (
                {
                    k: f"needs review: model output rejected twice: {e}"
                    for k, e in rechecked.errors.items()
                }
                if call.content is not None
                else rechecked.errors
            )
        failures = [Failure(key=k, error=self._scrub(e)) for k, e in checked.errors.items()]
        return Reply(answers=list(checked.answers.values()), failures=failures, calls=calls)

    def _call(
        self, batch: list[FragmentContext], errors: dict[str, str] | None = None
    ) -> tuple[CallRecord, ChatResult, _Checked]:
        """One logical call and its check. Status: ``failed`` when no answer was accepted,
        ``retried`` for a repair call or one that needed several attempts, else ``ok``;
        ``error`` lists what was rejected even when the rest was accepted."""
        messages = prompts.messages(self._taxonomy, batch, errors)
        started = time.time_ns()
        call = self._chat.post(messages, self._format)
        ended = time.time_ns()
        if call.content is None:
            error = f"openai call failed after {call.attempts} attempt(s): {call.error}"
            checked = _Checked(errors={item.key: error for item in batch})
        else:
            checked = self._check(batch, call.content, call.error)
        if not checked.answers:
            status = "failed"
        elif errors is not None or call.attempts > 1:
            status = "retried"
        else:
            status = "ok"
        rejected = "; ".join(f"{k}: {e}" for k, e in checked.errors.items())
        keys = [item.key for item in batch]
        record = self._chat.record(keys, self.prompt_version, messages, call, (started, ended),
                                   status, rejected)  # fmt: skip
        return record, call, checked

    def _check(self, batch: list[FragmentContext], content: str, note: str | None) -> _Checked:
        """Parse the reply and check it against the batch, per key; ``note`` says why a
        reply may be unusable (refusal, cut off)."""
        try:
            reply = WireReply.model_validate_json(content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "reply"
            error = (
                f"reply is not valid JSON for the schema ({exc.error_count()} error(s); "
                f"first at {where}: {first['msg']})"
            )
            error = f"{note}; {error}" if note else error
            return _Checked(errors={item.key: error for item in batch})
        by_key = {item.key: item for item in batch}
        counts = Counter(a.key for a in reply.answers)
        checked = _Checked()
        for answer in reply.answers:
            item = by_key.get(answer.key)
            if item is None or counts[answer.key] > 1 or answer.key in checked.errors:
                continue
            problem = self._problem(answer, item)
            if problem:
                checked.errors[answer.key] = problem
                continue
            try:
                checked.answers[answer.key] = _convert(answer, item)
            except ValidationError as exc:
                checked.errors[answer.key] = f"answer is invalid: {exc.errors()[0]['msg']}"
        for key in by_key:
            if counts[key] == 0:
                checked.errors[key] = "no answer for this key"
            elif counts[key] > 1:
                checked.errors[key] = f"answered {counts[key]} times, expected once"
        if extra := sorted(set(counts) - set(by_key)):
            log.info("openai reply answered keys that were not asked: %s", ", ".join(extra))
        return checked

    def _problem(self, answer: WireAnswer, item: FragmentContext) -> str | None:
        """The first reason to reject an answer: a label outside the taxonomy or a cited
        document that was not among the fragment's candidates."""
        for field_name in ("category", "product_area", "feedback_type", "severity"):
            if msg := self._taxonomy.check(field_name, getattr(answer, field_name)):
                return msg
        known = {c.doc_id for c in item.candidates}
        for n, h in enumerate(answer.hypotheses, 1):
            if not h.doc_ids:
                return f"hypothesis {n} cites no document"
            if unknown := [d for d in h.doc_ids if d not in known]:
                allowed = ", ".join(sorted(known)) or "none"
                return (
                    f"hypothesis {n} cites unknown doc_id(s) {', '.join(map(repr, unknown))} "
                    f"(this fragment's candidates: {allowed})"
                )
        return None

    def _scrub(self, text: str) -> str:
        return self._chat.scrub(text)
