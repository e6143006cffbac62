"""Theme spikes: a theme's share of feedback in a segment jumps above its recent baseline, and
the release, flag change or incident that most plausibly set it off.

Pure logic over small aggregates (hourly counts per theme x segment), so it is unit-tested
without Spark; the gold step aggregates and calls :func:`detect_spikes` then
:func:`~feedback_lakehouse.gold.spikes.links.link_events`. Times are naive UTC throughout."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from feedback_lakehouse.config.settings import GoldSettings
from feedback_lakehouse.gold.spikes.bounds import bounds, trim, upper_tail
from feedback_lakehouse.gold.spikes.series import Bucket, Coverage, Series, collect_series, hour_at

__all__ = [
    "SEGMENT_KINDS", "Bucket", "Spike", "SpikeSettings", "baseline_hours", "detect_in_series",
    "detect_spikes", "reach_hours",
]  # fmt: skip

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


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    """The ``gold.spike_*`` settings under the names the rules use. No defaults of its own:
    build it with :meth:`of`, so tests and production judge with the same numbers. What each
    means is documented on :class:`~feedback_lakehouse.config.settings.GoldSettings`."""

    window_hours: int
    step_hours: int
    baseline_days: int
    min_count: int
    alpha: float
    min_ratio: float
    scan_hours: tuple[int, ...]
    min_baseline_total: int
    scan_kinds: tuple[str, ...]
    min_history_days: float
    prior_weight: float
    link_min_minutes: float
    link_max_hours: float
    incident_before_hours: float
    incident_after_hours: float

    @staticmethod
    def of(g: GoldSettings | None = None) -> SpikeSettings:
        g = g or GoldSettings()
        return SpikeSettings(
            window_hours=g.spike_window_hours, step_hours=g.spike_step_hours,
            baseline_days=g.spike_baseline_days, min_count=g.spike_min_count,
            alpha=g.spike_alpha, min_ratio=g.spike_min_ratio,
            scan_hours=tuple(g.spike_scan_hours), min_baseline_total=g.spike_min_baseline_total,
            scan_kinds=tuple(g.spike_scan_kinds), min_history_days=g.spike_min_history_days,
            prior_weight=g.spike_prior_weight, link_min_minutes=g.spike_link_min_minutes,
            link_max_hours=g.spike_link_max_hours,
            incident_before_hours=g.spike_incident_before_hours,
            incident_after_hours=g.spike_incident_after_hours,
        )  # fmt: skip


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


def _candidates(d: Series, window: int, step: int) -> tuple[np.ndarray, np.ndarray]:
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
    d: Series, sid: np.ndarray, start: np.ndarray, back: int, prior_weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Share of the theme in the ``back`` hours before each window, with a prior: half a
    fragment in "all" (never zero), ``prior_weight`` fragments (per window) at the theme's
    "all" share in a segment. Also the fragments the share rests on, those of the segment
    alone, and the theme's own count among them.

    Detection passes at least the window's own total as the weight, so a segment's baseline
    leans on the theme's overall share until it holds far more than the window it judges.
    Weighted 10, a version's first hour (50 messages, none about webhooks, a theme of 3% of
    all feedback) made its baseline 0.45%, and every 3% theme in its first six hours (1,177
    messages) "spiked" six-fold. At 1M generated tickets this weight and the rule that a
    segment's baseline holds at least the window's total (``detect_in_series``) took the
    spikes that no planted cause explains from 230 (of 579; 215 of them in versions) to 33
    (of 362), with the same planted spikes found."""
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
        w = prior_weight[borrow]
        share[borrow] = (bc[borrow] + w * prior) / (bt[borrow] + w)
        evidence[borrow] = np.maximum(bt[borrow], at)
    return share, evidence, bt, bc


def _expected_volume(
    d: Series, sid: np.ndarray, before_count: np.ndarray, start: np.ndarray, end: np.ndarray,
    back: int,
) -> np.ndarray:  # fmt: skip
    """The theme's count in each window had only the product's overall traffic moved: its
    count in the segment over the ``back`` hours before (``before_count``), times the whole's
    ("all") traffic in the window over the whole's traffic in those hours.

    A share rises when the theme's reports rise, and also when the rest of the segment falls
    away: once a fixed version ships, the few customers left on the old one are mostly those
    it still crashes for, and the old version's share of the crash leaps from 8% to 90% on
    the same 50 reports a day (at 1M generated tickets, 215 of 230 spikes no planted cause
    explained were in versions). Requiring the count to rise as well keeps spikes to more
    reports, not fewer of everything else. A segment new in the window (a version released
    today) expects nothing; for the "all" series this is the share test again."""
    lo = start - back
    out = np.zeros(len(sid))
    whole = d.all_of[sid]
    has = whole >= 0
    if has.any():
        seg = d.seg_of[whole[has]]
        before = d.totals(seg, lo[has], start[has])
        during = d.totals(seg, start[has], end[has])
        out[has] = before_count[has] * during / np.maximum(before, 1)
    return out


def reach_hours(cfg: SpikeSettings) -> int:
    """How long before a fragment a spike that holds it can start: its first window may begin
    up to the longest window before, and the onset reaches back that far again."""
    return 2 * max(w for w, _ in _windows(cfg))


def _windows(cfg: SpikeSettings) -> list[tuple[int, int]]:
    """(length, step) of every window length scanned, shortest first."""
    window, step = max(1, cfg.window_hours), max(1, cfg.step_hours)
    longer = sorted({w for w in cfg.scan_hours if w > window})
    return [(window, step)] + [(w, max(step, w // 6)) for w in longer]


def detect_spikes(buckets: Iterable[Bucket], settings: SpikeSettings | None = None) -> list[Spike]:
    """Spikes of every theme x segment series, sorted by (start, theme, segment).

    Windows of ``window_hours`` slide by ``step_hours`` (and the ``scan_hours`` lengths by a
    sixth of their length). A window is significant when its count k >= ``min_count``, its
    share is >= ``min_ratio`` x the baseline share p (the previous ``baseline_days``, window
    excluded; a segment's own baseline must hold at least as many fragments as the window),
    k is >= ``min_ratio`` x the count the baseline leads to expect (see
    ``_expected_volume``), and the one-sided exact binomial upper tail
    P(X >= k | X ~ Binomial(window total, p)) < ``alpha`` / the number of window lengths
    (and, in a narrow segment kind, / its active values: ``_segment_family``).
    Overlapping or adjacent significant windows of any length merge into one spike, measured
    against the baseline before its first window and bounded by the hours that make its
    excess most likely (the scan statistic: see ``spike_bounds.bounds``), so the start is when
    the theme rose, not when a window happened to begin or an ordinary hour ran a little high.

    Hours without a bucket count zero for the theme; a segment's hourly total is read from any
    bucket of that segment and hour, so zero-count rows need not be sent."""
    cfg = settings or SpikeSettings.of()
    return detect_in_series(collect_series(buckets, pad=baseline_hours(cfg)), cfg)


def baseline_hours(cfg: SpikeSettings) -> int:
    """Hours of baseline before a window (the ``pad`` a ``Series`` is built with)."""
    return int(cfg.baseline_days * 24)


def detect_in_series(d: Series | None, cfg: SpikeSettings) -> list[Spike]:
    """``detect_spikes`` on buckets already arranged as a ``Series`` (see
    ``spike_series.series_from_columns``), built with ``pad`` = ``baseline_hours(cfg)``."""
    if d is None:
        return []
    windows = _windows(cfg)
    back = baseline_hours(cfg)
    if d.pad != back:
        raise ValueError(f"series padded by {d.pad} h, the baseline needs {back} h")
    alpha = cfg.alpha / len(windows)
    history = int(cfg.min_history_days * 24)
    scan_ok = np.array([k[1] in cfg.scan_kinds for k in d.keys], bool)
    themes = max(1, len({key[0] for key in d.keys}))
    found: list[tuple[np.ndarray, ...]] = []
    covered = Coverage(len(d.keys), d.pad + d.hours + 1)
    for window, step in windows:
        sid, start = _candidates(d, window, step)
        k = d.counts(sid, start, start + window)
        n = np.maximum(d.totals(d.seg_of[sid], start, start + window), k)
        weight = np.maximum(cfg.prior_weight, n)
        p, evidence, own, before = _baseline_share(d, sid, start, back, weight)
        # the new-issue alarm: a quiet lakehouse (a baseline under ``min_baseline_total``
        # fragments) cannot say what a theme's share is, so a burst on a whole-product series
        # is judged against a count instead: the larger of what the theme's own past rate
        # (plus half a fragment) and a typical theme's rate (the baseline's fragments over
        # the themes) lead to expect in the window
        prior = (evidence < cfg.min_baseline_total) & (d.all_of[sid] == sid)
        if prior.any():
            rate = np.maximum(before + 0.5, evidence / themes) / back
            p = np.where(prior, np.minimum(1.0, np.maximum(p, rate * window / n)), p)
        keep = (k >= cfg.min_count) & (k >= cfg.min_ratio * n * p)
        keep &= k >= cfg.min_ratio * _expected_volume(d, sid, before, start, start + window, back)
        keep &= (evidence >= cfg.min_baseline_total) | prior
        keep &= start - d.pad >= history
        # a segment's own baseline must hold at least what the window holds: a version's first
        # hour cannot say what its next six are like (at 1M, 40 -> 33 false spikes with it)
        keep &= (own >= np.maximum(cfg.min_baseline_total, n)) | (d.all_of[sid] == sid)
        if window > windows[0][0]:
            # over days, a narrow segment's mix of customers drifts from the whole's (a
            # version rolled out to one tier first): long windows judge broad series only (their
            # own baseline's size is checked above for every window)
            keep &= scan_ok[sid]
        sid, start, k, n, p = sid[keep], start[keep], k[keep], n[keep], p[keep]
        level = alpha / _segment_family(d, sid, start, start + window, back, cfg.scan_kinds)
        sig = upper_tail(k, n, p) < level
        # a longer window adds only where no shorter one already found the series elevated
        sig &= ~covered.overlaps(sid, start, start + window)
        found.append((sid[sig], start[sig], np.full(int(sig.sum()), window), p[sig], level[sig]))
        covered.add(sid[sig], start[sig], start[sig] + window)
    sid, start, length, share, level = (np.concatenate(a) for a in zip(*found, strict=True))
    return _spikes(d, sid, start, length, share, level, cfg)


def _segment_family(
    d: Series, sid: np.ndarray, start: np.ndarray, end: np.ndarray, back: int,
    broad: tuple[str, ...],
) -> np.ndarray:  # fmt: skip
    """For each window, how many values of its segment kind had feedback over its baseline and
    the window (1 for the ``broad`` kinds): a theme is tested in every browser, region and
    version at once, so a narrow segment's window is judged at alpha / that number.

    At 1M generated tickets, 23 of 35 spike episodes (a theme's overlapping spikes) that no
    planted cause explained were single spikes in one version, region, tier or OS. The
    family is counted around each window, not over all the data, so an incremental run that
    reads only recent weeks judges a window as a full run does."""
    out = np.ones(len(sid))
    kind_of = np.empty(int(d.seg_of.max()) + 1, dtype=object)
    kind_of[d.seg_of] = [key[1] for key in d.keys]
    kinds = kind_of[d.seg_of[sid]]
    for kind in set(kinds.tolist()) - set(broad):
        rows = np.flatnonzero(kinds == kind)
        lo, hi = start[rows] - back, end[rows]
        active = np.zeros(len(rows))
        for g in np.flatnonzero(kind_of == kind):
            active += d.totals(np.full(len(rows), g), lo, hi) > 0
        out[rows] = np.maximum(active, 1)
    return out


def _runs(sid: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Indices (into the sorted windows) where a new run of overlapping or adjacent windows of
    one series begins."""
    new = np.zeros(len(sid), bool)
    reach = -1
    for i in range(len(sid)):
        if i == 0 or sid[i] != sid[i - 1] or start[i] > reach:
            new[i], reach = True, -1
        reach = max(reach, int(start[i] + length[i]))
    return np.flatnonzero(new)


def _spikes(
    d: Series, sid: np.ndarray, start: np.ndarray, length: np.ndarray, share: np.ndarray,
    level: np.ndarray, cfg: SpikeSettings,
) -> list[Spike]:  # fmt: skip
    """One spike per run of overlapping or adjacent significant windows of a series."""
    if not len(sid):
        return []
    order = np.lexsort((length, start, sid))
    sid, start, length, share, level = (a[order] for a in (sid, start, length, share, level))
    first_i = _runs(sid, start, length)
    reach = np.maximum.reduceat(start + length, first_i)
    rs, first, p, window = sid[first_i], start[first_i], share[first_i], length[first_i]
    span = np.minimum(reach, d.pad + d.hours) - first
    lo, hi = trim(d, rs, first, span, p, window)
    last = np.maximum.reduceat(start, first_i) - first
    lookback = max(w for w, _ in _windows(cfg))
    lo, hi = bounds(
        d, rs, first, lo, hi, p, window, last, level[first_i], cfg.min_count, cfg.min_ratio,
        lookback,
    )  # fmt: skip
    k = d.counts(rs, first + lo, first + hi)
    n = np.maximum(d.totals(d.seg_of[rs], first + lo, first + hi), k)
    pv = upper_tail(k, n, p)
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
                start=hour_at(d, int(first[i] + lo[i])),
                end=hour_at(d, int(first[i] + hi[i])),
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


def _specificity(
    d: Series, sid: np.ndarray, lo: np.ndarray, hi: np.ndarray, ratio: np.ndarray
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
