"""The per-message work of silver, run on executors in Arrow batches (``mapInArrow``).

Extract the customer's words -> clean -> detect language -> redact PII -> split into
fragments -> hash and sign for deduplication. Only redacted text leaves this function."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from feedback_lakehouse.silver.clean import clean_text
from feedback_lakehouse.silver.extract import customer_text, subject_title
from feedback_lakehouse.silver.fragments import Fragment, fingerprint, split_fragments
from feedback_lakehouse.silver.language import detect_languages
from feedback_lakehouse.silver.minhash import exact_hash, normalise_for_dedup, signatures
from feedback_lakehouse.silver.pii import redact_many

INPUT_COLUMNS = ["source", "source_record_id", "payload", "payload_hash"]

WORK_SCHEMA = """feedback_id STRING, source STRING, source_record_id STRING,
payload_hash STRING, text_redacted STRING, text_chars INT, cleaning STRING, language STRING,
language_confidence DOUBLE, pii_count INT, pii_types STRING, exact_hash STRING,
minhash ARRAY<BIGINT>, fragments ARRAY<STRUCT<ordinal: INT, text: STRING, fingerprint: STRING,
char_start: INT, char_end: INT, split_cue: STRING>>, error STRING"""


@dataclass(frozen=True)
class TransformConfig:
    adapters: dict[str, str]
    """source -> bronze adapter name (``export`` for bring-your-own exports)."""
    export_bodies: dict[str, list[str]] = field(default_factory=dict)
    export_subjects: dict[str, str] = field(default_factory=dict)
    """source -> the export's subject column, which joins the text as its title line."""
    aliases: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ("en",)
    num_perm: int = 64

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: str) -> TransformConfig:
        data = json.loads(raw)
        data["languages"] = tuple(data["languages"])
        return cls(**data)


def message_text(row: dict[str, Any], cfg: TransformConfig) -> tuple[str, str, bool]:
    """The customer's cleaned words of one bronze row, the cleaning done and whether a title
    line (the export's subject) opens them. Raises on a record that cannot be read."""
    obj = orjson.loads(row["payload"])
    adapter = cfg.adapters.get(row["source"], "export")
    cleaned = clean_text(customer_text(adapter, obj, cfg.export_bodies.get(row["source"])),
                         cfg.aliases)  # fmt: skip
    column = cfg.export_subjects.get(row["source"])
    title = subject_title(obj.get(column), cleaned.text) if column else ""
    text = f"{title}\n{cleaned.text}" if title else cleaned.text
    return text, ",".join(cleaned.removed), bool(title)


def transform_rows(rows: list[dict[str, Any]], cfg: TransformConfig) -> list[dict[str, Any]]:
    """One output row per input row, always: a record that cannot be read gets ``error``."""
    texts: list[str] = []
    cleaning: list[str] = []
    errors: list[str | None] = []
    titled: list[bool] = []
    for row in rows:
        try:
            text, removed, title = message_text(row, cfg)
            error = None
        except Exception as exc:  # quarantined by the step, never dropped
            text, removed, title = "", "", False
            error = f"{type(exc).__name__}: {exc}"[:500]
        texts.append(text)
        cleaning.append(removed)
        titled.append(title)
        errors.append(error)
    languages = detect_languages(texts, cfg.languages)
    redactions = redact_many(texts, [lang for lang, _ in languages])
    redacted = [r.text for r in redactions]
    normalised = [normalise_for_dedup(t) for t in redacted]
    # Python ints in one conversion (a per-value int() was a twentieth of the text work)
    sigs = signatures(normalised, num_perm=cfg.num_perm, normalised=True).tolist()
    out = []
    for i, row in enumerate(rows):
        text = redacted[i]
        frags = message_fragments(text, languages[i][0], titled[i])
        types = sorted({s.type for s in redactions[i].spans})
        out.append(
            {
                "feedback_id": f"{row['source']}:{row['source_record_id']}",
                "source": row["source"],
                "source_record_id": row["source_record_id"],
                "payload_hash": row["payload_hash"],
                "text_redacted": text,
                "text_chars": len(text),
                "cleaning": cleaning[i],
                "language": languages[i][0],
                "language_confidence": languages[i][1],
                "pii_count": len(redactions[i].spans),
                "pii_types": ",".join(types),
                "exact_hash": exact_hash(normalised[i], normalised=True) if normalised[i] else None,
                "minhash": sigs[i] if normalised[i] else None,
                "fragments": [
                    {
                        "ordinal": k,
                        "text": f.text,
                        "fingerprint": fingerprint(f.text),
                        "char_start": f.start,
                        "char_end": f.end,
                        "split_cue": f.cue,
                    }
                    for k, f in enumerate(frags)
                ],
                "error": errors[i],
            }
        )
    return out


def message_fragments(text: str, language: str, titled: bool) -> list[Fragment]:
    """Fragments of a message; a title line (the subject) is not a topic of its own: it
    opens the first fragment of the body."""
    if not text:
        return []
    if not titled or "\n" not in text:
        return split_fragments(text, language)
    cut = text.index("\n") + 1
    body = split_fragments(text[cut:], language)
    if not body:
        return [Fragment(text[: cut - 1], 0, cut - 1, "start")]
    first = body[0]
    moved = [Fragment(text[: cut + first.end], 0, cut + first.end, first.cue)]
    return moved + [Fragment(f.text, f.start + cut, f.end + cut, f.cue) for f in body[1:]]


HANDLER = "feedback_lakehouse.silver.transform:rows_handler"


def rows_handler(cfg_json: str) -> Callable[[list[dict[str, Any]]], list[dict[str, Any]]]:
    """The worker-process entry point (see ``feedback_lakehouse.workers``)."""
    cfg = TransformConfig.from_json(cfg_json)
    return lambda rows: transform_rows(rows, cfg)


def _arrow_schema() -> Any:
    import pyarrow as pa

    fragment = pa.struct(
        [("ordinal", pa.int32()), ("text", pa.string()), ("fingerprint", pa.string()),
         ("char_start", pa.int32()), ("char_end", pa.int32()), ("split_cue", pa.string())]
    )  # fmt: skip
    return pa.schema(
        [("feedback_id", pa.string()), ("source", pa.string()), ("source_record_id", pa.string()),
         ("payload_hash", pa.string()), ("text_redacted", pa.string()), ("text_chars", pa.int32()),
         ("cleaning", pa.string()), ("language", pa.string()),
         ("language_confidence", pa.float64()), ("pii_count", pa.int32()),
         ("pii_types", pa.string()), ("exact_hash", pa.string()),
         ("minhash", pa.list_(pa.int64())), ("fragments", pa.list_(fragment)),
         ("error", pa.string())]
    )  # fmt: skip


def transform_batches(
    batches: Iterator[Any], cfg_json: str, rows_per_batch: int, workers: int = 1
) -> Iterator[Any]:
    """``mapInArrow`` body: bounded output batches whatever the input batch size.

    With ``workers`` > 1 the chunks go to that many worker processes (see ``workers``), in
    order. That is for the embedded engine; on a cluster each executor already has its own
    Python workers and ``workers`` stays 1."""
    from feedback_lakehouse.workers import map_batches

    inputs = (b.select(INPUT_COLUMNS) for b in batches)
    return map_batches(inputs, HANDLER, cfg_json, _arrow_schema(), rows_per_batch, workers)
