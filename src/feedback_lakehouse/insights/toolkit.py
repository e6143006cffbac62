"""What a task of the chain builds once from files (the model folder), which is how it reaches
executors on a cluster: its settings, the taxonomy, the offline model, the evidence extractor,
the backend and the event documents. The pass (``chain``) and the finishing rules
(``finish``) both read it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from feedback_lakehouse.config.settings import InsightsSettings
from feedback_lakehouse.insights.events import EventIndex, EventWindows
from feedback_lakehouse.insights.evidence import EvidenceExtractor
from feedback_lakehouse.insights.knowledge import KnowledgeDoc, doc_from_json
from feedback_lakehouse.insights.offline_model import OfflineModel
from feedback_lakehouse.insights.schema import Candidate, Evidence, FragmentContext
from feedback_lakehouse.insights.taxonomy import Taxonomy, load_taxonomy


@dataclass(slots=True)
class ChainConfig:
    """Everything a task needs, shipped to executors as JSON: the ``insights`` settings
    section itself (so the chain has no defaults of its own to drift from the settings') and
    the files this run built."""

    insights: InsightsSettings
    model_dir: str
    taxonomy_path: str
    events_path: str = ""
    processed_at: str = ""

    def to_json(self) -> str:
        return json.dumps(
            {
                "insights": self.insights.model_dump(mode="json"),
                "model_dir": self.model_dir,
                "taxonomy_path": self.taxonomy_path,
                "events_path": self.events_path,
                "processed_at": self.processed_at,
            }
        )

    @staticmethod
    def from_json(text: str) -> ChainConfig:
        data = json.loads(text)
        data["insights"] = InsightsSettings.model_validate(data["insights"])
        return ChainConfig(**data)

    # the settings the finishing rules read for every fragment
    @property
    def backend(self) -> str:
        return self.insights.backend

    @property
    def prompt_version(self) -> str:
        return self.insights.prompt_version

    @property
    def max_hypotheses(self) -> int:
        return self.insights.max_hypotheses

    @property
    def abstain_score(self) -> float:
        return self.insights.abstain_score

    @property
    def review_confidence(self) -> float:
        return self.insights.review_confidence


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
        self.event_index = EventIndex(self.events, EventWindows.of(cfg.insights))
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
        order = np.argsort(-sims, axis=1)[:, : self.cfg.insights.top_k]
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
    from feedback_lakehouse.insights.backends.openai_backend import OpenAIBackend

    return OpenAIBackend(cfg.insights.openai, taxonomy, cfg.prompt_version)
