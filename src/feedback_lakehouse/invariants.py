"""What must hold between tables after a step, whatever happened to earlier runs; a step
that ends with one broken fails loudly (``InvariantError``, exit 1) naming the table, the
count and the command that repairs it, instead of reporting success over damaged tables.

Silver's own (every message has the fragments it counts) is part of its quality suite."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_lakehouse.errors import QualityError

if TYPE_CHECKING:
    from feedback_lakehouse.catalog import Catalog


class InvariantError(QualityError):
    """Tables that must agree do not."""


def insights_hold(catalog: Catalog) -> list[str]:
    """Every fragment has its insight (a failed one included, with its error)."""
    missing = (
        catalog.read("silver.fragments")
        .join(catalog.read("silver.insights").select("fragment_id"), "fragment_id", "left_anti")
        .count()
    )
    if not missing:
        return []
    return [f"silver.insights: {missing:,} fragments of silver.fragments have no insight; "
            "run `feedback-lakehouse insights` again"]  # fmt: skip


def gold_holds(catalog: Catalog, window_days: int) -> list[str]:
    """Every member's theme exists, every active theme's count is its members', and the fact
    table counts the messages its members and insights place in the window."""
    from pyspark.sql import functions as F

    members = catalog.read("gold.theme_members").filter(F.col("theme_id").isNotNull())
    themes = catalog.read("gold.themes")
    out = []
    orphans = members.join(themes.select("theme_id"), "theme_id", "left_anti").count()
    if orphans:
        out.append(f"gold.theme_members: {orphans:,} members belong to no theme in gold.themes; "
                   "run `feedback-lakehouse gold` again (it places them again)")  # fmt: skip
    counted = members.groupBy("theme_id").agg(F.count(F.lit(1)).alias("members"))
    off = (
        themes.filter(F.col("status") == "active")
        .join(counted, "theme_id", "left")
        .filter(F.col("fragment_count") != F.coalesce(F.col("members"), F.lit(0)))
        .count()
    )
    if off:
        out.append(f"gold.themes: {off:,} active themes count other fragments than their "
                   "members in gold.theme_members; report it with the run's log (a rerun "
                   "does not change settled counts)")  # fmt: skip
    counted_facts = _fact_tickets(catalog)
    expected = _window_tickets(catalog, window_days)
    if counted_facts != expected:
        out.append(f"gold.fct_voc_themes: counts {counted_facts:,} tickets where the members "
                   f"and insights place {expected:,} in the window; run `feedback-lakehouse "
                   "gold` again (it rebuilds the facts from them)")  # fmt: skip
    return out


def _fact_tickets(catalog: Catalog) -> int:
    from pyspark.sql import functions as F

    return int(catalog.read("gold.fct_voc_themes").agg(F.sum("ticket_count")).first()[0] or 0)


def _window_tickets(catalog: Catalog, window_days: int) -> int:
    """Theme x message x class rows in the fact table's window (see ``gold.voc``)."""
    from pyspark.sql import functions as F

    from feedback_lakehouse.gold.voc import theme_messages

    messages = theme_messages(catalog)
    end = messages.agg(F.max("received_at")).first()[0]
    if end is None:
        return 0
    start = F.lit(end).cast("timestamp") - F.expr(f"INTERVAL {window_days} DAYS")
    return messages.filter(F.col("received_at") > start).count()


def enforce(step: str, broken: list[str]) -> None:
    if broken:
        raise InvariantError(f"{step}: tables disagree after the step:\n  " + "\n  ".join(broken))
