"""Theme spikes: detection on hourly shares, linking to releases, flags and incidents, and
the evaluation against planted causes."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from feedback_lakehouse.evaluate.spikes import evaluate_spikes, spike_key
from feedback_lakehouse.gold.spikes.detect import (
    Bucket,
    Spike,
    SpikeSettings,
    detect_spikes,
)
from feedback_lakehouse.gold.spikes.links import link_events
from feedback_lakehouse.insights.knowledge import KnowledgeDoc

T0 = datetime(2026, 9, 1)
DAY15 = T0 + timedelta(days=15)
HOURS = 16 * 24


def segment(
    kind: str, value: str, total: int, themes: dict[str, dict[int, int]], hours: int = HOURS
) -> list[Bucket]:
    """Hourly buckets of one segment value: ``themes`` maps theme -> {hour: count}; a
    background theme takes the rest of each hour's ``total``."""
    out = []
    for h in range(hours):
        at = T0 + timedelta(hours=h)
        counts = {t: c[h] for t, c in themes.items() if c.get(h)}
        out.append(Bucket("bg", kind, value, at, total - sum(counts.values()), total))
        out += [Bucket(t, kind, value, at, c, total) for t, c in counts.items()]
    return out


def every(hours: int, until: int = HOURS, offset: int = 0) -> dict[int, int]:
    return {h: 1 for h in range(offset, until, hours)}


def view(s: Spike) -> tuple:
    return (
        s.theme_id, s.segment, s.start, s.end, s.count, s.total,
        s.linked_event_id, s.link_match, s.lag_minutes,
    )  # fmt: skip


def doc(doc_id: str, kind: str, start: datetime, segment: dict[str, str], **kw) -> KnowledgeDoc:
    return KnowledgeDoc(doc_id, kind, doc_id, doc_id, start=start, segment=segment, **kw)


ONSET = 15 * 24 + 12  # 12:00 on day 15
BURST = {ONSET + i: c for i, c in enumerate([5, 5, 4, 4, 3, 3])}
RELEASE_IOS = doc(
    "REL-5.19.0-ios", "release", DAY15 + timedelta(hours=11, minutes=54),
    {"component": "ios", "product_version": "5.19.0", "platform": "ios"},
)  # fmt: skip
RELEASE_ANDROID = doc(
    "REL-5.16.0-android", "release", DAY15 + timedelta(hours=10),
    {"component": "android", "product_version": "5.16.0", "platform": "android"},
)  # fmt: skip


def mobile_release_buckets() -> list[Bucket]:
    """Crashes are rare on both platforms; from 12:00 on day 15 they burst on iOS only (and
    Android stays quiet, so no stray crash stretches the spike)."""
    ios = every(12) | BURST
    android = every(12, until=ONSET, offset=6)
    overall = {h: ios.get(h, 0) + android.get(h, 0) for h in range(HOURS)}
    return (
        segment("platform", "ios", 10, {"crash": ios})
        + segment("platform", "android", 10, {"crash": android})
        + segment("all", "all", 30, {"crash": overall})
    )


def test_release_spike_is_found_in_its_segment_and_linked_to_the_release() -> None:
    spikes = link_events(detect_spikes(mobile_release_buckets()), [RELEASE_ANDROID, RELEASE_IOS])
    start, end = DAY15 + timedelta(hours=12), DAY15 + timedelta(hours=18)
    assert [view(s) for s in spikes] == [
        ("crash", "all", start, end, 24, 180, "REL-5.19.0-ios", "broad", 6.0),
        ("crash", "platform=ios", start, end, 24, 60, "REL-5.19.0-ios", "segment", 6.0),
    ]
    overall, ios = spikes
    assert ios.link_reason == "started 0.1 h after release 5.19.0 (ios) in segment platform=ios"
    assert overall.link_reason == (
        "started 0.1 h after release 5.19.0 (ios) in segment all"
        " (event not specific to this segment)"
    )
    # The start is an hourly bucket: a release inside that hour still counts.
    inside = replace(RELEASE_IOS, start=DAY15 + timedelta(hours=12, minutes=20))
    ios_inside = link_events([ios], [inside])[0]
    assert (ios_inside.linked_event_id, ios_inside.lag_minutes) == ("REL-5.19.0-ios", -20.0)
    assert ios_inside.link_reason == (
        "started within the hour of release 5.19.0 (ios) in segment platform=ios"
    )
    # The baseline is the 14 days before: one crash per 12 h on each platform.
    assert overall.baseline_share == pytest.approx((56 + 0.5) / (14 * 24 * 30 + 1))
    assert ios.expected == pytest.approx(60 * ios.baseline_share)
    assert ios.ratio == pytest.approx(ios.share / ios.baseline_share)
    assert ios.p_value < 1e-20
    # iOS alone doubles the concentration: the most specific segment is the one to read.
    assert overall.specificity == 1.0
    assert ios.specificity == pytest.approx(ios.ratio / overall.ratio)
    assert ios.specificity == pytest.approx(2.0, rel=0.02)


def test_spike_start_is_refined_to_the_first_elevated_hour_within_the_step() -> None:
    buckets = mobile_release_buckets()
    coarse = detect_spikes(
        buckets, replace(SpikeSettings.of(), step_hours=5)
    )  # windows from 10:00, 15:00
    assert {s.start for s in coarse} == {DAY15 + timedelta(hours=12)}


def test_steady_series_has_no_spike() -> None:
    pattern = [1, 3, 2, 2, 1, 3]
    steady = {h: pattern[h % 6] for h in range(HOURS)}
    assert detect_spikes(segment("all", "all", 30, {"billing": steady})) == []


def test_too_few_fragments_is_no_spike_whatever_the_ratio() -> None:
    burst = {ONSET: 4}  # a theme never seen before: its ratio is huge
    buckets = segment("all", "all", 30, {"new": burst})
    assert detect_spikes(buckets) == []
    found = detect_spikes(buckets, replace(SpikeSettings.of(), min_count=4))
    assert [(s.theme_id, s.start, s.count) for s in found] == [
        ("new", DAY15 + timedelta(hours=12), 4)
    ]


def test_quiet_new_theme_is_found_by_the_longer_windows_and_linked() -> None:
    """A release starts an issue at one message every 5 h in a segment of 2 messages an
    hour: no 6 h window reaches min_count, a 24 h window does."""
    hours = 18 * 24
    trickle = {h: 1 for h in range(ONSET, hours, 5)}
    buckets = segment("platform", "ios", 2, {"crash": trickle}, hours) + segment(
        "all", "all", 6, {"crash": trickle}, hours
    )
    assert detect_spikes(buckets, replace(SpikeSettings.of(), scan_hours=())) == []
    spikes = link_events(detect_spikes(buckets), [RELEASE_ANDROID, RELEASE_IOS])
    # long windows judge broad series only (a narrow segment's mix drifts over days)
    assert [(s.segment, s.start, s.linked_event_id, s.link_match) for s in spikes] == [
        ("all", DAY15 + timedelta(hours=12), "REL-5.19.0-ios", "broad"),
    ]
    # each window length is tested at alpha / 3: still far below it
    assert spikes[0].p_value < 1e-5 / 3
    wide = detect_spikes(buckets, replace(SpikeSettings.of(), scan_kinds=("all", "platform")))
    assert {s.segment for s in wide} == {"all", "platform=ios"}


def test_onset_reaches_back_over_a_quiet_night_to_the_first_report() -> None:
    """One report right after the release, then the burst the next morning: the spike starts
    at the first report (so it links to the release), not when the burst filled a window."""
    night = {ONSET: 1} | {ONSET + 14 + i: c for i, c in enumerate([2, 2, 1, 1])}
    quiet = range(ONSET + 1, ONSET + 14)  # nobody writes at night
    buckets = [
        b
        for b in segment("all", "all", 6, {"crash": every(48) | night}, 17 * 24)
        if int((b.hour - T0).total_seconds() // 3600) not in quiet
    ]
    [found] = link_events(detect_spikes(buckets), [RELEASE_IOS])
    assert (found.start, found.count, found.linked_event_id) == (
        DAY15 + timedelta(hours=12),
        7,
        "REL-5.19.0-ios",
    )


def test_a_busy_theme_starts_its_spike_at_the_burst_not_at_an_hour_of_noise() -> None:
    """A theme with a few reports every hour has hours above its expectation all the time
    (6 against 4 just before the release): the spike starts when the burst does, so it still
    follows the release. At 1M generated tickets such hours started spikes 2-5 h early."""
    noise = [3, 5, 4, 4, 5, 3]
    busy = {h: noise[h % 6] for h in range(HOURS)} | {ONSET - 1: 6}
    busy |= {ONSET + i: 40 for i in range(6)}
    spikes = link_events(detect_spikes(segment("all", "all", 400, {"crash": busy})), [RELEASE_IOS])
    assert [(s.start, s.end, s.count, s.linked_event_id) for s in spikes] == [
        (DAY15 + timedelta(hours=12), DAY15 + timedelta(hours=18), 240, "REL-5.19.0-ios")
    ]


def regions(kind: str, values: int, others_until: int = HOURS) -> list[Bucket]:
    """Ten messages an hour in each of ``values`` values of ``kind``; the theme has one report
    every 16 h in each, and six in a row in the first value from 12:00 on day 15 (a spike of
    p 2.6e-6). The other values have feedback until hour ``others_until``."""
    burst = every(16) | {ONSET + i: 1 for i in range(6)}
    out = segment(kind, "EU", 10, {"crash": burst})
    for v in range(values - 1):
        out += segment(kind, f"V{v}", 10, {"crash": every(16, others_until)}, others_until)
    return out


def test_a_narrow_segment_is_judged_among_the_values_of_its_kind_active_at_the_time() -> None:
    """Each window length is tested at alpha / 3 (1e-5): enough for the spike in a lone region,
    not among ten (a theme is tested in every region at once: each at a tenth of it). Regions
    quiet over the whole baseline and window do not count, and a broad kind (product area,
    where a theme lives in one or two values) is not divided."""
    cfg = SpikeSettings.of()
    assert [s.segment for s in detect_spikes(regions("region", 1), cfg)] == ["region=EU"]
    assert detect_spikes(regions("region", 10), cfg) == []
    long_gone = regions("region", 10, others_until=24)  # the baseline starts at hour 36
    assert [s.segment for s in detect_spikes(long_gone, cfg)] == ["region=EU"]
    broad = detect_spikes(regions("product_area", 10), cfg)
    assert [s.segment for s in broad] == ["product_area=EU"]


def test_no_verdict_in_the_first_days_of_data() -> None:
    buckets = mobile_release_buckets()  # the burst comes 15.5 days after the first hour
    assert len(detect_spikes(buckets, replace(SpikeSettings.of(), min_history_days=15))) == 2
    assert detect_spikes(buckets, replace(SpikeSettings.of(), min_history_days=16)) == []


def test_longer_windows_do_not_move_a_spike_the_short_window_found() -> None:
    no_scan = replace(SpikeSettings.of(), scan_hours=())
    short_only = detect_spikes(mobile_release_buckets(), no_scan)
    assert [view(s) for s in detect_spikes(mobile_release_buckets())] == [
        view(s) for s in short_only
    ]


def test_spike_during_an_incident_links_to_the_incident() -> None:
    onset = 15 * 24 + 5  # 05:00, the incident started 04:48
    burst = {onset + i: 3 for i in range(4)}
    incident = doc(
        "INC-0005", "incident", DAY15 + timedelta(hours=4, minutes=48), {"service": "ingest"},
        end=DAY15 + timedelta(hours=9, minutes=3),
    )  # fmt: skip
    old_release = doc("REL-2026.9.1", "release", DAY15 - timedelta(hours=8), {})
    spikes = link_events(
        detect_spikes(segment("all", "all", 30, {"sync": every(24) | burst})),
        [old_release, incident],
    )
    start = DAY15 + timedelta(hours=5)
    assert [view(s) for s in spikes] == [
        ("sync", "all", start, start + timedelta(hours=4), 12, 120, "INC-0005", "broad", 12.0)
    ]
    assert spikes[0].link_reason == (
        "started during incident INC-0005 in segment all (event not specific to this segment)"
    )


def spike(kind: str, value: str, start: datetime) -> Spike:
    return Spike(
        "rate-limit", kind, value, start, start + timedelta(hours=6), 10, 40,
        1.0, 0.25, 0.025, 10.0, 1e-9,
    )  # fmt: skip


def test_flag_for_a_tier_links_that_tier_exactly_and_the_rest_only_broadly() -> None:
    at = DAY15 + timedelta(hours=10)
    spikes = [
        spike("all", "all", at),
        spike("tier", "enterprise", at),
        spike("tier", "pro", at),
        spike("product_area", "api", at),
    ]
    limiter = doc(
        "FLAG-new-rate-limiter", "flag", at - timedelta(minutes=24), {"tier": "enterprise"}
    )
    charts = doc("FLAG-new-chart-engine", "flag", at - timedelta(minutes=10), {})
    both = link_events(spikes, [limiter, charts])
    assert [(s.segment, s.linked_event_id, s.link_match, s.lag_minutes) for s in both] == [
        # a segment-wide spike takes the closest event; the enterprise spike its own flag
        ("all", "FLAG-new-chart-engine", "broad", 10.0),
        ("tier=enterprise", "FLAG-new-rate-limiter", "segment", 24.0),
        ("tier=pro", "FLAG-new-chart-engine", "broad", 10.0),
        ("product_area=api", "FLAG-new-chart-engine", "broad", 10.0),
    ]
    assert both[1].link_reason == (
        "started 0.4 h after flag change FLAG-new-rate-limiter (tier=enterprise)"
        " in segment tier=enterprise"
    )
    alone = link_events(spikes, [limiter])
    assert [(s.segment, s.linked_event_id, s.link_match) for s in alone] == [
        ("all", "FLAG-new-rate-limiter", "broad"),
        ("tier=enterprise", "FLAG-new-rate-limiter", "segment"),
        ("tier=pro", None, None),  # the flag targets another tier
        ("product_area=api", "FLAG-new-rate-limiter", "broad"),
    ]
    late = link_events(spikes[:1], [limiter], replace(SpikeSettings.of(), link_max_hours=0.2))
    assert late[0].linked_event_id is None


def quiet_lakehouse(new_counts: list[int]) -> list[Bucket]:
    """Twenty fragments in two weeks over four themes, then a burst of 13 in five hours from
    12:00 on day 15: ``new_counts`` per hour of a theme never seen before, the rest old."""
    counts: dict[int, dict[str, int]] = {}
    for i, h in enumerate(range(24, ONSET - 24, 16)):
        counts.setdefault(h, {})["abcd"[i % 4]] = 1
    for i, c in enumerate(new_counts):
        counts.setdefault(ONSET + i, {}).update({"new": c, "a": 1})
    return [
        Bucket(theme, "all", "all", T0 + timedelta(hours=h), c, sum(by_theme.values()))
        for h, by_theme in sorted(counts.items())
        for theme, c in by_theme.items()
    ]


def test_a_burst_of_a_new_problem_in_a_quiet_lakehouse_raises_a_spike() -> None:
    spikes = detect_spikes(quiet_lakehouse([2, 2, 2, 1, 1]))
    assert [(s.theme_id, s.segment, s.start, s.count) for s in spikes] == [
        ("new", "all", DAY15 + timedelta(hours=12), 8)
    ]
    # three reports are not a burst, however new
    assert detect_spikes(quiet_lakehouse([1, 1, 1, 0, 0])) == []


def test_an_event_of_another_product_area_never_explains_a_spike() -> None:
    at = DAY15 + timedelta(hours=10)
    limiter = doc("FLAG-new-rate-limiter", "flag", at - timedelta(hours=5), {"tier": "enterprise"})
    billing = doc(
        "INC-0008", "incident", at - timedelta(hours=6), {"service": "billing-service"},
        end=at - timedelta(hours=2), product_area="billing",
    )  # fmt: skip
    api = doc("INC-0009", "incident", at - timedelta(hours=3), {"service": "public-api"},
              end=at + timedelta(hours=1), product_area="api")  # fmt: skip
    spikes = [spike("product_area", "api", at), spike("all", "all", at)]
    # the API spike: never the billing incident, however close; an API incident is its own
    got = link_events(spikes, [limiter, billing], areas={"rate-limit": "api"})
    assert [(s.segment, s.linked_event_id) for s in got] == [
        ("product_area=api", "FLAG-new-rate-limiter"), ("all", "FLAG-new-rate-limiter"),
    ]  # fmt: skip
    own = link_events(spikes[:1], [limiter, billing, api])[0]
    assert (own.linked_event_id, own.link_match) == ("INC-0009", "segment")
    # without the theme's area a segment-wide spike may still be the billing incident's; with
    # it, only when nothing else fits, and it says so
    assert link_events(spikes[1:], [billing])[0].linked_event_id == "INC-0008"
    weak = link_events(spikes[1:], [billing], areas={"rate-limit": "api"})[0]
    assert (weak.linked_event_id, weak.link_match) == ("INC-0008", "other_area")
    assert weak.link_reason.endswith("(an incident of another product area)")


def test_evaluation_counts_recall_false_spikes_delay_and_links() -> None:
    def s(theme: str, kind: str, start_h: int, hours: int, linked: str | None) -> Spike:
        start = DAY15 + timedelta(hours=start_h)
        return Spike(
            theme, kind, "all" if kind == "all" else "ios", start, start + timedelta(hours=hours),
            8, 40, 1.0, 0.2, 0.01, 20.0, 1e-9, linked_event_id=linked,
        )  # fmt: skip

    spikes = [
        s("t-crash", "all", 14, 4, "REL-1"),  # planted release spike, 2 h late
        s("t-crash", "platform", 13, 5, "REL-1"),  # ... and 1 h late in its segment
        s("t-crash", "tier", 11, 5, None),  # a stray segment, an hour before the window
        s("t-crash", "all", 24 * 5, 6, None),  # days after the window: false
        s("t-sync", "all", 3, 6, "REL-1"),  # planted incident spike, wrong link
        s("t-other", "all", 20, 6, None),  # a theme of no planted issue: false
    ]
    window = {"start": "2026-09-16T12:00:00Z", "end": "2026-09-18T12:00:00Z"}
    causes = [
        {"issue_id": "CRASH", "type": "release", "id": "REL-1", "segment": {"platform": "ios"},
         "start": "2026-09-16T11:30:00Z", "spike_window": window},
        {"issue_id": "SYNC", "type": "incident", "id": "INC-1", "segment": {},
         "start": "2026-09-16T04:00:00Z",
         "spike_window": {"start": "2026-09-16T04:00:00Z", "end": "2026-09-16T08:00:00Z"}},
        {"issue_id": "LIMIT", "type": "flag", "id": "FLAG-x", "segment": {"tier": "enterprise"},
         "start": "2026-09-10T09:00:00Z", "spike_window": window},
    ]  # fmt: skip
    themes = {"t-crash": "CRASH", "t-sync": "SYNC", "t-other": "NOTHING-PLANTED"}
    report = evaluate_spikes(spikes, themes, causes)
    rows = report.pop("causes")
    assert report == {
        "planted": 3,
        "detected": 6,
        "release_recall": 1.0,
        "recall": {
            "flag": {"planted": 1, "found": 0, "recall": 0.0},
            "incident": {"planted": 1, "found": 1, "recall": 1.0},
            "release": {"planted": 1, "found": 1, "recall": 1.0},
            "all": {"planted": 3, "found": 2, "recall": 0.6667},
        },
        "false_spikes": {
            "all": {"spikes": 4, "false": 2, "rate": 0.5},
            "segment": {"spikes": 2, "false": 0, "rate": 0.0},
            "overall": {"spikes": 6, "false": 2, "rate": 0.3333},
        },
        # the crash's three overlapping spikes are one episode
        "false_episodes": {"episodes": 4, "false": 2, "rate": 0.5},
        "delay_hours": {"found": 2, "median": -1.0, "max": -1.0},
        "own_segment_delay_hours": {"found": 2, "median": 0.0, "max": 1.0},
        "linked_to_cause": {"found": 2, "correct": 1, "rate": 0.5, "own_segment_spike_linked": 1},
    }
    assert rows[0] == {
        "issue_id": "CRASH",
        "type": "release",
        "cause_id": "REL-1",
        "segment": {"platform": "ios"},
        "planted_start": "2026-09-16T12:00:00",
        "found": True,
        "detected_start": "2026-09-16T11:00:00",
        "delay_hours": -1.0,
        "segments": ["all", "platform=ios", "tier=ios"],
        "in_planted_segment": True,
        "linked_event_ids": ["REL-1"],
        "linked_to_cause": True,
        "own_segment_spike": {
            "segment": "platform=ios",
            "delay_hours": 1.0,
            "linked_to_cause": True,
        },
    }
    assert rows[1]["delay_hours"] == -1.0  # the hourly bucket holding the incident's start
    assert rows[1]["linked_to_cause"] is False
    assert rows[1]["own_segment_spike"] == {
        "segment": "all",
        "delay_hours": -1.0,
        "linked_to_cause": False,
    }
    assert rows[2] == {
        "issue_id": "LIMIT",
        "type": "flag",
        "cause_id": "FLAG-x",
        "segment": {"tier": "enterprise"},
        "planted_start": "2026-09-16T12:00:00",
        "found": False,
    }


def test_a_spike_can_be_judged_by_its_own_fragments_issue() -> None:
    """A theme that merged two planted issues spikes for its minority issue: judged by the
    theme's majority it is false and the incident unfound; by its own fragments, found."""
    start = DAY15 + timedelta(hours=4)
    merged = Spike("t-dash", "all", "all", start, start + timedelta(hours=4), 9, 40, 1.0, 0.2,
                   0.01, 20.0, 1e-9)  # fmt: skip
    window = {"start": "2026-09-16T04:00:00Z", "end": "2026-09-16T08:00:00Z"}
    causes = [{"issue_id": "SYNC", "type": "incident", "id": "INC-1", "segment": {},
               "start": "2026-09-16T04:00:00Z", "spike_window": window}]  # fmt: skip
    by_theme = evaluate_spikes([merged], {"t-dash": "TIMEZONE"}, causes)
    assert (by_theme["recall"]["all"]["found"], by_theme["false_spikes"]["overall"]["false"]) == (
        0,
        1,
    )
    own = evaluate_spikes([merged], {"t-dash": "TIMEZONE"}, causes, {spike_key(merged): "SYNC"})
    assert (own["recall"]["all"]["found"], own["false_spikes"]["overall"]["false"]) == (1, 0)


def test_buckets_as_columns_give_the_same_series_and_spikes() -> None:
    """The spike pass reads buckets as Arrow columns, without a Python object per bucket: the
    series are numbered as ``collect_series`` numbers them, and the spikes are the same, from
    naive or UTC timestamps alike."""
    from datetime import UTC

    import numpy as np
    import pyarrow as pa

    from feedback_lakehouse.gold.spikes.detect import baseline_hours, detect_in_series
    from feedback_lakehouse.gold.spikes.series import collect_series, series_from_columns

    cfg = SpikeSettings.of()
    burst = {h: 1 for h in range(ONSET, ONSET + 8)}
    buckets = mobile_release_buckets() + segment("tier", "enterprise", 12, {"sync": burst})
    pad = baseline_hours(cfg)
    want = collect_series(buckets, pad)
    for aware in (False, True):
        hours = [b.hour.replace(tzinfo=UTC) if aware else b.hour for b in buckets]
        got = series_from_columns(
            [b.theme_id for b in buckets], [b.segment_kind for b in buckets],
            [b.segment_value for b in buckets], pa.array(hours),
            [b.count for b in buckets], [b.total for b in buckets], pad,
        )  # fmt: skip
        assert got is not None and want is not None
        assert got.keys == want.keys and (got.origin, got.hours) == (want.origin, want.hours)
        for name in ("seg_of", "all_of", "sid", "hour"):
            assert np.array_equal(getattr(got, name), getattr(want, name)), name
        spikes = detect_in_series(got, cfg)
        assert spikes == detect_spikes(buckets, cfg) and len(spikes) >= 2
    assert series_from_columns([], [], [], pa.array([], pa.timestamp("us")), [], [], pad) is None


def test_a_share_that_rises_because_the_rest_of_the_segment_left_is_no_spike() -> None:
    """A fixed version ships and most customers leave the old one: the crash keeps its 2
    reports an hour there, but its share of the old version leaps from 3% to 50%. More of the
    crash would be a spike; fewer of everything else is not."""
    drop = 14 * 24

    def old_version(crash: dict[int, int]) -> list[Bucket]:
        out = []
        for h in range(HOURS):
            total = 60 if h < drop else 4
            at = T0 + timedelta(hours=h)
            out += [Bucket("bg", "product_version", "5.19.0", at, total - crash[h], total),
                    Bucket("crash", "product_version", "5.19.0", at, crash[h], total)]  # fmt: skip
        return out

    steady = dict.fromkeys(range(HOURS), 2)
    overall = segment("all", "all", 100, {"crash": {h: c + 1 for h, c in steady.items()}})
    assert [s for s in detect_spikes(old_version(steady) + overall) if s.segment != "all"] == []
    worse = steady | {ONSET + i: 6 for i in range(6)}
    overall = segment("all", "all", 100, {"crash": {h: c + 1 for h, c in worse.items()}})
    found = {s.segment for s in detect_spikes(old_version(worse) + overall)}
    assert "product_version=5.19.0" in found


def test_a_new_segment_is_not_judged_on_its_first_few_messages() -> None:
    """A version's first hour holds 50 messages, none about webhooks (3% of all feedback):
    its baseline must not read as 0.5%, or every 3% theme in the version's first hours is a
    six-fold spike. A real burst there is judged where there is history: overall."""
    first = ONSET - 1

    def new_version(webhooks: int) -> list[Bucket]:
        out = [Bucket("bg", "product_version", "v2", T0 + timedelta(hours=first), 50, 50)]
        for h in range(ONSET, ONSET + 6):
            at = T0 + timedelta(hours=h)
            out += [Bucket("bg", "product_version", "v2", at, 200 - webhooks, 200),
                    Bucket("webhooks", "product_version", "v2", at, webhooks, 200)]  # fmt: skip
        return out

    def overall(extra: int) -> list[Bucket]:
        hours = {h: 9 + (extra if ONSET <= h < ONSET + 6 else 0) for h in range(HOURS)}
        return segment("all", "all", 300, {"webhooks": hours})

    assert detect_spikes(new_version(6) + overall(0)) == []
    burst = detect_spikes(new_version(40) + overall(34))
    assert [s.segment for s in burst if s.theme_id == "webhooks"] == ["all"]
