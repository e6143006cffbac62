"""Silver's data-quality suite: redaction left no raw e-mail, phone or card, ids are unique,
every non-empty message has a fragment, every ``duplicate_of`` resolves.

Run by the silver step on the rows it wrote; results land in ``ops.quality_results``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_lakehouse import quality
from feedback_lakehouse.quality import Check
from feedback_lakehouse.silver.pii import UNREDACTED_PATTERNS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog


def silver_feedback_checks(unredacted_patterns: dict[str, str]) -> list[Check]:
    """No e-mail, phone or card pattern may survive outside a placeholder."""
    checks = [
        Check("ExpectColumnValuesToNotMatchRegex", {"column": "text_redacted", "regex": pattern})
        for pattern in unredacted_patterns.values()
    ]
    checks.append(Check("ExpectColumnValuesToBeUnique", {"column": "feedback_id"}))
    return checks


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
        feedback.select("feedback_id", "text_redacted"),
        "silver.feedback",
        silver_feedback_checks(UNREDACTED_PATTERNS),
    )
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
    # unseen). More stored than counted is not flagged: a re-export with fewer fragments
    # leaves its old extra ones, which no rerun removes (open work)
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
