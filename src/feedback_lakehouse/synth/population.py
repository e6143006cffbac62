"""Who writes and about what: the issue mix per 15-minute bucket (trends, planted spikes,
incident windows) and heavy-tailed account activity. The composer draws from both; the
generator builds them once per run."""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Iterator

from feedback_lakehouse.synth.issues import Issue
from feedback_lakehouse.synth.reference import DAY, Account

BUCKET = 900


class Mix:
    """Per 15-minute bucket issue weights: trends, release/flag spikes, incident windows."""

    def __init__(self, rng: random.Random, issues: list[Issue], causes: list[dict],
                 start: int, end: int) -> None:  # fmt: skip
        self.issues, self.start, self.end = issues, start, end
        self.n = max(1, math.ceil((end - start) / BUCKET))
        self.slopes = [rng.uniform(-0.6, 0.9) if rng.random() < 0.4 else 0.0 for _ in issues]
        self.cause = {c["issue_id"]: c for c in causes}
        self.kind = [i.cause.type if i.cause else "" for i in issues]
        totals = []
        for b in range(self.n):
            t = start + b * BUCKET
            hour, wd = (t // 3600) % 24, (t // DAY + 3) % 7  # 1970-01-01 was a Thursday
            season = (1.0 if 7 <= hour <= 19 else 0.45) * (0.4 if wd >= 5 else 1.0)
            totals.append(season * sum(self.weights(t)))
        self.cum = [0.0]
        for w in totals:
            self.cum.append(self.cum[-1] + w)
        self.totals = totals
        self.cur_b = -1
        self.cur: list[float] = []

    def weights(self, t: int) -> list[float]:
        x = (t - self.start) / max(1, self.end - self.start)
        out = []
        for k, issue in enumerate(self.issues):
            w = issue.weight * max(0.2, 1 + self.slopes[k] * (x - 0.5))
            kind = self.kind[k]
            if kind and kind != "browser":
                c = self.cause[issue.issue_id]
                s0, s1 = c["spike_start"], c["spike_end"]
                if t < s0:
                    w = 0.0
                elif kind == "release":
                    w = issue.weight * (0.15 + 5 * math.exp(-(t - s0) / (1.5 * DAY)))
                elif kind == "flag":
                    w = issue.weight * 1.3
                else:
                    w = issue.weight * 40 if t <= s1 else 0.0
            out.append(w)
        return out

    def draw(self, rng: random.Random, b: int) -> Issue:
        if b != self.cur_b:
            self.cur_b, acc, self.cur = b, 0.0, []
            for w in self.weights(self.start + b * BUCKET):
                acc += w
                self.cur.append(acc)
        k = bisect.bisect_right(self.cur, rng.random() * self.cur[-1])
        return self.issues[min(k, len(self.issues) - 1)]


def timeline(rng: random.Random, mix: Mix, n: int) -> Iterator[tuple[int, int]]:
    """``n`` sorted timestamps from the mix's intensity, streamed (sequential order
    statistics), so no list of all messages is ever built."""
    m, b, total = 1.0, 0, mix.cum[-1]
    for k in range(n, 0, -1):
        m *= rng.random() ** (1.0 / k)
        target = (1.0 - m) * total
        while b < mix.n - 1 and mix.cum[b + 1] <= target:
            b += 1
        w = mix.totals[b] or 1.0
        ts = mix.start + b * BUCKET + int((target - mix.cum[b]) / w * BUCKET)
        yield min(max(ts, mix.start), mix.end - 1), b


class Accounts:
    """Heavy-tailed account activity, with per-segment pools for targeted spikes."""

    def __init__(self, rng: random.Random, accounts: list[Account]) -> None:
        self.accounts = accounts
        self.w = [rng.paretovariate(1.3) for _ in accounts]
        self.pools: dict[tuple[str, str], tuple[list[Account], list[float]]] = {}
        self.all = self._pool(accounts, self.w)

    @staticmethod
    def _pool(accs: list[Account], ws: list[float]) -> tuple[list[Account], list[float]]:
        cum, acc = [], 0.0
        for w in ws:
            acc += w
            cum.append(acc)
        return accs, cum

    def pick(self, rng: random.Random, segment: dict[str, str]) -> Account:
        pool = self.all
        for key in ("region", "tier"):
            if key in segment and rng.random() < 0.9:
                k = (key, segment[key])
                if k not in self.pools:
                    idx = [i for i, a in enumerate(self.accounts) if getattr(a, key) == k[1]]
                    self.pools[k] = self._pool([self.accounts[i] for i in idx],
                                               [self.w[i] for i in idx])  # fmt: skip
                if self.pools[k][0]:
                    pool = self.pools[k]
        accs, cum = pool
        return accs[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(accs) - 1)]
