"""Ctrl-C in the terminal: the first asks the run to stop at the next step boundary (see
``feedback_lakehouse.interrupt``), the second stops now."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from rich.console import Console
from rich.text import Text

from feedback_lakehouse import interrupt

STOP_NOTICE = "stopping after the current step finishes (Ctrl-C again to stop now)"

_notices = Console(stderr=True)


def on_sigint(signum: int, frame: FrameType | None) -> None:
    """First Ctrl-C: the run stops after the step in progress. Second: stop now, by a
    KeyboardInterrupt the CLI turns into one line and exit code 130; from then on the
    default handler is back, so a third Ctrl-C ends the process outright."""
    if interrupt.stop_requested():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        raise KeyboardInterrupt
    interrupt.request_stop()
    _notices.print(Text(STOP_NOTICE, style="yellow"), soft_wrap=True)


@contextmanager
def ctrl_c_stops_at_step_boundary() -> Iterator[None]:
    """``on_sigint`` while the block runs (only the main thread may set a handler)."""
    interrupt.reset()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is on_sigint:
            signal.signal(signal.SIGINT, previous)
