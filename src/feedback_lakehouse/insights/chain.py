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

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from feedback_lakehouse.insights.finish import finalize_rows, labels_of
from feedback_lakehouse.insights.schema import (
    Answer,
    Evidence,
    Reply,
)
from feedback_lakehouse.insights.toolkit import ChainConfig, Toolkit
from feedback_lakehouse.insights.vectors import encode, own_vectors

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
        # a cached answer whose text has no stored vector (a run killed between landing the
        # two, or a new offline model under the same chat model): embedded and stored now
        lacking = {k: v for k, v in _key_texts(rows, "vector").items() if k not in vectors}
        if lacking:
            keys = list(lacking)
            embedded = kit.model.vectors([lacking[k][0] for k in keys])
            out += [
                {"stage_kind": "vector", "answer_key": k, "stage_payload": encode(embedded[i])}
                for i, k in enumerate(keys)
            ]
            vectors.update({k: embedded[i] for i, k in enumerate(keys)})
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
    """Each key without a cached answer -> (text, language) to ask with."""
    return _key_texts(rows, "answer")


def _key_texts(rows: Rows, missing: str) -> dict[str, tuple[str, str | None]]:
    """Each key whose rows lack ``missing`` (answer, vector) -> its (text, language): the
    smallest text and language among its rows, so neither depends on the rows' order."""
    need: dict[str, tuple[str, str | None]] = {}
    for r in rows:
        if r.get(missing) is not None:
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

    size = ChainConfig.from_json(cfg_json).insights.batch_rows
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
