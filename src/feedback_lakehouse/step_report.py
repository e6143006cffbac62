"""What every step returns: rows in, rows out, rows quarantined, time, and details.

The CLI prints it, jobs log it, tests assert on it; ``in = out + quarantined`` is checked
here once instead of in every step."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StepReport:
    step: str
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    duration_s: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Add the seconds a phase took to ``details["seconds"][phase]`` (phases may repeat)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = self.details.setdefault("seconds", {})
            elapsed = time.perf_counter() - started
            seconds[phase] = round(seconds.get(phase, 0.0) + elapsed, 2)

    @property
    def balanced(self) -> bool:
        """Nothing lost: every record read is either written or quarantined."""
        return self.rows_read == self.rows_written + self.rows_quarantined

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.duration_s if self.duration_s > 0 else 0.0

    def summary(self) -> str:
        return (
            f"{self.step}: read {self.rows_read:,}, written {self.rows_written:,}, "
            f"quarantined {self.rows_quarantined:,} in {self.duration_s:.1f}s"
            f" ({self.rows_per_s:,.0f} rows/s)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "rows_read": self.rows_read,
            "rows_written": self.rows_written,
            "rows_quarantined": self.rows_quarantined,
            "duration_s": round(self.duration_s, 3),
            "balanced": self.balanced,
            "details": self.details,
            "messages": self.messages,
        }


def problems(report: StepReport) -> list[str]:
    """What makes a report a data problem, in words: records unaccounted for. The CLI exits 1
    on it and a job fails its task on it (a failed quality check stops a step only under
    ``quality.fail_on_error``, by raising ``QualityError``; else it is a warning)."""
    if report.balanced:
        return []
    lost = report.rows_read - report.rows_written - report.rows_quarantined
    return [
        f"read {report.rows_read:,} but wrote {report.rows_written:,} and quarantined "
        f"{report.rows_quarantined:,}: {abs(lost):,} records "
        + ("unaccounted for" if lost > 0 else "more out than in")
    ]


def failed_checks(results: Any) -> list[str]:
    """The failed checks among a report's quality results (``details["quality"]``), one line
    each: ``table check(column): n rows``."""
    if not isinstance(results, list):
        return []
    return [
        f"{r.get('table')} {r.get('check')}({r.get('column')}): {r.get('unexpected', 0):,} rows"
        for r in results
        if isinstance(r, dict) and r.get("success") is False
    ]
