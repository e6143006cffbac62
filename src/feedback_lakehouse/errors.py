"""One exception tree, so callers can tell a configuration mistake (fix the file and re-run)
from bad input data (quarantined, never raised) and from must-stop failures."""

from __future__ import annotations

from typing import Any


class FeedbackLakehouseError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(FeedbackLakehouseError):
    """A settings, mapping or taxonomy file is missing or invalid; the message names the file
    and the key at fault."""


class EngineError(FeedbackLakehouseError):
    """The Spark engine could not be started or reached."""


class TableError(FeedbackLakehouseError):
    """A logical table name is unknown or a physical table does not match its contract."""


class RecordError(FeedbackLakehouseError):
    """One raw record cannot be accepted; carries the quarantine reason. Adapters raise it,
    the ingest step catches it and writes the record to ``bronze.rejected``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class QualityError(FeedbackLakehouseError):
    """A data-quality expectation failed and ``quality.fail_on_error`` is set."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reports: list[Any] = []
        """The reports of the steps that finished before the gate stopped the run."""
