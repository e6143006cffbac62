"""The kinds of duplicate people send, through ingest and silver in a lakehouse of their own:
a copy (exact), an edited re-send (near), and follow-ups in other words on the same problem
(a later e-mail, a chat after a ticket), and re-sends that do not say so (the same requester,
or for an export naming no requester the same account). A follow-up of another problem, the
same problem from another account, and from another requester of the same account stay
separate messages."""

from __future__ import annotations

import json

import pytest

REPORT = (
    "The weekly revenue report shows zero rows for the EMEA region since the upgrade to "
    "version 5.2. We checked the warehouse tables and they hold data for every day."
)
MESSAGES = [
    ("A1", "X", "2026-06-01T09:00:00Z", "email", REPORT),
    ("A2", "X", "2026-06-01T10:00:00Z", "email", REPORT),
    (
        "A3",
        "X",
        "2026-06-02T09:00:00Z",
        "ticket_form",
        REPORT.replace("We checked", "Our analysts checked") + " Please look at it.",
    ),
    (
        "A4",
        "X",
        "2026-06-04T09:00:00Z",
        "email",
        "Following up on my e-mail from Monday: the EMEA revenue report still returns zero rows, "
        "the warehouse has the data.",
    ),
    (
        "A5",
        "X",
        "2026-06-05T15:00:00Z",
        "chat",
        "Customer: hi, I opened a ticket about the weekly revenue report being empty for EMEA, "
        "any update?",
    ),
    (
        "A6",
        "X",
        "2026-06-06T09:00:00Z",
        "email",
        "Following up on something else: contractors signing in through Okta loop back to the "
        "login page after entering their one-time code.",
    ),
    (
        "B1",
        "Y",
        "2026-06-04T11:00:00Z",
        "email",
        "Following up: the EMEA revenue report shows zero rows for us as well since version 5.2.",
    ),
    (
        "A7",
        "X",
        "2026-06-06T16:00:00Z",
        "ticket_form",
        "Contractors that sign in with Okta land on the login page again after they type the "
        "one-time code, every single time.",
    ),
]
# an export that names its requesters: a re-send is the same person's, not the account's
DESK = [
    ("C1", "Z", "r1", "2026-06-10T09:00:00Z",
     "Exports to Excel drop the leading zeros from every postal code column in the customer "
     "sheet, so the codes no longer match the shipping system."),
    ("C2", "Z", "r1", "2026-06-11T08:00:00Z",
     "excel export strips the leading zeros off postal codes in our customer sheet and the "
     "shipping system rejects them"),
    ("C3", "Z", "r2", "2026-06-11T12:00:00Z",
     "When I export the customer sheet to Excel the postal codes lose their leading zeros and "
     "shipping cannot match them."),
]  # fmt: skip


@pytest.fixture(scope="module")
def silver(spark, own_settings, tmp_path_factory):
    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.config.settings import ExportMapping
    from feedback_lakehouse.lakehouse import open_lakehouse
    from feedback_lakehouse.silver.step import run_silver

    root = tmp_path_factory.mktemp("duplicate_kinds")
    folder = root / "drop"
    folder.mkdir()
    (folder / "mail.jsonl").write_text("".join(
        json.dumps({"id": i, "account": a, "at": at, "via": via, "body": body}) + "\n"
        for i, a, at, via, body in MESSAGES
    ), encoding="utf-8")  # fmt: skip
    (root / "desk").mkdir()
    (root / "desk" / "desk.jsonl").write_text("".join(
        json.dumps({"id": i, "org": a, "who": who, "at": at, "text": body}) + "\n"
        for i, a, who, at, body in DESK
    ), encoding="utf-8")  # fmt: skip
    mapping = ExportMapping.model_validate({
        "source": "mail", "format": "jsonl", "path": str(folder / "*.jsonl"), "record_id": "id",
        "received_at": {"column": "at"}, "body": ["body"], "account_id": "account",
        "channel": "via",
    })  # fmt: skip
    desk = ExportMapping.model_validate({
        "source": "desk", "format": "jsonl", "path": str(root / "desk" / "*.jsonl"),
        "record_id": "id", "received_at": {"column": "at"}, "body": ["text"],
        "account_id": "org", "requester": "who",
    })  # fmt: skip
    lh = open_lakehouse(settings=own_settings(root, "dupkinds_"))
    run_ingest(lh.spark, lh.catalog, lh.settings, exports=[mapping, desk])
    report = run_silver(lh.spark, lh.catalog, lh.settings)
    rows = lh.catalog.read("silver.feedback").collect()
    links = _Links({r["source_record_id"]: (r["duplicate_of"], r["duplicate_kind"]) for r in rows})
    links.requesters = {r["source_record_id"]: r["requester_id"] for r in rows}
    return report, links


class _Links(dict):
    requesters: dict[str, str | None]


def test_each_kind_of_duplicate_points_at_the_first_report(silver) -> None:
    report, links = silver
    assert report.rows_written == len(MESSAGES) + len(DESK)
    assert links["A1"] == (None, None)
    assert links["A2"] == ("mail:A1", "exact")
    assert links["A3"] == ("mail:A1", "near")
    assert links["A4"] == ("mail:A1", "follow_up")  # other words, says it follows up
    assert links["A5"] == ("mail:A1", "follow_up")  # a chat after the e-mails


def test_a_follow_up_of_another_problem_or_account_stays_its_own_message(silver) -> None:
    _, links = silver
    assert links["A6"] == (None, None)  # same account, follows up something else
    assert links["B1"] == (None, None)  # same problem, another account: more volume


def test_a_resend_that_does_not_say_so_is_linked_to_its_senders_report(silver) -> None:
    _, links = silver
    assert links["A7"] == ("mail:A6", "follow_up")  # no requester named: the account sends
    assert links["C2"] == ("desk:C1", "follow_up")  # the same requester, next day


def test_another_requester_of_the_account_is_another_report(silver) -> None:
    _, links = silver
    assert links["C3"] == (None, None)


def test_the_requester_is_kept_as_a_pseudonym(silver) -> None:
    from feedback_lakehouse.bronze.adapters import requester_pseudonym

    _, links = silver
    assert links.requesters["C1"] == links.requesters["C2"] == requester_pseudonym("r1")
    assert links.requesters["A1"] is None  # the mail export names no requester
