"""Stage 3's timeline: releases, flag changes and incidents close in time to a fragment and in
its segment raise a root-cause hypothesis, scored by how well the event's text matches.

Pure logic over plain values, so it is unit-tested without Spark; the chain calls it once per
fragment with the fragment's similarity to every event document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from feedback_lakehouse.insights.knowledge import KnowledgeDoc
from feedback_lakehouse.insights.schema import Hypothesis


@dataclass(frozen=True, slots=True)
class EventWindows:
    release_days: float = 14.0
    """How long after a deploy a fragment that names no version may be caused by it."""
    release_version_days: float = 90.0
    """The same for a fragment reporting the release's own version: it runs that build."""
    flag_days: float = 90.0
    incident_before_hours: float = 1.0
    incident_after_hours: float = 24.0


@dataclass(slots=True)
class FragmentFacts:
    received_at: datetime | None
    product_area: str
    product_version: str | None = None
    platform: str | None = None  # ios | android | None (web)
    tier: str | None = None
    region: str | None = None
    browser: str | None = None


def platform_of(os_name: str | None, device: str | None) -> str | None:
    text = f"{os_name or ''} {device or ''}".lower()
    if "ios" in text or "iphone" in text or "ipad" in text:
        return "ios"
    if "android" in text or "pixel" in text or "galaxy" in text:
        return "android"
    return None


def _match(
    doc: KnowledgeDoc, f: FragmentFacts, w: EventWindows
) -> tuple[float, Callable[[], str]] | None:
    """(strength 0..1, reason) when the event could explain the fragment, else None. The
    reason comes as a function: most matches are ranked out, and their text is never read."""
    at = f.received_at
    if at is None or doc.start is None:
        return None
    if doc.kind == "release":
        plat = doc.segment.get("platform")
        if plat != f.platform:  # a web release does not explain mobile feedback, and so on
            return None
        ver = doc.segment.get("product_version")
        on_it = bool(f.product_version) and f.product_version == ver
        if f.product_version and not on_it:
            return None
        days = w.release_version_days if on_it else w.release_days
        if not (doc.start <= at <= doc.start + timedelta(days=days)):
            return None
        release = f"release {ver} ({plat or 'web'})"
        if on_it:
            return 0.9, lambda: f"received {_ago(at - doc.start)} after {release} and on it"
        return 0.55, lambda: f"received {_ago(at - doc.start)} after {release}"
    if doc.kind == "incident":
        end = doc.end or doc.start
        lo = doc.start - timedelta(hours=w.incident_before_hours)
        if not (lo <= at <= end + timedelta(hours=w.incident_after_hours)):
            return None
        during = doc.start <= at <= end
        return (0.85 if during else 0.6), (
            (lambda: f"received during incident {doc.doc_id}") if during
            else (lambda: f"received {_ago(at - end)} after incident {doc.doc_id} ended")
        )  # fmt: skip
    if doc.kind == "flag":
        if not (doc.start <= at <= doc.start + timedelta(days=w.flag_days)):
            return None
        facts = {"tier": f.tier, "region": f.region, "platform": f.platform}
        matched, unknown = [], 0
        for key, want in doc.segment.items():
            have = facts.get(key)
            if have is None:
                unknown += 1
            elif have.lower() != want.lower():
                return None
            else:
                matched.append(f"{key}={have}")
        strength = 0.85 if not unknown else 0.55
        seg = f" in segment {', '.join(matched)}" if matched else ""
        return strength, lambda: f"received {_ago(at - doc.start)} after flag change{seg}"
    return None


def _epoch(value: datetime) -> float:
    """Seconds since the epoch; naive datetimes are UTC here, never the machine's zone."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


class EventIndex:
    """The events sorted into arrays, so a fragment is matched only against the few events
    that can explain it (a season of releases is hundreds of note lines, and most fragments
    fall inside some release's window): time windows and, for releases, platform and version
    are checked for all events at once; ``_match`` then confirms each survivor and gives its
    reason. The array test only ever keeps more than ``_match`` would (a second of slack)."""

    def __init__(self, docs: list[KnowledgeDoc], windows: EventWindows) -> None:
        import numpy as np

        self.docs, self.windows = docs, windows
        reach = timedelta(
            days=max(windows.release_days, windows.release_version_days, windows.flag_days)
        )
        lo, hi, start = [], [], []
        for d in docs:
            if d.start is None:
                lo.append(float("inf"))
                hi.append(float("-inf"))
                start.append(float("inf"))
                continue
            lo.append(_epoch(d.start - timedelta(hours=windows.incident_before_hours)))
            end = (d.end or d.start) + timedelta(hours=windows.incident_after_hours)
            hi.append(_epoch(max(d.start + reach, end)))
            start.append(_epoch(d.start))
        self._lo, self._hi, self._start = np.array(lo), np.array(hi), np.array(start)
        self._release = np.array([d.kind == "release" for d in docs], dtype=bool)
        self._platform = np.array([d.segment.get("platform") or "" for d in docs], dtype=object)
        self._version = np.array([d.segment.get("product_version") for d in docs], dtype=object)

    def hypotheses(
        self, facts: FragmentFacts, similarities: list[float], limit: int | None = None
    ) -> list[Hypothesis]:
        import numpy as np

        if facts.received_at is None or not self.docs:
            return []
        at = _epoch(facts.received_at)
        near = (self._lo - 1 <= at) & (at <= self._hi + 1)
        w, day = self.windows, 86400.0
        age = at - self._start
        release_ok = self._release & (age >= -1) & (self._platform == (facts.platform or ""))
        if facts.product_version:  # only its own version's releases, for longer
            release_ok &= (self._version == facts.product_version) & (
                age <= w.release_version_days * day + 1
            )
        else:
            release_ok &= age <= w.release_days * day + 1
        idx = np.flatnonzero(near & (~self._release | release_ok))
        return event_hypotheses(
            facts, [self.docs[i] for i in idx], [similarities[i] for i in idx], self.windows,
            limit=limit,
        )  # fmt: skip


def event_hypotheses(
    facts: FragmentFacts,
    docs: list[KnowledgeDoc],
    similarities: list[float],
    windows: EventWindows,
    full_similarity: float = 0.6,
    limit: int | None = None,
) -> list[Hypothesis]:
    """One hypothesis per matching event (a release's best-matching note line stands for the
    release), best first. Score = strength x relevance; relevance rises with text similarity
    and needs the event's product area, when known, to be the fragment's. ``limit``: only the
    best ones (the chain keeps ``max_hypotheses`` overall, so the rest could never show)."""
    best: dict[str, tuple[float, KnowledgeDoc, Callable[[], str], float]] = {}
    for doc, sim in zip(docs, similarities, strict=True):
        m = _match(doc, facts, windows)
        if m is None:
            continue
        strength, reason = m
        text = min(1.0, max(0.0, sim) / full_similarity)
        if doc.product_area is None or doc.product_area == facts.product_area:
            relevance = 0.3 + 0.7 * text
        else:
            relevance = 0.4 * text
        score = strength * relevance
        if doc.doc_id not in best or score > best[doc.doc_id][0]:
            best[doc.doc_id] = (score, doc, reason, sim)
    ranked = sorted(
        ((round(score, 4), doc, reason, sim) for score, doc, reason, sim in best.values()),
        key=lambda x: (-x[0], x[1].doc_id),
    )[:limit]
    return [
        Hypothesis(
            rank=1,
            doc_ids=[doc.doc_id],
            title=doc.title,
            score=score,
            reason=f"{reason()}; text similarity {sim:.2f}",
        )
        for score, doc, reason, sim in ranked
    ]
