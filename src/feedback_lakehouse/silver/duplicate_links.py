"""Which earlier message each message repeats: one pass per account bucket in time order.

A message is compared only with the messages of its bucket from the last ``window_s``
seconds that share its exact hash or one of its LSH bands, so the work is a few dictionary
look-ups per message, and memory is one bucket's window. The first (earliest) earlier message
that passes the rules is the one repeated; its own original, if it is a duplicate, becomes
the link's target, so chains (c -> b -> a) resolve to ``a`` as they are met. Pure logic: the
Spark step feeds it rows sorted by (bucket, received_at, feedback_id)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from feedback_lakehouse.silver.minhash import band_keys_matrix


@dataclass(frozen=True, slots=True)
class DedupRules:
    window_s: int
    min_jaccard: float = 0.55
    anonymous_min_jaccard: float = 0.9
    anonymous_min_chars: int = 60
    bands: int = 21
    rows: int = 3


@dataclass(slots=True)
class _Seen:
    feedback_id: str
    at: float
    account: str | None
    chars: int
    exact: str | None
    sig: np.ndarray | None
    keys: list[int]
    root: str


@dataclass(slots=True)
class _Bucket:
    """The window of one bucket: messages in time order, and the same messages by exact hash
    and by band key (each list in time order). Lists are read from their first message still
    in the window; stale heads are cut as they are met, and the indexes are rebuilt from the
    window once more messages have left it than are in it."""

    recent: deque[_Seen] = field(default_factory=deque)
    by_exact: dict[str, list[_Seen]] = field(default_factory=dict)
    by_band: dict[int, list[_Seen]] = field(default_factory=dict)
    left: int = 0

    def evict(self, before: float) -> None:
        while self.recent and self.recent[0].at < before:
            self.recent.popleft()
            self.left += 1
        if self.left > max(1000, len(self.recent)):
            self.by_exact, self.by_band, self.left = {}, {}, 0
            for seen in self.recent:
                self._index(seen)

    def add(self, seen: _Seen) -> None:
        self.recent.append(seen)
        self._index(seen)

    def _index(self, seen: _Seen) -> None:
        if seen.exact:
            self.by_exact.setdefault(seen.exact, []).append(seen)
        for k in seen.keys:
            self.by_band.setdefault(k, []).append(seen)


def _fresh(entries: list[_Seen] | None, before: float) -> list[_Seen]:
    """``entries`` without its head of messages that left the window (cut in place)."""
    if not entries:
        return []
    i = 0
    while i < len(entries) and entries[i].at < before:
        i += 1
    if i:
        del entries[:i]
    return entries


def _accept(a: _Seen, b: _Seen, rules: DedupRules) -> bool:
    """The near-duplicate rule (exact copies need none): with an account on both sides the
    estimated Jaccard must reach ``min_jaccard``; otherwise ``anonymous_min_jaccard`` and
    ``anonymous_min_chars`` on both texts."""
    if a.sig is None or b.sig is None:
        return False
    similarity = float(np.count_nonzero(a.sig == b.sig)) / a.sig.size
    if a.account is not None and b.account is not None:
        return similarity >= rules.min_jaccard
    return (
        similarity >= rules.anonymous_min_jaccard
        and min(a.chars, b.chars) >= rules.anonymous_min_chars
    )


def _best(a: _Seen, state: _Bucket, rules: DedupRules) -> tuple[str, str] | None:
    """(target, exact|near) of the earliest message ``a`` repeats; exact wins a tie."""
    before = a.at - rules.window_s
    best: tuple[float, int, str] | None = None
    if a.exact:
        same = _fresh(state.by_exact.get(a.exact), before)
        if same:  # the list is in time order: its first is the earliest
            best = (same[0].at, 0, same[0].root)
    checked: set[str] = set()
    for key in a.keys:
        for b in _fresh(state.by_band.get(key), before):
            if best is not None and b.at > best[0]:
                break
            if b.feedback_id in checked:
                continue
            checked.add(b.feedback_id)
            if _accept(a, b, rules):
                best = min(best or (b.at, 1, b.root), (b.at, 1, b.root))
                break
    return None if best is None else (best[2], "exact" if best[1] == 0 else "near")


def find_links(rows: Iterable[dict[str, Any]], rules: DedupRules) -> Iterator[dict[str, Any]]:
    """(feedback_id, duplicate_of, duplicate_kind) for each new row that repeats an earlier
    one. ``rows`` are sorted by (bucket, received_at, feedback_id) and carry feedback_id,
    bucket, at (epoch seconds), account_id, text_chars, exact_hash, minhash, is_new and, for
    rows already in silver, root (their original, or themselves)."""
    bucket: object = object()
    state = _Bucket()
    for r in rows:
        if r["bucket"] != bucket:
            bucket, state = r["bucket"], _Bucket()
        at = float(r["at"])
        state.evict(at - rules.window_s)
        sig, keys = r["sig"], r["band_keys"] or []
        a = _Seen(r["feedback_id"], at, r["account_id"], int(r["text_chars"] or 0),
                  r["exact_hash"], sig, keys, r["feedback_id"])  # fmt: skip
        if r["is_new"]:
            found = _best(a, state, rules)
            if found is not None:
                a.root = found[0]
                yield {"feedback_id": a.feedback_id, "duplicate_of": found[0],
                       "duplicate_kind": found[1]}  # fmt: skip
        else:
            a.root = r["root"] or a.feedback_id
        state.add(a)


def add_band_keys(rows: list[dict[str, Any]], rules: DedupRules) -> list[dict[str, Any]]:
    """Each row's signature as an array (``sig``) and its LSH band keys (``band_keys``; the
    band index is mixed into each key), None without a signature, computed for the batch."""
    live = [i for i, r in enumerate(rows) if r["minhash"] is not None]
    for r in rows:
        r["sig"] = r["band_keys"] = None
    if live:
        sigs = np.array([rows[i]["minhash"] for i in live], dtype=np.int64)
        keys = band_keys_matrix(sigs, rules.bands, rules.rows).tolist()
        for j, i in enumerate(live):
            rows[i]["sig"], rows[i]["band_keys"] = sigs[j], keys[j]
    return rows
