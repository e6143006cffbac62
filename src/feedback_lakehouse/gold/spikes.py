"""Theme spikes: a theme's share of feedback in a segment jumps above its recent baseline, and
the release, flag change or incident that most plausibly set it off.

Pure logic over small aggregates (hourly counts per theme x segment), so it is unit-tested
without Spark; the gold step aggregates and calls :func:`detect_spikes` then
:func:`link_events`. Times are naive UTC throughout."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy.stats import binom

from feedback_lakehouse.insights.events import platform_of
from feedback_lakehouse.insights.knowledge import KnowledgeDoc

SEGMENT_KINDS = (
    "all",
    "product_area",
    "product_version",
    "platform",
    "browser",
    "os",
    "region",
    "tier",
)
_EPOCH = datetime(1970, 1, 1)
_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    window_hours: int = 6
    step_hours: int = 1
    baseline_days: int = 14
    min_count: int = 5
    alpha: float = 0.001
    """Significance of the one-sided binomial test, per window (no multiple-test correction:
    ``min_count`` and ``min_ratio`` keep the many windows from turning noise into spikes)."""
    min_ratio: float = 2.0
    """Window share / baseline share."""
    prior_weight: float = 10.0
    """Pseudo-fragments of the theme's overall ("all") share mixed into a segment's baseline,
    so a segment with little history (a version released today) borrows the theme's usual
    share instead of looking infinitely surprising."""
    link_min_minutes: float = 0.0
    link_max_hours: float = 6.0
    """A release or flag change links when it happened this long at most before the spike."""
    incident_before_hours: float = 1.0
    incident_after_hours: float = 6.0


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


@dataclass(frozen=True, slots=True)
class Spike:
    theme_id: str
    segment_kind: str
    segment_value: str
    start: datetime
    end: datetime  # exclusive: the hour after the last elevated hour
    count: int
    total: int
    expected: float  # total x baseline_share
    share: float
    baseline_share: float
    ratio: float
    p_value: float
    specificity: float | None = None
    """ratio / ratio of the overlapping spike of the same theme in segment "all": > 1 means
    the segment concentrates the problem. 1.0 for "all" spikes, None when no "all" spike."""
    linked_event_id: str | None = None
    linked_kind: str | None = None  # release | flag | incident
    link_match: str | None = None  # segment (the event targets the spike's segment) | broad
    link_reason: str | None = None
    lag_minutes: float | None = None  # spike start - event start

    @property
    def segment(self) -> str:
        """``all`` or ``kind=value``, as evidence text names it."""
        if self.segment_kind == "all":
            return "all"
        return f"{self.segment_kind}={self.segment_value}"


# ---------------------------------------------------------------------------------------------
# Detection


class _RangeSum:
    """Sums over hour ranges of many sparse (row, hour) series at once: one sorted key array and
    a running total, so a range sum is two binary searches, vectorised over queries."""

    def __init__(self, row: np.ndarray, hour: np.ndarray, value: np.ndarray, stride: int) -> None:
        key = row * stride + hour
        order = np.argsort(key, kind="stable")
        self.key, self.stride = key[order], stride
        self.cum = np.concatenate(([0], np.cumsum(value[order], dtype=np.int64)))

    def __call__(self, row: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        """Sum over hours [lo, hi) of each row (lo, hi within the row's stride)."""
        base = row * self.stride
        a = np.searchsorted(self.key, base + lo, "left")
        b = np.searchsorted(self.key, base + hi, "left")
        return self.cum[b] - self.cum[a]


@dataclass(slots=True)
class _Series:
    """The buckets as arrays: series (theme x segment value) and segment ids, hours counted
    from the first bucket and shifted by ``pad`` so baselines before it stay non-negative."""

    keys: list[tuple[str, str, str]]
    seg_of: np.ndarray  # series -> segment id
    all_of: np.ndarray  # series -> the theme's "all" series, -1 when there is none
    counts: _RangeSum
    totals: _RangeSum
    origin: int  # hour index (since the epoch) of hour 0
    hours: int  # hours covered by the buckets
    pad: int
    sid: np.ndarray  # per bucket with count > 0
    hour: np.ndarray


def _hour_of(at: datetime) -> int:
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return int((at - _EPOCH).total_seconds() // 3600)


def _collect(buckets: Iterable[Bucket], pad: int, reach: int) -> _Series | None:
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
            h = hours[b.hour] = _hour_of(b.hour)
        sid.append(s)
        gid.append(seg_of[s])
        hr.append(h)
        cnt.append(b.count)
        tot.append(b.total)
    if not sid:
        return None
    s_a, g_a = np.array(sid, np.int64), np.array(gid, np.int64)
    h_a, c_a, t_a = np.array(hr, np.int64), np.array(cnt, np.int64), np.array(tot, np.int64)
    origin = int(h_a.min())
    span = int(h_a.max()) - origin + 1
    h_a = h_a - origin + pad
    stride = span + pad + reach + 1
    # Every bucket of a segment-hour carries the same total; keep one (the largest, should a
    # caller's rows disagree) so the segment's totals are not counted once per theme.
    seg_key = g_a * stride + h_a
    order = np.lexsort((t_a, seg_key))
    last = np.r_[seg_key[order][1:] != seg_key[order][:-1], True]
    pick = order[last]
    all_series = {k[0]: i for k, i in series.items() if k[1] == "all"}
    keys = list(series)
    pos = c_a > 0
    return _Series(
        keys=keys,
        seg_of=np.array(seg_of, np.int64),
        all_of=np.array([all_series.get(k[0], -1) for k in keys], np.int64),
        counts=_RangeSum(s_a, h_a, c_a, stride),
        totals=_RangeSum(g_a[pick], h_a[pick], t_a[pick], stride),
        origin=origin,
        hours=span,
        pad=pad,
        sid=s_a[pos],
        hour=h_a[pos],
    )


def _candidates(d: _Series, window: int, step: int) -> tuple[np.ndarray, np.ndarray]:
    """(series, window start) of every window that holds at least one of the theme's
    fragments: the only ones that can reach ``min_count``. Starts lie on the step grid."""
    rel = d.hour - d.pad
    first = rel - rel % step
    sids, starts = [], []
    for j in range(-(-window // step)):
        s = first - j * step
        ok = (s > rel - window) & (s >= 0)
        sids.append(d.sid[ok])
        starts.append(s[ok])
    stride = d.hours + 1
    key = np.unique(np.concatenate(sids) * stride + np.concatenate(starts))
    return key // stride, key % stride + d.pad


def _baseline_share(
    d: _Series, sid: np.ndarray, start: np.ndarray, back: int, prior_weight: float
) -> np.ndarray:
    """Share of the theme in the ``back`` hours before each window, with a prior: 0.5 of a
    fragment in "all" (never zero), the theme's "all" share in a segment."""
    lo = start - back
    bc = d.counts(sid, lo, start)
    bt = d.totals(d.seg_of[sid], lo, start)
    share = (bc + 0.5) / (bt + 1.0)
    all_sid = d.all_of[sid]
    borrow = (all_sid >= 0) & (all_sid != sid)
    if borrow.any():
        a = all_sid[borrow]
        ac = d.counts(a, lo[borrow], start[borrow])
        at = d.totals(d.seg_of[a], lo[borrow], start[borrow])
        prior = (ac + 0.5) / (at + 1.0)
        share[borrow] = (bc[borrow] + prior_weight * prior) / (bt[borrow] + prior_weight)
    return share


def detect_spikes(buckets: Iterable[Bucket], settings: SpikeSettings | None = None) -> list[Spike]:
    """Spikes of every theme x segment series, sorted by (start, theme, segment).

    Windows of ``window_hours`` slide by ``step_hours``. A window is significant when its count
    k >= ``min_count``, its share is >= ``min_ratio`` x the baseline share p (the previous
    ``baseline_days``, window excluded), and the one-sided exact binomial upper tail
    P(X >= k | X ~ Binomial(window total, p)) < ``alpha``. Overlapping or adjacent significant
    windows merge into one spike, measured against the baseline before its first window and
    trimmed to the first and last hour whose count exceeds that hour's expectation, so the
    start is when the theme rose, not when the window happened to begin.

    Hours without a bucket count zero for the theme; a segment's hourly total is read from any
    bucket of that segment and hour, so zero-count rows need not be sent."""
    cfg = settings or SpikeSettings()
    window, step = max(1, cfg.window_hours), max(1, cfg.step_hours)
    back = int(cfg.baseline_days * 24)
    d = _collect(buckets, pad=back, reach=window)
    if d is None:
        return []
    sid, start = _candidates(d, window, step)
    end = np.minimum(start + window, d.pad + d.hours)
    k = d.counts(sid, start, end)
    n = np.maximum(d.totals(d.seg_of[sid], start, end), k)
    p = _baseline_share(d, sid, start, back, cfg.prior_weight)
    keep = (k >= cfg.min_count) & (k >= cfg.min_ratio * n * p)
    sid, start, k, n, p = sid[keep], start[keep], k[keep], n[keep], p[keep]
    sig = binom.sf(k - 1, n, p) < cfg.alpha
    spikes = _merge(d, sid[sig], start[sig], p[sig], window)
    spikes = _with_specificity(spikes)
    spikes.sort(key=lambda s: (s.start, s.theme_id, s.segment_kind, s.segment_value))
    return spikes


def _merge(
    d: _Series, sid: np.ndarray, start: np.ndarray, share: np.ndarray, window: int
) -> list[Spike]:
    """One spike per run of overlapping or adjacent significant windows of a series."""
    out: list[Spike] = []
    order = np.lexsort((start, sid))
    run: tuple[int, int, int, float] | None = None  # series, first start, end, baseline share
    for i in order:
        s, t = int(sid[i]), int(start[i])
        if run is not None and run[0] == s and t <= run[2]:
            run = (s, run[1], t + window, run[3])
            continue
        if run is not None:
            out.append(_spike(d, *run, window))
        run = (s, t, t + window, float(share[i]))
    if run is not None:
        out.append(_spike(d, *run, window))
    return out


def _spike(d: _Series, sid: int, first: int, end: int, p: float, window: int) -> Spike:
    end = min(end, d.pad + d.hours)
    hours = np.arange(first, end + 1)
    rows = np.full(len(hours), sid)
    cum_c = d.counts(rows, np.full(len(hours), first), hours)
    cum_t = d.totals(np.full(len(hours), d.seg_of[sid]), np.full(len(hours), first), hours)
    c, t = np.diff(cum_c), np.diff(cum_t)
    above = np.flatnonzero(c > t * p)
    lo = int(above[0]) if len(above) and above[0] < window else 0
    hi = int(above[-1]) + 1 if len(above) else len(c)
    k, n = int(c[lo:hi].sum()), int(max(t[lo:hi].sum(), c[lo:hi].sum()))
    theme, kind, value = d.keys[sid]
    share = k / n if n else 0.0
    return Spike(
        theme_id=theme,
        segment_kind=kind,
        segment_value=value,
        start=_at(d, first + lo),
        end=_at(d, first + hi),
        count=k,
        total=n,
        expected=n * p,
        share=share,
        baseline_share=p,
        ratio=share / p,
        p_value=float(binom.sf(k - 1, n, p)),
    )


def _at(d: _Series, hour: int) -> datetime:
    return _EPOCH + timedelta(hours=d.origin + hour - d.pad)


def _with_specificity(spikes: list[Spike]) -> list[Spike]:
    """Segment spikes against the overlapping "all" spike of their theme (largest overlap)."""
    overall: dict[str, list[Spike]] = {}
    for s in spikes:
        if s.segment_kind == "all":
            overall.setdefault(s.theme_id, []).append(s)
    out = []
    for s in spikes:
        if s.segment_kind == "all":
            out.append(replace(s, specificity=1.0))
            continue
        best, best_overlap = None, timedelta(0)
        for a in overall.get(s.theme_id, []):
            overlap = min(s.end, a.end) - max(s.start, a.start)
            if overlap > best_overlap:
                best, best_overlap = a, overlap
        out.append(replace(s, specificity=s.ratio / best.ratio) if best else s)
    return out


# ---------------------------------------------------------------------------------------------
# Linking


def _facets(doc: KnowledgeDoc) -> dict[str, str]:
    """The segment an event targets; a release without a platform is the web app's."""
    facets = {k.lower(): v.lower() for k, v in doc.segment.items() if v}
    if doc.kind == "release":
        facets.setdefault("platform", "web")
    return facets


def _segment_match(spike: Spike, doc: KnowledgeDoc) -> str | None:
    """``segment`` when the event targets the spike's segment, ``broad`` when it may still reach
    it (the spike is segment-wide, or the event does not restrict that dimension), None when
    the event targets another value of the spike's dimension (an android release cannot
    explain an iOS spike)."""
    if spike.segment_kind in ("all", "product_area") or doc.kind == "incident":
        return "broad"
    facets = _facets(doc)
    kind, value = spike.segment_kind, spike.segment_value.lower()
    if kind == "os" and "platform" in facets and doc.kind == "release":
        platform = platform_of(value, None)
        if platform is None:
            return None if facets["platform"] != "web" else "broad"
        return "segment" if platform == facets["platform"] else None
    if kind not in facets:
        return "broad"
    return "segment" if facets[kind] == value else None


def _describe(doc: KnowledgeDoc) -> str:
    if doc.kind == "release":
        seg = doc.segment
        where = seg.get("platform") or seg.get("component") or "web"
        return f"release {seg.get('product_version') or doc.doc_id} ({where})"
    if doc.kind == "flag":
        seg = ", ".join(f"{k}={v}" for k, v in sorted(doc.segment.items()))
        return f"flag change {doc.doc_id}" + (f" ({seg})" if seg else "")
    return f"incident {doc.doc_id}"


def _hours(delta: timedelta) -> str:
    return f"{abs(delta.total_seconds()) / 3600:.1f} h"


def _candidate(
    spike: Spike, doc: KnowledgeDoc, cfg: SpikeSettings
) -> tuple[int, float, str, str] | None:
    """(priority, lag in minutes, match, reason) when ``doc`` can have set off ``spike``.

    The spike's start is the beginning of an hourly bucket, so an event inside that first
    hour counts (its lag is then negative, down to -60 min)."""
    if doc.start is None or doc.kind not in ("release", "flag", "incident"):
        return None
    match = _segment_match(spike, doc)
    if match is None:
        return None
    lag = spike.start - doc.start
    if doc.kind == "incident":
        ends = doc.end or doc.start
        lo = doc.start - timedelta(hours=cfg.incident_before_hours)
        if not (lo - _HOUR < spike.start <= ends + timedelta(hours=cfg.incident_after_hours)):
            return None
        if spike.start + _HOUR <= doc.start:
            when = f"started {_hours(lag)} before {_describe(doc)}"
        elif spike.start <= ends:
            when = f"started during {_describe(doc)}"
        else:
            when = f"started {_hours(spike.start - ends)} after {_describe(doc)} ended"
    else:
        latest = spike.start + _HOUR - timedelta(minutes=cfg.link_min_minutes)
        if not (spike.start - timedelta(hours=cfg.link_max_hours) <= doc.start <= latest):
            return None
        when = (
            f"started {_hours(lag)} after {_describe(doc)}"
            if lag >= timedelta(0)
            else f"started within the hour of {_describe(doc)}"
        )
    reason = f"{when} in segment {spike.segment}" + (
        "" if match == "segment" else " (event not specific to this segment)"
    )
    return (0 if match == "segment" else 1), round(lag.total_seconds() / 60, 1), match, reason


def link_events(
    spikes: Iterable[Spike], events: Iterable[KnowledgeDoc], settings: SpikeSettings | None = None
) -> list[Spike]:
    """Each spike with the event that most plausibly set it off, or unchanged when none fits.

    A release or flag change qualifies when it happened between ``link_max_hours`` and
    ``link_min_minutes`` before the spike's start; an incident when the spike starts between
    ``incident_before_hours`` before it and ``incident_after_hours`` after it ended. An event
    targeting the spike's own segment wins over one that merely may reach it; then the smaller
    lag; then the id. A release stands once however many note lines it has."""
    cfg = settings or SpikeSettings()
    docs: dict[str, KnowledgeDoc] = {}
    for doc in events:
        if doc.kind in ("release", "flag", "incident") and doc.start is not None:
            docs.setdefault(doc.doc_id, doc)
    ordered = sorted(docs.values(), key=lambda d: d.doc_id)
    out = []
    for spike in spikes:
        best: tuple[tuple[int, float, str], KnowledgeDoc, tuple[int, float, str, str]] | None
        best = None
        for doc in ordered:
            c = _candidate(spike, doc, cfg)
            if c is not None and (best is None or (c[0], abs(c[1]), doc.doc_id) < best[0]):
                best = ((c[0], abs(c[1]), doc.doc_id), doc, c)
        if best is None:
            out.append(spike)
            continue
        _, doc, (_, lag, match, reason) = best
        out.append(
            replace(
                spike,
                linked_event_id=doc.doc_id,
                linked_kind=doc.kind,
                link_match=match,
                link_reason=reason,
                lag_minutes=lag,
            )
        )
    return out
