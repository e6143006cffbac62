"""One run of one step: who it is (run id, step, target, code version), its clock, where its
progress and report go, and its audit sink.

Every ``run_<step>(spark, catalog, settings, progress) -> StepReport`` opens one with
:func:`step_run` and hands it down instead of a report, a clock and settings apiece; the
report's duration is set on every way out, early returns and failures included."""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.audit.calls import Audit
from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.lease import writer_lease
from feedback_lakehouse.progress import NullProgress, Progress
from feedback_lakehouse.step_report import StepReport

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from feedback_lakehouse.catalog import Catalog

CODE_VERSION_ENV = "FEEDBACK_LAKEHOUSE_CODE_VERSION"


@functools.cache
def _git_commit(folder: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def code_version() -> str:
    """The code this run executes: the bundle's git commit on Databricks (the jobs set
    ``$FEEDBACK_LAKEHOUSE_CODE_VERSION``), the checkout's commit on a laptop, else the
    package version."""
    from feedback_lakehouse import __version__

    explicit = os.environ.get(CODE_VERSION_ENV, "").strip()
    if explicit:
        return explicit
    commit = _git_commit(Path(__file__).resolve().parent)
    return f"{__version__}+g{commit}" if commit else __version__


def settings_digest(settings: Settings) -> str:
    """A short hash of the effective settings: two runs with the same digest were configured
    alike (the conf folder's location is left out, the files' content is not)."""
    data = settings.model_dump_json(exclude={"conf_dir"})
    return hashlib.sha256(data.encode()).hexdigest()[:12]


@dataclass
class StepRun:
    """This run of this step. ``now`` is the run's clock (naive UTC): every row the run
    stamps carries the same instant, so a run's rows can be found again by it."""

    step: str
    catalog: Catalog
    settings: Settings
    progress: Progress
    report: StepReport
    run_id: str
    now: datetime
    code_version: str
    audit: Audit
    started: float = field(default_factory=time.perf_counter)

    @property
    def spark(self) -> SparkSession:
        return self.catalog.spark

    @property
    def target(self) -> str:
        return self.settings.target

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def now_utc() -> datetime:
    """The clock every run reads: naive UTC, as the tables store it."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id(step: str, now: datetime) -> str:
    return f"{step}-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


@contextmanager
def step_run(
    step: str,
    catalog: Catalog,
    settings: Settings,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> Iterator[StepRun]:
    """Open a run of ``step`` (its clock reads ``now`` if given: a test or a backfill that
    must stamp a known instant); on the way out, however it is left, the report gets its
    duration."""
    now = now or now_utc()
    run_id = new_run_id(step, now)
    version = code_version()
    audit = Audit(catalog, settings, run_id=run_id, step=step, code_version=version,
                  settings_digest=settings_digest(settings))  # fmt: skip
    run = StepRun(step=step, catalog=catalog, settings=settings,
                  progress=progress or NullProgress(), report=StepReport(step), run_id=run_id,
                  now=now, code_version=version, audit=audit)  # fmt: skip
    try:
        with writer_lease(settings, run_id, catalog):
            yield run
    finally:
        run.report.duration_s = run.elapsed()


StepFunction = Callable[..., "StepReport"]
"""``run_<step>(spark, catalog, settings, progress=None) -> StepReport``."""


def as_step(step: str) -> Callable[[Callable[..., None]], StepFunction]:
    """Make ``body(run, **options)`` the step function ``run_<step>(spark, catalog, settings,
    progress=None, **options) -> StepReport`` that the CLI, the jobs and notebooks call: it
    opens the run, runs the body and returns the run's report."""

    def wrap(body: Callable[..., None]) -> StepFunction:
        @functools.wraps(body)
        def run_step(
            spark: SparkSession, catalog: Catalog, settings: Settings,
            progress: Progress | None = None, **options: Any,
        ) -> StepReport:  # fmt: skip
            with step_run(step, catalog, settings, progress) as run:
                body(run, **options)
            return run.report

        return run_step

    return wrap
