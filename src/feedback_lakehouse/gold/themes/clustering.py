"""Theme vectors, assignment to existing themes, and birth of new themes — pure numpy and
scikit-learn, unit-tested without Spark.

A fragment's theme vector is its text embedding blended with the centroid of its predicted
sub-theme's examples (the same grounding retrieval uses), so fragments that say one thing in
many ways sit close together. Membership is sticky: a fragment keeps its theme across runs, a
theme's centroid moves as a running mean, and only fragments no theme is close enough to are
clustered into new themes — that is what keeps theme ids stable over months."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from feedback_lakehouse.config.settings import GoldSettings


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    """The ``gold`` settings the clustering reads (their meaning and defaults: ``GoldSettings``)."""

    join_similarity: float
    min_cluster_size: int
    merge_similarity: float
    sample: int

    @staticmethod
    def of(g: GoldSettings | None = None, **changes: float) -> ClusterSettings:
        """From the gold settings (defaults when none), with ``changes`` for a test."""
        g = (g or GoldSettings()).model_copy(update=changes)
        return ClusterSettings(g.join_similarity, g.min_cluster_size, g.merge_similarity,
                               g.cluster_sample)  # fmt: skip


def normalise(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.maximum(n, 1e-9)


def assign(
    vectors: np.ndarray, centroids: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the nearest centroid per row (-1 when none reaches ``threshold``) and the
    similarity to it."""
    if len(centroids) == 0 or len(vectors) == 0:
        return np.full(len(vectors), -1), np.zeros(len(vectors), dtype=np.float32)
    sims = vectors @ centroids.T
    best = sims.argmax(axis=1)
    top = sims[np.arange(len(vectors)), best]
    return np.where(top >= threshold, best, -1), top.astype(np.float32)


def new_clusters(vectors: np.ndarray, settings: ClusterSettings) -> list[np.ndarray]:
    """Row indices of each new cluster found among unassigned vectors (HDBSCAN, which needs no
    cluster count and leaves noise unassigned rather than forcing it into a theme)."""
    if len(vectors) < settings.min_cluster_size:
        return []
    from sklearn.cluster import HDBSCAN

    labels = HDBSCAN(
        min_cluster_size=settings.min_cluster_size, metric="euclidean", copy=True
    ).fit_predict(vectors)  # unit vectors: euclidean distance is monotone in cosine
    return [np.flatnonzero(labels == k) for k in sorted(set(labels) - {-1})]


def merges(centroids: np.ndarray, sizes: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """(absorbed, survivor) pairs of themes whose centroids are at least ``threshold``
    similar; the bigger theme survives, each theme is absorbed at most once."""
    if len(centroids) < 2:
        return []
    sims = centroids @ centroids.T
    np.fill_diagonal(sims, -1.0)
    out: list[tuple[int, int]] = []
    gone: set[int] = set()
    for i, j in sorted(zip(*np.nonzero(np.triu(sims >= threshold)), strict=True),
                       key=lambda p: -sims[p[0], p[1]]):  # fmt: skip
        if i in gone or j in gone:
            continue
        absorbed, survivor = (i, j) if sizes[i] < sizes[j] else (j, i)
        out.append((int(absorbed), int(survivor)))
        gone.add(absorbed)
    return out


def running_mean(centroid: np.ndarray, count: int, added_sum: np.ndarray, added: int) -> np.ndarray:
    """The centroid after ``added`` vectors summing to ``added_sum`` join a theme of
    ``count`` members (renormalised)."""
    if added == 0:
        return centroid
    return normalise((centroid * count + added_sum) / (count + added))


@dataclass(frozen=True, slots=True)
class Split:
    keep: np.ndarray
    """Centroid of the larger part: it keeps the theme's id."""
    split_off: np.ndarray
    """Centroid of the part that becomes a new theme."""
    similarity: float
    """Between the two centroids."""
    sizes: tuple[int, int]
    """Sample rows in each part."""


def split(
    vectors: np.ndarray, min_size: int, max_similarity: float, min_share: float = 0.1
) -> Split | None:
    """Whether one theme's member sample holds two issues: clustered on its own with the rule
    that births themes (HDBSCAN), its two largest clusters each hold at least ``min_size`` and
    ``min_share`` of the sample, and their centroids are less similar than ``max_similarity``
    (kept below the merge threshold, so the two parts are never merged straight back)."""
    size = max(min_size, int(np.ceil(min_share * len(vectors))))
    if len(vectors) < 2 * size:
        return None
    from sklearn.cluster import HDBSCAN

    labels = HDBSCAN(min_cluster_size=size, metric="euclidean", copy=True).fit_predict(vectors)
    found = sorted((np.flatnonzero(labels == k) for k in set(labels) - {-1}), key=len,
                   reverse=True)  # fmt: skip
    if len(found) < 2 or len(found[1]) < size:
        return None
    a, b = (normalise(vectors[rows].mean(axis=0)) for rows in found[:2])
    sim = float(a @ b)
    if sim >= max_similarity:
        return None
    return Split(a, b, sim, (len(found[0]), len(found[1])))
