"""The table lease (``lakehouse.lease: table``, the Databricks kind) against the local engine:
a second writer is refused naming the holder, an expired lease is taken over, the heartbeat
keeps a long run's lease alive, and a run whose lease was taken over fails at its end."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest


@pytest.fixture
def leased(spark, own_settings, tmp_path):
    from feedback_lakehouse.catalog import Catalog

    settings = own_settings(tmp_path, "lease_", lease="table",
                            lease_ttl_seconds=10)  # fmt: skip
    return settings, Catalog(spark, settings)


def _rows(catalog):
    return [r.asDict() for r in catalog.read("ops.writer_lease").collect()]


def _other(catalog, expires_in: timedelta) -> None:
    from feedback_lakehouse.run import now_utc

    now = now_utc()
    catalog.merge_rows("ops.writer_lease", [{
        "lease": "writer", "token": "run-X/abc", "run_id": "run-X", "holder": "pid 1 on elsewhere",
        "acquired_at": now - timedelta(hours=1), "heartbeat_at": now - timedelta(minutes=1),
        "expires_at": now + expires_in,
    }])  # fmt: skip


def _wait_for(predicate, seconds: float = 60) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_the_lease_row_is_held_while_the_run_writes_and_removed_after(leased) -> None:
    from feedback_lakehouse.lease import writer_lease

    settings, catalog = leased
    with writer_lease(settings, "run-A", catalog):
        [row] = _rows(catalog)
        assert row["run_id"] == "run-A" and row["expires_at"] > row["acquired_at"]
        with writer_lease(settings, "a step of run-A", catalog):  # re-entrant
            assert _rows(catalog)[0]["token"] == row["token"]
    assert _rows(catalog) == []


def test_a_second_writer_is_refused_naming_the_holder(leased) -> None:
    from feedback_lakehouse.lease import LeaseHeld, writer_lease

    settings, catalog = leased
    catalog.ensure_table("ops.writer_lease")
    _other(catalog, timedelta(minutes=5))
    refused = pytest.raises(LeaseHeld, match=r"run run-X \(pid 1 on elsewhere")
    with refused, writer_lease(settings, "run-B", catalog):
        pass
    assert [r["run_id"] for r in _rows(catalog)] == ["run-X"]  # untouched


def test_an_expired_lease_of_a_killed_run_is_taken_over(leased) -> None:
    from feedback_lakehouse.lease import writer_lease

    settings, catalog = leased
    catalog.ensure_table("ops.writer_lease")
    _other(catalog, timedelta(seconds=-1))
    with writer_lease(settings, "run-after-the-crash", catalog):
        assert [r["run_id"] for r in _rows(catalog)] == ["run-after-the-crash"]


def test_the_heartbeat_extends_the_lease_and_a_lost_lease_fails_the_run(leased) -> None:
    from feedback_lakehouse.lease import LeaseLost, writer_lease

    settings, catalog = leased
    with pytest.raises(LeaseLost, match="run-X"), writer_lease(settings, "run-long", catalog):
        first = _rows(catalog)[0]
        assert _wait_for(lambda: _rows(catalog)[0]["expires_at"] > first["expires_at"])
        _other(catalog, timedelta(minutes=5))  # as if it had expired and been taken over
        time.sleep(settings.lakehouse.lease_ttl_seconds / 3 + 2)  # the next beat sees it
    assert [r["run_id"] for r in _rows(catalog)] == ["run-X"]  # the new holder keeps it
