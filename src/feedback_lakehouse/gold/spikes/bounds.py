"""Where a detected spike begins and ends, and how surprising it is: the exact binomial tail
of "more than usual" and the scan statistic that picks a spike's most likely span. Pure
numpy over a ``Series``; used by :mod:`feedback_lakehouse.gold.spikes.detect`."""

from __future__ import annotations

import numpy as np

from feedback_lakehouse.gold.spikes.series import Series


def upper_tail(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X >= k) for X ~ Binomial(n, p): the exact one-sided test of "more than usual"."""
    from scipy.stats import binom  # scipy.stats takes most of a second to import

    return np.asarray(binom.sf(k - 1, n, p), dtype=float)


def trim(
    d: Series, sid: np.ndarray, first: np.ndarray, length: np.ndarray, p: np.ndarray,
    window: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Offsets [lo, hi) of each spike's first and last hour above its hourly expectation
    (the span ``bounds`` then narrows to its most likely excess);
    the start stays inside the first significant window (of length ``window``)."""
    run = np.repeat(np.arange(len(sid)), length)
    begins = np.r_[0, np.cumsum(length)[:-1]]
    off = np.arange(len(run)) - begins[run]
    hour = first[run] + off
    c = d.counts(sid[run], hour, hour + 1)
    t = d.totals(d.seg_of[sid[run]], hour, hour + 1)
    above = c > t * p[run]
    lo = np.minimum.reduceat(np.where(above, off, np.iinfo(np.int64).max), begins)
    hi = np.maximum.reduceat(np.where(above, off, -1), begins) + 1
    lo = np.where(lo < window, lo, 0)
    hi = np.where(hi > lo, hi, length)
    return lo, hi


def bounds(
    d: Series, sid: np.ndarray, first: np.ndarray, lo: np.ndarray, hi: np.ndarray,
    p: np.ndarray, window: np.ndarray, last: np.ndarray, level: np.ndarray, min_count: int,
    min_ratio: float, lookback: int, gap: int = 24,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Each spike's first and last hour: those between which its excess is most likely to
    lie (the bounds that maximise the scan statistic, ``log_likelihood_ratio``).

    Start candidates are the hours with the theme inside the first significant window, and
    before it the hours with the theme none more than ``gap`` hours from the next and at
    most ``lookback`` hours back: a quiet theme reaches ``min_count`` only hours after it
    began. End candidates are the hours with the theme from the last significant window
    (offset ``last``) on. An hour joins only when its excess outweighs the ordinary volume
    it brings: at 1M generated tickets, where a theme has a few reports every hour, the
    first hour merely above its expectation (5 against 4.1) started a release's spike two
    hours before the release. Bounds whose spike would fail the detection rules (count,
    ratio, significance at the first window's ``level``) are not chosen, so what a spike
    reports is what was tested."""
    key = np.sort(d.sid * d.counts.stride + d.hour)
    out_lo, out_hi = lo.copy(), hi.copy()

    def best(row: int, starts: np.ndarray, ends: np.ndarray, q: float, alpha: float) -> int:
        k = d.counts(np.full(len(starts), row), starts, ends)
        n = np.maximum(d.totals(np.full(len(starts), d.seg_of[row]), starts, ends), k)
        p = np.full(len(starts), q)
        score = log_likelihood_ratio(k, n, p)
        ok = (k >= min_count) & (k >= min_ratio * n * p) & (upper_tail(k, n, p) < alpha)
        # the current bounds (listed among the candidates) stand when no other passes
        return int(np.argmax(np.where(ok, score, -np.inf))) if ok.any() else -1

    for i in range(len(sid)):
        row, base = int(sid[i]), int(sid[i]) * d.counts.stride
        start, end = int(first[i] + lo[i]), int(first[i] + hi[i])
        a = np.searchsorted(key, base + max(d.pad, start - lookback), "left")
        b = np.searchsorted(key, base + start, "left")
        hours = key[a:b][::-1] - base  # latest first
        chain = hours[np.cumsum(np.diff(np.r_[start, hours]) < -gap) == 0]
        c = np.searchsorted(key, base + min(int(first[i] + window[i]), end), "left")
        starts = np.unique(np.r_[chain, start, key[b:c] - base])[::-1]  # latest first
        j = best(row, starts, np.full(len(starts), end), p[i], level[i])
        start = int(starts[j]) if j >= 0 else start
        a = np.searchsorted(key, base + max(start, int(first[i] + last[i])), "left")
        b = np.searchsorted(key, base + end, "left")
        ends = np.unique(np.r_[key[a:b] - base + 1, end])[::-1]  # latest first
        j = best(row, np.full(len(ends), start), ends, p[i], level[i])
        end = int(ends[j]) if j >= 0 else end
        out_lo[i], out_hi[i] = start - first[i], end - first[i]
    return out_lo, out_hi


def log_likelihood_ratio(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Kulldorff's binomial scan statistic: log L(share k/n) - log L(share p) for an excess,
    0 otherwise. Unlike the tail probability it does not underflow to a tie between starts
    when the excess is thousands of reports."""
    from scipy.special import xlogy

    q = k / np.maximum(n, 1)
    llr = xlogy(k, q / p) + xlogy(n - k, (1 - q) / (1 - p))
    return np.where(q > p, llr, 0.0)
