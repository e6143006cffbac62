"""Bronze's data-quality suite: what every accepted and rejected record of a batch must hold.

Run by the ingest step on the batch it wrote; results land in ``ops.quality_results``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_lakehouse import quality
from feedback_lakehouse.bronze.reasons import RejectReason
from feedback_lakehouse.config.settings import ExportMapping
from feedback_lakehouse.quality import Check

if TYPE_CHECKING:
    from feedback_lakehouse.run import StepRun


def bronze_feedback_checks(allowed_sources: list[str]) -> list[Check]:
    required = ["source", "source_record_id", "received_at", "ingested_at", "batch_id",
                "payload", "payload_hash"]  # fmt: skip
    checks = [Check("ExpectColumnValuesToNotBeNull", {"column": c}) for c in required]
    checks.append(
        Check("ExpectColumnValuesToBeInSet", {"column": "source", "value_set": allowed_sources})
    )
    checks.append(
        Check("ExpectCompoundColumnsToBeUnique", {"column_list": ["source", "source_record_id"]})
    )
    return checks


def bronze_rejected_checks() -> list[Check]:
    return [
        Check("ExpectColumnValuesToNotBeNull", {"column": "source_file"}),
        Check("ExpectColumnValuesToNotBeNull", {"column": "raw_text"}),
        Check(
            "ExpectColumnValuesToBeInSet",
            {"column": "reason", "value_set": [r.value for r in RejectReason]},
        ),
    ]


def check_batch(run: StepRun, exports: list[ExportMapping]) -> list[quality.CheckResult]:
    from pyspark.sql import functions as F

    catalog, settings, batch_id = run.catalog, run.settings, run.run_id

    # Allowed: configured sources, this run's exports and any export ingested before (the
    # manifest remembers it), so a one-off `--export` load does not fail later checks.
    declared = catalog.read("bronze.ingest_files").select("source").distinct().collect()
    allowed = sorted(
        {*settings.ingest.sources, *(m.source for m in [*settings.ingest.exports, *exports])}
        | {r["source"] for r in declared if not r["source"].startswith("reference.")}
    )
    # This batch's rows only, so the check costs what the batch costs; landing on the key
    # keeps the rest of the table unique.
    this_batch = F.col("batch_id") == batch_id
    results = quality.validate(
        catalog.read("bronze.feedback_raw").filter(this_batch),
        "bronze.feedback_raw",
        bronze_feedback_checks(allowed),
    ) + quality.validate(
        catalog.read("bronze.rejected").filter(this_batch),
        "bronze.rejected",
        bronze_rejected_checks(),
    )
    quality.record(catalog, batch_id, "ingest", results)
    return results
