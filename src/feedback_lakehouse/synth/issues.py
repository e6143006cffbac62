"""The catalog of planted product issues: the hidden truth every later metric is scored
against. Phrasing material lives in ``issues_front`` / ``issues_back`` so that each issue can
be said in thousands of different ways."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from feedback_lakehouse.synth.issues_back import BACK
from feedback_lakehouse.synth.issues_front import FRONT

AREAS = ("auth", "ingest", "dashboard", "api", "mobile", "reporting", "admin", "billing")
CATEGORIES = (
    "bug", "usability", "feature_gap", "documentation", "configuration", "capacity",
    "integration", "billing",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class CauseSpec:
    """A planted cause; ``ref`` names the release component, flag or incident service that
    the generator resolves to a concrete reference id for the run's time window."""

    type: str  # release | flag | incident | browser
    ref: str
    at: float  # position of the cause in the window, 0..1
    segment: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Issue:
    issue_id: str
    title: str
    category: str
    product_area: str
    severity: str
    root_cause_doc: str | None
    weight: float
    symptoms: tuple[str, ...]
    contexts: tuple[str, ...]
    impacts: tuple[str, ...]
    cause: CauseSpec | None = None
    cause_id: str | None = None
    segment: dict[str, str] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """The ground-truth view (issues.json)."""
        cause = None
        if self.cause is not None:
            cause = {"type": self.cause.type, "id": self.cause_id, "segment": self.segment}
        return {
            "issue_id": self.issue_id,
            "title": self.title,
            "category": self.category,
            "product_area": self.product_area,
            "severity": self.severity,
            "root_cause_doc": self.root_cause_doc,
            "cause": cause,
        }


CAUSES: dict[str, CauseSpec] = {
    "AUTH-SESSION-EXPIRY": CauseSpec("release", "web", 0.45),
    "MOBILE-IOS-CRASH-LAUNCH": CauseSpec("release", "ios", 0.62, {"platform": "ios"}),
    "MOBILE-ANDROID-PUSH": CauseSpec("release", "android", 0.3, {"platform": "android"}),
    "API-RATE-LIMIT-429": CauseSpec("flag", "new-rate-limiter", 0.52, {"tier": "enterprise"}),
    "DASH-FILTER-RESET": CauseSpec("flag", "dashboard-state-v2", 0.72, {"region": "EU"}),
    "INGEST-SYNC-DELAY": CauseSpec("incident", "ingest", 0.36),
    "REPORT-SCHEDULE-MISSED": CauseSpec("incident", "reporting", 0.82),
    "DASH-SAFARI-RENDER": CauseSpec("browser", "Safari", 0.0, {"browser": "Safari"}),
}

RELEASE_NOTES = {
    "AUTH-SESSION-EXPIRY": "Reworked token refresh for SSO sessions",
    "MOBILE-IOS-CRASH-LAUNCH": "Rewrote app start-up and cached dashboard restore on iOS",
    "MOBILE-ANDROID-PUSH": "Migrated push notification registration to the new messaging SDK",
}
FLAG_DESCRIPTIONS = {
    "new-rate-limiter": "Token-bucket rate limiter for the public API (per-organisation quotas)",
    "dashboard-state-v2": "New dashboard state store: filters and tabs kept in the URL",
}


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("|") if part.strip())


def build_catalog() -> list[Issue]:
    """Fresh Issue objects (the generator fills in the resolved cause ids per run)."""
    out: list[Issue] = []
    for row in (*FRONT, *BACK):
        iid, title, cat, area, sev, doc, weight, sym, ctx, imp = row
        assert cat in CATEGORIES and area in AREAS, iid
        issue = Issue(
            iid, title, cat, area, sev, doc, weight, _split(sym), _split(ctx), _split(imp)
        )
        issue.cause = CAUSES.get(iid)
        out.append(issue)
    return out


TRANSLATED = (
    "AUTH-SESSION-EXPIRY", "AUTH-SSO-SAML-ERROR", "AUTH-MFA-CODE-REJECTED", "INGEST-SYNC-DELAY",
    "INGEST-CSV-ENCODING", "DASH-SLOW-LOAD", "DASH-FILTER-RESET", "DASH-TIMEZONE-MISMATCH",
    "API-RATE-LIMIT-429", "MOBILE-IOS-CRASH-LAUNCH", "MOBILE-LOGIN-LOOP", "REPORT-SCHEDULE-MISSED",
    "REPORT-PDF-LAYOUT", "BILLING-DOUBLE-CHARGE", "BILLING-INVOICE-VAT",
)  # fmt: skip
"""The most common issues, phrased in fr/de/es/ja as well."""
