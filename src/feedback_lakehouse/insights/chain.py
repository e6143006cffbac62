"""The chain inside a Spark task: one pass over Arrow batches of work rows.

The rows arrive sorted by answer key, and a key's rows are never split between chunks, so
each chunk first answers the distinct texts it holds that have no cached answer (the only
place a backend is called: pattern evidence and retrieved runbooks are attached, the backend
classifies, quotes evidence and ranks the runbooks), then finishes every fragment, duplicates
included: it locates evidence in the fragment's own text, adds the releases, flag changes and
incidents close in time and segment, ranks all hypotheses, abstains when nothing is good
enough and decides on human review. The new answers, failures, calls and text vectors come
out beside the finished rows, to be cached and audited.

The backend, the model and the indexes are built once per task from files (the model folder),
which is how they reach executors on a cluster."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from feedback_lakehouse.insights.events import (
    EventIndex,
    EventWindows,
)
from feedback_lakehouse.insights.evidence import EvidenceExtractor
from feedback_lakehouse.insights.finish import finalize_rows, labels_of
from feedback_lakehouse.insights.knowledge import KnowledgeDoc
from feedback_lakehouse.insights.offline_model import OfflineModel
from feedback_lakehouse.insights.schema import (
    Answer,
    Candidate,
    Evidence,
    FragmentContext,
    Reply,
)
from feedback_lakehouse.insights.taxonomy import Taxonomy, load_taxonomy
from feedback_lakehouse.insights.vectors import encode, own_vectors


@dataclass(slots=True)
class ChainConfig:
    """Everything a task needs, as JSON-serialisable values (shipped to executors)."""

    model_dir: str
    taxonomy_path: str
    events_path: str = ""
    backend: str = "offline"
    prompt_version: str = "v1"
    openai: dict[str, Any] = field(default_factory=dict)
    top_k: int = 5
    max_hypotheses: int = 3
    abstain_score: float = 0.35
    review_confidence: float = 0.55
    windows: dict[str, float] = field(default_factory=dict)
    batch_rows: int = 2000
    processed_at: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @staticmethod
    def from_json(text: str) -> ChainConfig:
        return ChainConfig(**json.loads(text))


class Toolkit:
    """What one task builds once: taxonomy, model, extractor, backend, event documents."""

    def __init__(self, cfg: ChainConfig, with_backend: bool = True) -> None:
        self.cfg = cfg
        self.taxonomy: Taxonomy = load_taxonomy(cfg.taxonomy_path)
        self.model = OfflineModel.load(Path(cfg.model_dir))
        self.extractor = EvidenceExtractor(self.taxonomy.features)
        self.backend = _backend(cfg, self.model, self.taxonomy) if with_backend else None
        events_path = Path(cfg.events_path)
        self.events: list[KnowledgeDoc] = []
        self.event_vectors: np.ndarray | None = None
        if cfg.events_path and events_path.is_file():
            import faiss

            self.events = [doc_from_json(d) for d in json.loads(events_path.read_text())]
            if self.events:
                index = faiss.read_index(str(events_path.with_suffix(".faiss")))
                self.event_vectors = index.reconstruct_n(0, index.ntotal)
        self.event_index = EventIndex(self.events, EventWindows(**cfg.windows))
        self._snippets = [d.snippet() for d in self.model.docs]

    def contexts(
        self, keys: list[str], texts: list[str], langs: list[str | None], evidence: bool = True,
        seen: dict[str, list[Evidence]] | None = None,
    ) -> list:  # fmt: skip
        """Pattern evidence (when ``evidence``) and the runbooks retrieval puts forward,
        grounded by the offline model's reading of the text (whatever backend answers).
        ``seen``: evidence by text, read and filled (finishing the fragments needs the same)."""
        sims = self.model.similarities(texts, self.model.predict(texts))
        # each row's top documents at once, as Python ints and floats (one conversion each)
        order = np.argsort(-sims, axis=1)[:, : self.cfg.top_k]
        top_docs = order.tolist()
        top_sims = np.take_along_axis(sims, order, axis=1).tolist()
        docs = self.model.docs
        out = []
        for i, (key, text, lang) in enumerate(zip(keys, texts, langs, strict=True)):
            cands = [
                Candidate(
                    doc_id=docs[j].doc_id,
                    kind="runbook",
                    title=docs[j].title,
                    snippet=self._snippets[j],
                    product_area=docs[j].product_area,
                    similarity=round(sim, 4),
                )
                for j, sim in zip(top_docs[i], top_sims[i], strict=True)
            ]
            out.append(
                FragmentContext(
                    key=key,
                    text=text,
                    language=lang,
                    evidence=self.extractor.extract_once(text, seen) if evidence else [],
                    candidates=cands,
                )
            )
        return out

    def event_similarities(
        self, texts: list[str], sub_themes: list[str | None], own: np.ndarray | None = None
    ) -> np.ndarray:
        if self.event_vectors is None:
            return np.zeros((len(texts), 0), dtype=np.float32)
        return self.model.text_similarities(texts, sub_themes, self.event_vectors, own)


def _backend(cfg: ChainConfig, model: OfflineModel, taxonomy: Taxonomy):  # type: ignore[no-untyped-def]
    if cfg.backend == "offline":
        from feedback_lakehouse.insights.backends.offline import OfflineBackend

        return OfflineBackend(model, taxonomy, cfg.prompt_version, cfg.max_hypotheses)
    from feedback_lakehouse.config.settings import OpenAISettings
    from feedback_lakehouse.insights.backends.openai_backend import OpenAIBackend

    return OpenAIBackend(OpenAISettings(**cfg.openai), taxonomy, cfg.prompt_version)


def doc_from_json(d: dict[str, Any]) -> KnowledgeDoc:
    for key in ("start", "end"):
        if d.get(key):
            d[key] = datetime.fromisoformat(d[key])
    return KnowledgeDoc(**d)


def doc_to_json(d: KnowledgeDoc) -> dict[str, Any]:
    out = asdict(d)
    for key in ("start", "end"):
        if out[key] is not None:
            out[key] = out[key].isoformat()
    return out


# -- the pass: answer each new distinct text once, finish every fragment -------------------
CHAIN_HANDLER = "feedback_lakehouse.insights.chain:chain_handler"
Rows = list[dict[str, Any]]


def chain_handler(cfg_json: str) -> Callable[[Rows], Rows]:
    """Work rows (``answer``/``vector``: the cached answer JSON and embedding, or null) ->
    ``silver.insights`` rows plus stage rows (``stage_kind`` answer | failure | call | vector,
    ``answer_key``, ``stage_payload``, ``error``) for what this chunk asked the backend.

    A chunk must hold all rows of each key it holds (``map_batches(group_by=...)``): a key
    split between chunks would be answered twice."""
    cfg = ChainConfig.from_json(cfg_json)
    kit = Toolkit(cfg)
    backend = kit.backend
    assert backend is not None
    processed_at = datetime.fromisoformat(cfg.processed_at) if cfg.processed_at else None

    def handle(rows: Rows) -> Rows:
        need = _texts_to_answer(rows)
        seen: dict[str, list[Evidence]] = {}  # a text's pattern evidence, found once per chunk
        out: Rows = []
        fresh: dict[str, Answer] = {}
        failed: dict[str, str] = {}
        vectors: dict[str, np.ndarray] = {}
        if need:
            keys = list(need)
            texts, langs = [need[k][0] for k in keys], [need[k][1] for k in keys]
            items = kit.contexts(keys, texts, langs, backend.reads_evidence, seen)
            embedded = kit.model.vectors(texts)  # remembered from retrieval: no second embedding
            reply = backend.analyse(items)
            out += _stage_rows(reply)
            out += [
                {"stage_kind": "vector", "answer_key": k, "stage_payload": encode(embedded[i])}
                for i, k in enumerate(keys)
            ]
            fresh = {a.key: a for a in reply.answers}
            failed = {f.key: f.error for f in reply.failures}
            vectors = {k: embedded[i] for i, k in enumerate(keys)}
        for r in rows:
            key = r["answer_key"]
            if key in fresh:
                r["answer"] = fresh[key]
            elif key in failed:
                r["error"] = failed[key]
            if key in vectors:
                r["vector"] = vectors[key]
        labels = [labels_of(r.get("answer")) for r in rows]
        texts = [r["text"] or "" for r in rows]
        own = own_vectors(kit.model, texts, [r.get("vector") for r in rows])
        sims = kit.event_similarities(texts, [lab.get("sub_theme") for lab in labels], own)
        areas = [lab.get("product_area") for lab in labels]
        done = finalize_rows(rows, kit, cfg, sims, areas, seen)
        for r in done:
            r["processed_at"] = processed_at
        return done + out

    return handle


def _texts_to_answer(rows: Rows) -> dict[str, tuple[str, str | None]]:
    """Each key without a cached answer -> (text, language) to ask with: the smallest text
    and language among its rows, so the question does not depend on the rows' order."""
    need: dict[str, tuple[str, str | None]] = {}
    for r in rows:
        if r.get("answer") is not None:
            continue
        key, text, lang = r["answer_key"], r["text"] or "", r["language"]
        seen = need.get(key)
        if seen is None:
            need[key] = (text, lang)
            continue
        low_lang = seen[1] if lang is None or (seen[1] is not None and seen[1] <= lang) else lang
        need[key] = (min(seen[0], text), low_lang)
    return need


def _stage_rows(reply: Reply) -> Rows:
    out: Rows = [
        {"stage_kind": "answer", "answer_key": a.key, "stage_payload": a.model_dump_json()}
        for a in reply.answers
    ]
    out += [
        {"stage_kind": "failure", "answer_key": f.key, "error": f.error} for f in reply.failures
    ]
    out += [
        {"stage_kind": "call", "answer_key": c.call_id, "stage_payload": c.model_dump_json(),
         "error": c.error}
        for c in reply.calls
    ]  # fmt: skip
    return out


def run_batches(
    batches: Iterator[pa.RecordBatch],
    cfg_json: str,
    handler: str,
    schema: pa.Schema,
    workers: int = 1,
    group_by: str | None = None,
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body (see ``workers.map_batches``)."""
    from feedback_lakehouse.workers import map_batches

    size = ChainConfig.from_json(cfg_json).batch_rows
    return map_batches(batches, handler, cfg_json, schema, size, workers, group_by=group_by)


def insight_arrow_schema(with_stage: bool = False) -> pa.Schema:
    """``silver.insights`` as Arrow; ``with_stage``: plus the stage columns of the pass's
    output (``stage_kind``, ``stage_payload``)."""
    evidence = pa.struct(
        [("kind", pa.string()), ("text", pa.string()), ("start", pa.int32()),
         ("end", pa.int32()), ("source", pa.string())]
    )  # fmt: skip
    hypothesis = pa.struct(
        [("rank", pa.int32()), ("doc_ids", pa.list_(pa.string())), ("title", pa.string()),
         ("score", pa.float64()), ("evidence", pa.list_(pa.string())), ("reason", pa.string())]
    )  # fmt: skip
    s, b, d = pa.string(), pa.bool_(), pa.float64()
    ts = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [("fragment_id", s), ("feedback_id", s), ("fingerprint", s), ("answer_key", s),
         ("received_at", ts), ("account_id", s), ("duplicate_of", s), ("language", s),
         ("category", s), ("product_area", s), ("feedback_type", s), ("severity", s),
         ("sub_theme", s), ("confidence", d), ("churn_signal", b), ("competitor", s),
         ("renewal_concern", b), ("escalation_risk", b), ("evidence", pa.list_(evidence)),
         ("hypotheses", pa.list_(hypothesis)), ("root_cause_doc", s), ("root_cause_score", d),
         ("abstained", b), ("escalation", s), ("needs_review", b),
         ("review_reasons", pa.list_(s)), ("error", s), ("backend", s), ("model", s),
         ("prompt_version", s), ("processed_at", ts)]
        + ([("stage_kind", s), ("stage_payload", s)] if with_stage else [])
    )  # fmt: skip
