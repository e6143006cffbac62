"""Which kind of problem a theme is, from its reach — one rule, in Python for tests and as a
Spark expression for the fact table, built from the same thresholds (``gold`` settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import GoldSettings

if TYPE_CHECKING:
    from pyspark.sql import Column


def pattern_type(
    ent_accounts: int, accounts: int, tickets_per_account: float, g: GoldSettings
) -> str:
    """enterprise_pattern (many enterprise accounts) before broad_pattern (many accounts)
    before recurring_pain (the same accounts coming back), else low_signal."""
    if ent_accounts >= g.enterprise_pattern_accounts:
        return "enterprise_pattern"
    if accounts >= g.broad_pattern_accounts:
        return "broad_pattern"
    if tickets_per_account >= g.recurring_tickets_per_account:
        return "recurring_pain"
    return "low_signal"


def pattern_type_column(
    ent: Column, accounts: Column, per_account: Column, g: GoldSettings
) -> Column:
    from pyspark.sql import functions as F

    return (
        F.when(ent >= F.lit(g.enterprise_pattern_accounts), "enterprise_pattern")
        .when(accounts >= F.lit(g.broad_pattern_accounts), "broad_pattern")
        .when(per_account >= F.lit(g.recurring_tickets_per_account), "recurring_pain")
        .otherwise("low_signal")
    )
