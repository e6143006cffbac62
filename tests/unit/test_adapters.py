from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from feedback_lakehouse.bronze import adapters
from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.bronze.timestamps import parse_timestamp
from feedback_lakehouse.config.settings import ExportMapping
from feedback_lakehouse.errors import RecordError


def _ticket(**over: Any) -> dict[str, Any]:
    t = {
        "id": 7,
        "created_at": "2026-08-03T16:22:05+02:00",
        "solved_at": "2026-08-04T10:00:00Z",
        "organization_id": "ACC-1",
        "via": {"channel": "web"},
        "custom_fields": {"product_version": "2026.8.1", "browser": "Safari 18"},
        "comments": [
            {"author_role": "agent", "body": "How can we help?"},
            {"author_role": "end-user", "body": "Export fails"},
        ],
    }
    t.update(over)
    return t


def _reason(fn, obj) -> str:
    with pytest.raises(RecordError) as info:
        fn(obj)
    return info.value.reason


def test_ticket_envelope_normalises_to_utc() -> None:
    env = adapters.zendesk_ticket(_ticket())
    assert env["source_record_id"] == "7"
    assert env["received_at"] == datetime(2026, 8, 3, 14, 22, 5)
    assert env["resolved_at"] == datetime(2026, 8, 4, 10, 0, 0)
    assert (env["channel"], env["product_version"], env["browser"]) == (
        "web", "2026.8.1", "Safari 18",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("over", "reason"),
    [
        ({"organization_id": None}, RejectReason.MISSING_REQUIRED_FIELD),
        ({"created_at": "31/02/2026 25:61"}, RejectReason.UNPARSEABLE_TIMESTAMP),
        (
            {"comments": [{"author_role": "agent", "body": "hi"}]},
            RejectReason.MISSING_REQUIRED_FIELD,
        ),
        ({"comments": [{"author_role": "end-user", "body": " \n "}]}, RejectReason.EMPTY_BODY),
    ],
)
def test_ticket_faults(over: dict[str, Any], reason: str) -> None:
    assert _reason(adapters.zendesk_ticket, _ticket(**over)) == reason


def test_chat_epoch_and_html_empty_body() -> None:
    chat = {
        "id": "55",
        "created_at": 1722695325,
        "source": {"body": "<p>Export &amp; CSV broken</p>"},
        "custom_attributes": {"account_id": "ACC-2", "app_version": "5.1.0"},
    }
    env = adapters.intercom_chat(chat)
    assert env["received_at"] == datetime(2024, 8, 3, 14, 28, 45)
    chat["source"]["body"] = "<p> </p>"
    assert _reason(adapters.intercom_chat, chat) == RejectReason.EMPTY_BODY
    # a later user turn with text rescues an empty first message
    chat["conversation_parts"] = {
        "conversation_parts": [{"author": {"type": "user"}, "body": "<p>still broken</p>"}]
    }
    assert adapters.intercom_chat(chat)["source_record_id"] == "55"


def test_review_survey_call() -> None:
    review = {"review_id": "R1", "submitted_at": "2026-08-03T14:22:05Z", "rating": "2",
              "title": "", "body": "crashes", "app_version": "5.14.0"}  # fmt: skip
    assert adapters.app_review(review)["score"] == 2.0
    survey = {"response_id": "S1", "submitted_at": "2026-08-03 14:22:05+00:00", "score": "9",
              "comment": "", "account_id": "A"}  # fmt: skip
    assert _reason(adapters.survey_response, survey) == RejectReason.EMPTY_BODY
    call = {"call_id": "C1", "started_at": "2026-08-03T14:22:05Z", "account_id": "A",
            "turns": [{"speaker": "agent", "text": "hello"}]}  # fmt: skip
    assert _reason(adapters.call_transcript, call) == RejectReason.MISSING_REQUIRED_FIELD


def test_export_mapping_adapter() -> None:
    mapping = ExportMapping.model_validate(
        {
            "source": "cfpb",
            "format": "csv",
            "path": "*.csv",
            "record_id": "Complaint ID",
            "received_at": {"column": "Date received", "formats": ["%Y/%m/%d"]},
            "body": ["Consumer complaint narrative"],
            "channel": "Submitted via",
        }
    )
    adapt = adapters.export_adapter(mapping)
    row = {
        "Complaint ID": "3146310",
        "Date received": "2019/2/8",
        "Consumer complaint narrative": "They charged me twice",
        "Submitted via": "",
    }
    env = adapt(row)
    assert env["received_at"] == datetime(2019, 2, 8)
    assert env["channel"] == "export"  # empty channel column -> the mapping's default
    row["Consumer complaint narrative"] = ""
    assert _reason(adapt, row) == RejectReason.EMPTY_BODY


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-08-03T14:22:05Z", datetime(2026, 8, 3, 14, 22, 5)),
        ("2026-08-03 16:22:05+02:00", datetime(2026, 8, 3, 14, 22, 5)),
        (1722695325, datetime(2024, 8, 3, 14, 28, 45)),
        ("1722695325000", datetime(2024, 8, 3, 14, 28, 45)),
    ],
)
def test_timestamps(value: object, expected: datetime) -> None:
    assert parse_timestamp(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "", None, "31/02/2026 25:61", True])
def test_bad_timestamps(value: object) -> None:
    with pytest.raises(RecordError) as info:
        parse_timestamp(value, ("%d/%m/%Y %H:%M",))
    assert info.value.reason == RejectReason.UNPARSEABLE_TIMESTAMP


def test_plan_rounds_bounds_each_round_and_keeps_every_file() -> None:
    from feedback_lakehouse.bronze.ingest import plan_rounds
    from feedback_lakehouse.bronze.parse import FileTask

    sizes = {"a": 50, "b": 400, "c": 30, "d": 60, "e": 10}
    tasks = [
        FileTask(p, p, "tickets", "zendesk_tickets", "jsonl", p, "b", datetime(2026, 1, 1), 10)
        for p in sizes
    ]
    rounds = plan_rounds(tasks, sizes, round_bytes=100)
    assert [[t.path for t in r] for r in rounds] == [["b"], ["d"], ["a", "c", "e"]]
    assert plan_rounds([], {}, 100) == []


def test_timestamps_outside_the_plausible_range_are_quarantined(tmp_path) -> None:
    """A 0001-01-01 placeholder and a 9999-12-31 date each end in bronze.rejected with their
    own reason; a plausible one is accepted (they broke silver and gold on every run)."""
    import json

    from feedback_lakehouse.bronze.parse import STATUS_OK, FileTask, parse_file

    path = tmp_path / "tickets.jsonl"
    rows = [_ticket(id=1), _ticket(id=2, created_at="0001-01-01T00:00:00Z"),
            _ticket(id=3, created_at="9999-12-31T23:59:59Z"),
            _ticket(id=4, solved_at="1970-01-01T00:00:00Z")]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    p = str(path)
    task = FileTask(p, "tickets.jsonl", "tickets", "zendesk_tickets", "jsonl", "sha", "b",
                    datetime(2026, 8, 10), 1 << 20, earliest_at=datetime(2000, 1, 1),
                    latest_at=datetime(2026, 8, 12))  # fmt: skip
    got = {r["source_record_id"]: (r["status"], r["reason"], r["detail"]) for r in parse_file(task)}
    assert got["1"][0] == STATUS_OK
    for record_id in ("2", "3", "4"):
        assert got[record_id][1] == RejectReason.TIMESTAMP_OUT_OF_RANGE
    assert "ingest.earliest_timestamp" in got["2"][2] and "received_at=0001-01-01" in got["2"][2]
    assert "ingest.max_future_hours" in got["3"][2]
    assert got["4"][2].startswith("resolved_at=1970-01-01")


def test_wrong_typed_fields_are_shape_errors_not_python_reprs() -> None:
    """A list where text belongs used to be stored as "['The report', 'is empty']"; a chat
    whose conversation_parts is a list was accepted here and dropped by silver."""

    def detail(fn, obj) -> str:
        with pytest.raises(RecordError) as info:
            fn(obj)
        assert info.value.reason == RejectReason.UNEXPECTED_SHAPE
        return info.value.detail

    body = [{"author_role": "end-user", "body": ["The report", "is empty"]}]
    assert detail(adapters.zendesk_ticket, _ticket(comments=body)) == (
        "comments[].body is a list, expected text"
    )
    fields = {"browser": ["Safari", "Chrome"]}
    assert "is a list, expected text" in detail(
        adapters.zendesk_ticket, _ticket(custom_fields=fields)
    )
    chat = {
        "id": "56", "created_at": 1722695325, "source": {"body": "<p>Broken</p>"},
        "custom_attributes": {"account_id": "ACC-2"},
        "conversation_parts": [{"author": {"type": "user"}, "body": "still"}],
    }  # fmt: skip
    assert detail(adapters.intercom_chat, chat).startswith("conversation_parts is a list")


def test_an_export_carries_every_envelope_field_and_a_bad_score_is_quarantined() -> None:
    mapping = ExportMapping.model_validate({
        "source": "desk", "format": "jsonl", "path": "*.jsonl", "record_id": "id",
        "received_at": {"column": "at"}, "body": ["text"], "device": "dev", "os": "os",
        "browser": "br", "region": "reg", "priority": "prio", "status": "state",
        "score": "rating", "required": ["reg"],
    })  # fmt: skip
    adapt = adapters.export_adapter(mapping)
    row = {"id": "T-1", "at": "2026-08-03T10:00:00Z", "text": "Sync fails", "dev": "Pixel 8",
           "os": "Android 15", "br": "", "reg": "EMEA", "prio": "high", "state": "open",
           "rating": "4"}  # fmt: skip
    env = adapt(row)
    got = {k: env[k] for k in ("device", "os", "browser", "region", "priority", "status", "score")}
    assert got == {"device": "Pixel 8", "os": "Android 15", "browser": None, "region": "EMEA",
                   "priority": "high", "status": "open", "score": 4.0}  # fmt: skip
    assert adapt(row | {"rating": ""})["score"] is None
    assert _reason(adapt, row | {"rating": "four"}) == RejectReason.UNEXPECTED_SHAPE


def test_the_shipped_export_examples_are_valid_mappings() -> None:
    from pathlib import Path

    from feedback_lakehouse.config.mapping import load_export_mapping

    folder = Path(__file__).resolve().parents[2] / "conf" / "exports"
    names = sorted(p.name for p in folder.glob("*.yml"))
    assert {"cfpb.yml", "zendesk-style.yml", "intercom-style.yml"} <= set(names)
    for name in names:
        assert load_export_mapping(folder / name).body  # parses, and maps some text


def test_a_requester_is_one_pseudonym_whatever_its_case_and_never_its_address() -> None:
    from feedback_lakehouse.bronze.adapters import requester_pseudonym

    one = requester_pseudonym("Jane.Doe@Example.com")
    assert one == requester_pseudonym(" jane.doe@example.com ")
    assert one != requester_pseudonym("john.doe@example.com")
    assert one is not None and one.startswith("rq-") and "jane" not in one
    assert requester_pseudonym("") is None and requester_pseudonym(None) is None
