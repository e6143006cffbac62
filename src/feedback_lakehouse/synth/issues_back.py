"""Phrasing material for the mobile, reporting, admin and billing issues (same row shape as
``issues_front``)."""

from __future__ import annotations

from feedback_lakehouse.synth.issues_front import Row

BACK: tuple[Row, ...] = (
    (
        "MOBILE-IOS-CRASH-LAUNCH",
        "iOS app crashes on launch",
        "bug",
        "mobile",
        "critical",
        "REL",
        2.4,
        "the iOS app crashes as soon as I open it | the app closes right after the splash screen"
        " | Lumen on my iPhone won't start anymore | the app crashes on launch every time"
        " | after the update the app just quits | I can't open the mobile app at all, it dies"
        " instantly",
        "iPhone on {os}, app {ver} | reinstalling did not help | it crashes even in airplane"
        " mode | it started right after the update {when}",
        "I can't check numbers on the road | our field team is blind without the app",
    ),
    (
        "MOBILE-ANDROID-PUSH",
        "Android push notifications stopped",
        "bug",
        "mobile",
        "medium",
        "REL",
        1.6,
        "push notifications stopped on Android | I no longer get alerts on my phone"
        " | the Android app never notifies me | threshold alerts don't show up on Android"
        " | notifications are enabled but nothing arrives | since the update no push messages",
        "{device}, Android app {ver} | notifications are allowed in system settings"
        " | the iPhone users in my team still get them | battery optimisation is off",
        "we missed a critical KPI alert | the on-call person didn't get paged",
    ),
    (
        "MOBILE-OFFLINE-MODE",
        "No offline access in the mobile app",
        "feature_gap",
        "mobile",
        "low",
        None,
        0.9,
        "the app is useless without a connection | please add an offline mode"
        " | dashboards don't load on a plane | there is no way to cache reports for offline"
        " viewing | I'd love to save a dashboard for offline use | no signal means no data at all",
        "I travel a lot | our sales team visits sites with bad reception"
        " | even the last loaded dashboard disappears | on {device}",
        "I prepare meetings on the train and can't | reps show up to customers without numbers",
    ),
    (
        "MOBILE-LOGIN-LOOP",
        "Mobile app stuck in login loop",
        "bug",
        "mobile",
        "high",
        "KB-MOB-004",
        1.9,
        "the mobile app is stuck in a login loop | after Face ID it returns to the login screen"
        " | I log in on my phone and get thrown back to sign-in | the app keeps asking for my"
        " password again and again | login on mobile never completes | the sign-in screen"
        " reappears after every attempt",
        "{device} with {os}, app {ver} | it's an SSO account | works on the web"
        " | logging out and in again does not help",
        "I can't approve reports on the go | half of our managers use mobile only",
    ),
    (
        "MOBILE-CHART-TOUCH",
        "Charts hard to use on touch screens",
        "usability",
        "mobile",
        "low",
        "KB-MOB-007",
        0.8,
        "charts are too small to read on the phone | pinch to zoom doesn't work on charts"
        " | tooltips are impossible to hit with a finger | the legend covers half the chart on"
        " mobile | tapping a data point opens the wrong widget | scrolling a chart scrolls the"
        " whole page instead",
        "on {device} | in landscape it's a bit better | the bar charts with {n} bars are worst",
        "I end up opening my laptop anyway | field managers complain weekly",
    ),
    (
        "REPORT-SCHEDULE-MISSED",
        "Scheduled reports not delivered",
        "bug",
        "reporting",
        "high",
        "INC",
        2.1,
        "our scheduled reports were not sent | the weekly report email never arrived"
        " | scheduled exports skipped this morning | recipients got nothing from the 8am"
        " schedule | the report schedule shows 'failed' | no PDF report in anyone's inbox today",
        "the history tab shows 'delivery error' | it's the Monday {n} am report"
        " | other schedules in the workspace ran fine | it started {when}",
        "the board did not get the numbers | our customers expect this report every day",
    ),
    (
        "REPORT-PDF-LAYOUT",
        "PDF export cuts off tables",
        "bug",
        "reporting",
        "medium",
        "KB-REP-003",
        2.0,
        "PDF exports cut off wide tables | the right side of the table is missing in the PDF"
        " | charts overlap in the exported PDF | page breaks split rows in half"
        " | the PDF report looks broken | columns are truncated when exporting to PDF",
        "the table has {n} columns | landscape mode doesn't help | it's fine in the browser"
        " preview | we export from {browser}",
        "we can't send the board report | I have to rebuild it in a spreadsheet",
    ),
    (
        "REPORT-CSV-EXPORT-LIMIT",
        "CSV export truncated at 50k rows",
        "capacity",
        "reporting",
        "medium",
        "KB-REP-006",
        1.2,
        "CSV exports stop at 50,000 rows | our export is silently truncated"
        " | the CSV download is missing most of the data | large exports cut off without"
        " warning | the export only contains the first 50k lines | exports of big tables are"
        " incomplete",
        "the table has about {n}00k rows | no warning in the UI | the API export has the same"
        " limit",
        "finance reconciliations are off | we found out weeks later",
    ),
    (
        "REPORT-RECIPIENT-CONFIG",
        "Cannot add external report recipients",
        "configuration",
        "reporting",
        "low",
        None,
        0.8,
        "I can't add external email addresses to a scheduled report | report recipients must"
        " be users | the recipient field rejects partner addresses | scheduling a report to a"
        " client isn't possible | external recipients are greyed out | the report won't save"
        " with an outside address",
        "the domain is on our allow list | the error says 'recipient not permitted'"
        " | we need {n} external recipients",
        "we forward reports manually | our agency never gets the weekly numbers on time",
    ),
    (
        "REPORT-CUSTOM-BRANDING",
        "No custom branding on PDF reports",
        "feature_gap",
        "reporting",
        "low",
        None,
        0.7,
        "we want our own logo on PDF reports | please allow custom branding on exports"
        " | the Lumen logo on client reports looks odd | there's no way to change report colours"
        " | white-label PDFs would help a lot | we can't remove your branding from reports",
        "we send {n} reports to clients every month | competitors allow a logo upload",
        "clients ask who Lumen is | our brand team is unhappy",
    ),
    (
        "ADMIN-SCIM-PROVISIONING",
        "SCIM does not deprovision users",
        "integration",
        "admin",
        "high",
        "KB-ADM-002",
        1.5,
        "SCIM deprovisioning doesn't work | users removed in our IdP stay active in Lumen"
        " | SCIM doesn't deactivate leavers | deleted users still have access"
        " | our SCIM sync creates users but never removes them | offboarded staff can still"
        " log in",
        "the SCIM log shows PATCH active=false with 200 | we have {n} leavers still active"
        " | the auditors found it | the SCIM token is new",
        "this is a security finding for our audit | we pay for seats of people who left",
    ),
    (
        "ADMIN-ROLE-PERMISSIONS",
        "Custom roles grant wrong permissions",
        "usability",
        "admin",
        "medium",
        "KB-ADM-005",
        1.2,
        "viewers can edit dashboards | the custom role permissions are confusing"
        " | a read-only user deleted a widget | I can't tell what each role can do"
        " | role settings don't seem to apply | permissions behave differently from the matrix"
        " in the admin console",
        "the role is 'Viewer (custom)' | we have {n} custom roles | the audit log confirms"
        " the edit",
        "we don't trust the permission model | a report was changed by accident",
    ),
    (
        "ADMIN-AUDIT-LOG-EXPORT",
        "Audit log cannot be exported",
        "feature_gap",
        "admin",
        "medium",
        None,
        1.0,
        "we can't export the audit log | the audit log only goes back 90 days"
        " | there's no API for audit events | our SIEM can't pull Lumen audit logs"
        " | compliance needs the audit log as CSV | please let us stream audit events",
        "our auditors need 12 months | we have {n} admins",
        "our SOC 2 audit is at risk | we take screenshots as evidence",
    ),
    (
        "ADMIN-USER-INVITE-EXPIRED",
        "Invite links expire immediately",
        "bug",
        "admin",
        "medium",
        "KB-ADM-008",
        1.1,
        "invite links say expired right away | new users can't accept their invitation"
        " | the invitation email link is already invalid | people I invite get 'link expired'"
        " | invites expire before anyone clicks them | resending the invite doesn't help",
        "the invite was sent {n} minutes ago | it happens for external domains"
        " | the admin console still shows 'pending'",
        "onboarding {n} new analysts is stuck | our new team can't start",
    ),
    (
        "ADMIN-SSO-ENFORCEMENT-DOCS",
        "Docs unclear on enforcing SSO",
        "documentation",
        "admin",
        "low",
        "KB-ADM-012",
        0.7,
        "the docs don't explain how to enforce SSO | it's unclear whether admins can bypass"
        " SSO | I can't find documentation on SSO-only login | the enforcement article is"
        " vague | docs say 'contact support' for SSO enforcement | there is nothing about"
        " break-glass accounts in the docs",
        "we have {n} admins | our security policy requires SSO only"
        " | the admin console has a toggle the docs don't mention",
        "our security review is blocked | we're guessing at the config",
    ),
    (
        "BILLING-DOUBLE-CHARGE",
        "Customers charged twice",
        "billing",
        "billing",
        "critical",
        "KB-BILL-001",
        2.0,
        "we were charged twice this month | the invoice was paid two times"
        " | our card shows a duplicate charge | we got billed double | there are two identical"
        " payments for the same invoice | the renewal was charged twice",
        "both charges are for the same amount | our finance team flagged it"
        " | it happened on {when} | the second charge came a day later",
        "we need a refund urgently | our budget is blown for the quarter",
    ),
    (
        "BILLING-SEAT-COUNT",
        "Billed for deactivated seats",
        "billing",
        "billing",
        "high",
        "KB-BILL-004",
        1.3,
        "we're billed for deactivated users | the seat count on the invoice is too high"
        " | removed users still count as seats | the invoice says {n} seats but we only have"
        " fewer active | you charge for people who left | seats don't go down when we remove"
        " users",
        "we deactivated users last month | the admin console shows fewer active users"
        " | this is on the annual plan",
        "we are overpaying | procurement is asking questions",
    ),
    (
        "BILLING-INVOICE-VAT",
        "VAT ID missing on invoices",
        "billing",
        "billing",
        "medium",
        None,
        1.8,
        "our VAT number is missing from the invoice | the invoice doesn't show our VAT ID"
        " | we need the reverse charge note on invoices | the tax ID field is ignored"
        " | invoices are charged with VAT although we are VAT registered | the company"
        " details on the invoice are wrong",
        "we entered the VAT ID in billing settings | our accounting rejected the invoice"
        " | it's an EU company",
        "we can't book the invoice | we can't pay until it's fixed",
    ),
    (
        "BILLING-CARD-DECLINED",
        "Card update fails with 3-D Secure",
        "configuration",
        "billing",
        "medium",
        "KB-BILL-007",
        1.0,
        "I can't update our credit card | the card is declined although it works elsewhere"
        " | the 3-D Secure popup never appears | payment method update fails"
        " | every card we try is rejected | the billing page says 'card declined'",
        "our bank sees no attempt | we tried {n} cards | it's a corporate card",
        "our subscription is about to lapse | we risk losing access",
    ),
    (
        "BILLING-PLAN-DOWNGRADE",
        "Cannot find how to downgrade plan",
        "usability",
        "billing",
        "low",
        None,
        0.7,
        "I can't find how to downgrade our plan | the downgrade option is hidden"
        " | there's no way to switch to a smaller plan | the plan page only offers upgrades"
        " | we want fewer seats but the UI doesn't allow it | changing plans is confusing",
        "we are on the Business plan | we'd go down to {n} seats | billing settings only"
        " show 'upgrade'",
        "we're paying for more than we need | renewal is next month",
    ),
)
