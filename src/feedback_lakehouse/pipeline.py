"""The main job: every step that exists, in order, generating sample data when none landed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from feedback_lakehouse.audit.tracking import traces_flushed_at_end
from feedback_lakehouse.bronze.files import find_files
from feedback_lakehouse.bronze.ingest import run_ingest
from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.insights.training import (
    human_labels,
    train_ahead,
    wait_for_training_ahead,
)
from feedback_lakehouse.progress import NullProgress, Progress
from feedback_lakehouse.step_report import StepReport

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from feedback_lakehouse.catalog import Catalog


def landing_is_empty(settings: Settings) -> bool:
    landing = settings.landing_dir
    patterns = [s.path for s in settings.ingest.sources.values()]
    patterns += [m.path for m in settings.ingest.exports]
    return not any(find_files(landing, p) for p in patterns)


def run_pipeline(
    spark: SparkSession,
    catalog: Catalog,
    settings: Settings,
    progress: Progress | None = None,
    log: Callable[[str], None] = print,
) -> list[StepReport]:
    progress = progress or NullProgress()
    reports: list[StepReport] = []
    if settings.engine.kind == "local" and landing_is_empty(settings):
        from feedback_lakehouse.synth.generator import generate

        sample = settings.sample
        log(f"no exports in {settings.landing_dir}: generating the sample data set")
        progress.stage(f"generate {sample.tickets:,} sample messages", total=sample.tickets)
        generate(
            settings.landing_dir,
            tickets=sample.tickets,
            seed=sample.seed,
            days=sample.days,
            progress=progress.update,
        )
        progress.done()
    from feedback_lakehouse.gold.step import run_gold
    from feedback_lakehouse.insights.step import run_insights
    from feedback_lakehouse.silver.step import run_silver

    # the offline model learns in a child process while ingest and silver run, and insights'
    # traces are written in the background while gold works
    train_ahead(settings, human_labels(catalog))
    with traces_flushed_at_end():
        try:
            reports.append(run_ingest(spark, catalog, settings, progress=progress))
            reports.append(run_silver(spark, catalog, settings, progress=progress))
        except BaseException:  # a failed step leaves no training behind
            wait_for_training_ahead(settings)
            raise
        insights = run_insights(spark, catalog, settings, progress=progress)
        reports.append(insights)
        reports.append(run_gold(spark, catalog, settings, progress=progress))
        progress.stage("write the MLflow traces still queued")
        waited = time.perf_counter()
    progress.done()
    # the wait for what was not yet written counts as the insights step's
    seconds = insights.details.setdefault("seconds", {})
    seconds["traces"] = round(time.perf_counter() - waited, 2)
    return reports
