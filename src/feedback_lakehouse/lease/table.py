"""The writer lease as a row of ``ops.writer_lease``, for engines where a file lock cannot
reach every writer (Databricks: scheduled jobs, notebooks and manual runs on other clusters).

Taken with one MERGE that succeeds only when no row is there, the row is expired, or it is
this holding's own; read back to confirm (Delta's optimistic concurrency lets one of two racing
MERGEs win; the table is Serializable on Databricks so two inserts conflict too). A background
heartbeat extends the expiry every third of the time to live; a run killed with its driver
stops beating and the next run takes the lease over once it has expired."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.lease.held import LeaseHeld, LeaseLost

if TYPE_CHECKING:
    from feedback_lakehouse.catalog import Catalog

NAME = "ops.writer_lease"
_LOG = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _current(catalog: Catalog) -> dict[str, Any] | None:
    rows = catalog.read(NAME).collect()
    return rows[0].asDict() if rows else None


def _describe(row: dict[str, Any]) -> str:
    return (f"run {row['run_id']} ({row['holder']}, since {row['acquired_at']:%Y-%m-%d %H:%M:%S} "
            f"UTC, last heartbeat {row['heartbeat_at']:%H:%M:%S}, expires "
            f"{row['expires_at']:%H:%M:%S})")  # fmt: skip


def _merge(catalog: Catalog, row: dict[str, Any], clauses: str) -> None:
    spec = catalog.spec(NAME)
    src = catalog.spark.createDataFrame(
        [tuple(row[c] for c in spec.columns)], " ".join(spec.schema.split())
    )
    catalog.merge_with(NAME, src, clauses)


def _held_message(catalog: Catalog, row: dict[str, Any]) -> LeaseHeld:
    return LeaseHeld(
        f"{catalog.physical(NAME)}: another run is writing this lakehouse: {_describe(row)}. "
        "Wait for it to finish (or stop it) and run again; a run that was killed releases it "
        "when its lease expires (lakehouse.lease_ttl_seconds)."
    )


def _acquire(catalog: Catalog, row: dict[str, Any]) -> None:
    now = row["acquired_at"]
    held = _current(catalog)
    if held and held["token"] != row["token"] and held["expires_at"] > now:
        raise _held_message(catalog, held)
    if held and held["expires_at"] <= now:
        _LOG.warning("taking over the expired writer lease of %s", _describe(held))
    try:
        _merge(catalog, row,
               "WHEN MATCHED AND (t.expires_at <= s.acquired_at OR t.token = s.token) "
               "THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")  # fmt: skip
    except Exception as exc:  # a racing run committed first (Delta's concurrency check)
        _LOG.info("writer lease: lost a race (%s)", type(exc).__name__)
    got = _current(catalog)
    if got is None or got["token"] != row["token"]:
        raise _held_message(catalog, got or row)


class _Heartbeat(threading.Thread):
    """Extends the lease's expiry every third of its time to live; notices when it is lost."""

    def __init__(self, catalog: Catalog, row: dict[str, Any], ttl: timedelta) -> None:
        super().__init__(name="writer-lease-heartbeat", daemon=True)
        self.catalog, self.row, self.ttl = catalog, dict(row), ttl
        self.stop = threading.Event()
        self.lost: dict[str, Any] | None = None

    def run(self) -> None:
        while not self.stop.wait(self.ttl.total_seconds() / 3):
            now = _now()
            self.row.update(heartbeat_at=now, expires_at=now + self.ttl)
            try:
                _merge(self.catalog, self.row,
                       "WHEN MATCHED AND t.token = s.token THEN UPDATE SET "
                       "t.heartbeat_at = s.heartbeat_at, t.expires_at = s.expires_at")  # fmt: skip
                got = _current(self.catalog)
            except Exception as exc:  # the next beat tries again; expiry is the backstop
                _LOG.warning("writer lease heartbeat failed: %s", type(exc).__name__)
                continue
            if got is None or got["token"] != self.row["token"]:
                self.lost = got or {}
                return


@contextmanager
def table_lease(catalog: Catalog, run_id: str, ttl_seconds: int) -> Iterator[None]:
    """Hold the lakehouse's lease row while the block runs; ``LeaseHeld`` at once when another
    run holds an unexpired one, ``LeaseLost`` at the end if another run took it over."""
    key = catalog.physical(NAME)
    catalog.ensure_table(NAME)
    now, ttl = _now(), timedelta(seconds=ttl_seconds)
    row = {"lease": "writer", "token": f"{run_id}/{uuid.uuid4().hex[:12]}", "run_id": run_id,
           "holder": f"pid {os.getpid()} on {socket.gethostname()}", "acquired_at": now,
           "heartbeat_at": now, "expires_at": now + ttl}  # fmt: skip
    _acquire(catalog, row)
    beat = _Heartbeat(catalog, row, ttl)
    beat.start()
    failed = False
    try:
        yield
    except BaseException:
        failed = True
        raise
    finally:
        beat.stop.set()
        beat.join()
        _merge(catalog, row, "WHEN MATCHED AND t.token = s.token THEN DELETE")
        if beat.lost is not None and not failed:
            raise LeaseLost(
                f"{key}: this run's writer lease expired while it wrote (no heartbeat for "
                f"{ttl_seconds} s) and {beat.lost.get('run_id', 'another run')} took it over; "
                "both may have written: run `feedback-lakehouse check` and the run again"
            )
