"""Silver's data-quality suite: the redactor's own detectors find nothing left in the redacted
text, ids are unique, every non-empty message has its fragments, every ``duplicate_of``
resolves.

Run by the silver step on the rows it wrote; results land in ``ops.quality_results``. A
failing check stores ids and types, never text: the rows it flags may hold raw PII. (The gate
used its own regexes once; they disagreed with the redactor on technical text, failing on
versions and log times the redactor rightly kept.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from feedback_lakehouse import quality
from feedback_lakehouse.quality import Check
from feedback_lakehouse.silver.pii import redact

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog


RECHECK_ROWS = 20_000
"""Messages of a batch whose redacted text is read again by the redactor (a sample beyond)."""
RESIDUAL_DDL = "feedback_id STRING, pii_types STRING"


def residual_pii(batches: Iterator[Any]) -> Iterator[Any]:
    """``mapInArrow`` body: the ids of redacted texts in which the redactor still finds PII,
    with its types (never the text)."""
    import pyarrow as pa

    for batch in batches:
        ids, types = [], []
        for row in batch.to_pylist():
            spans = redact(row["text_redacted"] or "", row["language"]).spans
            if spans:
                ids.append(row["feedback_id"])
                types.append(",".join(sorted({s.type for s in spans})))
        yield pa.RecordBatch.from_pydict({"feedback_id": ids, "pii_types": types})


def silver_feedback_checks() -> list[Check]:
    return [Check("ExpectColumnValuesToBeUnique", {"column": "feedback_id"})]


def silver_fragment_checks() -> list[Check]:
    return [
        Check("ExpectColumnValuesToBeUnique", {"column": "fragment_id"}),
        Check("ExpectColumnValuesToNotBeNull", {"column": "fingerprint"}),
    ]


def check_run(catalog: Catalog, batch: DataFrame) -> list[quality.CheckResult]:
    """The batch's rows (``batch``: its feedback ids): redaction left no raw e-mail, phone or
    card, ids unique, every message has the fragments it counts, every duplicate_of points
    at a message that exists."""
    from pyspark.sql import functions as F

    feedback = catalog.read("silver.feedback").join(batch, "feedback_id", "left_semi")
    fragments = catalog.read("silver.fragments").join(batch, "feedback_id", "left_semi")
    total = feedback.count()
    everything = catalog.read("silver.feedback").select(F.col("feedback_id").alias("duplicate_of"))
    results = quality.validate(
        feedback.select("feedback_id"), "silver.feedback", silver_feedback_checks()
    )
    checked = feedback.select("feedback_id", "text_redacted", "language").limit(RECHECK_ROWS)
    results.append(
        quality.count_check(
            "silver.feedback", "redaction_leaves_nothing_its_detectors_find",
            checked.mapInArrow(residual_pii, RESIDUAL_DDL), min(total, RECHECK_ROWS),
        )
    )  # fmt: skip
    results += quality.validate(
        fragments.select("fragment_id", "fingerprint"),
        "silver.fragments",
        silver_fragment_checks(),
    )
    no_fragment = feedback.filter((F.col("text_chars") > 0) & (F.col("fragment_count") < 1))
    results.append(
        quality.count_check(
            "silver.feedback", "every_non_empty_message_has_a_fragment",
            no_fragment.select("feedback_id"), total,
        )
    )  # fmt: skip
    # the fragments a message counts all exist (a crash between the two tables must not pass
    # unseen). Extra stored ones of a shorter re-export are removed by the step itself
    stored = fragments.groupBy("feedback_id").agg(F.count(F.lit(1)).alias("stored"))
    short = (
        feedback.filter(F.col("fragment_count") > 0)
        .join(stored, "feedback_id", "left")
        .filter(F.coalesce(F.col("stored"), F.lit(0)) < F.col("fragment_count"))
    )
    results.append(
        quality.count_check(
            "silver.fragments", "every_message_has_its_fragments",
            short.select("feedback_id", "fragment_count", "stored"), total,
        )
    )  # fmt: skip
    dangling = feedback.filter(F.col("duplicate_of").isNotNull()).join(
        everything, "duplicate_of", "left_anti"
    )
    results.append(
        quality.count_check(
            "silver.feedback", "duplicate_of_resolves",
            dangling.select("feedback_id", "duplicate_of"), total,
        )
    )  # fmt: skip
    return results
