"""Quarantine reason codes shared by the bronze adapters, the sample-data generator's
ground truth and the evaluation: one vocabulary so a planted fault can be matched to
the rejection it must cause."""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Why a raw record went to ``bronze.rejected`` instead of ``bronze.feedback_raw``."""

    INVALID_JSON = "invalid_json"
    """The line is not a complete JSON object (truncated, broken quoting, not an object)."""
    INVALID_CSV = "invalid_csv"
    """The CSV row does not have the header's number of columns."""
    MISSING_REQUIRED_FIELD = "missing_required_field"
    """A field the source contract requires (id, timestamp, account...) is absent or null."""
    INVALID_UTF8 = "invalid_utf8"
    """The record's bytes are not valid UTF-8."""
    EMPTY_BODY = "empty_body"
    """The customer wrote nothing analysable (empty or whitespace-only text)."""
    RECORD_TOO_LARGE = "record_too_large"
    """The raw record exceeds ``ingest.max_record_bytes``."""
    UNPARSEABLE_TIMESTAMP = "unparseable_timestamp"
    """The record's timestamp cannot be read in any accepted format."""
    TIMESTAMP_OUT_OF_RANGE = "timestamp_out_of_range"
    """A timestamp is before ``ingest.earliest_timestamp`` or more than
    ``ingest.max_future_hours`` after the ingest (placeholders such as 0001-01-01)."""
    UNEXPECTED_SHAPE = "unexpected_shape"
    """A field has a type the source contract does not allow (e.g. ``comments`` not a list)."""
    DAMAGED_FILE = "damaged_file"
    """The file cannot be read to its end (a truncated or corrupt gzip); the records before
    the damage are kept, this row stands for the rest."""
    DUPLICATE_RECORD_ID = "duplicate_record_id"
    """The same (source, source_record_id) appears twice in one ingest batch."""
