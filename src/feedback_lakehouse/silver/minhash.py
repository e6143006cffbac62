"""Near-duplicate signatures: normalisation, exact hashes, MinHash and LSH band keys.

Everything is pure and stable across processes (no ``hash()``, fixed seeds), so signatures
computed in different Spark partitions or runs can be joined on their band keys. The hot
path (:func:`signatures`) hashes a whole batch at once with numpy: the normalised texts are
concatenated, every character 5-gram is hashed with a vectorised polynomial, and each of the
``num_perm`` hash functions is a multiply-xorshift followed by a segment-wise minimum.

Character 5-grams beat word 3-grams on the measured data: they keep short messages with an
appended "any update?" or a fixed typo above the threshold, which word trigrams do not.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

from feedback_lakehouse.text.normal import word_string

__all__ = [
    "ANONYMOUS_THRESHOLD",
    "DEFAULT_BANDS",
    "DEFAULT_MIN_CHARS",
    "DEFAULT_NUM_PERM",
    "DEFAULT_ROWS",
    "DEFAULT_THRESHOLD",
    "EMPTY",
    "accept_pair",
    "band_keys",
    "band_keys_matrix",
    "exact_hash",
    "jaccard_estimate",
    "normalise_for_dedup",
    "signatures",
]

DEFAULT_NUM_PERM = 64
DEFAULT_SHINGLE = 5
DEFAULT_BANDS = 21
DEFAULT_ROWS = 3
"""21 bands x 3 rows: a pair at Jaccard 0.55 becomes a candidate with p ~= 0.98."""
DEFAULT_THRESHOLD = 0.55
ANONYMOUS_THRESHOLD = 0.9
DEFAULT_MIN_CHARS = 60
"""Without an account on both sides (app reviews) only long, almost identical texts match:
many different people type the same short complaint ("app crashes")."""

EMPTY = np.uint32(0xFFFFFFFF)
"""Every slot of an empty text's signature; such rows get no band keys."""

_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z_]*\]")
_NON_WORD = re.compile(r"[\W_]+")

_M64 = np.uint64(0x9E3779B97F4A7C15)
_P = np.uint64(1_000_003)


def _perm_params(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed odd multipliers and xor seeds: the same on every machine and run."""
    rng = np.random.Generator(np.random.PCG64(20_261_031))
    mult = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    seed = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return mult, seed


def normalise_for_dedup(text: str) -> str:
    """NFKC, placeholders such as ``[EMAIL]`` removed, lowercase, punctuation dropped and
    whitespace collapsed, so masking and formatting never hide a resubmission."""
    text = text or ""
    if text.isascii():  # its own NFKC form, and a placeholder needs a "["
        return word_string(_PLACEHOLDER.sub(" ", text) if "[" in text else text)
    text = _PLACEHOLDER.sub(" ", unicodedata.normalize("NFKC", text))
    return _NON_WORD.sub(" ", text.lower()).strip()


def exact_hash(text: str, normalised: bool = False) -> str:
    """sha1 hex of :func:`normalise_for_dedup` - the exact-duplicate key (``normalised``:
    ``text`` already is)."""
    norm = text if normalised else normalise_for_dedup(text)
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def _char_shingles(norm: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of all character k-grams of all texts, plus each text's start offset
    into that array (texts shorter than k contribute one shingle: the whole text)."""
    padded = [t if len(t) >= k else t.ljust(k, "\x00") for t in norm]
    joined = "".join(padded)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    lengths = np.fromiter((len(t) for t in padded), dtype=np.int64, count=len(padded))
    n = len(cps) - k + 1
    h = np.zeros(max(n, 0), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            h = h * _P + cps[j : j + n]
    # Keep only k-grams that start and end inside the same text.
    text_start = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    counts = lengths - k + 1
    keep = np.repeat(text_start, counts) + _ranges(counts)
    return h[keep], np.concatenate(([0], np.cumsum(counts)[:-1]))


def _ranges(counts: np.ndarray) -> np.ndarray:
    """0..c-1 for every c in counts, concatenated."""
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - starts


def _word_shingles(norm: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of word k-grams (blake2b per word, combined polynomially)."""
    all_hashes: list[np.ndarray] = []
    offsets = np.zeros(len(norm), dtype=np.int64)
    pos = 0
    for i, t in enumerate(norm):
        words = t.split()
        wh = np.fromiter(
            (int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest()) for w in words),
            dtype=np.uint64,
            count=len(words),
        )
        if len(wh) < k:
            wh = np.concatenate((wh, np.zeros(k - len(wh), dtype=np.uint64)))
        n = len(wh) - k + 1
        h = np.zeros(n, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(k):
                h = h * _P + wh[j : j + n]
        all_hashes.append(h)
        offsets[i] = pos
        pos += n
    return np.concatenate(all_hashes) if all_hashes else np.zeros(0, np.uint64), offsets


def signatures(
    texts: Sequence[str],
    num_perm: int = DEFAULT_NUM_PERM,
    shingle: str = "char5",
    normalised: bool = False,
) -> np.ndarray:
    """MinHash signatures, shape (len(texts), num_perm), dtype uint32.

    ``shingle`` is ``"char<k>"`` (default ``char5``) or ``"word<k>"``. Texts are normalised
    first, unless ``normalised`` says they are; an empty normalised text gets a row of
    :data:`EMPTY`."""
    out = np.full((len(texts), num_perm), EMPTY, dtype=np.uint32)
    norm = list(texts) if normalised else [normalise_for_dedup(t) for t in texts]
    live = [i for i, t in enumerate(norm) if t]
    if not live:
        return out
    k = int(shingle[4:] or DEFAULT_SHINGLE)
    kind = shingle[:4]
    if kind not in ("char", "word"):
        raise ValueError(f"shingle must be char<k> or word<k>, got {shingle!r}")
    build = _char_shingles if kind == "char" else _word_shingles
    hashes, offsets = build([norm[i] for i in live], k)
    # Pre-mix once so the per-permutation step is a cheap xor-multiply-shift.
    with np.errstate(over="ignore"):
        hashes = (hashes ^ (hashes >> np.uint64(31))) * _M64
    mult, seed = _perm_params(num_perm)
    rows = np.asarray(live)
    with np.errstate(over="ignore"):
        for p in range(num_perm):
            h = (hashes ^ seed[p]) * mult[p]
            h >>= np.uint64(32)
            out[rows, p] = np.minimum.reduceat(h, offsets).astype(np.uint32)
    return out


def band_keys_matrix(
    sigs: np.ndarray, bands: int = DEFAULT_BANDS, rows: int = DEFAULT_ROWS
) -> np.ndarray:
    """(n, bands) int64 LSH keys; the band index is mixed in so bands never collide."""
    if bands * rows > sigs.shape[1]:
        raise ValueError(f"bands*rows={bands * rows} exceeds num_perm={sigs.shape[1]}")
    s = sigs.astype(np.uint64)
    keys = np.empty((sigs.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for b in range(bands):
            k = np.full(sigs.shape[0], np.uint64(b + 1) * _M64, dtype=np.uint64)
            for r in range(rows):
                k = (k ^ s[:, b * rows + r]) * _M64
                k ^= k >> np.uint64(29)
            keys[:, b] = k
    return keys.view(np.int64)


def band_keys(
    sig_row: np.ndarray, bands: int = DEFAULT_BANDS, rows: int = DEFAULT_ROWS
) -> list[int]:
    """One int64 key per band for a single signature; [] for an empty text."""
    row = np.asarray(sig_row)
    if bool(np.all(row == EMPTY)):
        return []
    return [int(k) for k in band_keys_matrix(row.reshape(1, -1), bands, rows)[0]]


def jaccard_estimate(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Share of equal MinHash slots - an unbiased estimate of shingle-set Jaccard."""
    a, b = np.asarray(sig_a), np.asarray(sig_b)
    if a.shape != b.shape or a.size == 0:
        raise ValueError("signatures must have the same non-zero length")
    return float(np.count_nonzero(a == b)) / a.size


def accept_pair(
    jaccard: float,
    account_a: str | None,
    account_b: str | None,
    chars_a: int,
    chars_b: int,
    threshold: float = DEFAULT_THRESHOLD,
) -> bool:
    """Verification rule for a candidate pair already inside the time window.

    With an account on both sides the accounts must match (different customers often write
    the same sentence); without one, require ``ANONYMOUS_THRESHOLD`` and ``DEFAULT_MIN_CHARS``
    normalised characters on both texts. ``chars_*`` = ``len(normalise_for_dedup(text))``."""
    if account_a and account_b:
        return account_a == account_b and jaccard >= threshold
    return jaccard >= ANONYMOUS_THRESHOLD and min(chars_a, chars_b) >= DEFAULT_MIN_CHARS
