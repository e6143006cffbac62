"""Typed settings from ``conf/base.yml`` + ``conf/<target>.yml`` + environment overrides.

Validated once at start-up with pydantic; unknown or ill-typed keys fail fast with the file
and dotted key in the message, because a typo in a scheduled job's config should stop the job
before it touches a table, not half-way through."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from feedback_lakehouse.config.files import read_yaml, validated
from feedback_lakehouse.config.mapping import ExportMapping
from feedback_lakehouse.errors import ConfigError

TARGETS = ("local", "dev", "prod")
ENV_PREFIX = "FEEDBACK_LAKEHOUSE__"
ROOT_ENV = "FEEDBACK_LAKEHOUSE_ROOT"
TARGET_ENV = "FEEDBACK_LAKEHOUSE_TARGET"
CONF_ENV = "FEEDBACK_LAKEHOUSE_CONF"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SailSettings(_Strict):
    memory_pool: Literal["fair", "greedy", "unbounded"] = "fair"
    memory_max_bytes: int = Field(2 * 1024**3, gt=0)
    log_level: Literal["error", "warn", "info", "debug"] = "error"


class EngineSettings(_Strict):
    kind: Literal["local", "connect", "databricks"] = "local"
    connect_url: str | None = None
    session_timezone: str = "UTC"
    shuffle_partitions: int = Field(4, gt=0)
    sail: SailSettings = SailSettings()


class LakehouseSettings(_Strict):
    root: str = "./lakehouse"
    """Local folder holding every Delta table (ignored on Databricks)."""
    uc_catalog: str | None = None
    """Unity Catalog catalog for the databricks engine; None keeps two-part names."""
    schema_prefix: str = ""
    """Prepended to the layer schemas on Databricks (``feedback_`` -> ``feedback_bronze``)."""
    lease: Literal["auto", "file", "table"] = "auto"
    """``file``, ``table`` or ``auto`` (file on the local engine); see ``lease``."""
    lease_ttl_seconds: int = Field(600, ge=10)
    """A table lease without a heartbeat for this long (its run was killed) is taken over."""
    vacuum_retention_hours: int = Field(168, ge=0)
    """``maintain`` deletes data files unreferenced for longer than this (time travel and
    readers in flight keep this long)."""


class SampleSettings(_Strict):
    tickets: int = Field(5000, gt=0)
    seed: int = 42
    days: int = Field(120, gt=0)


class SourceSettings(_Strict):
    adapter: Literal["zendesk_tickets", "intercom_chats", "app_reviews", "surveys", "calls"]
    path: str
    """Glob relative to the landing folder (or absolute)."""


class IngestSettings(_Strict):
    landing_dir: str = "landing"
    """Where exports land; relative paths are under the lakehouse root."""
    max_record_bytes: int = Field(1024 * 1024, gt=0)
    earliest_timestamp: datetime = datetime(2000, 1, 1)
    """Record timestamps before this are quarantined as ``timestamp_out_of_range`` (a
    0001-01-01 placeholder would otherwise break every later step)."""
    max_future_hours: float = Field(48.0, ge=0)
    """Timestamps more than this after the ingest are quarantined the same way."""
    output_rows_per_batch: int = Field(10_000, gt=0)
    round_bytes: int = Field(128 * 1024**2, gt=0)
    """Input bytes parsed and written per round; bounds the engine's write buffers."""
    parse_partitions: int = Field(0, ge=0)
    """Parallel parse tasks; 0 = auto: one per file on a cluster, 1 on the embedded engine,
    whose Python UDFs share one interpreter lock (measured: 1 task 28k rows/s, 4 tasks 24k)."""
    sources: dict[str, SourceSettings] = {}
    exports: list[ExportMapping] = []
    reference: dict[Literal["accounts", "releases", "incidents", "feature_flags"], str] = {}
    """Reference export globs per kind, relative to the landing folder."""


class SilverSettings(_Strict):
    languages: list[str] = ["en", "fr", "de", "es", "ja", "it", "pt", "nl"]
    """ISO 639-1 codes the language detector chooses among."""
    aliases: dict[str, str] = {}
    """Product-name alias -> canonical name, applied to the cleaned text."""
    dedup_window_days: int = Field(7, gt=0)
    dedup_same_account: bool = True
    """Two messages that both carry an account must share it to be duplicates."""
    dedup_min_jaccard: float = Field(0.55, gt=0, le=1)
    dedup_anonymous_min_jaccard: float = Field(0.9, gt=0, le=1)
    dedup_anonymous_min_chars: int = Field(60, ge=0)
    follow_up_window_days: int = Field(60, gt=0)
    follow_up_min_overlap: float = Field(0.2, gt=0, le=1)
    """Original at most ``window_days`` older, sharing this much (see ``silver.follow_ups``)."""
    follow_up_account_max_messages: int = Field(30, gt=0)
    """Without a requester, an account with more messages than this in the window is several
    senders: only messages that say they follow up are linked."""
    candidate_top_k: int = Field(5, ge=0)
    """Earlier messages kept per message in ``silver.duplicate_candidates``; 0 = none."""
    candidate_min_score: float = Field(0.1, ge=0, le=1)
    candidate_pairs_per_message: int = Field(20, gt=0)
    """Word-sharing pairs compared per message, at most (lowers the postings cap on a large,
    repetitive corpus; see ``silver.candidates``)."""
    candidate_max_postings: int = Field(500, gt=1)
    """A word in more messages than this is too common to propose a duplicate (bounds the
    work: pairs grow with the square of a word's messages)."""
    template_min_messages: int = Field(10, gt=1)
    template_min_share: float = Field(0.005, gt=0, le=1)
    """A line in this many (and this share) of a source's messages is a template line (report
    form, signature, legal footer, stack frame): it does not count in similarity."""
    dedup_chunk_rows: int = Field(200_000, gt=0)
    """New messages per dedup slice; bounds the memory of the signature joins."""
    minhash_permutations: int = Field(64, gt=0)
    minhash_bands: int = Field(21, gt=0)
    partitions: int = Field(0, ge=0)
    """Parallel transform tasks; 0 = auto (1 on the embedded engine, 8 on a cluster)."""
    local_workers: int = Field(0, ge=0)
    """Worker processes for the text work on the embedded engine; 0 = auto (all cores for
    batches of 20,000+ messages, else none)."""


class OpenAISettings(_Strict):
    """Any OpenAI-compatible chat endpoint (OpenAI, Azure OpenAI, Databricks Model Serving,
    vLLM, Ollama). The key is read from the environment variable named here, never from a
    file, and never logged."""

    base_url: str | None = None
    """None = the SDK default (api.openai.com); e.g. http://localhost:11434/v1 for Ollama."""
    model: str = "gpt-4o-mini"
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(1200, gt=0)
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(4, ge=0)
    """Retries on 429, 5xx and timeouts, with exponential backoff."""
    backoff_s: float = Field(1.0, ge=0)
    concurrency: int = Field(4, gt=0)
    """Calls in flight at once per partition."""
    batch_size: int = Field(8, gt=0)
    """Fragments answered by one call."""


class InsightsSettings(_Strict):
    backend: Literal["offline", "openai"] = "offline"
    prompt_version: str = "v1"
    """Part of the result-cache key: change it when prompts or the offline model change."""
    taxonomy: str = "taxonomy.yml"
    """Relative to the conf folder, like the other insights files."""
    examples: list[str] = ["insights/examples/*.yml"]
    runbooks: str = "runbooks/*.md"
    review_confidence: float = Field(0.55, ge=0, le=1)
    """Below this classification confidence a fragment is marked needs_review."""
    abstain_score: float = Field(0.5, ge=0, le=1)
    """A best hypothesis scoring below this is no hypothesis: escalate to a human."""
    top_k: int = Field(5, gt=0)
    """Retrieval candidates per fragment."""
    max_hypotheses: int = Field(3, gt=0)
    release_window_days: float = Field(14.0, gt=0)
    release_version_days: float = Field(90.0, gt=0)
    """A fragment reporting a release's own version may be caused by it this long after."""
    flag_window_days: float = Field(90.0, gt=0)
    incident_before_hours: float = Field(1.0, ge=0)
    """A fragment received up to this long before an incident started may be caused by it
    (reports often precede the status page)."""
    incident_after_hours: float = Field(24.0, ge=0)
    """A fragment received up to this long after an incident ended may be caused by it."""
    batch_rows: int = Field(2000, gt=0)
    """Fragments per Arrow batch inside the Spark task."""
    partitions: int = Field(0, ge=0)
    """Parallel tasks; 0 = auto (1 on the embedded engine, 8 on a cluster)."""
    local_workers: int = Field(0, ge=0)
    """Worker processes for the chain on the embedded engine; 0 = auto (all cores for runs of
    20,000+ fragments, else none)."""
    trace_calls: int = Field(500, ge=0)
    """Backend calls of one run traced in MLflow one by one; the rest are counted in the run."""
    model_dir: str = "models"
    """Trained offline model and indexes; relative to the lakehouse root unless absolute."""
    component_areas: dict[str, str] = {}
    """Release component / incident service / flag name -> product area. Release lines and
    flags without one get the area the classifier reads in their text."""
    openai: OpenAISettings = OpenAISettings()


class GoldSettings(_Strict):
    join_similarity: float = Field(0.4, gt=0, le=1)
    """A fragment joins the nearest theme at least this similar (over 95% of a theme's own
    members are). From 0.5: waiting 18% -> 6.5% (sample), 4.3% -> 1.2% (banking77), ARI -0.01."""
    min_cluster_size: int = Field(3, ge=2)
    """Fewer alike do not make a theme (they wait), nor under 1 in 500 of those clustered. On
    hand-written mail (~5 messages per issue) 8 merged issues that 3 keeps apart (ARI 0.47/0.72)."""
    merge_similarity: float = Field(0.93, gt=0, le=1)
    split_similarity: float = Field(0.25, gt=0, le=1)
    """A theme whose members form two clusters less similar than this splits (below merge, or
    the parts merge back). One issue's phrasings sit far apart in the theme space: on the
    sample 1 in 20 splits below 0.4 parted two planted issues; only parts sharing no words do."""
    split_min_share: float = Field(0.1, gt=0, lt=0.5)
    """Each part of a split holds at least this share of the theme's sample."""
    split_sample: int = Field(400, ge=20)
    """Members per theme clustered to look for a split (a deterministic sample)."""
    split_growth: float = Field(0.1, ge=0)
    """A theme is looked at for a split each time it has grown by this share (0: every run);
    a theme that barely changed cannot have come to hold a second issue since."""
    cluster_sample: int = Field(5_000, gt=0)
    """Unassigned fragments clustered per run at most (the rest join the themes found)."""
    summary_sample: int = Field(20, ge=5)
    """Fragments a theme's name and summary are written from."""
    naming: Literal["auto", "offline", "openai"] = "auto"
    """Who names themes: offline key phrases, or a chat model through insights.openai; auto
    follows insights.backend."""
    rename_growth: float = Field(0.5, ge=0)
    """A model-named theme is named again once it has grown by this share since."""
    window_days: int = Field(180, gt=0)
    """The VoC fact table's window, ending at the newest feedback."""
    enterprise_tiers: list[str] = ["enterprise", "strategic_partner"]
    paid_tiers: list[str] = ["startup", "mid_market", "enterprise", "strategic_partner"]
    enterprise_pattern_accounts: int = Field(5, gt=0)
    enterprise_pattern_lift: float = Field(1.5, ge=1)
    """enterprise_pattern: at least ``enterprise_pattern_accounts`` enterprise accounts, and
    enterprise accounts at this multiple of their share of the window's writing accounts (a
    theme every segment reports is not an enterprise pattern, however large)."""
    broad_pattern_accounts: int = Field(20, gt=0)
    broad_pattern_share: float = Field(0.1, gt=0, le=1)
    """broad_pattern: at least ``broad_pattern_accounts`` accounts and this share of the
    accounts that wrote in the window (so the rule scales with the customer base)."""
    recurring_tickets_per_account: float = Field(3.0, gt=0)
    trend_min_base: int = Field(5, gt=0)
    """A trend needs this many messages in the period compared with; below it a theme is
    ``new`` (a ratio over 1 or 2 messages reads +400% and means nothing)."""
    non_problem_feedback_types: list[str] = ["praise", "question"]
    """Feedback types that are not problems: ranked after the problems (``problem_share``)."""
    spike_window_hours: int = Field(6, gt=0)
    spike_step_hours: int = Field(1, gt=0)
    """Windows of ``spike_window_hours`` start every this many hours."""
    spike_scan_hours: list[PositiveInt] = Field(default_factory=lambda: [24, 72])
    """Longer windows scanned too, for themes too quiet to fill a 6 h window..."""
    spike_scan_kinds: list[str] = ["all", "product_area"]
    """...on these broad segment kinds only."""
    spike_min_history_days: float = Field(7.0, ge=0)
    """No spike verdict on windows this close to the first hour of data."""
    spike_baseline_days: int = Field(14, gt=0)
    spike_min_count: int = Field(5, gt=0)
    spike_alpha: float = Field(3e-5, gt=0, lt=1)
    """One-sided exact binomial test of the window's share against the baseline share,
    family-wise over the window lengths (each is tested at alpha / their number)."""
    spike_min_ratio: float = Field(2.0, gt=1)
    """A window's share must be at least this many times the baseline share, and its count this
    many times the baseline's count scaled by how the product's traffic moved."""
    spike_min_baseline_total: int = Field(50, gt=0)
    """Fragments the baseline must hold (the theme's "all" baseline for a segment, which it
    borrows from), else no verdict: at the start of the data every share looks new."""
    spike_prior_weight: float = Field(10.0, ge=0)
    """Pseudo-fragments of the theme's overall share mixed into a segment's baseline, so a
    segment with little history (a version released today) borrows the theme's usual share;
    at least as many as the window holds."""
    spike_link_min_minutes: float = Field(0.0, ge=0)
    spike_link_max_hours: float = Field(6.0, gt=0)
    """A release or flag change up to this long before a spike's start may have caused it."""
    spike_incident_before_hours: float = Field(1.0, ge=0)
    spike_incident_after_hours: float = Field(6.0, ge=0)
    """A spike starting from this long before an incident began to this long after it ended
    is linked to it."""
    sla_hours: dict[str, float] = {"urgent": 4, "high": 24, "normal": 72, "low": 168}
    """Resolution target per priority; messages without a priority count as normal."""
    sla_tier_factor: dict[str, float] = {"enterprise": 0.5, "strategic_partner": 0.5}
    """Tier multipliers on the target (enterprise customers are promised half the time)."""
    coverage_min_points: int = Field(15, gt=0)
    """Segments with fewer feedback messages are flagged as thin: do not read trends there."""
    coverage_segments: list[str] = ["tier", "industry", "region", "language", "source"]

    @model_validator(mode="after")
    def _split_below_merge(self) -> GoldSettings:
        if self.split_similarity >= self.merge_similarity:
            raise ValueError(
                f"split_similarity ({self.split_similarity}) must be below merge_similarity "
                f"({self.merge_similarity}), or a split theme's parts merge straight back"
            )
        return self


class TrackingSettings(_Strict):
    uri: str | None = None
    """None = ``sqlite:///<root>/mlflow.db`` locally, ``databricks`` on Databricks."""
    experiment: str = "feedback-lakehouse"
    enabled: bool = True


class QualitySettings(_Strict):
    fail_on_error: bool = False
    """Stop the job when a bronze expectation fails (results are always recorded)."""


class Settings(_Strict):
    target: Literal["local", "dev", "prod"] = "local"
    conf_dir: str = "conf"
    """The folder the settings were read from; taxonomy, examples and runbooks are found
    relative to it."""
    engine: EngineSettings = EngineSettings()
    lakehouse: LakehouseSettings = LakehouseSettings()
    sample: SampleSettings = SampleSettings()
    ingest: IngestSettings = IngestSettings()
    silver: SilverSettings = SilverSettings()
    quality: QualitySettings = QualitySettings()
    insights: InsightsSettings = InsightsSettings()
    gold: GoldSettings = GoldSettings()
    tracking: TrackingSettings = TrackingSettings()

    @property
    def root(self) -> Path:
        return Path(self.lakehouse.root).expanduser().resolve()

    def conf_path(self, relative: str) -> Path:
        p = Path(relative).expanduser()
        return p if p.is_absolute() else Path(self.conf_dir) / p

    @property
    def landing_dir(self) -> Path:
        p = Path(self.ingest.landing_dir).expanduser()
        return p if p.is_absolute() else self.root / p

    @property
    def naming_backend(self) -> str:
        """Who names themes: ``gold.naming``, where ``auto`` follows the insights backend."""
        return self.insights.backend if self.gold.naming == "auto" else self.gold.naming


def find_conf_dir(explicit: str | Path | None = None) -> Path:
    """The conf folder: explicit argument, ``$FEEDBACK_LAKEHOUSE_CONF``, ``./conf`` or the one
    beside the source tree (editable installs, Databricks bundle deployments)."""
    candidates: list[Path] = []
    if explicit:
        candidates.append(Path(explicit))
    if os.environ.get(CONF_ENV):
        candidates.append(Path(os.environ[CONF_ENV]))
    candidates += [Path.cwd() / "conf", Path(__file__).resolve().parents[2] / "conf"]
    for c in candidates:
        if (c / "base.yml").is_file():
            return c
    raise ConfigError(
        f"no conf/base.yml found (looked in {', '.join(str(c) for c in candidates)}); "
        f"run from the project folder or set {CONF_ENV}"
    )


def _merge(base: dict[str, Any], overlay: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    """``FEEDBACK_LAKEHOUSE__ENGINE__KIND=connect`` -> {"engine": {"kind": "connect"}};
    values are parsed as YAML scalars so numbers and booleans keep their type."""
    out: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split("__") if p]
        node = out
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = yaml.safe_load(raw) if raw else raw
    if environ.get(ROOT_ENV):
        out.setdefault("lakehouse", {})["root"] = environ[ROOT_ENV]
    return out


def _record_origin(data: dict[str, Any], label: str, origin: dict, prefix=()) -> None:
    for key, value in data.items():
        loc = (*prefix, str(key))
        origin[loc] = label
        if isinstance(value, dict):
            _record_origin(value, label, origin, loc)


def load_settings(
    target: str | None = None,
    conf_dir: str | Path | None = None,
    environ: dict[str, str] | None = None,
) -> Settings:
    """Read, merge and validate settings; raise ConfigError naming the file and key at fault."""
    environ = dict(os.environ if environ is None else environ)
    target = target or environ.get(TARGET_ENV) or "local"
    if target not in TARGETS:
        raise ConfigError(f"unknown target {target!r}; expected one of {', '.join(TARGETS)}")
    conf = find_conf_dir(conf_dir)
    origin: dict[tuple[str, ...], str] = {}
    merged: dict[str, Any] = {}
    layers = [(conf / "base.yml", True), (conf / f"{target}.yml", False)]
    for path, required in layers:
        if not path.is_file():
            if required:
                raise ConfigError(f"{path}: file not found")
            continue
        data = read_yaml(path)
        _record_origin(data, str(path), origin)
        merged = _merge(merged, data)
    env = _env_overrides(environ)
    _record_origin(env, "environment", origin)
    merged = _merge(merged, env)
    merged["target"] = target
    merged["conf_dir"] = str(conf.resolve())
    return validated(Settings, merged, origin, "settings")
