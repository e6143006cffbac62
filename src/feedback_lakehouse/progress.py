"""Progress reporting that library code can call without knowing about terminals.

Steps call ``progress.stage(...)`` and ``progress.advance(...)``; the CLI passes a rich-based
implementation, jobs and tests the silent default."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def stage(self, name: str, total: float | None = None) -> None:
        """Start a named stage; ``total`` (units of work) makes it a bar, else a spinner."""

    def advance(self, amount: float = 1) -> None:
        """Work done in the current stage."""

    def update(self, completed: float) -> None:
        """Absolute amount of work done in the current stage."""

    def done(self) -> None:
        """Close the current stage."""


class NullProgress:
    def stage(self, name: str, total: float | None = None) -> None:
        pass

    def advance(self, amount: float = 1) -> None:
        pass

    def update(self, completed: float) -> None:
        pass

    def done(self) -> None:
        pass
