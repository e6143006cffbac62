"""Phrasing material for the auth, ingest, dashboard and api issues.

Row: (issue_id, title, category, product_area, severity, root_cause_doc, weight, symptoms,
contexts, impacts); the last three are ``|``-separated variants. Placeholders ({ver},
{browser}, {os}, {device}, {n}, {when}) are filled from the message's envelope."""

from __future__ import annotations

Row = tuple[str, str, str, str, str, str | None, float, str, str, str]

FRONT: tuple[Row, ...] = (
    (
        "AUTH-SESSION-EXPIRY",
        "Sessions expire after a few minutes",
        "bug",
        "auth",
        "high",
        "REL",
        3.0,
        "Lumen keeps logging me out | my session expires every few minutes"
        " | I have to sign in twice before anything loads | I get kicked back to the login page"
        " while working | we are being signed out constantly, sometimes mid-edit"
        " | the session times out after about 5 minutes even though we set it to 8 hours"
        " | every time I switch tabs I am asked to log in again",
        "this started {when} | we are on {ver} using {browser} on {os}"
        " | it happens right after the SSO redirect, the URL ends in /login?expired=1"
        " | the console shows 401 on /api/session/refresh"
        " | happens to about {n} people in our workspace, all on {browser}",
        "people lose unsaved dashboard edits | our analysts have given up working in the app"
        " | we can't get through a single review meeting without re-logging",
    ),
    (
        "AUTH-SSO-SAML-ERROR",
        "SSO login fails with ERR_SSO_4012",
        "integration",
        "auth",
        "high",
        "KB-AUTH-002",
        2.4,
        "SSO login fails with ERR_SSO_4012 | our SAML login is broken"
        " | single sign-on redirects back with an error instead of logging us in"
        " | users can't log in through our identity provider anymore"
        " | the SSO button just shows 'assertion could not be validated'"
        " | sign-in via SAML errors out for everyone in the company",
        "the error page says ERR_SSO_4012 | our IdP certificate was rotated last week"
        " | the response contains InvalidAudience in the SAML trace"
        " | it fails on {browser} and on the mobile app alike | we use SP-initiated login",
        "{n} people are blocked from logging in | nobody can get into Lumen this morning"
        " | we had to give out local passwords as a workaround, which our security team hates",
    ),
    (
        "AUTH-MFA-CODE-REJECTED",
        "MFA codes rejected as invalid",
        "bug",
        "auth",
        "medium",
        "KB-AUTH-005",
        2.0,
        "my MFA code is rejected every time | the authenticator code is always 'invalid'"
        " | two-factor keeps saying the code expired even when I type it immediately"
        " | I can't pass the 2FA step | the 6-digit code from my app never works"
        " | MFA verification fails although the code is correct",
        "I checked the phone clock, it is in sync | it's the TOTP app, not SMS"
        " | this happens on {browser} and in the {device} app"
        " | after three tries the account gets locked for 15 minutes",
        "I am locked out of my own account | our admins can't approve anything"
        " | new hires can't finish onboarding",
    ),
    (
        "AUTH-PASSWORD-RESET-EMAIL",
        "Password reset e-mail never arrives",
        "bug",
        "auth",
        "medium",
        None,
        1.0,
        "the password reset email never arrives | I request a reset link and nothing comes"
        " | no reset mail, not even in spam | 'forgot password' says sent but the inbox stays"
        " empty | the reset link email takes hours to show up | we never receive password"
        " reset messages",
        "I tried {n} times over the last hour | our mail server does not show any bounce"
        " | other Lumen emails (reports) arrive fine | the address is definitely correct",
        "a user is stuck outside the tool | I cannot access my reports before the deadline",
    ),
    (
        "AUTH-SSO-SETUP-DOCS",
        "SSO setup documentation is outdated",
        "documentation",
        "auth",
        "low",
        "KB-AUTH-010",
        0.7,
        "the SSO setup guide is out of date | the docs for configuring SAML don't match the"
        " admin screen | the SSO documentation mentions fields that no longer exist"
        " | your SSO guide skips the attribute mapping step | the screenshots in the SSO article"
        " are from the old UI | I followed the SSO docs exactly and it still doesn't line up",
        "the guide says 'Entity ID' but the screen says 'Audience URI'"
        " | step 4 references a Security tab I can't find | I was reading KB article on SSO"
        " | we are setting up SSO for {n} users",
        "our rollout is delayed by a week | I wasted an afternoon guessing settings",
    ),
    (
        "INGEST-SYNC-DELAY",
        "Connector syncs run hours behind",
        "capacity",
        "ingest",
        "high",
        "INC",
        2.6,
        "our data syncs are hours behind | the connector says 'syncing' forever"
        " | dashboards show yesterday's numbers | the last successful sync was {n} hours ago"
        " | imports are stuck in the queue | data freshness is way off, nothing new since morning",
        "the sync status page shows 'queued' for all connectors | this is our warehouse connector"
        " | we did not change anything on our side | started {when}"
        " | the job log ends with 'waiting for worker'",
        "our morning exec dashboard is wrong | ops decisions are made on stale numbers"
        " | the board report has to wait",
    ),
    (
        "INGEST-CSV-ENCODING",
        "CSV import garbles accented characters",
        "bug",
        "ingest",
        "medium",
        "KB-INGEST-004",
        2.0,
        "CSV imports garble accented characters | umlauts and accents turn into question marks"
        " after upload | names like 'Müller' come out as 'MÃ¼ller' | special characters are"
        " mangled when we import a CSV | the importer breaks non-ASCII text"
        " | French and German names are corrupted in imported files",
        "the file is saved as UTF-8 with BOM | it's an export from our ERP"
        " | the preview looks fine, the imported table does not"
        " | files under 10 MB, about {n}k rows",
        "customer names in reports are unreadable | we have to clean data by hand each week",
    ),
    (
        "INGEST-S3-PERMISSION",
        "S3 import fails with access denied",
        "configuration",
        "ingest",
        "medium",
        "KB-INGEST-007",
        1.2,
        "the S3 import fails with AccessDenied | Lumen can't read our bucket"
        " | bucket import says permission denied | our S3 connection test fails"
        " | the S3 connector can list the bucket but not read the files"
        " | importing from our S3 bucket gives a 403",
        "we use the IAM role from the setup wizard | the bucket is KMS encrypted"
        " | error: 'An error occurred (AccessDenied) when calling GetObject'"
        " | the bucket is in eu-central-1",
        "our nightly load is not running | we can't onboard the new data source",
    ),
    (
        "INGEST-CRM-CONNECTOR",
        "CRM connector drops custom fields",
        "integration",
        "ingest",
        "high",
        None,
        1.3,
        "the CRM connector drops our custom fields | custom objects from the CRM are missing"
        " after sync | fields ending in __c never show up | only standard fields come through"
        " from the CRM | the CRM sync ignores half of our columns | custom properties are empty"
        " in Lumen but filled in the CRM",
        "we added {n} custom fields last month | the field mapping screen shows them greyed out"
        " | a full resync did not help | it worked until {when}",
        "our pipeline dashboard is useless without these fields | sales ops can't forecast",
    ),
    (
        "INGEST-LARGE-FILE-LIMIT",
        "Imports over 2 GB are not supported",
        "feature_gap",
        "ingest",
        "low",
        "KB-INGEST-011",
        0.8,
        "we can't import files over 2 GB | large uploads are rejected"
        " | there is no way to load our big export | the importer caps files at 2 GB"
        " | please support larger file imports | uploading a 5 GB file just fails",
        "our monthly export is about {n} GB | splitting the file by hand is error-prone"
        " | compressed gzip files also hit the limit | other tools we use take 50 GB files",
        "we have to run a manual split every month | the data team keeps a workaround script",
    ),
    (
        "DASH-SAFARI-RENDER",
        "Charts render blank in Safari",
        "bug",
        "dashboard",
        "medium",
        "KB-DASH-003",
        1.8,
        "charts are blank in Safari | dashboards don't render on Safari, just empty boxes"
        " | widgets show a spinner forever in Safari | the line charts are invisible on my Mac"
        " | nothing draws in the chart area when I use Safari | Safari shows the axes but no data",
        "works fine in Chrome on the same machine | Safari {browser} on {os}"
        " | the console says 'WebGL context lost' | clearing the cache did not fix it",
        "our execs all use Safari and see nothing | I can't present from my laptop",
    ),
    (
        "DASH-FILTER-RESET",
        "Dashboard filters reset when switching tabs",
        "usability",
        "dashboard",
        "medium",
        "FLAG",
        2.2,
        "filters reset every time I switch tabs | my dashboard filters are lost on reload"
        " | the date range jumps back to 'last 7 days' | saved filters don't stick"
        " | I set a filter, open another tab, and it's gone | filter selections keep clearing",
        "this started {when} | it happens with the region and date filters"
        " | we are on {ver} | even pinned filters reset | on {browser}",
        "we keep presenting the wrong numbers | every review takes twice as long",
    ),
    (
        "DASH-SLOW-LOAD",
        "Dashboards take 30+ seconds to load",
        "capacity",
        "dashboard",
        "high",
        None,
        2.5,
        "dashboards are extremely slow | it takes 30 seconds or more to load a dashboard"
        " | widgets load one by one, painfully | the main dashboard times out"
        " | every chart spins for ages | performance has gotten really bad lately",
        "our main dashboard has {n} widgets | the network tab shows /query taking 25s"
        " | it's worse on Monday mornings | we see 504 Gateway Timeout sometimes",
        "people stopped using the dashboards | the weekly meeting waits for the screen to load",
    ),
    (
        "DASH-SHARE-EXTERNAL",
        "No way to share dashboards externally",
        "feature_gap",
        "dashboard",
        "low",
        "KB-DASH-008",
        0.9,
        "there's no way to share a dashboard with someone outside our org"
        " | we want public read-only dashboard links | please add embedding for dashboards"
        " | I can't send a dashboard to a client without giving them a seat"
        " | sharing is limited to internal users | we need guest access to dashboards",
        "our agency partners need to see {n} dashboards | we currently send screenshots"
        " | other tools offer a signed embed URL",
        "we pay for seats for people who only look at one chart | clients keep asking for it",
    ),
    (
        "DASH-TIMEZONE-MISMATCH",
        "Charts show UTC instead of local time",
        "bug",
        "dashboard",
        "medium",
        "KB-DASH-011",
        1.9,
        "charts show times in UTC instead of our time zone | the hourly chart is shifted by"
        " a few hours | daily totals don't match because of the time zone"
        " | the dashboard ignores the workspace time zone | yesterday's numbers include today's"
        " morning | times in tooltips are off by 2 hours",
        "our workspace is set to Europe/Berlin | the export has the right times, the chart does"
        " not | it changed after daylight saving | on {ver}",
        "finance numbers don't reconcile | we report the wrong daily peak",
    ),
    (
        "API-RATE-LIMIT-429",
        "API returns 429 far below documented limits",
        "capacity",
        "api",
        "high",
        "FLAG",
        2.3,
        "the API keeps returning 429 Too Many Requests | we hit rate limits far below the"
        " documented quota | our integration gets throttled constantly | every few calls we"
        " get HTTP 429 | the rate limiter kicks in at like 10 requests a minute"
        " | API calls fail with 'rate limit exceeded'",
        "we send about {n} requests per minute, the docs say 600 are allowed"
        " | the Retry-After header says 3600 | this is on the v3 API"
        " | started {when}, nothing changed in our code",
        "our nightly sync to the warehouse fails | the customer portal shows stale data",
    ),
    (
        "API-WEBHOOK-RETRIES",
        "Webhooks not retried after failures",
        "bug",
        "api",
        "high",
        "KB-API-004",
        1.4,
        "webhooks are not retried when our endpoint fails | we miss webhook events"
        " | failed webhook deliveries are just dropped | webhook events arrive twice or not"
        " at all | the webhook log shows failures but no retry | some events never reach us",
        "our endpoint returned 502 for a minute during deploy | we checked the delivery log"
        " | the docs promise 5 retries with backoff | about {n} events lost yesterday",
        "our billing sync is missing events | we have to reconcile by hand",
    ),
    (
        "API-TOKEN-EXPIRY",
        "API tokens expire unexpectedly",
        "configuration",
        "api",
        "medium",
        "KB-API-006",
        1.1,
        "our API token stopped working | API calls suddenly return 401 Unauthorized"
        " | the personal access token expired without warning | service tokens expire after"
        " 30 days even though we set no expiry | the API rejects a token created last week"
        " | tokens keep getting invalidated",
        "the token was created by an admin who left | the response says 'token_expired'"
        " | we use the v2 API from a cron job | no email warned us",
        "our integration silently stopped | data stopped flowing into the CRM",
    ),
    (
        "API-DOCS-PAGINATION",
        "Pagination docs are wrong",
        "documentation",
        "api",
        "low",
        "KB-API-009",
        0.8,
        "the API docs for pagination are wrong | the cursor parameter in the docs doesn't"
        " exist | following the pagination example loops forever | the docs say page/limit but"
        " the API wants cursor | the reference shows a next_page field we never get"
        " | the pagination section in the API reference is misleading",
        "on the /v3/events endpoint | the code sample in the docs returns 400"
        " | we only get the first {n} results",
        "our developer lost two days | we are not sure we get all the data",
    ),
    (
        "API-V2-DEPRECATION",
        "v2 endpoints break before announced sunset",
        "integration",
        "api",
        "medium",
        None,
        0.9,
        "v2 endpoints started failing before the announced sunset | our v2 integration broke"
        " | calls to the v2 API now return 410 Gone | the v2 API changed its response format"
        " | we were told v2 works until next year but it's failing | the old API version stopped"
        " answering",
        "the deprecation notice said 2027 | we get 'endpoint retired' on /v2/reports"
        " | we have {n} scripts still on v2",
        "our reporting pipeline is down | we need time to migrate",
    ),
)
