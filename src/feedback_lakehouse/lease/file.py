"""One writer at a time: a lakehouse lease taken before a run writes and released when it ends.

Two runs writing one lakehouse at once doubled every bronze key and multiplied silver and
insights on the next run. Locally the lease is an exclusive ``flock`` on
``<root>/.writer.lease``, which holds the holder's run id, process, host and start: the
operating system releases it when its process ends, however it ends (``kill -9`` included),
so a killed run's lease is never stale. A second run fails at once naming the holder. The
lease is re-entrant within a process (the main job holds it across its steps; each step takes
it again). On Databricks the bundle's jobs run one at a time (``max_concurrent_runs: 1``);
notebooks and manual runs there are not guarded by this lease."""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.errors import FeedbackLakehouseError

FILE = ".writer.lease"
_held: dict[str, int] = {}
"""Lakehouse roots this process holds the lease of -> depth of nesting."""


class LeaseHeld(FeedbackLakehouseError):
    """Another run is writing this lakehouse."""


def _describe(path: Path) -> str:
    try:
        h = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        h = {}
    if not h:
        return "another process (it has not said which yet)"
    return f"run {h.get('run_id')} (pid {h.get('pid')} on {h.get('host')}, since {h.get('since')})"


@contextmanager
def writer_lease(settings: Settings, run_id: str) -> Iterator[None]:
    """Hold the lakehouse's writer lease while the block runs; ``LeaseHeld`` at once when
    another process holds it."""
    if settings.engine.kind != "local":
        yield  # see the module docstring
        return
    root = settings.root
    key = str(root)
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    root.mkdir(parents=True, exist_ok=True)
    path = root / FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise LeaseHeld(
            f"{root}: another run is writing this lakehouse: {_describe(path)}. Wait for it "
            "to finish (or stop it) and run again; a run that was killed releases it with "
            "its process."
        ) from None
    holder = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
              "since": datetime.now(UTC).isoformat(timespec="seconds")}  # fmt: skip
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder).encode(), 0)
    _held[key] = 1
    try:
        yield
    finally:
        del _held[key]
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
