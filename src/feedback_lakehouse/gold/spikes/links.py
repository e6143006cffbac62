"""Which release, flag change or incident most plausibly set a theme spike off: an event in
the spike's segment shortly before it, or an incident it falls in. Pure logic, unit-tested
without Spark; times are naive UTC."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from feedback_lakehouse.gold.spikes.detect import Spike, SpikeSettings
from feedback_lakehouse.insights.events import platform_of
from feedback_lakehouse.insights.knowledge import KnowledgeDoc

_HOUR = timedelta(hours=1)


def _facets(doc: KnowledgeDoc) -> dict[str, str]:
    """The segment an event targets; a release without a platform is the web app's."""
    facets = {k.lower(): v.lower() for k, v in doc.segment.items() if v}
    if doc.kind == "release":
        facets.setdefault("platform", "web")
    return facets


def _segment_match(spike: Spike, doc: KnowledgeDoc, area: str | None = None) -> str | None:
    """``segment`` when the event targets the spike's segment, ``broad`` when it may still reach
    it (the spike is segment-wide, or the event does not restrict that dimension), None when
    the event targets another value of the spike's dimension (an android release cannot
    explain an iOS spike) or is an incident of another product area than a product-area
    spike's (the billing service's cannot explain an API spike); ``other_area``, the weakest
    link, for an incident of another area than the spike's theme (``area``, predicted: an
    identity outage does show up as mobile sign-in failures)."""
    # an incident's area is its service's (``insights.component_areas``); a release's note
    # lines and a flag's description only have a predicted one, too weak to rule one out
    if doc.kind == "incident" and doc.product_area:
        own = doc.product_area.lower()
        if spike.segment_kind == "product_area":
            return "segment" if own == spike.segment_value.lower() else None
        if area and own != area.lower():
            return "other_area"
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
    spike: Spike, doc: KnowledgeDoc, cfg: SpikeSettings, area: str | None = None
) -> tuple[int, float, str, str] | None:
    """(priority, lag in minutes, match, reason) when ``doc`` can have set off ``spike``.

    The spike's start is the beginning of an hourly bucket, so an event inside that first
    hour counts (its lag is then negative, down to -60 min)."""
    if doc.start is None or doc.kind not in ("release", "flag", "incident"):
        return None
    match = _segment_match(spike, doc, area)
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
    note = {"segment": "", "broad": " (event not specific to this segment)",
            "other_area": " (an incident of another product area)"}[match]  # fmt: skip
    rank = {"segment": 0, "broad": 1, "other_area": 2}[match]
    return (
        rank,
        round(lag.total_seconds() / 60, 1),
        match,
        f"{when} in segment {spike.segment}{note}",
    )


def link_events(
    spikes: Iterable[Spike], events: Iterable[KnowledgeDoc], settings: SpikeSettings | None = None,
    areas: dict[str, str] | None = None,
) -> list[Spike]:  # fmt: skip
    """Each spike with the event that most plausibly set it off, or unchanged when none fits.

    A release or flag change qualifies when it happened between ``link_max_hours`` and
    ``link_min_minutes`` before the spike's start; an incident when the spike starts between
    ``incident_before_hours`` before it and ``incident_after_hours`` after it ended. An event
    targeting the spike's own segment wins over one that merely may reach it; then the smaller
    lag; then the id. An incident whose product area (its service's) is not a product-area
    spike's is not linked, and one that is not the spike's theme's (``areas``) only when
    nothing else fits.
    A release stands once however many note lines it has."""
    cfg = settings or SpikeSettings.of()
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
            c = _candidate(spike, doc, cfg, (areas or {}).get(spike.theme_id))
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
