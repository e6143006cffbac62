"""Every table of the lakehouse in one place: logical name, grain, schema, keys.

This is the contract a dashboard author or a downstream step reads; the physical location
(local Delta folder or Unity Catalog name) is decided by :mod:`feedback_lakehouse.catalog`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSpec:
    name: str
    """Logical name ``<layer>.<table>``; the same string works in ``feedback-lakehouse sql``."""
    grain: str
    schema: str
    """Spark DDL column list."""
    keys: tuple[str, ...]
    """Natural key: MERGE matches on it and it is unique in the table."""
    serializable: bool = False
    """On Databricks: two concurrent writers conflict even when both only insert."""

    @property
    def layer(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def short_name(self) -> str:
        return self.name.split(".", 1)[1]

    @property
    def columns(self) -> list[str]:
        return [c.strip().split(" ", 1)[0] for c in _split_top_level(self.schema)]

    def ddl_columns(self) -> list[tuple[str, str]]:
        """(name, type) per column, types as written in the DDL."""
        pairs = (" ".join(c.split()).split(" ", 1) for c in _split_top_level(self.schema))
        return [(p[0], p[1]) for p in pairs]


def _split_top_level(ddl: str) -> list[str]:
    """Split a DDL column list on commas that are not inside <...> or (...)."""
    parts, depth, cur = [], 0, []
    for ch in ddl:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


FEEDBACK_RAW = TableSpec(
    "bronze.feedback_raw",
    "one raw feedback record (ticket, chat, review, survey response, call, export row)",
    """source STRING, source_record_id STRING, channel STRING, received_at TIMESTAMP,
    ingested_at TIMESTAMP, batch_id STRING, source_file STRING, source_line BIGINT,
    payload STRING, payload_format STRING, payload_hash STRING, account_id STRING,
    subject STRING, locale STRING, product_version STRING, device STRING, os STRING,
    browser STRING, region STRING, priority STRING, status STRING, score DOUBLE,
    resolved_at TIMESTAMP, requester_id STRING""",
    ("source", "source_record_id"),
)

REJECTED = TableSpec(
    "bronze.rejected",
    "one raw record that could not be accepted, with the reason",
    """source STRING, source_file STRING, source_line BIGINT, byte_offset BIGINT,
    file_sha256 STRING, source_record_id STRING, reason STRING, detail STRING,
    raw_text STRING, raw_bytes BIGINT, batch_id STRING, rejected_at TIMESTAMP""",
    ("file_sha256", "source_line"),
)

INGEST_FILES = TableSpec(
    "bronze.ingest_files",
    "one ingested input file version (path + checksum): the ingest watermark",
    """path STRING, sha256 STRING, source STRING, size_bytes BIGINT, batch_id STRING,
    records_read BIGINT, records_written BIGINT, records_rejected BIGINT,
    ingested_at TIMESTAMP""",
    ("path", "sha256"),
)

EXPORT_MAPPINGS = TableSpec(
    "bronze.export_mappings",
    "one bring-your-own-export source and the column mapping it was last ingested with",
    """source STRING, mapping_json STRING, updated_at TIMESTAMP""",
    ("source",),
)

ACCOUNTS = TableSpec(
    "bronze.accounts",
    "one customer account",
    """account_id STRING, name STRING, tier STRING, arr_usd DOUBLE, region STRING,
    industry STRING, lifecycle_stage STRING, language STRING, country STRING,
    created_at TIMESTAMP, batch_id STRING""",
    ("account_id",),
)

RELEASES = TableSpec(
    "bronze.releases",
    "one deployed release of one component",
    """release_id STRING, version STRING, component STRING, deployed_at TIMESTAMP,
    notes STRING, batch_id STRING""",
    ("release_id",),
)

INCIDENTS = TableSpec(
    "bronze.incidents",
    "one production incident",
    """incident_id STRING, started_at TIMESTAMP, ended_at TIMESTAMP, service STRING,
    severity STRING, summary STRING, batch_id STRING""",
    ("incident_id",),
)

FEATURE_FLAGS = TableSpec(
    "bronze.feature_flags",
    "one feature-flag change in one segment",
    """flag STRING, changed_at TIMESTAMP, state STRING, segment STRING, description STRING,
    batch_id STRING""",
    ("flag", "changed_at", "segment"),
)

SILVER_FEEDBACK = TableSpec(
    "silver.feedback",
    "one feedback message: the customer's words cleaned and PII-redacted, with context",
    """feedback_id STRING, source STRING, source_record_id STRING, channel STRING,
    received_at TIMESTAMP, bronze_ingested_at TIMESTAMP, processed_at TIMESTAMP,
    payload_hash STRING, text_redacted STRING, text_chars INT, cleaning STRING,
    language STRING, language_confidence DOUBLE, pii_count INT, pii_types STRING,
    exact_hash STRING, minhash ARRAY<BIGINT>, duplicate_of STRING, duplicate_kind STRING,
    fragment_count INT, account_id STRING, account_known BOOLEAN, tier STRING,
    arr_usd DOUBLE, region STRING, industry STRING, lifecycle_stage STRING,
    account_language STRING, product_version STRING, device STRING, os STRING,
    browser STRING, priority STRING, status STRING, score DOUBLE, resolved_at TIMESTAMP,
    requester_id STRING""",
    ("feedback_id",),
)

SILVER_FRAGMENTS = TableSpec(
    "silver.fragments",
    "one issue fragment of one message (a message reporting three problems has three)",
    """fragment_id STRING, feedback_id STRING, ordinal INT, text STRING, fingerprint STRING,
    char_start INT, char_end INT, split_cue STRING, language STRING, received_at TIMESTAMP,
    source STRING, account_id STRING, duplicate_of STRING, processed_at TIMESTAMP""",
    ("fragment_id",),
)

SILVER_REJECTED = TableSpec(
    "silver.rejected",
    "one bronze record silver could not read (its text could not be extracted): tried again "
    "on every silver run and removed once it reads, e.g. after the adapter is fixed",
    """feedback_id STRING, source STRING, source_record_id STRING, payload_hash STRING,
    reason STRING, detail STRING, first_rejected_at TIMESTAMP, last_tried_at TIMESTAMP,
    attempts INT, code_version STRING""",
    ("feedback_id",),
)

WRITER_LEASE = TableSpec(
    "ops.writer_lease",
    "the run writing this lakehouse, when the lease is a table (lakehouse.lease): at most one row",
    """lease STRING, token STRING, run_id STRING, holder STRING, acquired_at TIMESTAMP,
    heartbeat_at TIMESTAMP, expires_at TIMESTAMP""",
    ("lease",),
    serializable=True,
)

WATERMARKS = TableSpec(
    "ops.watermarks",
    "one step's progress over its input: the last input version it processed",
    """step STRING, input_table STRING, value TIMESTAMP, updated_at TIMESTAMP""",
    ("step", "input_table"),
)

SILVER_STAGING = TableSpec(
    "ops.silver_staging",
    "one transformed message of the silver run in progress; emptied after each run",
    """feedback_id STRING, source STRING, source_record_id STRING,
    payload_hash STRING, text_redacted STRING, text_chars INT, cleaning STRING, language STRING,
    language_confidence DOUBLE, pii_count INT, pii_types STRING, exact_hash STRING,
    minhash ARRAY<BIGINT>, fragments ARRAY<STRUCT<ordinal: INT, text: STRING, fingerprint: STRING,
    char_start: INT, char_end: INT, split_cue: STRING>>, error STRING""",
    ("feedback_id",),
)

SILVER_DEDUP_INPUT = TableSpec(
    "ops.silver_dedup_input",
    "one message of the silver run in progress, narrowed to what deduplication compares and "
    "sorted by received_at, so each time slice reads only its own row groups; overwritten",
    """feedback_id STRING, received_at TIMESTAMP, account_id STRING, exact_hash STRING,
    minhash ARRAY<BIGINT>, text_chars INT, requester_id STRING""",
    ("feedback_id",),
)

SILVER_CANDIDATES = TableSpec(
    "silver.duplicate_candidates",
    "one earlier message that a message is likely a duplicate of (top-k by shared distinctive "
    "words, any account): evidence for a reviewer and for gold, never a deletion",
    """feedback_id STRING, candidate_id STRING, rank INT, score DOUBLE,
    shared_terms ARRAY<STRING>, same_account BOOLEAN, days_apart DOUBLE,
    computed_at TIMESTAMP""",
    ("feedback_id", "candidate_id"),
)

SILVER_MESSAGE_TERMS = TableSpec(
    "silver.message_terms",
    "one message's words as the similarity joins compare them (stemmed, its source's template "
    "lines left out) with how often each occurs: written once when the message arrives, so "
    "later runs compare new messages with the history without reading its text again",
    """feedback_id STRING, source STRING, received_at TIMESTAMP, account_id STRING,
    requester_id STRING, terms ARRAY<STRING>, counts ARRAY<INT>, computed_at TIMESTAMP""",
    ("feedback_id",),
)

SILVER_FOLLOW_UP_WORK = TableSpec(
    "ops.silver_follow_up_work",
    "one weighted word of a message the silver run in progress compares for follow-ups (a "
    "message of the batch, or an earlier one of its account or sender); overwritten",
    """feedback_id STRING, probe BOOLEAN, cue BOOLEAN, account_id STRING, who STRING,
    received_at TIMESTAMP, term STRING, w DOUBLE, mw DOUBLE""",
    ("feedback_id", "probe", "term"),
)

SILVER_CANDIDATE_INPUT = TableSpec(
    "ops.silver_candidate_input",
    "one message compared by the silver run in progress for likely duplicates: its TF-IDF "
    "length and its rare words with their weights; overwritten",
    """feedback_id STRING, received_at TIMESTAMP, account_id STRING, norm DOUBLE,
    terms ARRAY<STRING>, weights ARRAY<DOUBLE>""",
    ("feedback_id",),
)

SILVER_CANDIDATE_STAGE = TableSpec(
    "ops.silver_candidate_stage",
    "one likely-duplicate row of the silver run in progress, before it replaces the batch's "
    "rows in silver.duplicate_candidates; emptied",
    SILVER_CANDIDATES.schema,
    ("feedback_id", "candidate_id"),
)

SILVER_DUPLICATES = TableSpec(
    "ops.silver_duplicates",
    "one duplicate found by the silver run in progress (materialised once, then joined)",
    """feedback_id STRING, duplicate_of STRING, duplicate_kind STRING""",
    ("feedback_id",),
)

INGEST_STAGING = TableSpec(
    "ops.ingest_staging",
    "one parsed record (accepted or rejected) of the ingest batch in progress; overwritten",
    """status STRING, source STRING, source_record_id STRING, channel STRING,
    received_at TIMESTAMP, ingested_at TIMESTAMP, batch_id STRING, source_file STRING,
    source_line BIGINT, byte_offset BIGINT, file_sha256 STRING, payload STRING,
    payload_format STRING, payload_hash STRING, account_id STRING, subject STRING,
    locale STRING, product_version STRING, device STRING, os STRING, browser STRING,
    region STRING, priority STRING, status_value STRING, score DOUBLE,
    resolved_at TIMESTAMP, reason STRING, detail STRING, raw_text STRING, raw_bytes BIGINT,
    requester_id STRING""",
    ("file_sha256", "source_line"),
)

QUALITY_RESULTS = TableSpec(
    "ops.quality_results",
    "one expectation evaluated on one table in one step run",
    """run_id STRING, step STRING, table_name STRING, expectation STRING, column_name STRING,
    success BOOLEAN, unexpected_count BIGINT, element_count BIGINT, details STRING,
    checked_at TIMESTAMP""",
    ("run_id", "table_name", "expectation", "column_name"),
)

INSIGHT_COLUMNS = """fragment_id STRING, feedback_id STRING, fingerprint STRING,
    answer_key STRING, received_at TIMESTAMP, account_id STRING, duplicate_of STRING,
    language STRING, category STRING, product_area STRING, feedback_type STRING,
    severity STRING, sub_theme STRING, confidence DOUBLE, churn_signal BOOLEAN,
    competitor STRING, renewal_concern BOOLEAN, escalation_risk BOOLEAN,
    evidence ARRAY<STRUCT<kind: STRING, text: STRING, start: INT, end: INT, source: STRING>>,
    hypotheses ARRAY<STRUCT<rank: INT, doc_ids: ARRAY<STRING>, title: STRING, score: DOUBLE,
    evidence: ARRAY<STRING>, reason: STRING>>,
    root_cause_doc STRING, root_cause_score DOUBLE, abstained BOOLEAN, escalation STRING,
    needs_review BOOLEAN, review_reasons ARRAY<STRING>, error STRING, backend STRING,
    model STRING, prompt_version STRING, processed_at TIMESTAMP"""


SILVER_INSIGHTS = TableSpec(
    "silver.insights",
    "one fragment's chain output: labels, evidence spans, ranked root causes or an escalation",
    INSIGHT_COLUMNS,
    ("fragment_id",),
)

INSIGHT_CACHE = TableSpec(
    "silver.insight_cache",
    "one backend answer for one distinct fragment text under one backend/model/prompt version",
    """answer_key STRING, backend STRING, model STRING, prompt_version STRING, answer STRING,
    created_at TIMESTAMP""",
    ("answer_key", "backend", "model", "prompt_version"),
)

TEXT_VECTORS = TableSpec(
    "silver.text_vectors",
    "one distinct fragment text's embedding under one offline model version (float32 bytes): "
    "the insights step embeds each text once; later runs and gold's themes reuse it",
    """answer_key STRING, model STRING, vector BINARY, created_at TIMESTAMP""",
    ("answer_key", "model"),
)

INSIGHT_LABELS = TableSpec(
    "silver.insight_labels",
    "one human-confirmed label of one fragment text; joins the offline model's examples",
    """fingerprint STRING, text STRING, category STRING, product_area STRING,
    feedback_type STRING, severity STRING, sub_theme STRING, labeled_by STRING,
    labeled_at TIMESTAMP""",
    ("fingerprint",),
)

INSIGHT_WORK = TableSpec(
    "ops.insight_work",
    "one fragment of the insights run in progress, with its segment; overwritten each run",
    """fragment_id STRING, feedback_id STRING, fingerprint STRING, answer_key STRING,
    text STRING, language STRING, received_at TIMESTAMP, account_id STRING,
    duplicate_of STRING, product_version STRING, os STRING, device STRING, browser STRING,
    region STRING, tier STRING""",
    ("fragment_id",),
)

INSIGHT_RESULTS = TableSpec(
    "ops.insight_results",
    "the insights pass's output, overwritten each run: one finished insight per fragment "
    "(stage_kind null), landed into silver.insights, and one row per new answer, failure, "
    "call or text vector (stage_kind), landed into the cache, the call log and the vectors",
    INSIGHT_COLUMNS + ", stage_kind STRING, stage_payload STRING",
    ("fragment_id", "stage_kind", "answer_key"),
)

INSIGHT_CALLS = TableSpec(
    "ops.insight_calls",
    "one backend call: who, what, how long, how many tokens (the MLflow traces' source)",
    """run_id STRING, call_id STRING, backend STRING, model STRING, prompt_version STRING,
    fragments INT, started_at TIMESTAMP, latency_ms DOUBLE, status STRING, attempts INT,
    tokens_in BIGINT, tokens_out BIGINT, error STRING""",
    ("call_id",),
)

GOLD_THEMES = TableSpec(
    "gold.themes",
    "one named theme: label, summary, how customers say it, severity, representative tickets",
    """theme_id STRING, label STRING, summary STRING, key_phrases ARRAY<STRING>,
    variations ARRAY<STRING>, severity STRING, category STRING, product_area STRING,
    representative_feedback_ids ARRAY<STRING>, fragment_count BIGINT, centroid ARRAY<FLOAT>,
    status STRING, merged_into STRING, created_at TIMESTAMP, updated_at TIMESTAMP""",
    ("theme_id",),
)

THEME_NAMES = TableSpec(
    "gold.theme_names",
    "one theme's model-written name: reused until the theme grows by gold.rename_growth",
    """theme_id STRING, label STRING, paragraph STRING, severity STRING, source STRING,
    error STRING, model STRING, prompt_version STRING, named_count BIGINT,
    named_at TIMESTAMP""",
    ("theme_id",),
)

THEME_MEMBERS = TableSpec(
    "gold.theme_members",
    "one fragment's theme (theme_id null: no theme close enough yet, retried next run)",
    """fragment_id STRING, feedback_id STRING, theme_id STRING, similarity DOUBLE,
    assigned_at TIMESTAMP""",
    ("fragment_id",),
)

THEME_LINEAGE = TableSpec(
    "gold.theme_lineage",
    "one birth, merge or split of a theme, so a trend over months compares like with like",
    """at TIMESTAMP, kind STRING, theme_id STRING, other_theme_id STRING, detail STRING""",
    ("at", "kind", "theme_id"),
)

FCT_VOC_THEMES = TableSpec(
    "gold.fct_voc_themes",
    "one theme x category x product area over the window: volume, reach, cost, trend, pattern",
    """theme_id STRING, label STRING, category STRING, product_area STRING,
    window_start TIMESTAMP, window_end TIMESTAMP, ticket_count BIGINT, accounts_affected BIGINT,
    ent_accounts_affected BIGINT, hours_spent DOUBLE, first_seen TIMESTAMP,
    last_seen TIMESTAMP, tickets_per_account DOUBLE, avg_handle_hours DOUBLE,
    arr_affected DOUBLE, paid_share DOUBLE, count_30d BIGINT, count_prev_30d BIGINT,
    mom_change DOUBLE, count_90d BIGINT, count_prev_90d BIGINT, qoq_change DOUBLE,
    pattern_type STRING, sample_feedback_ids ARRAY<STRING>, computed_at TIMESTAMP,
    problem_share DOUBLE, mom_trend STRING, qoq_trend STRING""",
    ("theme_id", "category", "product_area"),
)

SPIKES = TableSpec(
    "gold.spikes",
    "one detected spike of a theme in a segment, with the event it most plausibly follows",
    """spike_id STRING, theme_id STRING, label STRING, segment_kind STRING,
    segment_value STRING, window_start TIMESTAMP, window_end TIMESTAMP, count BIGINT,
    total BIGINT, expected DOUBLE, share DOUBLE, baseline_share DOUBLE, ratio DOUBLE,
    p_value DOUBLE, specificity DOUBLE, linked_event_id STRING, linked_kind STRING,
    link_match STRING, link_reason STRING, lag_minutes DOUBLE, detected_at TIMESTAMP""",
    ("spike_id",),
)

SLA_METRICS = TableSpec(
    "gold.sla_metrics",
    "one priority x customer tier: latency from intake to answer, resolution against target",
    """priority STRING, tier STRING, messages BIGINT, resolved BIGINT, target_hours DOUBLE,
    within_target BIGINT, breached BIGINT, compliance DOUBLE, median_resolution_hours DOUBLE,
    p90_resolution_hours DOUBLE, median_intake_minutes DOUBLE,
    median_classification_minutes DOUBLE, median_root_cause_minutes DOUBLE,
    escalation_rate DOUBLE, needs_review_rate DOUBLE, reopened_rate DOUBLE,
    as_of TIMESTAMP, computed_at TIMESTAMP, live_messages BIGINT""",
    ("priority", "tier"),
)

COVERAGE = TableSpec(
    "gold.coverage",
    "one segment value: how much feedback speaks for it; thin segments flagged",
    """segment STRING, value STRING, messages BIGINT, accounts BIGINT, fragments BIGINT,
    thin BOOLEAN, computed_at TIMESTAMP""",
    ("segment", "value"),
)

ACCOUNT_RISK = TableSpec(
    "gold.account_risk",
    "one account with churn, competitor, renewal or escalation signals, ranked by ARR",
    """account_id STRING, name STRING, tier STRING, arr_usd DOUBLE, lifecycle_stage STRING,
    churn_signals BIGINT, renewal_concerns BIGINT, escalations BIGINT,
    competitors ARRAY<STRING>, last_signal_at TIMESTAMP, sample_feedback_ids ARRAY<STRING>,
    arr_rank BIGINT, computed_at TIMESTAMP""",
    ("account_id",),
)

THEME_WORK = TableSpec(
    "ops.theme_work",
    "one fragment of the gold run in progress with its theme vector; overwritten each run",
    """fragment_id STRING, feedback_id STRING, vector ARRAY<FLOAT>""",
    ("fragment_id",),
)

THEME_ASSIGN = TableSpec(
    "ops.theme_assign",
    "one fragment's nearest theme in the gold run in progress; overwritten each pass",
    """fragment_id STRING, feedback_id STRING, theme_id STRING, similarity DOUBLE,
    vector ARRAY<FLOAT>""",
    ("fragment_id",),
)

SPIKE_MESSAGES = TableSpec(
    "ops.spike_messages",
    "one message of a theme in one segment value and hour, for the gold run's spike detection",
    """feedback_id STRING, theme_id STRING, hour TIMESTAMP, segment_kind STRING,
    segment_value STRING""",
    ("feedback_id", "theme_id", "segment_kind"),
)

VOC_MESSAGES = TableSpec(
    "ops.voc_messages",
    "one theme x message x class of the gold run's fact table, joined once and read by each "
    "of its aggregations",
    """theme_id STRING, feedback_id STRING, category STRING, product_area STRING,
    received_at TIMESTAMP, resolved_at TIMESTAMP, account_id STRING, tier STRING,
    arr_usd DOUBLE, problem BOOLEAN, similarity DOUBLE""",
    ("theme_id", "feedback_id", "category", "product_area"),
)

THEME_ASSIGN_NEW = TableSpec(
    "ops.theme_assign_new",
    "one unassigned fragment matched against the themes born in the gold run in progress",
    THEME_ASSIGN.schema,
    ("fragment_id",),
)

THEME_SPLIT = TableSpec(
    "ops.theme_split",
    "one member of a theme being split, with the part it goes to, in the gold run in progress",
    THEME_ASSIGN.schema,
    ("fragment_id",),
)

ALL_TABLES: tuple[TableSpec, ...] = (
    FEEDBACK_RAW,
    REJECTED,
    INGEST_FILES,
    EXPORT_MAPPINGS,
    ACCOUNTS,
    RELEASES,
    INCIDENTS,
    FEATURE_FLAGS,
    SILVER_FEEDBACK,
    SILVER_FRAGMENTS,
    SILVER_REJECTED,
    SILVER_CANDIDATES,
    SILVER_MESSAGE_TERMS,
    WATERMARKS,
    WRITER_LEASE,
    SILVER_STAGING,
    SILVER_DEDUP_INPUT,
    SILVER_DUPLICATES,
    SILVER_CANDIDATE_INPUT,
    SILVER_CANDIDATE_STAGE,
    SILVER_FOLLOW_UP_WORK,
    INGEST_STAGING,
    QUALITY_RESULTS,
    SILVER_INSIGHTS,
    INSIGHT_CACHE,
    TEXT_VECTORS,
    INSIGHT_LABELS,
    INSIGHT_WORK,
    INSIGHT_RESULTS,
    INSIGHT_CALLS,
    GOLD_THEMES,
    THEME_NAMES,
    THEME_MEMBERS,
    THEME_LINEAGE,
    FCT_VOC_THEMES,
    SPIKES,
    SLA_METRICS,
    COVERAGE,
    ACCOUNT_RISK,
    THEME_WORK,
    THEME_ASSIGN,
    THEME_ASSIGN_NEW,
    THEME_SPLIT,
    SPIKE_MESSAGES,
    VOC_MESSAGES,
)
LAYERS = ("bronze", "silver", "gold", "ops")

WORKING_TABLES = frozenset(
    {
        "ops.ingest_staging", "ops.silver_staging", "ops.silver_dedup_input",
        "ops.silver_duplicates", "ops.silver_follow_up_work", "ops.silver_candidate_input",
        "ops.silver_candidate_stage", "ops.insight_work", "ops.insight_results", "ops.theme_work",
        "ops.theme_assign", "ops.theme_assign_new", "ops.theme_split", "ops.spike_messages",
        "ops.voc_messages",
    }
)  # fmt: skip
"""Working tables of a run in progress: emptied after each run; `tables` hides them."""
