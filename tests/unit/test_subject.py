"""A bring-your-own export's subject is part of what the customer said: it opens the message
as a title line (reply prefixes dropped, skipped when the body already says it) and joins the
first fragment instead of becoming a topic of its own."""

from __future__ import annotations

import json

from feedback_lakehouse.silver.extract import subject_title
from feedback_lakehouse.silver.transform import TransformConfig, transform_rows

CFG = TransformConfig(adapters={}, export_bodies={"desk": ["body"]},
                      export_subjects={"desk": "subject"})  # fmt: skip


def _row(subject: str, body: str) -> dict[str, str]:
    payload = json.dumps({"id": "T-1", "subject": subject, "body": body})
    return {"source": "desk", "source_record_id": "T-1", "payload": payload, "payload_hash": "h"}


def test_the_subject_is_a_title_with_one_reply_prefix() -> None:
    # one reply prefix stays: it tells a follow-up from a first report
    assert subject_title("RE: Fwd: Exports time out", "The weekly export stops.") == (
        "RE: Exports time out"
    )
    assert subject_title("Exports time out", "Hi, exports time out since Monday.") == ""
    assert subject_title("  ", "body") == "" and subject_title(None, "body") == ""
    assert subject_title("Line one\nline two", "body") == "Line one line two"


def test_the_subject_reaches_silver_and_opens_the_first_fragment() -> None:
    body = (
        "Hello,\n\nsince the upgrade the weekly report arrives empty.\n\n"
        "Separately, the invoice for March shows the wrong number of seats."
    )
    [out] = transform_rows([_row("Weekly report is blank", body)], CFG)
    assert out["error"] is None
    assert out["text_redacted"].startswith("Weekly report is blank\n")
    frags = out["fragments"]
    assert len(frags) == 2
    assert frags[0]["char_start"] == 0 and frags[0]["text"].startswith("Weekly report is blank")
    assert "report arrives empty" in frags[0]["text"]
    second = out["text_redacted"][frags[1]["char_start"] : frags[1]["char_end"]]
    assert second == frags[1]["text"] and "invoice" in second


def test_without_a_subject_mapping_the_body_stands_alone() -> None:
    cfg = TransformConfig(adapters={}, export_bodies={"desk": ["body"]})
    [out] = transform_rows([_row("Weekly report is blank", "The report arrives empty.")], cfg)
    assert out["text_redacted"] == "The report arrives empty."
