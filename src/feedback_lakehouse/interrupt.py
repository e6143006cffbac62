"""Stopping a long run at a safe point.

A first Ctrl-C (SIGINT) in the CLI asks the run to stop; the pipeline looks between steps
(:func:`check`) and stops there with :class:`StopRequested`, so every step it ran finished
and the next ``run`` picks up where it left off. A second Ctrl-C stops at once."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from feedback_lakehouse.errors import FeedbackLakehouseError

if TYPE_CHECKING:
    from feedback_lakehouse.step_report import StepReport

_requested = threading.Event()


class StopRequested(FeedbackLakehouseError):
    """The run stopped at a safe point because it was asked to; ``reports`` holds the
    reports of the steps that finished."""

    reports: list[StepReport]

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reports = []


def request_stop() -> None:
    _requested.set()


def stop_requested() -> bool:
    return _requested.is_set()


def reset() -> None:
    _requested.clear()


def check(done: list[str], remaining: list[str]) -> None:
    """Raise ``StopRequested`` if a stop was asked for; the message says what ran and how
    to go on."""
    if not _requested.is_set():
        return
    ran = ", ".join(done) or "nothing"
    left = ", ".join(remaining)
    raise StopRequested(
        f"stopped as asked after: {ran} (each finished and was written). Not run: {left}. "
        "Run `feedback-lakehouse run` again to go on: steps pick up only what is new."
    )
