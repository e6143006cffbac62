"""The gold step: themes with stable ids, the VoC fact table and the dashboard views.

Reads silver (insights, fragments, feedback) and writes gold; incremental for themes (only
fragments without a theme are placed) and rebuilt for the fact table (small, moving window)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from feedback_lakehouse.gold.operations import build_operations
from feedback_lakehouse.gold.spikes.step import build_spikes
from feedback_lakehouse.gold.themes.names import check_naming
from feedback_lakehouse.gold.themes.place import run_themes
from feedback_lakehouse.gold.voc import build_voc
from feedback_lakehouse.insights.training import event_documents, train_model, write_events
from feedback_lakehouse.invariants import enforce, gold_holds
from feedback_lakehouse.run import StepRun, as_step

if TYPE_CHECKING:
    from feedback_lakehouse.catalog import Catalog

STEP = "gold"


@as_step(STEP)
def run_gold(run: StepRun) -> None:
    catalog, settings, report, progress = run.catalog, run.settings, run.report, run.progress
    check_naming(settings)
    # the insights step's model (embedder, sub-theme centroids) and event timeline
    model, folder = train_model(settings)
    events_path = write_events(event_documents(catalog, settings, model), folder, model)
    # before placing: were the derived tables built from the members as they stand? (not
    # when a run was killed after placing and before the last of them)
    stale = _derived_stale(catalog)
    report.details["derived_tables_stale"] = stale
    progress.stage("themes: place new fragments, find new themes, name them")
    placement = run_themes(run)
    progress.done()
    # read: fragments without a theme; written: placed in one; "quarantined": no theme close
    # enough yet (kept in gold.theme_members with theme_id null, tried again next run)
    report.rows_read = report.details.get("fragments_without_theme", 0)
    report.rows_quarantined = report.details.get("unassigned", 0)
    report.rows_written = report.rows_read - report.rows_quarantined
    if not placement.placed and not stale:
        # nothing was placed and the derived tables were built from the members as they are:
        # the facts, spikes and operations tables stand
        _clean(catalog)
        with report.timed("invariants"):
            enforce(STEP, gold_holds(catalog, settings.gold.window_days))
        return
    progress.stage("VoC fact table, SLA, coverage, account risk")
    with report.timed("voc"):
        report.details["fct_voc_themes"] = build_voc(run)
    # spikes are recomputed from the earliest new fragment on (less the windows' reach)
    since = placement.since
    report.details["spikes_recomputed_from"] = since.isoformat() if since else None
    if stale:  # the last build did not finish: every spike is computed again
        since = None
        report.details["spikes_recomputed_from"] = "the beginning"
    if since is not None or stale:
        progress.stage("spikes, linked to releases, flag changes and incidents")
        with report.timed("spikes"):
            themes = catalog.read("gold.themes").select("theme_id", "label", "product_area")
            rows = themes.collect()
            labels = {r["theme_id"]: r["label"] for r in rows}
            areas = {r["theme_id"]: r["product_area"] for r in rows if r["product_area"]}
            spikes = build_spikes(run, str(events_path), labels, since, areas)
            report.details["spikes"] = len(spikes)
            report.details["spikes_linked"] = sum(1 for s in spikes if s.linked_event_id)
        progress.done()
    with report.timed("operations"):
        report.details.update(build_operations(run))
    progress.done()
    _mark_derived(run)  # last: a run killed before it rebuilds them next time
    _clean(catalog)
    with report.timed("invariants"):
        enforce(STEP, gold_holds(catalog, settings.gold.window_days))


def _newest(catalog: Catalog, table: str, column: str) -> datetime | None:
    from pyspark.sql import functions as F

    return catalog.read(table).agg(F.max(column)).first()[0]


def _derived_stale(catalog: Catalog) -> bool:
    """Whether the fact table, spikes and operations tables no longer stand for their inputs:
    members changed since they were last built completely (a run killed before finishing
    them), or fragments they counted got new insights after that build (a new prompt or
    model reclassified fragments that keep their themes)."""
    from pyspark.sql import functions as F

    members_at = _newest(catalog, "gold.theme_members", "assigned_at")
    if members_at is None:
        return False
    marks = (
        catalog.read("ops.watermarks")
        .filter((F.col("step") == STEP) & (F.col("input_table") == "gold.theme_members"))
        .collect()
    )
    if not marks or members_at > marks[0]["value"]:
        return True
    built, placed = marks[0]["updated_at"], marks[0]["value"]
    insights_at = _newest(catalog, "silver.insights", "processed_at")
    if insights_at is None or insights_at <= built:
        return False
    # newer insights of fragments the build already counted; those of new fragments are
    # placed by this run and counted from there (taking them for reclassifications rebuilt
    # every spike from the beginning on every incremental run)
    newer = catalog.read("silver.insights").filter(F.col("processed_at") > F.lit(built))
    counted = catalog.read("gold.theme_members").filter(
        F.col("theme_id").isNotNull() & (F.col("assigned_at") <= F.lit(placed))
    )
    return bool(
        newer.select("fragment_id").join(counted, "fragment_id", "left_semi").limit(1).count()
    )


def _mark_derived(run: StepRun) -> None:
    """Record that the derived tables now stand for the members as they are."""
    catalog = run.catalog
    newest = _newest(catalog, "gold.theme_members", "assigned_at")
    if newest is None:
        return
    row = [(STEP, "gold.theme_members", newest, run.now)]
    schema = " ".join(catalog.spec("ops.watermarks").schema.split())
    catalog.merge("ops.watermarks", catalog.spark.createDataFrame(row, schema))


def _clean(catalog: Catalog) -> None:
    """Empty the run's working tables (and drop their old files)."""
    for name in ("ops.theme_work", "ops.theme_assign", "ops.theme_assign_new",
                 "ops.theme_split", "ops.spike_messages", "ops.voc_messages"):  # fmt: skip
        catalog.spark.sql(f"DELETE FROM {catalog.physical(name)}")
        catalog.vacuum(name, retention_hours=0)
