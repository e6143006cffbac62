"""One writer at a time: a second writer is refused naming the holder, the lease is re-entrant
within a process, and a holder killed with SIGKILL leaves no stale lease."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from feedback_lakehouse.config.settings import load_settings
from feedback_lakehouse.lease import FILE, LeaseHeld, writer_lease

CONF = Path(__file__).resolve().parents[2] / "conf"


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings("local", CONF, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})


def test_a_second_writer_is_refused_naming_the_holder(settings) -> None:
    with writer_lease(settings, "run-A"):
        holder = json.loads((settings.root / FILE).read_text())
        assert holder["run_id"] == "run-A" and holder["pid"] == os.getpid()
        # another process's attempt, as the kernel sees it: a second open file description
        fd = os.open(settings.root / FILE, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
        with writer_lease(settings, "step inside run-A"):  # re-entrant: the main job's steps
            pass
    with writer_lease(settings, "run-B"):  # released at the end
        pass


def test_a_held_lease_names_its_holder_to_the_next_run(settings) -> None:
    child = _holder(settings.root)
    try:
        refused = pytest.raises(LeaseHeld, match=rf"run held-by-child \(pid {child.pid} on ")
        with refused, writer_lease(settings, "run-B"):
            pass
    finally:
        child.kill()
        child.wait()


def test_a_killed_holder_leaves_no_stale_lease(settings) -> None:
    child = _holder(settings.root)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with writer_lease(settings, "run-after-the-crash"):  # taken over at once
        assert json.loads((settings.root / FILE).read_text())["run_id"] == "run-after-the-crash"


def _holder(root: Path) -> subprocess.Popen[bytes]:
    """A process that takes the lease and keeps it until killed."""
    code = (
        "import sys, time\n"
        "from feedback_lakehouse.config.settings import load_settings\n"
        "from feedback_lakehouse.lease import writer_lease\n"
        f"env = {{'FEEDBACK_LAKEHOUSE_ROOT': {str(root)!r}}}\n"
        f"s = load_settings('local', {str(CONF)!r}, environ=env)\n"
        "with writer_lease(s, 'held-by-child'):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(600)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdout.readline().strip() == b"held"
    return child
