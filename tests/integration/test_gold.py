"""Gold on the embedded engine: themes against the planted issues, the VoC fact table on
hand-built rows, the dashboard views, and a second run that changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pyspark.sql import functions as F

from feedback_lakehouse.evaluate.tables import evaluate_gold

pytestmark = pytest.mark.integration


def _total(catalog, query: str) -> int:
    """The single number a SQL query answers."""
    return catalog.sql(query).collect()[0][0]


def test_every_fragment_is_placed_or_kept_waiting(catalog, gold_run) -> None:
    members = catalog.read("gold.theme_members")
    assert members.count() == catalog.read("silver.insights").count() == gold_run.rows_read
    assert gold_run.balanced
    waiting = members.filter(F.col("theme_id").isNull()).count()
    assert waiting == gold_run.rows_quarantined
    themes = {r["theme_id"] for r in catalog.read("gold.themes").collect()}
    placed = {r["theme_id"] for r in members.filter(F.col("theme_id").isNotNull()).collect()}
    assert placed <= themes


def test_the_invariants_name_what_disagrees(catalog, engine_settings, gold_run) -> None:
    """A clean gold run holds (checked before the tests below take themes apart); a member
    of a theme that was never written and a theme that counts other fragments than its
    members are each named, with the command that repairs."""
    from feedback_lakehouse.invariants import InvariantError, enforce, gold_holds, insights_hold

    window = engine_settings.gold.window_days
    assert gold_holds(catalog, window) == [] and insights_hold(catalog) == []
    members = catalog.physical("gold.theme_members")
    themes = catalog.physical("gold.themes")
    (theme,) = catalog.read("gold.themes").filter("status = 'active'").limit(1).collect()
    catalog.spark.sql(
        f"INSERT INTO {members} VALUES ('orphan#0', 'orphan', 'TH-0000000000', 0.9, "
        "TIMESTAMP '2030-01-01 00:00:00')"
    )
    catalog.spark.sql(f"UPDATE {themes} SET fragment_count = fragment_count + 1 "
                      f"WHERE theme_id = '{theme['theme_id']}'")  # fmt: skip
    facts = catalog.physical("gold.fct_voc_themes")
    (fact,) = catalog.read("gold.fct_voc_themes").limit(1).collect()
    where = (f"theme_id = '{fact['theme_id']}' AND category = '{fact['category']}' "
             f"AND product_area = '{fact['product_area']}'")  # fmt: skip
    catalog.spark.sql(f"UPDATE {facts} SET ticket_count = ticket_count + 2 WHERE {where}")
    try:
        broken = gold_holds(catalog, window)
        assert len(broken) == 3
        assert broken[0].startswith("gold.theme_members: 1 members belong to no theme")
        assert "feedback-lakehouse gold" in broken[0]
        assert broken[1].startswith("gold.themes: 1 active themes count other fragments")
        assert broken[2].startswith("gold.fct_voc_themes: counts ")
        with pytest.raises(InvariantError, match="gold: tables disagree"):
            enforce("gold", broken)
    finally:
        catalog.spark.sql(f"DELETE FROM {members} WHERE fragment_id = 'orphan#0'")
        catalog.spark.sql(f"UPDATE {themes} SET fragment_count = {theme['fragment_count']} "
                          f"WHERE theme_id = '{theme['theme_id']}'")  # fmt: skip
        catalog.spark.sql(f"UPDATE {facts} SET ticket_count = {fact['ticket_count']} "
                          f"WHERE {where}")  # fmt: skip
    assert gold_holds(catalog, window) == []


def test_a_rerun_with_nothing_new_rewrites_no_theme(spark, catalog, engine_settings,
                                                  gold_run) -> None:  # fmt: skip
    """Fragments still waiting for a theme are tried again, but no theme is rewritten (a
    no-op run used to add a version and files to gold.themes every time)."""
    from pathlib import Path

    from feedback_lakehouse.gold.step import run_gold

    logs = {n: Path(catalog.location(n)) / "_delta_log" for n in ("gold.themes",
            "gold.theme_lineage", "gold.fct_voc_themes", "gold.spikes")}  # fmt: skip
    before = {n: len(list(p.glob("*.json"))) for n, p in logs.items()}
    report = run_gold(spark, catalog, engine_settings)
    assert report.rows_written == 0 and report.details["derived_tables_stale"] is False
    assert {n: len(list(p.glob("*.json"))) for n, p in logs.items()} == before

    # an insight written after the last build (a fragment reclassified): the facts follow it
    insights = catalog.physical("silver.insights")
    placed = catalog.read("gold.theme_members").filter("theme_id IS NOT NULL").select("fragment_id")
    (row,) = (
        catalog.read("silver.insights").join(placed, "fragment_id", "left_semi").limit(1).collect()
    )
    at = row["processed_at"].strftime("%Y-%m-%d %H:%M:%S.%f")
    catalog.spark.sql(f"UPDATE {insights} SET processed_at = TIMESTAMP '2099-01-01 00:00:00' "
                      f"WHERE fragment_id = '{row['fragment_id']}'")  # fmt: skip
    try:
        again = run_gold(spark, catalog, engine_settings)
        assert again.details["derived_tables_stale"] is True
        facts = logs["gold.fct_voc_themes"]
        assert len(list(facts.glob("*.json"))) > before["gold.fct_voc_themes"]
    finally:
        catalog.spark.sql(f"UPDATE {insights} SET processed_at = TIMESTAMP '{at}' "
                          f"WHERE fragment_id = '{row['fragment_id']}'")  # fmt: skip


def test_only_reclassified_counted_fragments_make_the_derived_tables_stale(
    catalog, gold_run
) -> None:
    """A newer insight of a fragment the facts already count is a reclassification; one of a
    fragment no theme holds yet is new input that placement counts (it used to rebuild every
    spike from the beginning on each incremental run)."""
    from feedback_lakehouse.gold.step import _derived_stale

    insights, members = catalog.physical("silver.insights"), catalog.physical("gold.theme_members")
    (row,) = catalog.read("gold.theme_members").filter("theme_id IS NOT NULL").limit(1).collect()
    fid, theme = row["fragment_id"], row["theme_id"]
    (ins,) = catalog.read("silver.insights").filter(f"fragment_id = '{fid}'").collect()
    at = ins["processed_at"].strftime("%Y-%m-%d %H:%M:%S.%f")
    assert _derived_stale(catalog) is False
    catalog.spark.sql(f"UPDATE {insights} SET processed_at = TIMESTAMP '2099-01-01 00:00:00' "
                      f"WHERE fragment_id = '{fid}'")  # fmt: skip
    try:
        assert _derived_stale(catalog) is True  # a counted fragment reclassified
        catalog.spark.sql(f"UPDATE {members} SET theme_id = NULL WHERE fragment_id = '{fid}'")
        assert _derived_stale(catalog) is False  # a fragment waiting for a theme: not counted
    finally:
        catalog.spark.sql(f"UPDATE {members} SET theme_id = '{theme}' WHERE fragment_id = '{fid}'")
        catalog.spark.sql(f"UPDATE {insights} SET processed_at = TIMESTAMP '{at}' "
                          f"WHERE fragment_id = '{fid}'")  # fmt: skip


def test_themes_hold_one_planted_issue_each(catalog, sample, gold_run) -> None:
    """Themes come from the text alone, so an issue written in phrasings that share neither
    words nor meaning may form several themes (``evaluate`` reports ARI and completeness);
    what must hold is that a theme is one issue and nearly every fragment finds a theme."""
    m = evaluate_gold(catalog, sample)
    assert m["homogeneity"] >= 0.8, m
    assert m["unassigned_share"] < 0.10, m
    assert m["planted_issues"] <= m["themes"] <= m["fragments"] / 3, m


def test_themes_are_named_summarised_and_point_at_real_tickets(catalog, gold_run) -> None:
    themes = catalog.read("gold.themes").filter(F.col("status") == "active").collect()
    feedback = {r["feedback_id"] for r in catalog.read("silver.feedback").collect()}
    for t in themes:
        assert t["label"] and t["label"] != "unlabelled", t["theme_id"]
        assert len(t["label"].split()) <= 8
        assert f"{t['fragment_count']:,} fragments" in t["summary"]
        assert 1 <= len(t["representative_feedback_ids"]) <= 5
        assert set(t["representative_feedback_ids"]) <= feedback


def test_spike_episodes_gather_a_themes_overlapping_spikes(catalog) -> None:
    """Hand-built spikes: a release spike in "all" echoed in two segments is one episode,
    linked by the spike whose segment the release targets; a later spike of the same theme
    that only touches the first is another; another theme's spike is its own."""
    from feedback_lakehouse.views import VIEWS

    t = datetime(2026, 9, 16)

    def spike(sid, theme, kind, value, start_h, end_h, count, spec, *link):
        event, match, lag = link or (None, None, None)
        reason = f"reason {sid}" if event else None
        start, end = t + timedelta(hours=start_h), t + timedelta(hours=end_h)
        kind_of = "release" if event else None
        return (sid, theme, f"{theme} label", kind, value, start, end, count, 10.0 * count,
                spec, 1e-9, event, kind_of, match, reason, lag)  # fmt: skip

    rows = [
        spike("a1", "A", "all", "all", 10, 16, 50, 1.0, "REL-1", "broad", 30.0),
        spike("a2", "A", "platform", "ios", 11, 15, 40, 3.0, "REL-1", "segment", 90.0),
        spike("a3", "A", "region", "EU", 12, 14, 9, 0.8),
        spike("a4", "A", "all", "all", 16, 18, 7, 1.0),
        spike("b1", "B", "browser", "Safari", 11, 12, 6, None),
    ]  # fmt: skip
    catalog.spark.createDataFrame(
        rows,
        "spike_id STRING, theme_id STRING, label STRING, segment_kind STRING, "
        "segment_value STRING, window_start TIMESTAMP, window_end TIMESTAMP, count BIGINT, "
        "ratio DOUBLE, specificity DOUBLE, p_value DOUBLE, linked_event_id STRING, "
        "linked_kind STRING, link_match STRING, link_reason STRING, lag_minutes DOUBLE",
    ).createOrReplaceTempView("hand_spikes")
    query = VIEWS["gold.v_spike_episodes"].replace("gold.spikes", "hand_spikes")
    got = [
        (r["theme_id"], r["episode_start"].hour, r["episode_end"].hour, r["spikes"],
         r["overall_count"], r["peak_ratio"], r["most_specific_segment"], r["specificity"],
         r["segments"], r["linked_event_id"], r["lag_minutes"], r["link_reason"])
        for r in catalog.spark.sql(query).orderBy("theme_id", "episode_start").collect()
    ]  # fmt: skip
    assert got == [
        ("A", 10, 16, 3, 50, 500.0, "platform=ios", 3.0, "platform=ios, region=EU", "REL-1",
         90.0, "reason a2"),
        ("A", 16, 18, 1, 7, 70.0, None, None, "", None, None, None),
        ("B", 11, 12, 1, None, 60.0, None, None, "browser=Safari", None, None, None),
    ]  # fmt: skip


def test_views_answer(catalog, sample, gold_run) -> None:
    from feedback_lakehouse.views import VIEWS

    assert set(VIEWS) == {"gold.v_top_themes", "gold.v_theme_trend", "gold.v_category_area_grid",
                          "gold.v_spikes_timeline", "gold.v_spike_episodes",
                          "gold.v_sla"}  # fmt: skip
    # each view restates its table: every active theme once, every message once per theme,
    # the grid sums the fact table, every spike and SLA cell appears
    themes_with_facts = _total(catalog, "SELECT count(DISTINCT theme_id) FROM gold.fct_voc_themes")
    assert _total(catalog, "SELECT count(*) FROM gold.v_top_themes") == themes_with_facts > 0
    assert _total(catalog, "SELECT sum(messages) FROM gold.v_theme_trend") == _total(
        catalog,
        "SELECT count(DISTINCT theme_id, feedback_id, date_trunc('WEEK', f.received_at)) "
        "FROM gold.theme_members m JOIN silver.fragments f USING (fragment_id, feedback_id) "
        "WHERE theme_id IS NOT NULL",
    )
    assert _total(catalog, "SELECT sum(ticket_count) FROM gold.v_category_area_grid") == _total(
        catalog, "SELECT sum(ticket_count) FROM gold.fct_voc_themes"
    )
    assert _total(catalog, "SELECT count(*) FROM gold.v_spikes_timeline") == _total(
        catalog, "SELECT count(*) FROM gold.spikes"
    )
    # episodes partition the spikes, and the sample's release spikes echo across segments
    spikes = _total(catalog, "SELECT count(*) FROM gold.spikes")
    assert _total(catalog, "SELECT sum(spikes) FROM gold.v_spike_episodes") == spikes
    assert _total(catalog, "SELECT count(*) FROM gold.v_spike_episodes") < spikes
    # ...as the evaluation groups them
    scored = evaluate_gold(catalog, sample)["spikes"]["false_episodes"]["episodes"]
    assert _total(catalog, "SELECT count(*) FROM gold.v_spike_episodes") == scored
    assert _total(catalog, "SELECT sum(messages) FROM gold.v_sla") == _total(
        catalog, "SELECT count(*) FROM silver.feedback"
    )
    top = catalog.sql(
        "SELECT problem_share >= 0.5, ent_accounts_affected FROM gold.v_top_themes"
    ).collect()
    values = [(r[0], r[1]) for r in top]
    assert values == sorted(values, reverse=True)  # problems first, then enterprise reach
    assert {r[0] for r in top} == {True, False}  # the sample has praise themes


def test_second_run_changes_nothing(spark, catalog, engine_settings, gold_run) -> None:
    from feedback_lakehouse.gold.step import run_gold

    before = {r["theme_id"]: r["fragment_count"] for r in catalog.read("gold.themes").collect()}
    again = run_gold(spark, catalog, engine_settings)
    after = {r["theme_id"]: r["fragment_count"] for r in catalog.read("gold.themes").collect()}
    # fragments still waiting are retried when new fragments arrive, not on a re-run (the
    # themes they were tried against have not changed)
    assert again.rows_read == 0
    assert again.details["fragments_waiting"] == gold_run.rows_quarantined
    assert after == before


def test_fact_table_on_hand_built_messages(spark, engine_settings) -> None:
    from feedback_lakehouse.gold.voc import voc_facts

    end = datetime(2026, 10, 31)
    rows = []
    # theme A: 6 enterprise accounts, one bug each, 2 h to resolve, recent; m5 is the closest
    for i in range(6):
        rows.append(("A", f"m{i}", "bug", "api", end - timedelta(days=i), 2.0, f"E{i}",
                     "enterprise", 100.0, True, 0.99 if i == 5 else 0.5))  # fmt: skip
    # theme B: one startup account writing 4 times, last month and the month before
    for i in range(4):
        rows.append(("B", f"n{i}", "billing", "billing", end - timedelta(days=10 + 15 * i),
                     None, "S1", "startup", 10.0, True, 0.5))  # fmt: skip
    # theme C: praise from 20 startup accounts, 5 of them 40 days ago (the closest ones), and
    # one app-store review with no account
    for i in range(20):
        rows.append(("C", f"p{i:02d}", "usability", "dashboard",
                     end - timedelta(days=40 if i < 5 else 3), None, f"P{i}", "startup", 1.0,
                     False, 0.99 if i < 5 else 0.6))  # fmt: skip
    rows.append(("C", "review", "usability", "dashboard", end - timedelta(days=3), None, None,
                 None, None, False, 0.6))  # fmt: skip
    # theme D: 25 accounts, enterprise ones at their share of the base: broad, not enterprise
    for i in range(25):
        acc, tier = (f"E{i}", "enterprise") if i < 5 else (f"P{i - 5}", "startup")
        days = 35 if 5 <= i < 15 else 5
        rows.append(("D", f"d{i:02d}", "bug", "auth", end - timedelta(days=days), None, acc,
                     tier, 1.0, True, 0.5))  # fmt: skip
    # outside the window: ignored
    rows.append(("B", "old", "billing", "billing", end - timedelta(days=400), 1.0, "S1",
                 "startup", 10.0, True, 0.5))  # fmt: skip
    df = spark.createDataFrame(
        [(t, f, c, a, r, r + timedelta(hours=h) if h else None, acc, tier, arr, p, sim)
         for t, f, c, a, r, h, acc, tier, arr, p, sim in rows],
        "theme_id STRING, feedback_id STRING, category STRING, product_area STRING, "
        "received_at TIMESTAMP, resolved_at TIMESTAMP, account_id STRING, tier STRING, "
        "arr_usd DOUBLE, problem BOOLEAN, similarity DOUBLE",
    )  # fmt: skip
    themes = spark.createDataFrame(
        [("A", "api errors"), ("B", "billing"), ("C", "praise"), ("D", "sign-in")],
        "theme_id STRING, label STRING",
    )
    got = {r["theme_id"]: r for r in voc_facts(df, themes, engine_settings, end).collect()}
    a, b, c, d = got["A"], got["B"], got["C"], got["D"]
    assert (a["ticket_count"], a["accounts_affected"], a["ent_accounts_affected"]) == (6, 6, 6)
    assert a["hours_spent"] == pytest.approx(12.0) and a["avg_handle_hours"] == pytest.approx(2.0)
    assert a["arr_affected"] == 600.0 and a["paid_share"] == 1.0
    assert a["pattern_type"] == "enterprise_pattern" and a["label"] == "api errors"
    assert a["sample_feedback_ids"][0] == "m5"  # the most representative first
    assert (a["mom_trend"], a["qoq_trend"], a["mom_change"]) == ("new", "new", None)
    assert (b["ticket_count"], b["accounts_affected"], b["tickets_per_account"]) == (4, 1, 4.0)
    assert b["pattern_type"] == "recurring_pain" and b["arr_affected"] == 10.0
    assert b["hours_spent"] is None
    # 2 against 2 messages is no trend
    assert (b["count_30d"], b["count_prev_30d"], b["mom_change"]) == (2, 2, None)
    assert b["mom_trend"] == "too_few"
    assert b["first_seen"] == end - timedelta(days=55)
    assert len(b["sample_feedback_ids"]) == 4
    # every enterprise account of D is one of the base's, at their share: not a pattern of theirs
    assert (d["ent_accounts_affected"], d["accounts_affected"]) == (5, 25)
    assert d["pattern_type"] == "broad_pattern"
    assert (d["count_30d"], d["count_prev_30d"], d["mom_trend"]) == (15, 10, "flat")
    assert d["mom_change"] == pytest.approx(0.5)
    assert (c["count_30d"], c["count_prev_30d"], c["mom_trend"]) == (16, 5, "up")
    assert c["problem_share"] == 0.0 and a["problem_share"] == 1.0
    assert c["paid_share"] == pytest.approx(20 / 21)  # the review with no account is not paid
    assert not {f"p{i:02d}" for i in range(5)} & set(c["sample_feedback_ids"])  # recent first


def test_sla_on_hand_built_messages(spark, engine_settings) -> None:
    from feedback_lakehouse.gold.operations import sla_metrics

    t0 = datetime(2026, 10, 1)
    h = timedelta(hours=1)
    rows = [  # priority, tier, status, received, resolved, escalated
        ("urgent", "enterprise", "solved", t0, t0 + 1 * h, 0),  # target 4 h x 0.5: within
        ("urgent", "enterprise", "solved", t0, t0 + 3 * h, 1),  # 3 h > 2 h: breached
        ("urgent", "enterprise", "open", t0, None, 0),  # open 100 h by the as-of: breached
        (None, "startup", "reopened", t0, t0 + 10 * h, 0),  # normal, 72 h: within
        (None, "startup", "open", t0 + 99 * h, None, 0),  # newest: as-of, not yet due
    ]
    live = [
        (
            f"m{i}",
            "tickets",
            p,
            tier,
            st,
            r,
            r + timedelta(minutes=5),
            res,
            r + 10 * h,
            None,
            bool(e),
            False,
        )
        for i, (p, tier, st, r, res, e) in enumerate(rows)
    ]
    # an archive exported a year late: counted and judged, but its intake is not a latency
    year = timedelta(days=365)
    archive = [
        (
            "old",
            "archive",
            "urgent",
            "enterprise",
            "solved",
            t0 - year,
            t0,
            t0 - year + h,
            t0 + 10 * h,
            None,
            False,
            False,
        )
    ]
    df = spark.createDataFrame(
        live + archive,
        "feedback_id STRING, source STRING, priority STRING, tier STRING, status STRING, "
        "received_at TIMESTAMP, bronze_ingested_at TIMESTAMP, resolved_at TIMESTAMP, "
        "classified_at TIMESTAMP, root_caused_at TIMESTAMP, escalated BOOLEAN, "
        "needs_review BOOLEAN",
    )  # fmt: skip
    got = {(r["priority"], r["tier"]): r for r in sla_metrics(df, engine_settings, t0).collect()}
    urgent = got[("urgent", "enterprise")]
    assert urgent["target_hours"] == 2.0
    assert (urgent["messages"], urgent["resolved"], urgent["live_messages"]) == (4, 3, 3)
    assert (urgent["within_target"], urgent["breached"]) == (2, 2)
    assert urgent["compliance"] == pytest.approx(2 / 4)
    assert urgent["median_intake_minutes"] == pytest.approx(5.0)  # the archive's year is not
    assert urgent["median_classification_minutes"] == pytest.approx(600.0)
    assert urgent["escalation_rate"] == pytest.approx(1 / 4)
    normal = got[("normal", "startup")]
    assert normal["target_hours"] == 72.0 and normal["within_target"] == 1
    assert normal["breached"] == 0 and normal["reopened_rate"] == 0.5


def test_coverage_and_account_risk(catalog, gold_run) -> None:
    cov = catalog.read("gold.coverage").collect()
    assert {r["segment"] for r in cov} >= {"tier", "region", "language"}
    for r in cov:
        assert r["thin"] == (r["messages"] < 15)
    by_seg: dict[str, int] = {}
    for r in cov:
        by_seg[r["segment"]] = by_seg.get(r["segment"], 0) + r["messages"]
    assert set(by_seg.values()) == {catalog.read("silver.feedback").count()}
    risk = catalog.read("gold.account_risk").orderBy("arr_rank").collect()
    assert risk, "no account shows a risk signal in the sample"
    arrs = [r["arr_usd"] or 0 for r in risk]
    assert arrs == sorted(arrs, reverse=True)
    for r in risk:
        assert r["churn_signals"] + r["renewal_concerns"] + r["escalations"] > 0 or r["competitors"]


def test_spikes_are_consistent_and_links_explain_themselves(catalog, gold_run) -> None:
    spikes = catalog.read("gold.spikes").collect()
    themes = {r["theme_id"] for r in catalog.read("gold.themes").collect()}
    for s in spikes:
        assert s["theme_id"] in themes
        assert s["window_start"] < s["window_end"]
        assert s["count"] >= 5 and s["ratio"] >= 2.0 and s["p_value"] < 3e-5
        if s["linked_event_id"]:
            assert s["linked_kind"] in ("release", "flag", "incident")
            assert s["link_reason"] and s["lag_minutes"] is not None
    assert catalog.sql("SELECT * FROM gold.v_spikes_timeline").count() == len(spikes)


def test_fact_and_spike_inputs_count_a_message_once_per_theme(catalog, gold_run) -> None:
    """Several fragments of one message in one theme are one ticket for the fact table and one
    report for the spike counts; every row keeps its message's times and account."""
    from feedback_lakehouse.gold.spikes.step import LONG, hourly_buckets
    from feedback_lakehouse.gold.voc import theme_messages

    pairs = ("FROM gold.theme_members m JOIN silver.insights i USING (fragment_id) "
             "WHERE m.theme_id IS NOT NULL")  # fmt: skip
    distinct = _total(catalog, "SELECT count(*) FROM (SELECT DISTINCT m.theme_id, m.feedback_id, "
                     f"i.category, i.product_area {pairs})")  # fmt: skip
    assert _total(catalog, f"SELECT count(*) {pairs}") > distinct  # the sample has such messages
    messages = theme_messages(catalog)
    assert messages.count() == distinct
    feedback = catalog.read("silver.feedback").select(
        "feedback_id", F.col("received_at").alias("r"), F.col("account_id").alias("a")
    )
    joined = messages.join(feedback, "feedback_id")
    assert joined.count() == distinct
    assert joined.filter(~F.col("received_at").eqNullSafe(F.col("r"))
                         | ~F.col("account_id").eqNullSafe(F.col("a"))).count() == 0  # fmt: skip

    buckets = hourly_buckets(catalog)
    long = catalog.read(LONG)
    # overall: each theme x message once, an account's first message of a theme and day only
    reports = _total(
        catalog,
        "SELECT count(*) FROM (SELECT f.account_id, row_number() OVER (PARTITION BY m.theme_id, "
        "f.account_id, to_date(f.received_at) ORDER BY f.received_at, feedback_id) AS rn "
        "FROM (SELECT DISTINCT theme_id, feedback_id FROM gold.theme_members "
        "WHERE theme_id IS NOT NULL) m JOIN silver.feedback f USING (feedback_id) "
        "WHERE f.duplicate_of IS NULL) WHERE account_id IS NULL OR rn = 1",
    )
    assert long.filter(F.col("segment_kind") == "all").count() == reports > 0
    sums = buckets.groupBy("segment_kind").agg(F.sum("count").alias("n")).collect()
    per_kind = dict(long.groupBy("segment_kind").count().collect())
    assert {r["segment_kind"]: r["n"] for r in sums} == per_kind
    catalog.spark.sql(f"DELETE FROM {catalog.physical(LONG)}")


def test_spikes_reopen_history_only_for_fragments_new_to_gold(spark) -> None:
    """A fragment that waited since July and finds a theme now is placed but must not make the
    spike pass recompute four months; the earliest new fragment sets the horizon."""
    from feedback_lakehouse.gold.themes.place import recompute_from

    july, oct1, oct2 = datetime(2026, 7, 3), datetime(2026, 10, 1), datetime(2026, 10, 2)
    fragments = spark.createDataFrame(
        [("old#0", july), ("new#0", oct2), ("new#1", oct1)],
        "fragment_id STRING, received_at TIMESTAMP",
    )
    members = spark.createDataFrame([("old#0", None)], "fragment_id STRING, theme_id STRING")
    final = spark.createDataFrame(
        [("old#0", "TH-a"), ("new#0", "TH-a"), ("new#1", None)],
        "fragment_id STRING, theme_id STRING",
    )
    got = recompute_from(final, members, fragments)
    assert (got.placed, got.since) == (2, oct2)  # new#1 found no theme: not placed
    only_old = recompute_from(final.filter("fragment_id = 'old#0'"), members, fragments)
    assert (only_old.placed, only_old.since) == (1, None)  # placed, but no history reopened
    none = recompute_from(final.filter("theme_id IS NULL"), members, fragments)
    assert (none.placed, none.since) == (0, None)


def _gold_run(catalog, settings, now: datetime):
    """A gold step run whose clock reads ``now``, for calling the step's parts alone."""
    from feedback_lakehouse.run import step_run

    with step_run("gold", catalog, settings, now=now) as run:
        return run


def test_a_theme_that_absorbed_another_splits_back(catalog, engine_settings, gold_run) -> None:
    """Two distinct themes put into one, as sticky membership can let happen when both issues
    were small: the split finds them again, moves the smaller to a new theme and says so."""
    from feedback_lakehouse.gold.themes.clustering import normalise
    from feedback_lakehouse.gold.themes.place import _load_themes
    from feedback_lakehouse.gold.themes.splits import split_themes

    themes = _load_themes(catalog)
    below = engine_settings.gold.split_similarity
    pairs = [
        (x, y)
        for i, x in enumerate(themes)
        for y in themes[i + 1 :]
        if min(x.count, y.count) >= 0.25 * (x.count + y.count)
        and x.count + y.count >= 80
        and float(x.centroid @ y.centroid) < below - 0.05
    ]
    # the most similar pair of distinct themes apart enough to split: the hardest split that
    # should still happen
    a, b = max(pairs, key=lambda p: float(p[0].centroid @ p[1].centroid))  # fmt: skip
    members = catalog.read("gold.theme_members")
    of = {t.theme_id: {r["fragment_id"] for r in members.filter(F.col("theme_id") == t.theme_id)
                       .select("fragment_id").collect()} for t in (a, b)}  # fmt: skip
    absorbed = members.filter(F.col("theme_id") == b.theme_id).withColumn(
        "theme_id", F.lit(a.theme_id)
    )
    catalog.upsert("gold.theme_members", absorbed, "theme_id")
    before = {t.theme_id: t.count for t in themes}
    a.centroid = normalise(a.centroid * a.count + b.centroid * b.count)
    a.count += b.count
    active = [t for t in themes if t.theme_id != b.theme_id]
    now = datetime(2030, 1, 1)
    run = _gold_run(catalog, engine_settings, now)
    report = run.report

    unchanged = {t.theme_id: t.count for t in active}
    quiet = _gold_run(catalog, engine_settings, now)  # no theme grew: nothing is looked at
    assert split_themes(quiet, active, unchanged) is None
    assert quiet.report.details["themes_split_checked"] == 0

    since = split_themes(run, active, before)

    assert report.details["themes_split"] == 1
    assert report.details["themes_split_checked"] == 1, "only the theme that grew is looked at"
    (child,) = [t for t in active if t.created_at == now]
    smaller = of[a.theme_id] if len(of[a.theme_id]) < len(of[b.theme_id]) else of[b.theme_id]
    got = {r["fragment_id"] for r in catalog.read("gold.theme_members")
           .filter(F.col("theme_id") == child.theme_id).collect()}  # fmt: skip
    assert len(got & smaller) / len(got | smaller) >= 0.9  # the absorbed issue, found again
    assert child.count == len(got)
    assert a.count + child.count == len(of[a.theme_id]) + len(of[b.theme_id])
    (row,) = (
        catalog.read("gold.theme_lineage")
        .filter((F.col("kind") == "split") & (F.col("theme_id") == child.theme_id))
        .collect()
    )
    assert (row["theme_id"], row["other_theme_id"]) == (child.theme_id, a.theme_id)
    first = (
        catalog.read("silver.fragments").filter(F.col("fragment_id").isin(sorted(got)))
        .agg(F.min("received_at")).first()[0]
    )  # fmt: skip
    assert since == first  # spikes are recomputed from the first moved fragment
    # both parts checked again: they stay apart
    again = _gold_run(catalog, engine_settings, now)
    assert split_themes(again, [a, child], {}) is None


def test_model_written_names_stand_until_the_theme_grows(catalog, engine_settings,
                                                         gold_run) -> None:  # fmt: skip
    """gold.naming: openai against a local OpenAI-compatible server: the model's label and
    paragraph under code-written counts, kept (no call) while the theme is the same size,
    asked again once it has grown, and the offline name with the reason when that fails."""
    import json
    import os

    from fake_openai import FakeOpenAI, Step
    from feedback_lakehouse.gold.themes.names import name_themes
    from feedback_lakehouse.gold.themes.place import _load_themes

    secret = "sk-test-theme-names-0000"
    themes = sorted(_load_themes(catalog), key=lambda t: -t.count)[:3]
    ids = [t.theme_id for t in themes]
    paragraph = "Customers cannot finish signing in; some see a loop, some an error page."
    fake = FakeOpenAI().start()
    label = "SSO sign-in loop after update"
    reply = {"label": label, "summary": paragraph, "severity": "high"}
    fake.default = Step(content=json.dumps(reply))
    os.environ["FL_TEST_THEME_KEY"] = secret
    oa = engine_settings.insights.openai.model_copy(update={
        "base_url": fake.base_url, "model": "fake-model", "api_key_env": "FL_TEST_THEME_KEY",
        "max_retries": 1, "backoff_s": 0.01, "timeout_s": 5.0})  # fmt: skip
    settings = engine_settings.model_copy(update={
        "insights": engine_settings.insights.model_copy(update={"openai": oa}),
        "gold": engine_settings.gold.model_copy(update={"naming": "openai"})})  # fmt: skip

    def stored() -> dict:
        return {r["theme_id"]: r for r in catalog.read("gold.themes")
                .filter(F.col("theme_id").isin(ids)).collect()}  # fmt: skip

    calls_before = catalog.read("ops.insight_calls").count()
    try:
        first = _gold_run(catalog, settings, datetime(2030, 1, 1))
        name_themes(first, themes)
        rows = stored()
        for t in themes:
            assert rows[t.theme_id]["label"] == label
            assert rows[t.theme_id]["summary"].startswith(f"{t.count:,} fragments from ")
            assert rows[t.theme_id]["summary"].endswith(paragraph)
        assert len(fake.seen) == 3
        assert catalog.read("ops.insight_calls").count() == calls_before + 3
        audited = catalog.read("ops.insight_calls").filter(F.col("run_id") == first.run_id)
        assert audited.count() == 3  # the calls are the run's, under its id
        names = catalog.read("gold.theme_names").filter(F.col("theme_id").isin(ids)).collect()
        assert {(r["source"], r["error"]) for r in names} == {("model:fake-model", None)}

        same = _gold_run(catalog, settings, datetime(2030, 1, 2))  # the names stand, no call
        name_themes(same, themes)
        assert len(fake.seen) == 3 and same.report.details["theme_naming_calls"] == 0
        assert {r["label"] for r in stored().values()} == {label}

        themes[0].count *= 2  # grown: asked again, and the endpoint now fails
        fake.default = Step(status=500, error=f"upstream down (key {secret})")
        name_themes(_gold_run(catalog, settings, datetime(2030, 1, 3)), themes[:1])
        row = stored()[ids[0]]
        assert row["label"] != label  # the offline name
        assert row["summary"].startswith(f"{themes[0].count:,} fragments")
        (named,) = catalog.read("gold.theme_names").filter(F.col("theme_id") == ids[0]).collect()
        assert named["source"] == "offline" and "HTTP 500" in named["error"]
        kept = " ".join(str(r.asDict()) for r in catalog.read("ops.insight_calls").collect())
        assert secret not in kept + str(named.asDict())
    finally:
        fake.stop()
        os.environ.pop("FL_TEST_THEME_KEY", None)
        themes[0].count //= 2
        name_themes(_gold_run(catalog, engine_settings, datetime(2030, 1, 4)), themes)


def test_merged_members_follow_chains_in_one_move(catalog, gold_run) -> None:
    """A absorbed into B and B into C in the same run: A's and B's members all end in C (one
    upsert), nobody else moves; then put back as they were."""
    from feedback_lakehouse.gold.themes.place import move_members

    members = catalog.read("gold.theme_members").filter(F.col("theme_id").isNotNull())
    before = {r["fragment_id"]: r["theme_id"] for r in members.collect()}
    a, b, c = sorted(set(before.values()))[:3]
    move_members(catalog, {a: b, b: c})
    after = {r["fragment_id"]: r["theme_id"] for r in catalog.read("gold.theme_members")
             .filter(F.col("theme_id").isNotNull()).collect()}  # fmt: skip
    assert after == {f: (c if t in (a, b) else t) for f, t in before.items()}
    originals = catalog.read("gold.theme_members").filter(
        F.col("fragment_id").isin([f for f, t in before.items() if t in (a, b)])
    )
    restore = {f: t for f, t in before.items() if t in (a, b)}
    mapping = catalog.spark.createDataFrame(
        sorted(restore.items()), "fragment_id STRING, _t STRING"
    )
    catalog.upsert("gold.theme_members", originals.join(mapping, "fragment_id")
                   .withColumn("theme_id", F.col("_t")).drop("_t"), "theme_id")  # fmt: skip
    again = {r["fragment_id"]: r["theme_id"] for r in catalog.read("gold.theme_members")
             .filter(F.col("theme_id").isNotNull()).collect()}  # fmt: skip
    assert again == before


def test_themes_of_an_earlier_space_are_retired_and_rebuilt(spark, catalog, engine_settings,
                                                            gold_run) -> None:  # fmt: skip
    """A lakehouse without the theme-space mark (its themes formed by an earlier embedder):
    the next run retires every active theme with a lineage row saying why, places every
    fragment again into new themes, and the tables agree; the run after that retires nothing.
    Last in this file: it replaces every theme id."""
    from feedback_lakehouse.gold.step import run_gold
    from feedback_lakehouse.gold.themes.space import MARK, MARK_STEP
    from feedback_lakehouse.invariants import gold_holds

    old = {r["theme_id"] for r in catalog.read("gold.themes").filter("status = 'active'")
           .collect()}  # fmt: skip
    fragments = catalog.read("gold.theme_members").count()
    catalog.spark.sql(f"DELETE FROM {catalog.physical('ops.watermarks')} "
                      f"WHERE step = '{MARK_STEP}' AND input_table = '{MARK}'")  # fmt: skip
    report = run_gold(spark, catalog, engine_settings)
    assert report.details["themes_retired_for_new_space"] == len(old) > 0
    themes = catalog.read("gold.themes")
    assert {r["theme_id"] for r in themes.filter("status = 'retired'").collect()} == old
    new = {r["theme_id"] for r in themes.filter("status = 'active'").collect()}
    assert new and not new & old
    retired = catalog.read("gold.theme_lineage").filter(F.col("kind") == "retired")
    assert {r["theme_id"] for r in retired.collect()} == old
    members = catalog.read("gold.theme_members")
    assert members.count() == fragments  # every fragment placed again, none lost
    assert {r["theme_id"] for r in members.filter(F.col("theme_id").isNotNull())
            .select("theme_id").distinct().collect()} <= new  # fmt: skip
    assert gold_holds(catalog, engine_settings.gold.window_days) == []
    again = run_gold(spark, catalog, engine_settings)
    assert "themes_retired_for_new_space" not in again.details
