"""Reference data (accounts, releases, incidents, feature flags) and the resolution of each
planted cause to a concrete reference row, so a spike can be traced to its documented cause."""

from __future__ import annotations

import bisect
import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from feedback_lakehouse.synth import people
from feedback_lakehouse.synth.clock import iso_z, month_of, weekday
from feedback_lakehouse.synth.issues import FLAG_DESCRIPTIONS, RELEASE_NOTES, Issue

DAY = 86_400
HOUR = 3_600
REGIONS = (("NA", 0.45), ("EU", 0.30), ("APAC", 0.15), ("LATAM", 0.10))
REGION_LANG = {
    "NA": (("en", 0.99), ("fr", 0.01)),
    "EU": (("en", 0.7), ("de", 0.12), ("fr", 0.1), ("es", 0.08)),
    "APAC": (("en", 0.8), ("ja", 0.2)),
    "LATAM": (("es", 0.4), ("en", 0.6)),
}
COUNTRY = {"en": {"NA": "US", "EU": "GB", "APAC": "AU", "LATAM": "US"}, "fr": "FR",
           "de": "DE", "es": "ES", "ja": "JP"}  # fmt: skip
TIERS = (("enterprise", 0.15), ("strategic_partner", 0.05), ("mid_market", 0.35),
         ("startup", 0.45))  # fmt: skip
INDUSTRIES = ("retail", "fintech", "healthcare", "logistics", "media", "manufacturing",
              "education", "travel", "energy", "public_sector")  # fmt: skip
STAGES = (("active", 0.6), ("onboarding", 0.12), ("renewal_due", 0.16), ("churn_risk", 0.12))
NOTES = {
    "web": ("Faster dashboard loading for large workspaces", "New chart type: funnel",
            "Improved CSV import preview", "Fixed tooltip alignment in line charts",
            "Admin console: bulk user actions", "Updated billing page layout",
            "Scheduled reports: new delivery history tab", "Accessibility fixes in filters"),
    "ios": ("Improved dashboard scrolling", "Dark mode polish", "Widget for home screen",
            "Fixed rare crash when rotating", "Faster sign-in with Face ID"),
    "android": ("Material 3 refresh", "Fixed chart legend overlap", "Faster sync on Wi-Fi",
                "Improved tablet layout", "Bug fixes for notifications settings"),
    "api": ("New /v3/events filters", "Cursor pagination on list endpoints",
            "Webhook signature v2", "Deprecation headers on v2 endpoints"),
}  # fmt: skip
SERVICES = {"ingest": "ingestion-pipeline", "reporting": "report-scheduler",
            "dashboard": "query-engine", "api": "public-api", "auth": "identity",
            "billing": "billing-service"}  # fmt: skip
SUMMARIES = {
    "ingest": "Connector sync workers were saturated; syncs queued for several hours.",
    "reporting": "Report scheduler failed to deliver e-mails after a mail relay outage.",
    "dashboard": "Elevated query latency on the shared query engine.",
    "api": "Elevated 5xx rates on the public API in one region.",
    "auth": "Intermittent login failures for SSO users.",
    "billing": "Payment provider webhooks delayed; invoices generated late.",
}  # fmt: skip


def pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    x, acc = rng.random(), 0.0
    for value, w in table:
        acc += w
        if x < acc:
            return value
    return table[-1][0]


@dataclass(slots=True)
class Account:
    account_id: str
    tier: str
    region: str
    language: str
    plan: str


@dataclass(slots=True)
class Release:
    release_id: str
    version: str
    component: str
    deployed_at: int
    notes: list[str]


@dataclass
class Reference:
    accounts: list[Account]
    releases: list[Release]
    incidents: list[dict[str, object]] = field(default_factory=list)
    flags: list[dict[str, object]] = field(default_factory=list)
    rows: list[list[object]] = field(default_factory=list)

    def versions(self, component: str) -> tuple[list[int], list[str]]:
        rel = [r for r in self.releases if r.component == component]
        return [r.deployed_at for r in rel], [r.version for r in rel]


def version_at(times: list[int], versions: list[str], ts: int) -> str:
    i = bisect.bisect_right(times, ts) - 1
    return versions[max(i, 0)]


def build_accounts(rng: random.Random, n: int, start: int) -> tuple[list[Account], list[list]]:
    accounts, rows = [], []
    for i in range(1, n + 1):
        tier, region = pick(rng, TIERS), pick(rng, REGIONS)
        lang = pick(rng, REGION_LANG[region])
        country = COUNTRY[lang]
        country = country[region] if isinstance(country, dict) else country
        base = {"enterprise": 250_000, "strategic_partner": 400_000, "mid_market": 60_000}
        arr = int(base.get(tier, 12_000) * (0.4 + rng.random() * 1.6))
        plan = {"enterprise": "Enterprise", "strategic_partner": "Enterprise",
                "mid_market": "Business"}.get(tier, "Starter")  # fmt: skip
        acc = Account(f"ACC-{i:05d}", tier, region, lang, plan)
        accounts.append(acc)
        created = start - rng.randrange(30 * DAY, 4 * 365 * DAY)
        rows.append(
            [
                acc.account_id,
                people.company(rng),
                tier,
                arr,
                region,
                rng.choice(INDUSTRIES),
                pick(rng, STAGES),
                lang,
                country,
                iso_z(created),
            ]
        )
    return accounts, rows


def _at(rng: random.Random, day_start: int, wd: int = 1) -> int:
    while weekday(day_start) != wd:
        day_start += DAY
    return day_start + 9 * HOUR + rng.randrange(7 * HOUR)


def build_releases(rng: random.Random, start: int, end: int) -> list[Release]:
    out: list[Release] = []
    t0 = start - start % DAY - 28 * DAY
    patch: dict[tuple[int, int], int] = {}
    t = t0
    while t < end:  # web: weekly on Tuesdays
        ts = _at(rng, t, 1)
        if ts < end:
            ym = month_of(ts)
            patch[ym] = patch.get(ym, 0) + 1
            ver = f"{ym[0]}.{ym[1]}.{patch[ym]}"
            out.append(Release(f"REL-{ver}", ver, "web", ts, []))
        t += 7 * DAY
    for comp, offset, wd in (("ios", 0, 3), ("android", 3 * DAY, 2)):
        minor, t = 12, t0 + offset
        while t < end:
            ts = _at(rng, t, wd)
            if ts < end:
                ver = f"5.{minor}.0"
                out.append(Release(f"REL-{ver}-{comp}", ver, comp, ts, []))
                if rng.random() < 0.3 and ts + 4 * DAY < end:
                    hv = f"5.{minor}.1"
                    out.append(Release(f"REL-{hv}-{comp}", hv, comp, ts + 4 * DAY, []))
            minor += 1
            t += 14 * DAY
    k, t = 1, t0 + 10 * DAY
    while t < end:
        ts = _at(rng, t, 2)
        if ts < end:
            out.append(Release(f"REL-v3.{k}-api", f"v3.{k}", "api", ts, []))
        k, t = k + 1, t + 30 * DAY
    for rel in out:
        rel.notes = rng.sample(
            NOTES[rel.component], min(len(NOTES[rel.component]), rng.randint(3, 5))
        )
    out.sort(key=lambda r: (r.deployed_at, r.release_id))
    return out


def resolve_causes(
    rng: random.Random, issues: list[Issue], ref: Reference, start: int, end: int
) -> list[dict[str, object]]:
    """Tie each caused issue to a release/flag/incident row, create the rows it needs and
    return the causes.json entries (with ``spike_start``/``spike_end`` epoch seconds)."""
    span = end - start
    causes: list[dict[str, object]] = []
    incidents: list[dict[str, object]] = []
    t = start + rng.randrange(2 * DAY, 8 * DAY)
    while t < end - DAY:  # background incidents, ~1 per 10 days
        area = rng.choice(tuple(SERVICES))
        incidents.append({"area": area, "start": t, "end": t + rng.randrange(HOUR, 5 * HOUR)})
        t += rng.randrange(7 * DAY, 14 * DAY)
    for issue in issues:
        spec = issue.cause
        if spec is None:
            continue
        target = start + int(span * spec.at)
        seg = dict(spec.segment)
        if spec.type == "release":
            cands = [r for r in ref.releases if r.component == spec.ref] or ref.releases
            rel = min(cands, key=lambda r: (abs(r.deployed_at - target), r.release_id))
            rel.notes.insert(rng.randrange(len(rel.notes) + 1), RELEASE_NOTES[issue.issue_id])
            seg["product_version"] = rel.version
            cause_id, begin = rel.release_id, rel.deployed_at
            s0 = begin + rng.randrange(15 * 60, 3 * HOUR)
            s1 = min(end, s0 + 4 * DAY)
        elif spec.type == "flag":
            cause_id, begin = f"FLAG-{spec.ref}", target
            key, value = next(iter(spec.segment.items()))
            ref.flags.append(
                {
                    "flag": spec.ref,
                    "changed_at": begin,
                    "state": "on",
                    "segment": f"{key}={value}",
                    "description": FLAG_DESCRIPTIONS[spec.ref],
                }
            )
            s0, s1 = begin + rng.randrange(5 * 60, HOUR), end
        elif spec.type == "incident":
            begin = target
            inc = {
                "area": issue.product_area,
                "start": begin,
                "end": begin + rng.randrange(3 * HOUR, 7 * HOUR),
                "issue": issue.issue_id,
            }
            incidents.append(inc)
            s0, s1, cause_id = begin, int(inc["end"]) + HOUR, ""
        else:
            cause_id, begin, s0, s1 = spec.ref, start, start, end
        issue.segment = seg
        issue.cause_id = cause_id or None
        causes.append(
            {
                "issue_id": issue.issue_id,
                "type": spec.type,
                "id": cause_id,
                "segment": seg,
                "start": begin,
                "spike_start": s0,
                "spike_end": s1,
            }
        )
    incidents.sort(key=lambda i: int(i["start"]))  # type: ignore[call-overload]
    for n, inc in enumerate(incidents, start=1):
        inc["incident_id"] = f"INC-{n:04d}"
        for cause in causes:
            if inc.get("issue") == cause["issue_id"]:
                cause["id"] = inc["incident_id"]
                issue = next(i for i in issues if i.issue_id == cause["issue_id"])
                issue.cause_id = str(inc["incident_id"])
    for issue in issues:
        if issue.root_cause_doc in ("REL", "INC", "FLAG"):
            issue.root_cause_doc = issue.cause_id
    ref.incidents = incidents
    for flag, pct, seg in (
        ("new-chart-engine", 25, "percent=25"),
        ("ios-widgets", 0, "platform=ios"),
        ("bulk-user-actions", 0, "tier=enterprise"),
    ):
        ref.flags.append(
            {
                "flag": flag,
                "changed_at": start + rng.randrange(span),
                "state": "on" if pct or rng.random() < 0.8 else "off",
                "segment": seg,
                "description": f"Rollout of {flag.replace('-', ' ')}",
            }
        )
    ref.flags.sort(key=lambda f: (int(f["changed_at"]), str(f["flag"])))  # type: ignore[call-overload]
    return causes


def write_reference(out_dir: Path, ref: Reference) -> list[Path]:
    base = out_dir / "reference"
    base.mkdir(parents=True, exist_ok=True)
    tables = {
        "accounts.csv": (["account_id", "name", "tier", "arr_usd", "region", "industry",
                          "lifecycle_stage", "language", "country", "created_at"], ref.rows),
        "releases.csv": (["release_id", "version", "component", "deployed_at", "notes"], [
            [r.release_id, r.version, r.component, iso_z(r.deployed_at),
             "\n".join(f"- {n}" for n in r.notes)] for r in ref.releases]),
        "incidents.csv": (["incident_id", "started_at", "ended_at", "service", "severity",
                           "summary"], [
            [i["incident_id"], iso_z(int(i["start"])), iso_z(int(i["end"])),  # type: ignore[call-overload]
             SERVICES[str(i["area"])], "major" if "issue" in i else "minor",
             SUMMARIES[str(i["area"])]] for i in ref.incidents]),
        "feature_flags.csv": (["flag", "changed_at", "state", "segment", "description"], [
            [f["flag"], iso_z(int(f["changed_at"])), f["state"], f["segment"],  # type: ignore[call-overload]
             f["description"]] for f in ref.flags]),
    }  # fmt: skip
    paths = []
    for name, (header, rows) in tables.items():
        path = base / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        paths.append(path)
    return paths
