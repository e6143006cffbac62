"""Hourly theme counts as arrays: one sorted key per (series, hour) and running totals, so
any range sum over hours is two binary searches, vectorised over many queries. Series are
theme x segment value; hours count from the first bucket, shifted by ``pad`` so baselines
before it stay non-negative. Used by :mod:`feedback_lakehouse.gold.spikes.detect`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Bucket:
    """One hour of one theme in one segment value; ``total`` counts every fragment of that
    segment value in that hour (all themes), so ``count / total`` is the theme's share."""

    theme_id: str
    segment_kind: str
    segment_value: str
    hour: datetime
    count: int
    total: int


class RangeSum:
    """Sums over hour ranges of many sparse (row, hour) series at once: one sorted key array and
    a running total, so a range sum is two binary searches, vectorised over queries."""

    def __init__(self, row: np.ndarray, hour: np.ndarray, value: np.ndarray, stride: int) -> None:
        key = row * stride + hour
        order = np.argsort(key, kind="stable")
        self.key, self.stride = key[order], stride
        self.cum = np.concatenate(([0], np.cumsum(value[order], dtype=np.int64)))

    def __call__(self, row: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Sum over hours [lo, hi) of each row; hours outside the row's stride hold nothing."""
        base, top = row * self.stride, self.stride - 1
        a = np.searchsorted(self.key, base + np.clip(lo, 0, top), "left")
        b = np.searchsorted(self.key, base + np.clip(hi, 0, top), "left")
        return self.cum[b] - self.cum[a]


@dataclass(slots=True)
class Series:
    """The buckets as arrays: series (theme x segment value) and segment ids, hours counted
    from the first bucket and shifted by ``pad`` so baselines before it stay non-negative."""

    keys: list[tuple[str, str, str]]
    seg_of: np.ndarray  # series -> segment id
    all_of: np.ndarray  # series -> the theme's "all" series, -1 when there is none
    counts: RangeSum
    totals: RangeSum
    origin: int  # hour index (since the epoch) of hour 0
    hours: int  # hours covered by the buckets
    pad: int
    sid: np.ndarray  # per bucket with count > 0
    hour: np.ndarray


def hour_of(at: datetime) -> int:
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return int((at - _EPOCH).total_seconds() // 3600)


def collect_series(buckets: Iterable[Bucket], pad: int) -> Series | None:
    """The buckets as a ``Series`` (series and segments numbered in order of appearance)."""
    series: dict[tuple[str, str, str], int] = {}
    segments: dict[tuple[str, str], int] = {}
    hours: dict[datetime, int] = {}
    sid, gid, hr, cnt, tot = [], [], [], [], []
    seg_of: list[int] = []
    for b in buckets:
        key = (b.theme_id, b.segment_kind, b.segment_value)
        s = series.get(key)
        if s is None:
            s = series[key] = len(series)
            g = segments.setdefault((b.segment_kind, b.segment_value), len(segments))
            seg_of.append(g)
        h = hours.get(b.hour)
        if h is None:
            h = hours[b.hour] = hour_of(b.hour)
        sid.append(s)
        gid.append(seg_of[s])
        hr.append(h)
        cnt.append(b.count)
        tot.append(b.total)
    if not sid:
        return None
    return _series(
        list(series), np.array(seg_of, np.int64), np.array(sid, np.int64),
        np.array(gid, np.int64), np.array(hr, np.int64), np.array(cnt, np.int64),
        np.array(tot, np.int64), pad,
    )  # fmt: skip


def series_from_columns(
    theme: Any, kind: Any, value: Any, hour: Any, count: Any, total: Any, pad: int
) -> Series | None:
    """``collect_series`` for buckets given as columns (Arrow arrays or sequences: theme, segment
    kind and value as strings, ``hour`` as timestamps, naive or UTC), numbered the same way,
    without a Python object per bucket: at 1M fragments a spike pass has millions of buckets."""
    import pandas as pd

    n = len(theme)
    if not n:
        return None
    t_code, t_names = _codes(theme)
    k_code, k_names = _codes(kind)
    v_code, v_names = _codes(value)
    nk, nv = len(k_names), len(v_names)
    seg_key = k_code * nv + v_code
    series_key = t_code * (nk * nv) + seg_key
    sid, first_rows = pd.factorize(series_key)
    first = np.zeros(len(first_rows), np.int64)  # the first row of each series
    first[sid[::-1]] = np.arange(n - 1, -1, -1)
    gid, _ = pd.factorize(seg_key)
    keys = [(t_names[t_code[r]], k_names[k_code[r]], v_names[v_code[r]]) for r in first.tolist()]
    return _series(
        keys, gid[first].astype(np.int64), sid.astype(np.int64), gid.astype(np.int64),
        _hour_index(hour), np.asarray(count, np.int64), np.asarray(total, np.int64), pad,
    )  # fmt: skip


def _codes(values: Any) -> tuple[np.ndarray, list[str]]:
    """Each value's code in order of first appearance, and the values: Arrow's dictionary
    encoding, so millions of strings never become Python objects."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr)
    return np.asarray(encoded.indices, dtype=np.int64), encoded.dictionary.to_pylist()


def _hour_index(hour: Any) -> np.ndarray:
    """Hours since the epoch of timestamps as ``hour_of`` counts them (naive = UTC)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = hour if isinstance(hour, pa.Array | pa.ChunkedArray) else pa.array(hour)
    if not pa.types.is_timestamp(arr.type):
        raise TypeError(f"hour must be timestamps, got {arr.type}")
    micros = pc.cast(pc.cast(arr, pa.timestamp("us", tz=arr.type.tz)), pa.int64())
    return np.asarray(micros, dtype=np.int64) // 3_600_000_000


def _series(
    keys: list[tuple[str, str, str]], seg_of: np.ndarray, s_a: np.ndarray, g_a: np.ndarray,
    h_a: np.ndarray, c_a: np.ndarray, t_a: np.ndarray, pad: int,
) -> Series:  # fmt: skip
    origin = int(h_a.min())
    span = int(h_a.max()) - origin + 1
    h_a = h_a - origin + pad
    stride = span + pad + 1
    # Every bucket of a segment-hour carries the same total; keep one (the largest, should a
    # caller's rows disagree) so the segment's totals are not counted once per theme.
    seg_key = g_a * stride + h_a
    order = np.lexsort((t_a, seg_key))
    last = np.r_[seg_key[order][1:] != seg_key[order][:-1], True]
    pick = order[last]
    all_series = {k[0]: i for i, k in enumerate(keys) if k[1] == "all"}
    pos = c_a > 0
    return Series(
        keys=keys,
        seg_of=seg_of,
        all_of=np.array([all_series.get(k[0], -1) for k in keys], np.int64),
        counts=RangeSum(s_a, h_a, c_a, stride),
        totals=RangeSum(g_a[pick], h_a[pick], t_a[pick], stride),
        origin=origin,
        hours=span,
        pad=pad,
        sid=s_a[pos],
        hour=h_a[pos],
    )


class Coverage:
    """Which hours of which series lie in a significant window already: a dense
    (series x hour) counter, small (series are themes x segment values, hours about 3,000)."""

    def __init__(self, series: int, stride: int) -> None:
        self.stride = stride
        self.hits = np.zeros(series * stride, np.int32)

    def add(self, sid: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> None:
        edges = np.zeros(len(self.hits) + 1, np.int32)
        np.add.at(edges, sid * self.stride + lo, 1)
        np.add.at(edges, sid * self.stride + np.minimum(hi, self.stride), -1)
        self.hits += np.cumsum(edges[:-1], dtype=np.int32) > 0

    def overlaps(self, sid: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        if not len(sid):
            return np.zeros(0, bool)
        cum = np.concatenate(([0], np.cumsum(self.hits > 0, dtype=np.int64)))
        base = sid * self.stride
        return cum[base + np.minimum(hi, self.stride)] - cum[base + lo] > 0


def hour_at(d: Series, hour: int) -> datetime:
    return _EPOCH + timedelta(hours=d.origin + hour - d.pad)
