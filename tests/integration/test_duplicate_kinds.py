"""The kinds of duplicate people send, through ingest and silver in a lakehouse of their own:
a copy (exact), an edited re-send (near), and follow-ups in other words on the same problem
(a later e-mail, a chat after a ticket). A follow-up of another problem, and the same problem
from another account, stay separate messages."""

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
    ("A3", "X", "2026-06-02T09:00:00Z", "ticket_form",
     REPORT.replace("We checked", "Our analysts checked") + " Please look at it."),
    ("A4", "X", "2026-06-04T09:00:00Z", "email",
     "Following up on my e-mail from Monday: the EMEA revenue report still returns zero rows, "
     "the warehouse has the data."),
    ("A5", "X", "2026-06-05T15:00:00Z", "chat",
     "Customer: hi, I opened a ticket about the weekly revenue report being empty for EMEA, "
     "any update?"),
    ("A6", "X", "2026-06-06T09:00:00Z", "email",
     "Following up on something else: contractors signing in through Okta loop back to the "
     "login page after entering their one-time code."),
    ("B1", "Y", "2026-06-04T11:00:00Z", "email",
     "Following up: the EMEA revenue report shows zero rows for us as well since version 5.2."),
]  # fmt: skip


@pytest.fixture(scope="module")
def silver(spark, engine_settings, tmp_path_factory):
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
    mapping = ExportMapping.model_validate({
        "source": "mail", "format": "jsonl", "path": str(folder / "*.jsonl"), "record_id": "id",
        "received_at": {"column": "at"}, "body": ["body"], "account_id": "account",
        "channel": "via",
    })  # fmt: skip
    lakehouse = engine_settings.lakehouse.model_copy(
        update={"root": str(root), "schema_prefix": "dupkinds_"}
    )
    lh = open_lakehouse(settings=engine_settings.model_copy(update={"lakehouse": lakehouse}))
    run_ingest(lh.spark, lh.catalog, lh.settings, exports=[mapping])
    report = run_silver(lh.spark, lh.catalog, lh.settings)
    rows = lh.catalog.read("silver.feedback").collect()
    return report, {r["source_record_id"]: (r["duplicate_of"], r["duplicate_kind"]) for r in rows}


def test_each_kind_of_duplicate_points_at_the_first_report(silver) -> None:
    report, links = silver
    assert report.rows_written == len(MESSAGES)
    assert links["A1"] == (None, None)
    assert links["A2"] == ("mail:A1", "exact")
    assert links["A3"] == ("mail:A1", "near")
    assert links["A4"] == ("mail:A1", "follow_up")  # other words, says it follows up
    assert links["A5"] == ("mail:A1", "follow_up")  # a chat after the e-mails


def test_a_follow_up_of_another_problem_or_account_stays_its_own_message(silver) -> None:
    _, links = silver
    assert links["A6"] == (None, None)  # same account, follows up something else
    assert links["B1"] == (None, None)  # same problem, another account: more volume
