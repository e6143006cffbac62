"""Dashboard views over gold, in Spark SQL with logical table names: the same text runs on
Databricks SQL (names mapped to Unity Catalog) and locally (``feedback-lakehouse sql``).

Declared here beside ``tables.py`` and created by ``Catalog.ensure`` whenever a lakehouse is
opened: Sail keeps its catalog in memory, and on Databricks ``CREATE OR REPLACE`` keeps them
current with the code that was deployed."""

from __future__ import annotations

VIEWS: dict[str, str] = {
    # themes ranked by enterprise impact: problems before praise and questions, then
    # enterprise accounts, then ARR, then volume
    "gold.v_top_themes": """
        SELECT t.theme_id, t.label, t.severity, t.summary,
               sum(f.problem_share * f.ticket_count) / sum(f.ticket_count) AS problem_share,
               sum(f.ticket_count) AS ticket_count,
               max(f.accounts_affected) AS accounts_affected,
               max(f.ent_accounts_affected) AS ent_accounts_affected,
               max(f.arr_affected) AS arr_affected,
               sum(f.hours_spent) AS hours_spent,
               min(f.first_seen) AS first_seen, max(f.last_seen) AS last_seen,
               sum(f.count_30d) AS count_30d, sum(f.count_prev_30d) AS count_prev_30d,
               max(f.pattern_type) AS pattern_type,
               t.representative_feedback_ids
        FROM gold.fct_voc_themes f JOIN gold.themes t ON f.theme_id = t.theme_id
        WHERE t.status = 'active'
        GROUP BY t.theme_id, t.label, t.severity, t.summary, t.representative_feedback_ids
        ORDER BY problem_share >= 0.5 DESC, ent_accounts_affected DESC, arr_affected DESC,
                 ticket_count DESC""",
    # weekly volume per theme (messages; a duplicate is a customer asking again)
    "gold.v_theme_trend": """
        SELECT m.theme_id, t.label, date_trunc('WEEK', f.received_at) AS week,
               count(DISTINCT m.feedback_id) AS messages
        FROM gold.theme_members m
        JOIN silver.fragments f ON m.fragment_id = f.fragment_id
        JOIN gold.themes t ON m.theme_id = t.theme_id
        GROUP BY m.theme_id, t.label, date_trunc('WEEK', f.received_at)""",
    # category x product area grid over the fact table's window
    "gold.v_category_area_grid": """
        SELECT category, product_area, sum(ticket_count) AS ticket_count,
               sum(ent_accounts_affected) AS ent_accounts_affected,
               count(DISTINCT theme_id) AS themes
        FROM gold.fct_voc_themes
        GROUP BY category, product_area""",
    # spikes against the release / flag / incident timeline
    "gold.v_spikes_timeline": """
        SELECT s.window_start, s.window_end, s.label, s.segment_kind, s.segment_value,
               s.count, s.expected, s.ratio, s.p_value, s.specificity,
               s.linked_kind, s.linked_event_id, s.lag_minutes, s.link_reason
        FROM gold.spikes s
        ORDER BY s.window_start""",
    # one row per spike episode: a theme's overlapping spikes across segments are one event
    # (at 1M generated tickets 316 spikes are 19 episodes; a release spike shows in "all",
    # its product area, every browser and region...). The link is the episode's earliest
    # spike that has one, an event aimed at its segment first; the most specific segment is
    # the one that concentrates the theme most, shown only when it does (specificity > 1).
    "gold.v_spike_episodes": """
        WITH marked AS (
            SELECT s.*,
                   CASE WHEN s.window_start < max(s.window_end) OVER (
                            PARTITION BY s.theme_id ORDER BY s.window_start, s.spike_id
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                        THEN 0 ELSE 1 END AS opens
            FROM gold.spikes s),
        numbered AS (
            SELECT m.*,
                   sum(m.opens) OVER (
                       PARTITION BY m.theme_id ORDER BY m.window_start, m.spike_id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS episode
            FROM marked m),
        ranked AS (
            SELECT n.*,
                   row_number() OVER (PARTITION BY n.theme_id, n.episode ORDER BY
                       CASE WHEN n.linked_event_id IS NULL THEN 1 ELSE 0 END,
                       CASE WHEN n.link_match = 'segment' THEN 0 ELSE 1 END,
                       n.window_start, n.spike_id) AS link_rank,
                   row_number() OVER (PARTITION BY n.theme_id, n.episode ORDER BY
                       CASE WHEN n.segment_kind = 'all' THEN 1 ELSE 0 END,
                       n.specificity DESC NULLS LAST, n.count DESC, n.spike_id) AS focus_rank
            FROM numbered n)
        SELECT theme_id, max(label) AS label,
               min(window_start) AS episode_start, max(window_end) AS episode_end,
               count(*) AS spikes,
               max(CASE WHEN segment_kind = 'all' THEN count END) AS overall_count,
               max(ratio) AS peak_ratio, min(p_value) AS min_p_value,
               max(CASE WHEN focus_rank = 1 AND segment_kind <> 'all' AND specificity > 1
                        THEN concat(segment_kind, '=', segment_value) END)
                   AS most_specific_segment,
               max(CASE WHEN focus_rank = 1 AND segment_kind <> 'all' AND specificity > 1
                        THEN specificity END) AS specificity,
               concat_ws(', ', sort_array(collect_set(
                   CASE WHEN segment_kind <> 'all'
                        THEN concat(segment_kind, '=', segment_value) END))) AS segments,
               max(CASE WHEN link_rank = 1 THEN linked_kind END) AS linked_kind,
               max(CASE WHEN link_rank = 1 THEN linked_event_id END) AS linked_event_id,
               max(CASE WHEN link_rank = 1 THEN lag_minutes END) AS lag_minutes,
               max(CASE WHEN link_rank = 1 THEN link_reason END) AS link_reason
        FROM ranked
        GROUP BY theme_id, episode
        ORDER BY episode_start""",
    # SLA compliance by priority and tier, worst first
    "gold.v_sla": """
        SELECT priority, tier, messages, resolved, target_hours, compliance,
               median_resolution_hours, p90_resolution_hours, median_intake_minutes,
               median_classification_minutes, escalation_rate, reopened_rate
        FROM gold.sla_metrics
        ORDER BY compliance ASC NULLS LAST, messages DESC""",
}

VIEW_DESCRIPTIONS = {
    "gold.v_top_themes": "active themes ranked by enterprise accounts, then ARR, then volume",
    "gold.v_theme_trend": "weekly message volume per theme",
    "gold.v_category_area_grid": "category x product area: tickets, enterprise accounts, themes",
    "gold.v_spikes_timeline": "spikes against the release / flag / incident timeline",
    "gold.v_spike_episodes": "one row per spike episode (a theme's overlapping spikes as one)",
    "gold.v_sla": "SLA compliance by priority and tier, worst first",
}
"""What each view shows, in a line (listed by `feedback-lakehouse tables`)."""
