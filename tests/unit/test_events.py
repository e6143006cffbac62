"""The event timeline: which releases, flag changes and incidents can explain a fragment."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from feedback_lakehouse.insights.events import (
    EventWindows,
    FragmentFacts,
    event_hypotheses,
    platform_of,
)
from feedback_lakehouse.insights.knowledge import KnowledgeDoc

T0 = datetime(2026, 9, 17, 12, 0)
W = replace(EventWindows.of(), release_days=14, flag_days=30, incident_after_hours=24)


def release(version: str, platform: str | None, area: str | None = "mobile") -> KnowledgeDoc:
    seg = {"product_version": version, "component": platform or "web"}
    if platform:
        seg["platform"] = platform
    return KnowledgeDoc(
        f"REL-{version}", "release", f"Release {version}", "Rewrote app start-up", area,
        start=T0, segment=seg,
    )  # fmt: skip


def facts(**kw) -> FragmentFacts:
    base = dict(received_at=T0 + timedelta(hours=5), product_area="mobile")
    base.update(kw)
    return FragmentFacts(**base)


def test_release_on_the_reported_version_scores_highest() -> None:
    docs = [release("5.19.0", "ios"), release("5.18.0", "ios")]
    on = event_hypotheses(facts(platform="ios", product_version="5.19.0"), docs, [0.5, 0.5], W)
    assert [h.doc_ids[0] for h in on] == ["REL-5.19.0"]
    unknown = event_hypotheses(facts(platform="ios"), docs[:1], [0.5], W)
    assert unknown[0].score < on[0].score
    assert "after release 5.19.0" in on[0].reason


def test_release_does_not_explain_other_platforms_or_times() -> None:
    docs = [release("5.19.0", "ios")]
    assert event_hypotheses(facts(platform="android"), docs, [0.9], W) == []
    assert event_hypotheses(facts(platform=None), docs, [0.9], W) == []
    late = facts(platform="ios", received_at=T0 + timedelta(days=15))
    assert event_hypotheses(late, docs, [0.9], W) == []
    early = facts(platform="ios", received_at=T0 - timedelta(hours=1))
    assert event_hypotheses(early, docs, [0.9], W) == []


def test_text_similarity_and_area_raise_the_score() -> None:
    docs = [release("5.19.0", "ios")]
    f = facts(platform="ios", product_version="5.19.0")
    low = event_hypotheses(f, docs, [0.0], W)[0].score
    high = event_hypotheses(f, docs, [0.6], W)[0].score
    other_area = event_hypotheses(facts(platform="ios", product_area="billing"), docs, [0.0], W)
    assert high > low
    assert other_area == [] or other_area[0].score < low


def test_incident_during_and_after() -> None:
    inc = KnowledgeDoc(
        "INC-0005", "incident", "Incident", "sync workers saturated", "ingest",
        start=T0, end=T0 + timedelta(hours=4),
    )  # fmt: skip
    during = event_hypotheses(
        facts(product_area="ingest", received_at=T0 + timedelta(hours=2)), [inc], [0.5], W
    )
    after = event_hypotheses(
        facts(product_area="ingest", received_at=T0 + timedelta(hours=20)), [inc], [0.5], W
    )
    gone = event_hypotheses(
        facts(product_area="ingest", received_at=T0 + timedelta(hours=40)), [inc], [0.5], W
    )
    assert during[0].score > after[0].score > 0
    assert gone == []


def test_flag_needs_its_segment() -> None:
    flag = KnowledgeDoc(
        "FLAG-new-rate-limiter", "flag", "Flag", "token bucket rate limiter", "api",
        start=T0, segment={"tier": "enterprise"},
    )  # fmt: skip
    ent = event_hypotheses(facts(product_area="api", tier="enterprise"), [flag], [0.4], W)
    smb = event_hypotheses(facts(product_area="api", tier="smb"), [flag], [0.4], W)
    unknown = event_hypotheses(facts(product_area="api"), [flag], [0.4], W)
    assert ent and not smb
    assert unknown[0].score < ent[0].score
    assert "tier=enterprise" in ent[0].reason


def test_platform_from_os_or_device() -> None:
    assert platform_of("iOS 18", None) == "ios"
    assert platform_of(None, "Galaxy S24") == "android"
    assert platform_of("macOS 15", "desktop") is None


def test_the_time_index_finds_what_a_full_scan_finds() -> None:
    from feedback_lakehouse.insights.events import EventIndex

    docs = [release("5.19.0", "ios")]
    docs += [
        KnowledgeDoc(
            f"INC-{i}", "incident", "Incident", "sync", "ingest",
            start=T0 + timedelta(days=i), end=T0 + timedelta(days=i, hours=3),
        )
        for i in range(-200, 200, 7)
    ]  # fmt: skip
    index = EventIndex(docs, W)
    for hours in (-30, 2, 5, 26, 24 * 20, 24 * 95):
        f = facts(platform="ios", product_version="5.19.0", product_area="ingest",
                  received_at=T0 + timedelta(hours=hours))  # fmt: skip
        sims = [0.5] * len(docs)
        assert index.hypotheses(f, sims) == event_hypotheses(f, docs, sims, W)


def test_the_index_prefilter_never_loses_a_match() -> None:
    """Releases of every platform and version, flags and incidents over a season, and
    fragments on and off those platforms and versions: the index gives exactly the full scan's
    hypotheses, boundaries included, and a limit keeps the best of them."""
    import random

    from feedback_lakehouse.insights.events import EventIndex

    rng = random.Random(5)
    versions = ["5.18.0", "5.19.0", "6.0.1", None]
    docs = []
    for i in range(120):
        plat = rng.choice(["ios", "android", None])
        ver = rng.choice(versions[:3])
        seg = {"product_version": ver, "component": plat or "web"} | (
            {"platform": plat} if plat else {}
        )
        at = T0 + timedelta(days=rng.uniform(-100, 100))
        docs.append(
            KnowledgeDoc(f"REL-{i}", "release", "Release", "notes", "mobile", start=at, segment=seg)
        )
    for i in range(20):
        at = T0 + timedelta(days=rng.uniform(-100, 100))
        docs.append(KnowledgeDoc(f"INC-{i}", "incident", "Incident", "sync", "ingest",
                                 start=at, end=at + timedelta(hours=3)))  # fmt: skip
        docs.append(KnowledgeDoc(f"FLAG-{i}", "flag", "Flag", "rollout", None, start=at,
                                 segment={"tier": "enterprise"}))  # fmt: skip
    index = EventIndex(docs, W)
    times = [d.start + timedelta(days=W.release_days) for d in docs[:10]]  # on a boundary
    times += [T0 + timedelta(days=rng.uniform(-120, 120)) for _ in range(300)]
    for at in times:
        plat, tier = rng.choice(["ios", "android", None]), rng.choice(["enterprise", None])
        f = facts(platform=plat, received_at=at, product_version=rng.choice(versions), tier=tier)
        sims = [rng.random() for _ in docs]
        full = event_hypotheses(f, docs, sims, W)
        assert index.hypotheses(f, sims) == full
        assert index.hypotheses(f, sims, limit=2) == full[:2]


def test_a_batch_gives_each_fragment_what_it_gets_alone() -> None:
    """A season of releases, incidents and flags with segments on several keys, and a batch of
    fragments in every area, some without a time: the grid scoring of ``EventIndex.batch``
    equals the one-at-a-time scan for every fragment, ranks and reasons included."""
    import random

    import numpy as np

    from feedback_lakehouse.insights.events import EventIndex

    rng = random.Random(11)
    docs = []
    for i in range(60):
        plat = rng.choice(["ios", "android", None])
        seg = {"product_version": rng.choice(["5.18.0", "5.19.0"])} | (
            {"platform": plat} if plat else {}
        )
        at = T0 + timedelta(days=rng.uniform(-30, 30))
        area = rng.choice(["mobile", "sync", None])
        # a release's note lines share its id: the best line stands for it
        docs.append(KnowledgeDoc(f"REL-{i % 25}", "release", "R", "n", area, start=at, segment=seg))
    for i in range(15):
        at = T0 + timedelta(days=rng.uniform(-30, 30))
        docs.append(
            KnowledgeDoc(
                f"INC-{i}",
                "incident",
                "I",
                "s",
                rng.choice(["sync", None]),
                start=at,
                end=rng.choice([None, at + timedelta(hours=3)]),
            )
        )
        seg = rng.choice(
            [
                {"tier": "Enterprise"},
                {"region": "EU", "tier": "smb"},
                {"platform": "ios"},
                {"cohort": "beta"},
                {},
            ]
        )
        docs.append(KnowledgeDoc(f"FLAG-{i}", "flag", "F", "r", None, start=at, segment=seg))
    docs.append(KnowledgeDoc("KB-1", "runbook", "no time", "x", "sync"))
    index = EventIndex(docs, W)
    batch = []
    for _ in range(400):
        batch.append(facts(
            received_at=rng.choice([None, T0 + timedelta(days=rng.uniform(-35, 50))]),
            product_area=rng.choice(["mobile", "sync", "billing"]),
            platform=rng.choice(["ios", "android", None]),
            product_version=rng.choice(["5.18.0", "5.19.0", None, ""]),
            tier=rng.choice(["enterprise", "smb", None]), region=rng.choice(["EU", "US", None]),
        ))  # fmt: skip
    for d in docs[:20]:  # on the last microsecond of a release's window, and just past it
        end = d.start + timedelta(days=W.release_days)
        for at in (end, end + timedelta(microseconds=1)):
            batch.append(facts(received_at=at, platform=d.segment.get("platform")))
    sims = np.array([[rng.choice([0.0, rng.random()]) for _ in docs] for _ in batch])
    for limit in (None, 3):
        got = index.batch(batch, sims, limit)
        for f, row, hyps in zip(batch, sims, got, strict=True):
            assert hyps == event_hypotheses(f, docs, row.tolist(), W, limit=limit)
    assert sum(map(len, got)) > 400, "the season should explain most fragments somehow"
    # the chain asks only for what could pass its abstention score: the head of each list
    floor = 0.5
    strong = index.batch(batch, sims, 3, min_score=floor)
    for f, row, hyps in zip(batch, sims, strong, strict=True):
        full = event_hypotheses(f, docs, row.tolist(), W, limit=3)
        assert hyps == [h for h in full if h.score >= floor]
    assert 0 < sum(map(len, strong)) < sum(map(len, got))


def test_times_as_microseconds_naive_aware_or_missing() -> None:
    from datetime import UTC

    from feedback_lakehouse.insights.events import _micros, _micros_array

    naive = [T0, None, T0 + timedelta(microseconds=1), datetime(1969, 12, 31, 23, 59, 59)]
    assert _micros_array(naive, -7).tolist() == [
        _micros(v) if v else -7 for v in naive
    ]  # fmt: skip
    aware = [T0.replace(tzinfo=UTC) + timedelta(hours=2), None]
    assert _micros_array(aware, -7).tolist() == [_micros(T0 + timedelta(hours=2)), -7]
    assert _micros_array([], -7).tolist() == []
