"""The local writer lease: a second run is refused at once and told who holds the lease, even
when it arrives in the instant between the holder taking the lock and writing its name."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from pathlib import Path

import pytest

from feedback_lakehouse.lease.file import FILE, file_lease
from feedback_lakehouse.lease.held import LeaseHeld


def test_a_second_holder_is_refused_with_the_first_ones_run_id(tmp_path: Path) -> None:
    with (file_lease(tmp_path, "run-1"), pytest.raises(LeaseHeld, match="run run-1 "),
          file_lease(tmp_path, "run-2")):  # fmt: skip
        pass
    with file_lease(tmp_path, "run-3"):  # released on exit: the next run gets it
        assert json.loads((tmp_path / FILE).read_text())["run_id"] == "run-3"


def test_a_run_refused_before_the_holder_wrote_its_name_waits_for_it(tmp_path: Path) -> None:
    path = tmp_path / FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # locked, nothing written yet
    late = threading.Timer(0.3, lambda: os.pwrite(fd, json.dumps({"run_id": "slow"}).encode(), 0))
    late.start()
    try:
        with pytest.raises(LeaseHeld, match="run slow "), file_lease(tmp_path, "run-2"):
            pass
    finally:
        late.join()
        os.close(fd)
