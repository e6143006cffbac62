"""The fast TF-IDF transform gives scikit-learn's matrix exactly, hostile text included."""

from __future__ import annotations

import random

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from feedback_lakehouse.insights.embedding import TextEmbedder
from feedback_lakehouse.insights.tfidf import MAX_CACHED_WORDS, fast_path, transform

WORDS = [
    "login", "sso", "okta", "invoice", "charged", "twice", "chart", "blank", "dashboard",
    "sync", "export", "csv", "ok", "a", "go",  # short words: fewer n-grams than sizes
]  # fmt: skip
ODD = [
    "", "   ", "a", "ab", "I", "x\t\ty\n\nz", "ÉCOLE Straße naïve café",
    "東京 の ダッシュボード が 真っ白", "😀😀 emoji only 🎉", "x" * 3000, "[EMAIL] wrote: err_500",
    "İstanbul DİKKAT", "tab\tseparated\u00a0nbsp\u2009thin", "don't can't won't o'clock",
    b"login sso chart blank dashboard",  # bytes are decoded first, as scikit-learn does
]  # fmt: skip


def corpus(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 25))) for _ in range(n)]


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    return TextEmbedder(dims=8).fit(corpus(300, 1) + ODD[:6])


@pytest.mark.parametrize("which", ["words", "chars"])
def test_same_matrix_as_scikit_learn(embedder: TextEmbedder, which: str) -> None:
    vec = getattr(embedder, which)
    assert fast_path(vec)
    texts = corpus(400, 2) + ODD
    for _ in range(2):  # the second time from the per-word cache
        want, got = vec.transform(texts), transform(vec, texts)
        assert want.shape == got.shape
        assert (want.indptr == got.indptr).all() and (want.indices == got.indices).all()
        assert (want.data == got.data).all(), "not the same numbers, bit for bit"


def test_a_full_word_cache_starts_over(embedder: TextEmbedder, monkeypatch) -> None:
    monkeypatch.setattr("feedback_lakehouse.insights.tfidf.MAX_CACHED_WORDS", 3)
    texts = corpus(50, 3)
    assert (transform(embedder.chars, texts) != embedder.chars.transform(texts)).nnz == 0
    assert MAX_CACHED_WORDS > 3


def test_other_configurations_go_to_scikit_learn() -> None:
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3)).fit(corpus(50, 4))
    assert not fast_path(vec)
    texts = corpus(20, 5)
    assert (transform(vec, texts) != vec.transform(texts)).nnz == 0
    stop = TfidfVectorizer(stop_words=["the"]).fit(corpus(50, 4))
    assert not fast_path(stop)
