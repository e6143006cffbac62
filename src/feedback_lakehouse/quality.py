"""Running data-quality suites with great-expectations on a Spark DataFrame; each layer's
suite lives beside its layer (``bronze/quality.py``, ``silver/quality.py``).

Results are returned to the step (printed, counted) and stored in ``ops.quality_results`` so
a failing expectation stays visible after the run; ``quality.fail_on_error`` decides whether
it also stops the job."""

from __future__ import annotations

import json
import logging
import os
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.errors import QualityError
from feedback_lakehouse.step_report import StepReport

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog


@dataclass(frozen=True)
class Check:
    """One expectation as data: GX class name + its keyword arguments."""

    kind: str
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class CheckResult:
    table: str
    expectation: str
    column: str
    success: bool
    unexpected_count: int
    element_count: int
    details: str


def _quiet_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="great_expectations")


def validate(df: DataFrame, table: str, checks: list[Check]) -> list[CheckResult]:
    """Run the checks on a Spark DataFrame (Spark Connect works) and return one result each."""
    _quiet_gx()
    import great_expectations as gx
    import great_expectations.expectations as gxe

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False, "metric_calculations": False}
    source = ctx.data_sources.add_spark(f"src_{table.replace('.', '_')}")
    asset = source.add_dataframe_asset(table.replace(".", "_"))
    batch_def = asset.add_batch_definition_whole_dataframe("whole")
    suite = ctx.suites.add(gx.ExpectationSuite(name=f"suite_{table.replace('.', '_')}"))
    for check in checks:
        suite.add_expectation(getattr(gxe, check.kind)(**check.kwargs))
    batch = batch_def.get_batch(batch_parameters={"dataframe": df})
    outcome = batch.validate(suite)
    results = []
    for res in outcome.results:  # GX does not keep the suite's order: read each result's own
        kwargs = res.expectation_config.kwargs
        column = str(kwargs.get("column") or ",".join(kwargs.get("column_list") or []))
        info = res.result or {}
        sample = info.get("partial_unexpected_list") or []
        results.append(
            CheckResult(
                table=table,
                expectation=res.expectation_config.type,
                column=column,
                success=bool(res.success),
                unexpected_count=int(info.get("unexpected_count") or 0),
                element_count=int(info.get("element_count") or 0),
                details=json.dumps(sample[:5], default=str) if sample else "",
            )
        )
    return results


def record(catalog: Catalog, run_id: str, step: str, results: list[CheckResult]) -> None:
    """Store results in ops.quality_results (one row per expectation)."""
    if not results:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        (run_id, step, r.table, r.expectation, r.column, r.success, r.unexpected_count,
         r.element_count, r.details, now)
        for r in results
    ]  # fmt: skip
    spec = catalog.spec("ops.quality_results")
    df = catalog.spark.createDataFrame(rows, " ".join(spec.schema.split()))
    catalog.merge("ops.quality_results", df)


def count_check(table: str, name: str, violations: DataFrame, total: int) -> CheckResult:
    """A relational rule GX has no expectation for, counted in Spark (e.g. a foreign key)."""
    bad = violations.count()
    sample = [r.asDict() for r in violations.limit(5).collect()] if bad else []
    return CheckResult(table, name, "", bad == 0, bad, total, json.dumps(sample, default=str))


def attach(report: StepReport, results: list[CheckResult], fail_on_error: bool) -> None:
    """Put results in the step report (failures as messages); stop the job on a failure when
    ``quality.fail_on_error`` is set, after the report and the results table are complete."""
    report.details["quality"] = [
        {"table": r.table, "check": r.expectation, "column": r.column, "success": r.success,
         "unexpected": r.unexpected_count}
        for r in results
    ]  # fmt: skip
    failed = [r for r in results if not r.success]
    for r in failed:
        report.messages.append(
            f"quality check failed: {r.table} {r.expectation}({r.column}): "
            f"{r.unexpected_count:,} of {r.element_count:,} rows, e.g. {r.details}"
        )
    if failed and fail_on_error:
        raise QualityError("; ".join(report.messages))
