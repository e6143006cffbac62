"""Spike detection scored against the synthetic generator's planted causes
(``ground_truth/causes.json``): which planted spikes were found, how many detected spikes match
nothing planted, how late detection starts, and whether the linked event is the planted cause.

Evaluation only: the pipeline never reads ground truth. Themes are not issues, so the caller
maps each theme to the planted issue most of its fragments carry."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from feedback_lakehouse.gold.spikes.detect import Spike

LINKABLE = ("release", "flag", "incident")


@dataclass(frozen=True, slots=True)
class PlantedSpike:
    issue_id: str
    type: str  # release | incident | flag | browser | ...
    cause_id: str
    segment: dict[str, str]
    start: datetime  # the planted spike's start (its window), not the event's
    end: datetime

    def contains_segment(self, spike: Spike) -> bool:
        """The spike is in the planted segment (segment "all" for a segment-wide cause)."""
        if spike.segment_kind == "all":
            return not self.segment
        want = self.segment.get(spike.segment_kind)
        return want is not None and want.lower() == spike.segment_value.lower()


def _utc(value: str | datetime) -> datetime:
    at = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def planted_spikes(causes: Iterable[Mapping[str, Any]]) -> list[PlantedSpike]:
    return [
        PlantedSpike(
            issue_id=str(c["issue_id"]),
            type=str(c["type"]),
            cause_id=str(c["id"]),
            segment={str(k): str(v) for k, v in (c.get("segment") or {}).items()},
            start=_utc(c["spike_window"]["start"]),
            end=_utc(c["spike_window"]["end"]),
        )
        for c in causes
    ]


def _overlaps(spike: Spike, planted: PlantedSpike) -> bool:
    return spike.start < planted.end and spike.end > planted.start


def _rate(hits: int, n: int) -> float | None:
    return round(hits / n, 4) if n else None


def _found_row(p: PlantedSpike, matched: list[Spike]) -> dict[str, Any]:
    """The first matched spike anywhere, and the first in the planted segment or in "all":
    the one an engineer watching that segment sees (a stray segment's spike can start hours
    earlier on a few reports, and says little about when the cause's own spike showed)."""

    def earliest(group: list[Spike]) -> Spike:
        return min(group, key=lambda s: (s.start, s.segment_kind, s.segment_value))

    first = earliest(matched)
    linked = sorted({s.linked_event_id for s in matched if s.linked_event_id})
    home = [s for s in matched if s.segment_kind == "all" or p.contains_segment(s)]
    row: dict[str, Any] = {
        "found": True,
        "detected_start": first.start.isoformat(),
        "delay_hours": _hours(first.start - p.start),
        "segments": sorted({s.segment for s in matched}),
        "in_planted_segment": any(p.contains_segment(s) for s in matched),
        "linked_event_ids": linked,
        "linked_to_cause": p.cause_id in linked if p.type in LINKABLE else None,
    }
    if home:
        own = earliest(home)
        row["own_segment_spike"] = {
            "segment": own.segment,
            "delay_hours": _hours(own.start - p.start),
            "linked_to_cause": own.linked_event_id == p.cause_id if p.type in LINKABLE else None,
        }
    return row


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def episodes(spikes: Iterable[Spike]) -> list[list[Spike]]:
    """A theme's overlapping spikes (any segment) as one episode, as the view
    ``gold.v_spike_episodes`` groups them: an alert is an episode, and one release spike
    echoes in "all", its product area and every browser and region. A false episode is one
    none of whose spikes a planted cause explains."""
    out: list[list[Spike]] = []
    reach = datetime.min
    for s in sorted(spikes, key=lambda s: (s.theme_id, s.start, s.segment)):
        if out and out[-1][0].theme_id == s.theme_id and s.start < reach:
            out[-1].append(s)
            reach = max(reach, s.end)
        else:
            out.append([s])
            reach = s.end
    return out


def spike_key(spike: Spike) -> tuple[str, str, datetime]:
    return spike.theme_id, spike.segment, spike.start


def evaluate_spikes(
    spikes: Iterable[Spike],
    theme_issue: Mapping[str, str],
    causes: Iterable[Mapping[str, Any]],
    spike_issue: Mapping[tuple[str, str, datetime], str] | None = None,
) -> dict[str, Any]:
    """Recall per cause type (a planted spike is found when a spike of a theme mapped to its
    issue, in any segment, overlaps its window); false spike rate (spikes overlapping no
    planted window of their theme's issue), for segment "all", the segments, and overall;
    detection delay (first detected start - planted spike start, hours) over found spikes,
    and that of the first spike in the planted segment or "all"; how often a found spike is
    linked to the planted cause (and that first spike in particular); and false episodes
    (see ``episodes``). JSON-ready.

    ``spike_issue`` (by ``spike_key``) overrides the theme's issue for single spikes: the
    issue most of the spike's own fragments carry."""
    spikes = list(spikes)
    planted = planted_spikes(causes)
    spike_issue = spike_issue or {}

    def issue_of(s: Spike) -> str | None:
        return spike_issue.get(spike_key(s), theme_issue.get(s.theme_id))

    by_issue: dict[str, list[Spike]] = {}
    for s in spikes:
        issue = issue_of(s)
        if issue is not None:
            by_issue.setdefault(issue, []).append(s)

    rows, delays, own_delays = [], [], []
    for p in planted:
        matched = [s for s in by_issue.get(p.issue_id, []) if _overlaps(s, p)]
        row: dict[str, Any] = {
            "issue_id": p.issue_id,
            "type": p.type,
            "cause_id": p.cause_id,
            "segment": p.segment,
            "planted_start": p.start.isoformat(),
        }
        row |= _found_row(p, matched) if matched else {"found": False}
        if matched:
            delays.append(row["delay_hours"])
        if "own_segment_spike" in row:
            own_delays.append(row["own_segment_spike"]["delay_hours"])
        rows.append(row)

    recall: dict[str, dict[str, Any]] = {}
    for kind in [*sorted({p.type for p in planted}), "all"]:
        group = [r for r in rows if kind == "all" or r["type"] == kind]
        found = sum(r["found"] for r in group)
        recall[kind] = {"planted": len(group), "found": found, "recall": _rate(found, len(group))}

    windows: dict[str, list[PlantedSpike]] = {}
    for p in planted:
        windows.setdefault(p.issue_id, []).append(p)

    def explained(s: Spike) -> bool:
        return any(_overlaps(s, p) for p in windows.get(issue_of(s) or "", []))

    def false_spikes(group: list[Spike]) -> dict[str, Any]:
        false = sum(not explained(s) for s in group)
        return {"spikes": len(group), "false": false, "rate": _rate(false, len(group))}

    groups = episodes(spikes)
    false_groups = sum(not any(explained(s) for s in g) for g in groups)

    linkable = [r for r in rows if r["found"] and r["type"] in LINKABLE]
    linked = sum(bool(r["linked_to_cause"]) for r in linkable)
    own = [r["own_segment_spike"] for r in linkable if "own_segment_spike" in r]
    return {
        "planted": len(planted),
        "detected": len(spikes),
        "release_recall": recall.get("release", {}).get("recall"),
        "recall": recall,
        "false_spikes": {
            "all": false_spikes([s for s in spikes if s.segment_kind == "all"]),
            "segment": false_spikes([s for s in spikes if s.segment_kind != "all"]),
            "overall": false_spikes(spikes),
        },
        "false_episodes": {
            "episodes": len(groups),
            "false": false_groups,
            "rate": _rate(false_groups, len(groups)),
        },
        "delay_hours": _spread(delays),
        "own_segment_delay_hours": _spread(own_delays),
        "linked_to_cause": {
            "found": len(linkable),
            "correct": linked,
            "rate": _rate(linked, len(linkable)),
            "own_segment_spike_linked": sum(bool(o["linked_to_cause"]) for o in own),
        },
        "causes": rows,
    }


def _spread(delays: list[float]) -> dict[str, Any]:
    return {
        "found": len(delays),
        "median": round(statistics.median(delays), 2) if delays else None,
        "max": round(max(delays), 2) if delays else None,
    }
