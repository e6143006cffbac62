"""Stage 3's timeline: releases, flag changes and incidents close in time to a fragment and in
its segment raise a root-cause hypothesis, scored by how well the event's text matches.

Pure logic over plain values, so it is unit-tested without Spark; the chain calls it once per
fragment with the fragment's similarity to every event document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from feedback_lakehouse.config.settings import InsightsSettings
from feedback_lakehouse.insights.knowledge import KnowledgeDoc
from feedback_lakehouse.insights.schema import Hypothesis


@dataclass(frozen=True, slots=True)
class EventWindows:
    """How long after an event a fragment may be caused by it (the ``insights`` settings'
    windows; their meaning and defaults: ``InsightsSettings``)."""

    release_days: float
    """After a deploy, for a fragment that names no version."""
    release_version_days: float
    """The same for a fragment reporting the release's own version: it runs that build."""
    flag_days: float
    incident_before_hours: float
    incident_after_hours: float

    @staticmethod
    def of(s: InsightsSettings | None = None) -> EventWindows:
        """The windows the ``insights`` settings set (the settings' defaults when none)."""
        s = s or InsightsSettings()
        return EventWindows(
            release_days=s.release_window_days,
            release_version_days=s.release_version_days,
            flag_days=s.flag_window_days,
            incident_before_hours=s.incident_before_hours,
            incident_after_hours=s.incident_after_hours,
        )


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
        matched, unknown = [], 0
        for key, want in doc.segment.items():
            have = _segment_fact(f, key)
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


def _ago(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1)


def _micros(value: datetime) -> int:
    """Microseconds since the epoch, exact (naive datetimes are UTC here)."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return (value - _EPOCH) // _US


def _micros_array(values: list[datetime | None], missing: int) -> Any:
    """``_micros`` of each value (``missing`` for None) as int64, converted by numpy when all
    are naive (as the chain's are): a third of matching a batch went into ``_micros``."""
    import numpy as np

    if any(v is not None and v.tzinfo is not None for v in values):
        return np.array([_micros(v) if v else missing for v in values], dtype=np.int64)
    times = np.array(values, dtype="datetime64[us]")
    at = times.view(np.int64)
    at[np.isnat(times)] = missing
    return at


class EventIndex:
    """The events as arrays, so a whole batch of fragments is matched against every event at
    once: time windows, platform, version and segment are tested as integer microseconds and
    codes over a fragments x events grid, scores follow in the same grid, and ``_match`` then
    runs only for the few best events of each fragment, to write their reasons. Exactly what
    ``event_hypotheses`` gives for each fragment alone (unit-tested on a random season): a
    season of releases is hundreds of note lines, and most fragments fall inside some
    release's window, so the one-at-a-time scan was a third of finishing the fragments."""

    def __init__(self, docs: list[KnowledgeDoc], windows: EventWindows) -> None:
        import numpy as np

        self.docs, self.windows = docs, windows
        n, w = len(docs), windows
        none = np.iinfo(np.int64).min // 4  # a start that no window reaches
        self._kind = np.array([d.kind if d.start is not None else "" for d in docs], dtype=object)
        self._start = np.array([_micros(d.start) if d.start else none for d in docs], np.int64)
        self._end = np.array(
            [_micros(d.end or d.start) if d.start else none for d in docs], np.int64
        )
        # platforms and versions as integer codes: grid comparisons of strings are slow
        self._codes: dict[str, int] = {"": 0}
        self._platform = np.array([self._code(d.segment.get("platform")) for d in docs], int)
        self._version = np.array([self._code(d.segment.get("product_version")) for d in docs], int)
        self._spans = {
            key: timedelta(days=days) // _US
            for key, days in (("release", w.release_days), ("version", w.release_version_days),
                              ("flag", w.flag_days))
        }  # fmt: skip
        self._spans["before"] = timedelta(hours=w.incident_before_hours) // _US
        self._spans["after"] = timedelta(hours=w.incident_after_hours) // _US
        areas = sorted({d.product_area for d in docs if d.product_area is not None})
        self._area_code = {a: i for i, a in enumerate(areas)}
        self._area = np.array(
            [-1 if d.product_area is None else self._area_code[d.product_area] for d in docs]
        )
        # one hypothesis per document id: columns grouped by id, ids in order, then position
        ids = sorted({d.doc_id for d in docs})
        group = {k: i for i, k in enumerate(ids)}
        self._order = np.array(sorted(range(n), key=lambda i: (group[docs[i].doc_id], i)), int)
        grouped = [group[docs[i].doc_id] for i in self._order]
        self._group_starts = np.flatnonzero(np.r_[True, np.diff(grouped) != 0]) if n else None

    def _code(self, value: str | None, add: bool = True) -> int:
        """0 for none; a string seen in no event gets -1 (it matches no event)."""
        if not value:
            return 0
        if add:
            return self._codes.setdefault(value, len(self._codes))
        return self._codes.get(value, -1)

    def hypotheses(
        self, facts: FragmentFacts, similarities: list[float], limit: int | None = None
    ) -> list[Hypothesis]:
        """One fragment's hypotheses (see ``batch``)."""
        import numpy as np

        sims = np.asarray([similarities], dtype=np.float64).reshape(1, len(self.docs))
        return self.batch([facts], sims, limit)[0]

    def batch(
        self, facts: list[FragmentFacts], similarities: Any, limit: int | None = None,
        min_score: float = 0.0,
    ) -> list[list[Hypothesis]]:  # fmt: skip
        """Each fragment's hypotheses, best first, from its similarity to every event
        (``similarities``: fragments x events). ``min_score``: only those scoring at least
        that (the chain keeps no hypothesis below its abstention score, and nine in ten of
        the timeline's fall below it: their reasons need not be written)."""
        import numpy as np

        out: list[list[Hypothesis]] = [[] for _ in facts]
        if not facts or not self.docs:
            return out
        sims = np.asarray(similarities, dtype=np.float64)
        score = self._scores(facts, sims)
        cols = score[:, self._order]
        best = np.maximum.reduceat(cols, self._group_starts, axis=1)
        hit_rows, hit_groups = np.nonzero(best >= 0)
        rounded = np.full(best.shape, -1.0)
        rounded[hit_rows, hit_groups] = [round(v, 4) for v in best[hit_rows, hit_groups].tolist()]
        # groups are in id order, so a stable sort on score breaks ties by id
        ranked = np.argsort(-rounded, axis=1, kind="stable")[:, :limit]
        # the column that gave each group its best score (the first, as in a scan)
        arg = np.empty(best.shape, dtype=np.int64)
        ends = np.r_[self._group_starts[1:], len(self.docs)]
        for g, (lo, hi) in enumerate(zip(self._group_starts.tolist(), ends.tolist(), strict=True)):
            arg[:, g] = self._order[lo + np.argmax(cols[:, lo:hi], axis=1)]
        top_scores = np.take_along_axis(rounded, ranked, axis=1).tolist()
        top_cols = np.take_along_axis(arg, ranked, axis=1).tolist()
        floor = max(min_score, 0.0)  # a negative score is no match at all
        for i in np.flatnonzero(best.max(axis=1) >= 0).tolist():
            f = facts[i]
            for score, col in zip(top_scores[i], top_cols[i], strict=True):
                if score < floor:
                    break
                doc = self.docs[col]
                m = _match(doc, f, self.windows)
                if m is None:  # the grid and _match disagree: a bug, never bad input
                    raise RuntimeError(f"event {doc.doc_id} scored on the grid but not by _match")
                out[i].append(
                    Hypothesis(
                        rank=1, doc_ids=[doc.doc_id], title=doc.title, score=score,
                        reason=f"{m[1]()}; text similarity {sims[i, col]:.2f}",
                    )
                )  # fmt: skip
        return out

    def _scores(self, facts: list[FragmentFacts], sims: Any) -> Any:
        """Fragments x events: strength x relevance where the event can explain the fragment
        (the rules of ``_match``), -1 where it cannot."""
        import numpy as np

        none = np.iinfo(np.int64).min // 2
        at = _micros_array([f.received_at for f in facts], none)
        known = (at != none)[:, None]
        at = at[:, None]
        sp, start, end, kind = self._spans, self._start[None, :], self._end[None, :], self._kind
        age = at - start
        strength = np.zeros((len(facts), len(self.docs)))

        rel = kind == "release"
        if rel.any():
            plat = np.array([self._code(f.platform, add=False) for f in facts])[:, None]
            ver = np.array([self._code(f.product_version, add=False) for f in facts])[:, None]
            on_it = (ver != 0) & (ver == self._version[None, :])
            span = np.where(on_it, sp["version"], sp["release"])
            ok = (plat == self._platform[None, :]) & ((ver == 0) | on_it)
            ok &= (age >= 0) & (age <= span) & rel[None, :]
            strength = np.where(ok, np.where(on_it, 0.9, 0.55), strength)
        inc = kind == "incident"
        if inc.any():
            ok = (at >= start - sp["before"]) & (at <= end + sp["after"]) & inc[None, :]
            during = (at >= start) & (at <= end)
            strength = np.where(ok, np.where(during, 0.85, 0.6), strength)
        for j in np.flatnonzero(kind == "flag"):
            ok = (age[:, j] >= 0) & (age[:, j] <= sp["flag"])
            unknown = np.zeros(len(facts), dtype=bool)
            for key, want in self.docs[j].segment.items():
                have = [_segment_fact(f, key) for f in facts]
                unknown |= np.array([h is None for h in have])
                ok &= np.array([h is None or h.lower() == want.lower() for h in have])
            strength[:, j] = np.where(ok, np.where(unknown, 0.55, 0.85), 0.0)
        strength[~np.broadcast_to(known, strength.shape)] = 0.0

        text = np.minimum(1.0, np.maximum(0.0, sims) / FULL_SIMILARITY)
        area = np.array([self._area_code.get(f.product_area, -2) for f in facts])[:, None]
        same = (self._area[None, :] == -1) | (self._area[None, :] == area)
        relevance = np.where(same, 0.3 + 0.7 * text, 0.4 * text)
        return np.where(strength > 0, strength * relevance, -1.0)


_SEGMENT_FACTS = ("tier", "region", "platform")
"""The fragment facts a flag's segment is checked against; other segment keys are unknown."""


def _segment_fact(f: FragmentFacts, key: str) -> str | None:
    return getattr(f, key) if key in _SEGMENT_FACTS else None


FULL_SIMILARITY = 0.6
"""Text similarity at which an event's text counts fully toward its relevance."""


def event_hypotheses(
    facts: FragmentFacts,
    docs: list[KnowledgeDoc],
    similarities: list[float],
    windows: EventWindows,
    full_similarity: float = FULL_SIMILARITY,
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
