"""The main job: every step that exists, in order, on what has landed.

Between steps it looks whether a stop was asked for (Ctrl-C in the CLI): it stops there,
after the last step that finished, so the next run goes on from what is new. Generating the
sample data set when nothing has landed is the CLI's convenience, not this job's."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from feedback_lakehouse import interrupt
from feedback_lakehouse.audit.tracking import traces_flushed_at_end
from feedback_lakehouse.bronze.files import find_files
from feedback_lakehouse.bronze.ingest import run_ingest
from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.errors import QualityError
from feedback_lakehouse.gold.step import run_gold
from feedback_lakehouse.insights.step import run_insights
from feedback_lakehouse.insights.training import (
    human_labels,
    train_ahead,
    wait_for_training_ahead,
)
from feedback_lakehouse.lease import writer_lease
from feedback_lakehouse.progress import NullProgress, Progress
from feedback_lakehouse.run import new_run_id, now_utc
from feedback_lakehouse.silver.step import run_silver
from feedback_lakehouse.step_report import StepReport

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from feedback_lakehouse.catalog import Catalog

STEPS: tuple[tuple[str, Callable[..., StepReport]], ...] = (
    ("ingest", run_ingest),
    ("silver", run_silver),
    ("insights", run_insights),
    ("gold", run_gold),
)


def landing_is_empty(settings: Settings) -> bool:
    """No export file of any configured source or export mapping has landed."""
    landing = settings.landing_dir
    patterns = [s.path for s in settings.ingest.sources.values()]
    patterns += [m.path for m in settings.ingest.exports]
    return not any(find_files(landing, p) for p in patterns)


def wants_sample(settings: Settings, catalog: Catalog) -> bool:
    """The sample data set is generated only for a first try: the embedded engine, nothing
    landed, no export configured and nothing in bronze yet. A lakehouse holding the user's
    own export never gets fictional messages beside it."""
    return (
        settings.engine.kind == "local"
        and not settings.ingest.exports
        and landing_is_empty(settings)
        and not catalog.read("bronze.feedback_raw").limit(1).count()
    )


def run_pipeline(
    spark: SparkSession,
    catalog: Catalog,
    settings: Settings,
    progress: Progress | None = None,
) -> list[StepReport]:
    """Every step in order; the reports of those that ran. ``interrupt.StopRequested`` when a
    stop was asked for, ``QualityError`` when a quality gate stopped a step: either holds the
    finished steps' reports in ``reports``."""
    progress = progress or NullProgress()
    reports: list[StepReport] = []
    names = [name for name, _ in STEPS]
    # one writer: the lease is taken before the model starts learning into the lakehouse
    with writer_lease(settings, new_run_id("run", now_utc()), catalog), traces_flushed_at_end():
        # the offline model learns in a child process while ingest and silver run, and
        # insights' traces are written in the background while gold works
        train_ahead(settings, human_labels(catalog))
        try:
            for i, (_, step) in enumerate(STEPS):
                try:
                    interrupt.check(names[:i], names[i:])
                    reports.append(step(spark, catalog, settings, progress=progress))
                except (interrupt.StopRequested, QualityError) as stop:
                    stop.reports = reports  # what finished, for the caller to show
                    raise
        finally:
            # a run that stopped before insights leaves no training behind
            if len(reports) < 3:
                wait_for_training_ahead(settings)
        progress.stage("write the MLflow traces still queued")
        waited = time.perf_counter()
    progress.done()
    # the wait for what was not yet written counts as the insights step's
    seconds = reports[2].details.setdefault("seconds", {})
    seconds["traces"] = round(time.perf_counter() - waited, 2)
    return reports
