"""Gold on the embedded engine: themes against the planted issues, the VoC fact table on
hand-built rows, the dashboard views, and a second run that changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pyspark.sql import functions as F

from feedback_lakehouse.evaluate import evaluate_gold

pytestmark = pytest.mark.integration


def test_every_fragment_is_placed_or_kept_waiting(catalog, gold_run) -> None:
    members = catalog.read("gold.theme_members")
    assert members.count() == catalog.read("silver.insights").count() == gold_run.rows_read
    assert gold_run.balanced
    waiting = members.filter(F.col("theme_id").isNull()).count()
    assert waiting == gold_run.rows_quarantined
    themes = {r["theme_id"] for r in catalog.read("gold.themes").collect()}
    placed = {r["theme_id"] for r in members.filter(F.col("theme_id").isNotNull()).collect()}
    assert placed <= themes


def test_themes_match_the_planted_issues(catalog, sample, gold_run) -> None:
    m = evaluate_gold(catalog, sample)
    assert m["adjusted_rand_index"] >= 0.70, m
    assert m["unassigned_share"] < 0.10, m
    assert 0.6 * m["planted_issues"] <= m["themes"] <= 2 * m["planted_issues"], m


def test_themes_are_named_summarised_and_point_at_real_tickets(catalog, gold_run) -> None:
    themes = catalog.read("gold.themes").filter(F.col("status") == "active").collect()
    feedback = {r["feedback_id"] for r in catalog.read("silver.feedback").collect()}
    for t in themes:
        assert t["label"] and t["label"] != "unlabelled", t["theme_id"]
        assert len(t["label"].split()) <= 8
        assert f"{t['fragment_count']:,} fragments" in t["summary"]
        assert 1 <= len(t["representative_feedback_ids"]) <= 5
        assert set(t["representative_feedback_ids"]) <= feedback


def test_views_answer(catalog, gold_run) -> None:
    from feedback_lakehouse.gold.views import VIEWS

    for name in VIEWS:
        assert catalog.sql(f"SELECT * FROM {name}").count() > 0, name
    top = catalog.sql("SELECT ent_accounts_affected FROM gold.v_top_themes").collect()
    values = [r[0] for r in top]
    assert values == sorted(values, reverse=True)


def test_second_run_changes_nothing(spark, catalog, engine_settings, gold_run) -> None:
    from feedback_lakehouse.gold.step import run_gold

    before = {r["theme_id"]: r["fragment_count"] for r in catalog.read("gold.themes").collect()}
    again = run_gold(spark, catalog, engine_settings)
    after = {r["theme_id"]: r["fragment_count"] for r in catalog.read("gold.themes").collect()}
    assert again.rows_read == gold_run.rows_quarantined  # only the waiting ones are retried
    assert after == before


def test_fact_table_on_hand_built_messages(spark, engine_settings) -> None:
    from feedback_lakehouse.gold.voc import voc_facts

    end = datetime(2026, 10, 31)
    rows = []
    # theme A: 6 enterprise accounts, one message each, 2 h to resolve, recent
    for i in range(6):
        rows.append(("A", f"m{i}", "bug", "api", end - timedelta(days=i), 2.0, f"E{i}",
                     "enterprise", 100.0))  # fmt: skip
    # theme B: one startup account writing 4 times, last month and the month before
    for i in range(4):
        rows.append(("B", f"n{i}", "billing", "billing", end - timedelta(days=10 + 15 * i),
                     None, "S1", "startup", 10.0))  # fmt: skip
    # outside the window: ignored
    rows.append(("B", "old", "billing", "billing", end - timedelta(days=400), 1.0, "S1",
                 "startup", 10.0))  # fmt: skip
    df = spark.createDataFrame(
        [(t, f, c, a, r, r + timedelta(hours=h) if h else None, acc, tier, arr)
         for t, f, c, a, r, h, acc, tier, arr in rows],
        "theme_id STRING, feedback_id STRING, category STRING, product_area STRING, "
        "received_at TIMESTAMP, resolved_at TIMESTAMP, account_id STRING, tier STRING, "
        "arr_usd DOUBLE",
    )  # fmt: skip
    themes = spark.createDataFrame(
        [("A", "api errors"), ("B", "billing")], "theme_id STRING, label STRING"
    )
    got = {r["theme_id"]: r for r in voc_facts(df, themes, engine_settings, end).collect()}
    a, b = got["A"], got["B"]
    assert (a["ticket_count"], a["accounts_affected"], a["ent_accounts_affected"]) == (6, 6, 6)
    assert a["hours_spent"] == pytest.approx(12.0) and a["avg_handle_hours"] == pytest.approx(2.0)
    assert a["arr_affected"] == 600.0 and a["paid_share"] == 1.0
    assert a["pattern_type"] == "enterprise_pattern" and a["label"] == "api errors"
    assert (b["ticket_count"], b["accounts_affected"], b["tickets_per_account"]) == (4, 1, 4.0)
    assert b["pattern_type"] == "recurring_pain" and b["arr_affected"] == 10.0
    assert b["hours_spent"] is None
    assert (b["count_30d"], b["count_prev_30d"]) == (2, 2) and b["mom_change"] == 0.0
    assert b["first_seen"] == end - timedelta(days=55)
    assert len(b["sample_feedback_ids"]) == 4
