"""The local writer lease: an exclusive ``flock`` on ``<root>/.writer.lease``, which holds the
holder's run id, process, host and start. The operating system releases it when its process
ends, however it ends (``kill -9`` included), so a killed run's lease is never stale."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from feedback_lakehouse.lease.held import LeaseHeld

FILE = ".writer.lease"


def _read(path: Path) -> dict[str, str]:
    try:
        return json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def _describe(path: Path, wait_s: float = 2.0) -> str:
    """Who holds the lease. The holder writes itself into the file just after taking the lock:
    a run refused in between waits a moment for that, rather than naming no one."""
    deadline = time.monotonic() + wait_s
    h = _read(path)
    while not h and time.monotonic() < deadline:
        time.sleep(0.05)
        h = _read(path)
    if not h:
        return "another process (it has not said which yet)"
    return f"run {h.get('run_id')} (pid {h.get('pid')} on {h.get('host')}, since {h.get('since')})"


@contextmanager
def file_lease(root: Path, run_id: str) -> Iterator[None]:
    """Hold the lease file of ``root`` while the block runs; ``LeaseHeld`` at once when
    another process holds it."""
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
    try:
        yield
    finally:
        os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
