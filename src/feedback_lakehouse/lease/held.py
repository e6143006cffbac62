"""What a run is told when the lakehouse's writer lease is not its own."""

from __future__ import annotations

from feedback_lakehouse.errors import FeedbackLakehouseError


class LeaseHeld(FeedbackLakehouseError):
    """Another run is writing this lakehouse."""


class LeaseLost(FeedbackLakehouseError):
    """This run's lease expired and another run took it over while this one was writing."""
