"""The offline model: linear classifiers over TF-IDF word and character n-grams, one head per
taxonomy field plus one for the sub-theme, trained on the labeled examples; and a FAISS index
over the knowledge base in the same embedding space.

Linear models are fast (thousands of fragments a second on one core), deterministic, and
explain themselves: the n-grams that pushed a fragment into its class are its phrase evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from feedback_lakehouse.insights.embedding import TextEmbedder
from feedback_lakehouse.insights.examples import Example
from feedback_lakehouse.insights.knowledge import KnowledgeDoc

HEADS = ("category", "product_area", "feedback_type", "severity", "sub_theme")
_PLACEHOLDER = re.compile(r"\[[A-Z_]{2,12}\]")


@dataclass(slots=True)
class Prediction:
    labels: dict[str, str]
    probs: dict[str, float]
    phrases: list[str]  # n-grams that support the category and product area


class OfflineModel:
    def __init__(self, dims: int = 256, c: float = 8.0) -> None:
        self.embedder = TextEmbedder(dims=dims)
        self.c = c
        self.heads: dict[str, object] = {}
        self.docs: list[KnowledgeDoc] = []  # the runbooks retrieval ranks
        self.index = None  # faiss.IndexFlatIP over the docs' embeddings
        self.version = ""  # set by training: a hash of what the model learned from
        self.sub_theme_labels: dict[str, dict[str, str]] = {}

    # -- training -------------------------------------------------------------------------
    def fit(self, examples: list[Example], docs: list[KnowledgeDoc]) -> OfflineModel:
        from sklearn.linear_model import LogisticRegression

        texts = [_clean(e.text) for e in examples]
        self.embedder.fit(texts + [_clean(d.text) for d in docs])
        x = self.embedder.sparse(texts)
        for head in HEADS:
            y = [getattr(e, head) for e in examples]
            if len(set(y)) < 2:  # a user taxonomy may fix a field: nothing to learn
                self.heads[head] = y[0]
                continue
            clf = LogisticRegression(C=self.c, max_iter=2000, class_weight="balanced")
            clf.fit(x, y)
            self.heads[head] = clf
        for e in examples:
            self.sub_theme_labels.setdefault(
                e.sub_theme, {"category": e.category, "product_area": e.product_area}
            )
        self.set_docs(docs)
        return self

    def set_docs(self, docs: list[KnowledgeDoc]) -> None:
        import faiss

        self.docs = list(docs)
        vecs = self.embedder.embed([_clean(d.text) for d in self.docs]) if self.docs else None
        self.index = faiss.IndexFlatIP(self.embedder.svd.n_components)  # type: ignore[union-attr]
        if vecs is not None:
            self.index.add(vecs)

    # -- inference ------------------------------------------------------------------------
    def predict(self, texts: list[str]) -> list[Prediction]:
        cleaned = [_clean(t) for t in texts]
        x = self.embedder.sparse(cleaned)
        out = [Prediction({}, {}, []) for _ in texts]
        for head, clf in self.heads.items():
            if isinstance(clf, str):
                for p in out:
                    p.labels[head], p.probs[head] = clf, 1.0
                continue
            proba = clf.predict_proba(x)  # type: ignore[attr-defined]
            best = proba.argmax(axis=1)
            classes = clf.classes_  # type: ignore[attr-defined]
            for i, p in enumerate(out):
                p.labels[head] = str(classes[best[i]])
                p.probs[head] = float(proba[i, best[i]])
        self._phrases(x, out)
        return out

    def _phrases(self, x, out: list[Prediction]) -> None:  # type: ignore[no-untyped-def]
        """Word n-grams with the largest contribution to the predicted category and area."""
        n_words = len(self.embedder.words.vocabulary_)
        names = self.embedder.words.get_feature_names_out()
        for head in ("category", "product_area"):
            clf = self.heads.get(head)
            if clf is None or isinstance(clf, str):
                continue
            coef = clf.coef_  # type: ignore[attr-defined]
            index = {c: i for i, c in enumerate(clf.classes_)}  # type: ignore[attr-defined]
            for i, p in enumerate(out):
                row = x.getrow(i)
                cols = row.indices[row.indices < n_words]
                if not len(cols):
                    continue
                k = index[p.labels[head]]
                w = coef[k if coef.shape[0] > 1 else 0, cols] * row.data[: len(cols)]
                for j in np.argsort(-w)[:3]:
                    if w[j] > 0.05 and names[cols[j]] not in p.phrases:
                        p.phrases.append(str(names[cols[j]]))

    def similarities(self, texts: list[str]) -> np.ndarray:
        """Cosine similarity of each text to every knowledge document (rows x docs)."""
        if not self.docs:
            return np.zeros((len(texts), 0), dtype=np.float32)
        q = self.embedder.embed([_clean(t) for t in texts])
        sims, idx = self.index.search(q, len(self.docs))  # type: ignore[union-attr]
        out = np.zeros((len(texts), len(self.docs)), dtype=np.float32)
        np.put_along_axis(out, idx, sims, axis=1)
        return np.clip(out, 0.0, 1.0)

    # -- persistence ----------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        import faiss
        import joblib

        folder.mkdir(parents=True, exist_ok=True)
        index, self.index = self.index, None
        try:
            joblib.dump(self, folder / "model.joblib", compress=3)
        finally:
            self.index = index
        faiss.write_index(index, str(folder / "knowledge.faiss"))

    @staticmethod
    def load(folder: Path) -> OfflineModel:
        import faiss
        import joblib

        model: OfflineModel = joblib.load(folder / "model.joblib")
        model.index = faiss.read_index(str(folder / "knowledge.faiss"))
        return model


def _clean(text: str) -> str:
    """Placeholders say nothing about the problem; drop them before featurising."""
    return _PLACEHOLDER.sub(" ", text)
