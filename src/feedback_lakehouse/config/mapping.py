"""A bring-your-own export's column mapping: which columns are the record's id, time, text
and envelope (see ``conf/exports/``), and its loader."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from feedback_lakehouse.config.files import load_model


class _Strict(BaseModel):
    """Settings models refuse unknown keys (a typo fails naming it) and do not change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TimestampSpec(_Strict):
    column: str
    formats: list[str] = []
    """strptime formats tried after ISO 8601 and epoch seconds."""


class ExportMapping(_Strict):
    """Bring-your-own-export: maps a CSV / JSON-lines help-desk export onto bronze columns."""

    source: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    format: Literal["csv", "jsonl"]
    path: str
    record_id: str
    received_at: TimestampSpec
    body: list[str] = Field(min_length=1)
    """Columns joined (blank line between) into the customer's text; all empty -> empty_body."""
    subject: str | None = None
    account_id: str | None = None
    requester: str | None = None
    """Who wrote it (a user id or e-mail column): kept as a pseudonym, so follow-ups are told
    apart from other people of the same account reporting the same problem."""
    channel: str | None = None
    channel_default: str = "export"
    locale: str | None = None
    product_version: str | None = None
    device: str | None = None
    os: str | None = None
    browser: str | None = None
    region: str | None = None
    priority: str | None = None
    status: str | None = None
    score: str | None = None
    """A rating or NPS/CSAT score column; a value that is not a number quarantines the row."""
    resolved_at: TimestampSpec | None = None
    required: list[str] = []
    """Extra columns that must be non-empty (besides record_id and received_at)."""


def load_export_mapping(path: str | Path) -> ExportMapping:
    """One bring-your-own-export mapping file (see conf/exports/)."""
    return load_model(path, ExportMapping, "export mapping file")
