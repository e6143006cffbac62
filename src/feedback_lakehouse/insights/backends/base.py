"""The one interface every backend implements.

A backend receives fragments with their pattern evidence and retrieval candidates already
attached (so every backend is grounded in the same documents) and returns, per fragment, a
classification, extra evidence and ranked hypotheses chosen among the candidates. How many
calls it makes for a batch is its own business; it reports each call."""

from __future__ import annotations

from typing import Protocol

from feedback_lakehouse.insights.schema import FragmentContext, Reply


class Backend(Protocol):
    name: str
    model: str
    prompt_version: str
    reads_evidence: bool
    """Whether it reads the pattern evidence attached to each fragment (a model prompted with
    it does; the offline classifier does not, and the chain then skips extracting it: the
    finishing of each fragment extracts it anyway)."""

    def analyse(self, items: list[FragmentContext]) -> Reply:
        """Answer every item once: each key ends in ``answers`` or ``failures``."""
        ...
