"""Which kind of problem a theme is, from its reach within the window — one rule, in Python for
tests and as a Spark expression for the fact table, built from the same settings (``gold``).

Reach is judged against the window's own customer base, not fixed counts: with 5,000 tickets
every theme touches five enterprise accounts, so "enterprise_pattern" means enterprise accounts
are over-represented among those affected (``enterprise_pattern_lift`` times their share of
the accounts that wrote), and "broad_pattern" means a share of the writing accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedback_lakehouse.config.settings import GoldSettings

if TYPE_CHECKING:
    from pyspark.sql import Column


@dataclass(frozen=True, slots=True)
class Base:
    """The window's writing accounts, all and enterprise."""

    accounts: int
    ent_accounts: int

    @property
    def ent_share(self) -> float:
        return self.ent_accounts / self.accounts if self.accounts else 0.0


def _over(g: GoldSettings, base: Base) -> float:
    """The share of a theme's accounts that must be enterprise: ``enterprise_pattern_lift``
    times their share of the base, at most all of them (a base of mostly enterprise accounts
    still has enterprise patterns)."""
    return min(1.0, g.enterprise_pattern_lift * base.ent_share)


def pattern_type(
    ent_accounts: int, accounts: int, tickets_per_account: float, g: GoldSettings, base: Base
) -> str:
    """enterprise_pattern (enterprise over-represented) before broad_pattern (a share of the
    base) before recurring_pain (the same accounts coming back), else low_signal."""
    if ent_accounts >= g.enterprise_pattern_accounts and ent_accounts >= (
        _over(g, base) * accounts
    ):
        return "enterprise_pattern"
    if accounts >= max(g.broad_pattern_accounts, g.broad_pattern_share * base.accounts):
        return "broad_pattern"
    if tickets_per_account >= g.recurring_tickets_per_account:
        return "recurring_pain"
    return "low_signal"


def pattern_type_column(
    ent: Column, accounts: Column, per_account: Column, g: GoldSettings, base: Base
) -> Column:
    from pyspark.sql import functions as F

    over = ent >= F.lit(_over(g, base)) * accounts
    broad = max(g.broad_pattern_accounts, g.broad_pattern_share * base.accounts)
    return (
        F.when((ent >= F.lit(g.enterprise_pattern_accounts)) & over, "enterprise_pattern")
        .when(accounts >= F.lit(broad), "broad_pattern")
        .when(per_account >= F.lit(g.recurring_tickets_per_account), "recurring_pain")
        .otherwise("low_signal")
    )
