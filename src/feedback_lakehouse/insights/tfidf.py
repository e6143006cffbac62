"""A fitted ``TfidfVectorizer``'s ``transform``, the same matrix in a fraction of the time.

scikit-learn counts features one n-gram at a time in Python: for the embedder's character
n-grams that is some 300 dictionary look-ups per fragment, most of them misses that raise and
catch ``KeyError``, and it was half of the insights answer pass. Here a word's character
n-grams are looked up once per process (words repeat: a batch of 2,000 fragments holds a few
thousand distinct ones) and a batch's counts are made in one ``numpy.unique``. The counts go
through the vectorizer's own TF-IDF weighting and normalisation, so the result is the same
matrix, bit for bit (unit-tested against ``vectorizer.transform``); a configuration this
module does not reproduce is handed to scikit-learn unchanged."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

MAX_CACHED_WORDS = 400_000
"""Distinct words whose n-gram ids a process keeps (~100 MB at most); then it starts over."""

_Ids = dict[str, tuple[int, ...]]
_word_ids: weakref.WeakKeyDictionary[Any, _Ids] = weakref.WeakKeyDictionary()


def fast_path(vec: Any) -> bool:
    """Whether ``transform`` reproduces this vectorizer itself (else scikit-learn does)."""
    return (
        vec.analyzer in ("word", "char_wb") and vec.input == "content"
        and vec.tokenizer is None and vec.preprocessor is None and vec.stop_words is None
        and not vec.binary and hasattr(vec, "_tfidf")
    )  # fmt: skip


def transform(vec: Any, texts: Sequence[str]) -> Any:
    """``vec.transform(texts)`` for a fitted ``TfidfVectorizer``."""
    if not fast_path(vec):
        return vec.transform(texts)
    if vec.analyzer == "char_wb":
        cols, lengths = _char_wb_ids(vec, texts)
    else:
        cols, lengths = _word_ids_of(vec, texts)
    counts = _count_matrix(cols, lengths, len(texts), len(vec.vocabulary_), vec.dtype)
    return vec._tfidf.transform(counts, copy=False)


def _word_ids_of(vec: Any, texts: Sequence[str]) -> tuple[list[int], list[int]]:
    """Word n-gram ids: scikit-learn's own analyzer, then one look-up per n-gram."""
    analyze: Callable[[str], list[str]] = vec.build_analyzer()
    get = vec.vocabulary_.get
    cols: list[int] = []
    lengths: list[int] = []
    for doc in texts:
        ids = [i for i in map(get, analyze(doc)) if i is not None]
        cols.extend(ids)
        lengths.append(len(ids))
    return cols, lengths


def _char_wb_ids(vec: Any, texts: Sequence[str]) -> tuple[list[int], list[int]]:
    """Character n-gram ids inside word boundaries, as ``_char_wb_ngrams`` makes them: each
    whitespace-separated word, padded with one space each side, gives its n-grams (a word
    shorter than n gives itself once). The n-grams of a document are those of its words, so
    each word's ids are computed once and remembered."""
    cache = _word_ids.get(vec)
    if cache is None or len(cache) > MAX_CACHED_WORDS:
        cache = _word_ids[vec] = {}
    preprocess, decode = vec.build_preprocessor(), vec.decode
    vocab = vec.vocabulary_
    lo, hi = vec.ngram_range
    cols: list[int] = []
    lengths: list[int] = []
    for doc in texts:
        before = len(cols)
        for word in preprocess(decode(doc)).split():
            ids = cache.get(word)
            if ids is None:
                ids = cache[word] = _padded_ids(word, vocab, lo, hi)
            cols.extend(ids)
        lengths.append(len(cols) - before)
    return cols, lengths


def _padded_ids(word: str, vocab: dict[str, int], lo: int, hi: int) -> tuple[int, ...]:
    w = f" {word} "
    size = len(w)
    out = []
    for n in range(lo, hi + 1):
        for start in range(max(1, size - n + 1)):
            i = vocab.get(w[start : start + n])
            if i is not None:
                out.append(i)
        if size <= n:  # a short word is counted once, as itself
            break
    return tuple(out)


def _count_matrix(
    cols: list[int], lengths: list[int], rows: int, width: int, dtype: Any
) -> Any:  # fmt: skip
    """Rows x vocabulary counts, indices sorted within each row as ``_count_vocab`` leaves
    them."""
    from sklearn.utils import _align_api_if_sparse

    row = np.repeat(np.arange(rows, dtype=np.int64), np.asarray(lengths, dtype=np.int64))
    keys, counts = np.unique(row * width + np.asarray(cols, dtype=np.int64), return_counts=True)
    indptr = np.zeros(rows + 1, dtype=np.int32)
    np.cumsum(np.bincount(keys // width, minlength=rows), out=indptr[1:])
    x = sp.csr_array(
        (counts.astype(np.intc), (keys % width).astype(np.int32), indptr),
        shape=(rows, width),
        dtype=dtype,
    )
    x.has_sorted_indices = True
    return _align_api_if_sparse(x)
