"""What one model call leaves behind, whoever made it (the insights backend, the theme namer,
and every step after them): enough to count tokens, audit the call and trace it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class CallRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    """One logical call (all its HTTP attempts), for token accounting and the audit trail."""

    call_id: str
    backend: str
    model: str
    prompt_version: str
    keys: list[str]
    started_ns: int
    ended_ns: int
    status: Literal["ok", "retried", "failed"]
    attempts: int = 1
    tokens_in: int = 0
    tokens_out: int = 0
    request: str = ""  # the prompt as sent (redacted text only), truncated for the trace
    response: str = ""
    error: str | None = None
