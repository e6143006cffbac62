"""Text embeddings computed once per distinct text and reused.

Featurising a text (TF-IDF over word and character n-grams, then the SVD) is most of what the
offline model costs. The insights step embeds every distinct text it answers once, uses the vector
for each of that text's fragments and keeps it in ``silver.text_vectors`` (float32 bytes,
keyed by answer key and model version); later runs and gold's themes read them instead of
featurising each fragment again. A text without a stored vector (an older lakehouse, another
model version) is embedded where it is needed, so a missing vector costs time, never a
result."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from feedback_lakehouse.insights.offline_model import OfflineModel


def encode(vector: np.ndarray) -> str:
    """A vector as text, for the string payload of the staging table (base64 float32)."""
    return base64.b64encode(np.ascontiguousarray(vector, dtype=np.float32).tobytes()).decode()


def own_vectors(
    model: OfflineModel, texts: Sequence[str], stored: Sequence[bytes | np.ndarray | None]
) -> np.ndarray:
    """The texts' embeddings: the known ones (stored bytes, or a vector embedded moments ago)
    where present and of the model's width, the rest embedded now (one batch)."""
    dims = model.embedder.svd.n_components  # type: ignore[union-attr]
    out = np.zeros((len(texts), dims), dtype=np.float32)
    missing = []
    for i, known in enumerate(stored):
        if isinstance(known, np.ndarray) and known.shape == (dims,):
            out[i] = known
        elif isinstance(known, bytes) and len(known) == 4 * dims:
            out[i] = np.frombuffer(known, dtype=np.float32)
        else:
            missing.append(i)
    if missing:
        out[missing] = model.vectors([texts[i] for i in missing])
    return out
