"""Theme spikes: a theme's share of feedback in a segment jumps above its recent baseline, and
the release, flag change or incident that most plausibly set it off.

Pure logic over small aggregates (hourly counts per theme x segment), so it is unit-tested
without Spark; the gold step aggregates and calls :func:`detect_spikes` then
:func:`link_events`. Times are naive UTC throughout."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import numpy as np

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
    min_baseline_total: int = 50
    """Fragments the baseline must hold (the theme's "all" baseline for a segment, which it
    borrows from), else no verdict: at the start of the data every share looks new."""
    prior_weight: float = 10.0
    """Pseudo-fragments of the theme's overall ("all") share mixed into a segment's baseline,
    so a segment with little history (a version released today) borrows the theme's usual
    share instead of looking infinitely surprising."""
    link_min_minutes: float = 0.0
    link_max_hours: float = 6.0
    """A release or flag change links when it happened between ``link_max_hours`` and
    ``link_min_minutes`` before the spike (whose start is an hourly bucket: see ``_candidate``)."""
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
        """Sum over hours [lo, hi) of each row; hours outside the row's stride hold nothing."""
        base, top = row * self.stride, self.stride - 1
        a = np.searchsorted(self.key, base + np.clip(lo, 0, top), "left")
        b = np.searchsorted(self.key, base + np.clip(hi, 0, top), "left")
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


def _collect(buckets: Iterable[Bucket], pad: int) -> _Series | None:
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
    stride = span + pad + 1
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
    key = np.sort(np.concatenate(sids) * stride + np.concatenate(starts))
    key = key[np.r_[True, key[1:] != key[:-1]]]
    return key // stride, key % stride + d.pad


def _baseline_share(
    d: _Series, sid: np.ndarray, start: np.ndarray, back: int, prior_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Share of the theme in the ``back`` hours before each window, with a prior: half a
    fragment in "all" (never zero), ``prior_weight`` fragments at the theme's "all" share in
    a segment. Also the fragments the share rests on."""
    lo = start - back
    bc = d.counts(sid, lo, start)
    bt = d.totals(d.seg_of[sid], lo, start)
    share = (bc + 0.5) / (bt + 1.0)
    evidence = bt.copy()
    all_sid = d.all_of[sid]
    borrow = (all_sid >= 0) & (all_sid != sid)
    if borrow.any():
        a = all_sid[borrow]
        ac = d.counts(a, lo[borrow], start[borrow])
        at = d.totals(d.seg_of[a], lo[borrow], start[borrow])
        prior = (ac + 0.5) / (at + 1.0)
        share[borrow] = (bc[borrow] + prior_weight * prior) / (bt[borrow] + prior_weight)
        evidence[borrow] = np.maximum(bt[borrow], at)
    return share, evidence


def _upper_tail(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X >= k) for X ~ Binomial(n, p): the exact one-sided test of "more than usual"."""
    from scipy.stats import binom  # scipy.stats takes most of a second to import

    return np.asarray(binom.sf(k - 1, n, p), dtype=float)


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
    d = _collect(buckets, pad=back)
    if d is None:
        return []
    sid, start = _candidates(d, window, step)
    k = d.counts(sid, start, start + window)
    n = np.maximum(d.totals(d.seg_of[sid], start, start + window), k)
    p, evidence = _baseline_share(d, sid, start, back, cfg.prior_weight)
    keep = (k >= cfg.min_count) & (k >= cfg.min_ratio * n * p)
    keep &= evidence >= cfg.min_baseline_total
    sid, start, k, n, p = sid[keep], start[keep], k[keep], n[keep], p[keep]
    sig = _upper_tail(k, n, p) < cfg.alpha
    return _spikes(d, sid[sig], start[sig], p[sig], window)


def _spikes(
    d: _Series, sid: np.ndarray, start: np.ndarray, share: np.ndarray, window: int
) -> list[Spike]:
    """One spike per run of overlapping or adjacent significant windows of a series."""
    if not len(sid):
        return []
    order = np.lexsort((start, sid))
    sid, start, share = sid[order], start[order], share[order]
    new = np.r_[True, (sid[1:] != sid[:-1]) | (start[1:] - start[:-1] > window)]
    first_i = np.flatnonzero(new)
    last_i = np.r_[first_i[1:] - 1, len(sid) - 1]
    rs, first, p = sid[first_i], start[first_i], share[first_i]
    length = np.minimum(start[last_i] + window, d.pad + d.hours) - first
    lo, hi = _trim(d, rs, first, length, p, window)
    k = d.counts(rs, first + lo, first + hi)
    n = np.maximum(d.totals(d.seg_of[rs], first + lo, first + hi), k)
    pv = _upper_tail(k, n, p)
    ratio = k / n / p
    spec = _specificity(d, rs, first + lo, first + hi, ratio)
    out = []
    for i in range(len(rs)):
        theme, kind, value = d.keys[rs[i]]
        out.append(
            Spike(
                theme_id=theme,
                segment_kind=kind,
                segment_value=value,
                start=_at(d, int(first[i] + lo[i])),
                end=_at(d, int(first[i] + hi[i])),
                count=int(k[i]),
                total=int(n[i]),
                expected=float(n[i] * p[i]),
                share=float(k[i] / n[i]),
                baseline_share=float(p[i]),
                ratio=float(ratio[i]),
                p_value=float(pv[i]),
                specificity=None if np.isnan(spec[i]) else float(spec[i]),
            )
        )
    out.sort(key=lambda s: (s.start, s.theme_id, s.segment_kind, s.segment_value))
    return out


def _trim(
    d: _Series, sid: np.ndarray, first: np.ndarray, length: np.ndarray, p: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Offsets [lo, hi) of each spike's first and last hour above its hourly expectation;
    the start stays inside the first significant window."""
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


def _specificity(
    d: _Series, sid: np.ndarray, lo: np.ndarray, hi: np.ndarray, ratio: np.ndarray
) -> np.ndarray:
    """ratio / ratio of the theme's "all" spike overlapping most (1 for "all" spikes, NaN
    when none overlaps). A series' spikes never overlap each other, so a binary search over
    the "all" spikes sorted by start finds the few that can."""
    out = np.full(len(sid), np.nan)
    all_of = d.all_of[sid]
    is_all = all_of == sid
    out[is_all] = 1.0
    idx = np.flatnonzero(is_all)
    idx = idx[np.lexsort((lo[idx], sid[idx]))]
    a_sid, a_lo, a_hi = sid[idx], lo[idx], hi[idx]
    for i in np.flatnonzero(~is_all & (all_of >= 0)):
        a = int(all_of[i])
        left, right = np.searchsorted(a_sid, a, "left"), np.searchsorted(a_sid, a, "right")
        j = left + int(np.searchsorted(a_hi[left:right], lo[i], "right"))
        best, best_overlap = -1, 0
        while j < right and a_lo[j] < hi[i]:
            overlap = min(hi[i], a_hi[j]) - max(lo[i], a_lo[j])
            if overlap > best_overlap:
                best, best_overlap = j, overlap
            j += 1
        if best >= 0:
            out[i] = ratio[i] / ratio[idx[best]]
    return out


def _at(d: _Series, hour: int) -> datetime:
    return _EPOCH + timedelta(hours=d.origin + hour - d.pad)


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
    # Releases and flags by time, so a spike looks only at the few of the last hours;
    # incidents are few and long, each is tried.
    changes = sorted(
        (d for d in docs.values() if d.kind != "incident"),
        key=lambda d: (d.start or datetime.min, d.doc_id),
    )
    starts = [d.start or datetime.min for d in changes]
    incidents = [d for d in docs.values() if d.kind == "incident"]
    reach = timedelta(hours=cfg.link_max_hours)
    out = []
    for spike in spikes:
        lo = bisect_left(starts, spike.start - reach)
        hi = bisect_right(starts, spike.start + _HOUR)
        best: tuple[tuple[int, float, str], KnowledgeDoc, tuple[int, float, str, str]] | None
        best = None
        for doc in [*changes[lo:hi], *incidents]:
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
