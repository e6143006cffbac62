"""Likely duplicates across accounts (``silver.duplicate_candidates``) and report templates,
through ingest and silver in a lakehouse of their own: twelve reports of different problems
filed through one bug form share its headings; two of them, from different accounts, are the
same problem in other words. The form must not link or rank anything; the paraphrase must be
the other's first candidate."""

from __future__ import annotations

import json

import pytest

FORM = (
    "Steps to reproduce:\n{steps}\nExpected result:\nit works\nActual result:\n{actual}\n"
    "Browser / Version:\nsee below"
)
PROBLEMS = [
    ("open the customer import", "accented letters such as é and ü in surnames come out as "
     "question marks after a CSV import"),
    ("open billing", "the invoice total ignores the regional sales tax for Quebec"),
    ("share a dashboard", "the recipient gets a 404 page when following the shared link"),
    ("schedule a report", "the scheduled PDF arrives with every chart tile blank"),
    ("rotate an API key", "requests signed with the new key are refused with 401 for an hour"),
    ("sign in with Okta", "contractors loop back to the login page after the one-time code"),
    ("export to Excel", "postal codes lose their leading zeros in the spreadsheet"),
    ("set a webhook", "every event is delivered two or three times to the receiver"),
    ("invite a viewer", "viewer seats are billed as editor seats on the renewal invoice"),
    ("filter by region", "the map widget keeps showing last quarter's figures"),
    ("change time zone", "alerts fire an hour early since the daylight saving change"),
    ("upload a logo", "the brand logo appears stretched on mobile layouts"),
    ("run the CSV importer", "surnames with umlauts or accents are garbled into question "
     "marks once the import finishes"),
]  # fmt: skip


@pytest.fixture(scope="module")
def lakehouse(spark, own_settings, tmp_path_factory):
    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.config.settings import ExportMapping
    from feedback_lakehouse.lakehouse import open_lakehouse
    from feedback_lakehouse.silver.step import run_silver

    root = tmp_path_factory.mktemp("likely_duplicates")
    (root / "bugs").mkdir()
    rows = [
        {"id": f"B{i:02d}", "org": f"ORG{i:02d}", "at": f"2026-05-{i + 1:02d}T10:00:00Z",
         "title": " ".join(actual.split()[:6]),
         "body": FORM.format(steps=steps, actual=actual)}
        for i, (steps, actual) in enumerate(PROBLEMS)
    ]  # fmt: skip
    (root / "bugs" / "bugs.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    mapping = ExportMapping.model_validate({
        "source": "bugs", "format": "jsonl", "path": str(root / "bugs" / "*.jsonl"),
        "record_id": "id", "received_at": {"column": "at"}, "body": ["body"],
        "subject": "title", "account_id": "org",
    })  # fmt: skip
    lh = open_lakehouse(settings=own_settings(root, "likely_"))
    run_ingest(lh.spark, lh.catalog, lh.settings, exports=[mapping])
    run_silver(lh.spark, lh.catalog, lh.settings)
    return lh


def _candidates(lh) -> dict[str, list[tuple[str, list[str]]]]:
    out: dict[str, list[tuple[str, list[str]]]] = {}
    table = lh.catalog.read("silver.duplicate_candidates")
    for r in table.orderBy("feedback_id", "rank").collect():
        out.setdefault(r["feedback_id"], []).append((r["candidate_id"], list(r["shared_terms"])))
    return out


def test_the_paraphrase_from_another_account_is_the_first_candidate(lakehouse) -> None:
    first, *_ = _candidates(lakehouse)["bugs:B12"]
    assert first[0] == "bugs:B00"
    assert {"question", "mark"} <= set(first[1])


def test_a_shared_form_links_nothing_and_is_never_evidence(lakehouse) -> None:
    links = lakehouse.catalog.read("silver.feedback").filter("duplicate_of IS NOT NULL")
    assert links.count() == 0  # not a copy, not a follow-up: other accounts, other problems
    form_words = {"step", "reproduce", "expected", "actual", "result", "browser", "version"}
    for rows in _candidates(lakehouse).values():
        for _, shared in rows:
            assert not form_words & set(shared)


def test_the_form_lines_are_recognised_as_a_template(lakehouse) -> None:
    from pyspark.sql import functions as F

    from feedback_lakehouse.silver.words import template_lines

    texts = lakehouse.catalog.read("silver.feedback").select(
        "feedback_id", "source", F.col("text_redacted").alias("text")
    )
    keys = {r["key"] for r in template_lines(texts, lakehouse.settings).collect()}
    assert {"steps to reproduce:", "browser / version:", "expected result:"} <= keys
    assert not any("question marks" in k for k in keys)  # two messages are not a template


def test_writing_the_batch_again_replaces_its_rows(lakehouse) -> None:
    from pyspark.sql import functions as F

    from feedback_lakehouse.silver.candidates import write_candidates

    before = lakehouse.catalog.read("silver.duplicate_candidates").count()
    batch = lakehouse.catalog.read("silver.feedback").select(
        "feedback_id", "source", "received_at", "account_id", F.col("text_redacted").alias("text")
    )
    write_candidates(lakehouse.catalog, batch, lakehouse.settings, "2026-06-01 00:00:00")
    assert lakehouse.catalog.read("silver.duplicate_candidates").count() == before > 0


def _terms(lh) -> dict[str, dict[str, int]]:
    rows = lh.catalog.read("silver.message_terms").collect()
    return {r["feedback_id"]: dict(zip(r["terms"], r["counts"], strict=True)) for r in rows}


def test_each_message_is_indexed_once_without_its_form(lakehouse) -> None:
    terms = _terms(lakehouse)
    assert len(terms) == len(PROBLEMS)
    assert {"recipient", "link"} <= set(terms["bugs:B02"])
    for words in terms.values():
        assert not {"reproduce", "expected", "browser"} & set(words)


def test_a_message_missing_from_the_index_is_indexed_by_the_next_run(lakehouse) -> None:
    from pyspark.sql import functions as F

    from feedback_lakehouse.silver import words

    catalog = lakehouse.catalog
    before = _terms(lakehouse)
    catalog.delete_keys(words.TABLE, catalog.read(words.TABLE).filter("feedback_id = 'bugs:B03'"))
    assert "bugs:B03" not in _terms(lakehouse)
    nothing_new = (
        catalog.read("silver.feedback")
        .select(*words.ENVELOPE, F.col("text_redacted").alias("text"))
        .limit(0)
    )
    words.index_messages(catalog, nothing_new, lakehouse.settings, "2026-06-02 00:00:00")
    assert _terms(lakehouse) == before
