"""Fault injection for the crash tests: with ``FEEDBACK_LAKEHOUSE_KILL_AFTER=<table>[:<n>]``
this process kills itself with SIGKILL right after its n-th commit to ``<table>`` (default
the first), as an operator's ``kill -9`` or a lost machine would, at a point a test can name.
The embedded engine lives in the same process, so nothing is left to finish the write set.
Unset, as everywhere but those tests, a commit costs one environment lookup."""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "FEEDBACK_LAKEHOUSE_KILL_AFTER"
_commits: Counter[str] = Counter()


def committed(table: str) -> None:
    """Called by the catalog after each commit to ``table`` (a logical name)."""
    spec = os.environ.get(ENV)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != table:
        return
    _commits[table] += 1
    if _commits[table] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
