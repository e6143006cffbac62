"""Text embeddings computed once per distinct text and reused.

Featurising a text (TF-IDF over word and character n-grams, then the SVD) is most of what the
offline model costs. The insights step's first pass embeds every distinct text it answers and
keeps the vectors in ``silver.text_vectors`` (float32 bytes, keyed by answer key and model
version); its second pass and gold's themes read them instead of featurising each fragment
again. A text without a stored vector (an older lakehouse, another model version) is embedded
where it is needed, so a missing vector costs time, never a result."""

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
    model: OfflineModel, texts: Sequence[str], stored: Sequence[bytes | None]
) -> np.ndarray:
    """The texts' embeddings: the stored ones where present and of the model's width, the rest
    embedded now (one batch)."""
    dims = model.embedder.svd.n_components  # type: ignore[union-attr]
    out = np.zeros((len(texts), dims), dtype=np.float32)
    missing = []
    for i, blob in enumerate(stored):
        if blob is not None and len(blob) == 4 * dims:
            out[i] = np.frombuffer(blob, dtype=np.float32)
        else:
            missing.append(i)
    if missing:
        out[missing] = model.vectors([texts[i] for i in missing])
    return out
