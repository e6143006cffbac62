"""MinHash signatures and the dedup rule, including precision/recall on a generated sample
with a plain in-Python banding join (the pipeline does the same join in Spark)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np
import pytest
from test_fragments import load_sample

from feedback_lakehouse.silver.minhash import (
    DEFAULT_BANDS,
    DEFAULT_ROWS,
    EMPTY,
    accept_pair,
    band_keys,
    band_keys_matrix,
    exact_hash,
    jaccard_estimate,
    normalise_for_dedup,
    signatures,
)

ISSUE = "Single sign-on redirects back with an error instead of logging us in. Any ETA?"


def test_normalise_and_exact_hash() -> None:
    assert normalise_for_dedup("Mail [EMAIL]  now!!  Ｆｕｌｌ") == "mail now full"
    assert exact_hash("Login FAILS.") == exact_hash("login fails")
    assert exact_hash("login fails") != exact_hash("login works")


def test_signatures_deterministic_and_identical_texts_match() -> None:
    a = signatures([ISSUE, ISSUE, "other text entirely"])
    b = signatures([ISSUE])
    assert a.shape == (3, 64) and a.dtype == np.uint32
    assert np.array_equal(a[0], a[1]) and np.array_equal(a[0], b[0])


def test_small_edit_high_and_different_issue_low() -> None:
    sigs = signatures(
        [
            ISSUE,
            "Sorry, sending again: single sign-on redirects back with an eror instead of "
            "logging us in. Any ETA?",
            "The invoice was paid two times and finance wants a refund for the second charge.",
        ]
    )
    assert jaccard_estimate(sigs[0], sigs[1]) >= 0.55
    assert jaccard_estimate(sigs[0], sigs[2]) < 0.2
    assert set(band_keys(sigs[0])) & set(band_keys(sigs[1]))


def test_word_shingles_supported() -> None:
    sigs = signatures([ISSUE, ISSUE + " Thanks."], shingle="word3")
    assert jaccard_estimate(sigs[0], sigs[1]) > 0.6


def test_empty_and_short_texts() -> None:
    sigs = signatures(["", "  !! ", "ok"])
    assert np.all(sigs[0] == EMPTY) and np.all(sigs[1] == EMPTY)
    assert not np.all(sigs[2] == EMPTY)
    assert band_keys(sigs[0]) == []
    assert len(band_keys(sigs[2])) == DEFAULT_BANDS
    assert signatures([]).shape == (0, 64)


def test_band_keys_match_matrix_and_are_stable() -> None:
    sigs = signatures([ISSUE, "another text"])
    keys = band_keys_matrix(sigs, DEFAULT_BANDS, DEFAULT_ROWS)
    assert keys.dtype == np.int64 and keys.shape == (2, DEFAULT_BANDS)
    assert band_keys(sigs[0]) == [int(k) for k in keys[0]]
    assert len(set(band_keys(sigs[0]))) == DEFAULT_BANDS  # bands never collide with each other


def test_accept_pair_rule() -> None:
    assert accept_pair(0.6, "ACC-1", "ACC-1", 30, 30)
    assert not accept_pair(0.9, "ACC-1", "ACC-2", 80, 80)
    assert not accept_pair(0.95, None, None, 20, 20)  # short anonymous texts collide
    assert accept_pair(0.95, None, None, 80, 80)


def test_two_megabyte_text() -> None:
    big = ("Charts are blank in Safari and the export fails. " * 45_000)[:2_000_000]
    sigs = signatures([big, ISSUE])
    assert not np.all(sigs[0] == EMPTY)
    assert np.array_equal(signatures([big])[0], sigs[0])  # batch-independent


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _gt_pairs(rows: list[tuple[str, str, dict[str, Any]]]) -> set[tuple[int, int]]:
    """All pairs inside each duplicate cluster (messages sharing a canonical)."""
    index = {f"{g['source']}:{g['source_record_id']}": n for n, (_, _, g) in enumerate(rows)}
    parent = list(range(len(rows)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for n, (_, _, g) in enumerate(rows):
        if g["duplicate_of"] in index:
            parent[find(n)] = find(index[g["duplicate_of"]])
    clusters = defaultdict(list)
    for n in range(len(rows)):
        clusters[find(n)].append(n)
    return {p for c in clusters.values() for p in itertools.combinations(sorted(c), 2)}


def test_ground_truth_precision_recall(tmp_path_factory: pytest.TempPathFactory) -> None:
    from feedback_lakehouse.synth.generator import generate

    out = tmp_path_factory.mktemp("dedup_sample")
    generate(out, tickets=1500, seed=5)
    rows = load_sample(out)
    texts = [text for _, text, _ in rows]
    sigs = signatures(texts)
    keys = band_keys_matrix(sigs)
    chars = [len(normalise_for_dedup(t)) for t in texts]
    times = [_ts(g["received_at"]) for _, _, g in rows]
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for n in range(len(rows)):
        if chars[n]:
            for b in range(keys.shape[1]):
                buckets[(b, int(keys[n, b]))].append(n)
    candidates = {p for v in buckets.values() for p in itertools.combinations(v, 2)}
    predicted = {
        (a, b)
        for a, b in candidates
        if abs(times[a] - times[b]) <= 14 * 86400
        and accept_pair(
            jaccard_estimate(sigs[a], sigs[b]),
            rows[a][2]["account_id"],
            rows[b][2]["account_id"],
            chars[a],
            chars[b],
        )
    }
    truth = _gt_pairs(rows)
    hits = len(predicted & truth)
    assert len(truth) > 50
    precision, recall = hits / max(len(predicted), 1), hits / len(truth)
    assert precision >= 0.95 and recall >= 0.90, (precision, recall, len(truth))


def test_normalised_input_gives_the_same_signature_and_hash() -> None:
    texts = [ISSUE, "  Export FAILED!!  [EMAIL] again ", ""]
    norm = [normalise_for_dedup(t) for t in texts]
    assert np.array_equal(signatures(norm, normalised=True), signatures(texts))
    assert [exact_hash(n, normalised=True) for n in norm] == [exact_hash(t) for t in texts]
