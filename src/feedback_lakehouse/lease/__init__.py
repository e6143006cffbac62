"""One writer at a time: a lakehouse lease taken before a run writes and released when it ends.

Two runs writing one lakehouse at once doubled every bronze key and multiplied silver and
insights on the next run. Two kinds, chosen by ``lakehouse.lease`` (``auto``: a file lock on
the local engine, a lease table elsewhere):

- ``file``: an exclusive ``flock`` on ``<root>/.writer.lease``, released by the operating
  system when its process ends however it ends, so never stale.
- ``table``: a row in ``ops.writer_lease`` (holder, run id, heartbeat, expiry), for Databricks,
  where notebooks and manual runs share the tables with the scheduled jobs. A background
  heartbeat extends it; a killed run's lease expires and is taken over by the next run.

Either way a second run fails at once naming the holder, and the lease is re-entrant within a
process (the main job holds it across its steps; each step takes it again)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.lease.file import FILE, file_lease
from feedback_lakehouse.lease.held import LeaseHeld, LeaseLost

if TYPE_CHECKING:
    from feedback_lakehouse.catalog import Catalog

__all__ = ["FILE", "LeaseHeld", "LeaseLost", "lease_kind", "writer_lease"]

_held: dict[str, int] = {}
"""Leases this process holds (lease file or table) -> depth of nesting."""


def lease_kind(settings: Settings) -> str:
    """``file`` or ``table``: what ``lakehouse.lease`` comes to on this engine."""
    kind = settings.lakehouse.lease
    if kind == "auto":
        return "file" if settings.engine.kind == "local" else "table"
    return kind


@contextmanager
def writer_lease(settings: Settings, run_id: str, catalog: Catalog | None = None) -> Iterator[None]:
    """Hold the lakehouse's writer lease while the block runs; ``LeaseHeld`` at once when
    another run holds it. Without a catalog (writing local files only) the file lease is
    taken whatever the setting."""
    table = lease_kind(settings) == "table" and catalog is not None
    if not table and settings.engine.kind != "local":
        yield  # nothing local to guard: the caller writes through the engine only
        return
    key = catalog.physical("ops.writer_lease") if table and catalog else str(settings.root)
    if key in _held:  # re-entrant: the steps of a run that holds it
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    if table and catalog is not None:
        from feedback_lakehouse.lease.table import table_lease

        held = table_lease(catalog, run_id, settings.lakehouse.lease_ttl_seconds)
    else:
        held = file_lease(settings.root, run_id)
    with held:
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
