"""English composition: an issue's symptom, context, impact and ask parts in random order and
subsets, in several registers, with typos and sloppy variants, so one issue yields thousands
of distinct texts and no fixed sentence dominates."""

from __future__ import annotations

import random

from feedback_lakehouse.synth.issues import Issue

AREA_CONTEXTS = {
    "auth": "it happens on {browser} | we're on {ver} | we noticed it {when}",
    "ingest": "this is on {ver} | we noticed it {when} | it affects about {n} tables",
    "dashboard": "on {browser} / {os} | we're on {ver} | we noticed it {when}",
    "api": "using the v3 API | first seen {when} | roughly {n} calls affected",
    "mobile": "{device}, {os} | app version {ver} | noticed {when}",
    "reporting": "we're on {ver} | noticed {when} | about {n} reports affected",
    "admin": "in the admin console on {ver} | noticed {when} | about {n} users affected",
    "billing": "noticed {when} | we are on the annual plan | {n} seats on our account",
}
AREA_CTX = {k: tuple(p.strip() for p in v.split("|")) for k, v in AREA_CONTEXTS.items()}
WHEN = (
    "since this morning", "since yesterday", "after the last update", "since Monday",
    "over the last few days", "this week", "since the weekend", "about an hour ago",
    "since the new version", "on and off for a while",
)  # fmt: skip
SYMPTOM_FRAMES = (
    "{s}.", "{s}.", "{s}!", "It seems {s}.", "For some reason {s}.", "Looks like {s}.",
    "So, {s}.", "Not sure why but {s}.", "Since {when}, {s}.", "Heads up: {s}.",
    "We noticed that {s}.", "Problem: {s}.", "{s}, again.", "Basically {s}.",
)  # fmt: skip
POLITE_FRAMES = (
    "We are experiencing an issue where {s}.", "I would like to report that {s}.",
    "Our team has noticed that {s}.", "I'm reaching out because {s}.",
    "We have an issue to report: {s}.", "Some of our users report that {s}.",
)  # fmt: skip
ANGRY_FRAMES = (
    "This is ridiculous, {s}!", "{s} AGAIN!!", "Seriously, {s}.", "{s}. Unacceptable.",
    "How is it possible that {s}?!", "I'm really frustrated: {s}.", "{s}!!!",
)  # fmt: skip
IMPACT_FRAMES = ("{s}.", "Because of this {s}.", "The result: {s}.", "{s}, which is a problem.",
                 "As a consequence {s}.", "Impact: {s}.")  # fmt: skip
GENERIC_IMPACTS = (
    "{n} people are blocked", "this is blocking our team", "we lose hours every week",
    "it makes the product hard to rely on", "my manager is asking me about it daily",
    "we are evaluating alternatives because of this",
)  # fmt: skip
ASKS = (
    "Any ETA?", "Please fix asap.", "Is this known?", "Can you look into it?",
    "Is there a workaround?", "Please advise.", "Thanks for checking.",
    "Could someone get back to me today?", "Is anyone else seeing this?",
    "Let me know if you need logs.", "Can you escalate this?", "Any update would help.",
)  # fmt: skip
ANGRY_ASKS = ("Fix it now.", "I expect a call back today.", "We pay a lot for this.",
              "Escalate this immediately.", "Third time I'm reporting this.")  # fmt: skip
POLITE_ASKS = (
    "Could you please look into this at your earliest convenience?",
    "We would appreciate an update on the expected resolution time.",
    "Please let us know if you need any further information.",
    "Thank you in advance for your help.",
)  # fmt: skip
SNIPPETS = {
    "api": (
        '$ curl -s -H "Authorization: Bearer $LUMEN_TOKEN" '
        "https://api.lumen.example/v3/events?limit=100\n"
        '{"error": "request_failed", "status": {code}}',
        "HTTP/1.1 {code}\nx-request-id: req_{n}a7f\nretry-after: 3600",
    ),
    "ingest": ("sync job failed: ConnectorError: upstream returned {code} after 3 attempts",),
    "mobile": (
        "Fatal Exception: NSInternalInconsistencyException\n  at AppDelegate.restore()"
        "\n  at LumenApp.main()",
    ),
    "default": (
        'Traceback (most recent call last):\n  File "export.py", line {n}, in run\n'
        "lumen.errors.ApiError: {code} Server Error",
        "console: Uncaught (in promise) Error: Request failed with status code {code}",
    ),
}
CODES = ("429", "502", "500", "401", "403", "504")
CUES = ("Also,", "Separately,", "Another thing:", "On a different note,", "\n\n", "2)", "And",
        "One more issue:", "Unrelated, but", "PS:")  # fmt: skip
GREETINGS = ("Hi team,", "Hello,", "Hi,", "Hi Lumen support,", "Dear Support,", "Hey there,",
             "Good morning,", "Hello team,", "", "")  # fmt: skip
SIGNOFFS = ("Thanks,", "Thank you,", "Best regards,", "Cheers,", "Regards,", "Kind regards,",
            "Thx", "Best,", "")  # fmt: skip
DISCLAIMER = (
    "This e-mail and any attachments are confidential and intended solely for the addressee."
    " If you have received it in error, please notify the sender and delete it."
)
QUESTION_TASKS = (
    "add a filter to a dashboard", "schedule a weekly report", "invite a new user",
    "change the workspace time zone", "connect a new data source", "export a chart as CSV",
    "create a custom role", "rotate an API token", "set up SSO", "change our billing email",
    "duplicate a dashboard", "set an alert threshold", "share a report with my team",
    "rename a metric", "delete an old connector", "see the audit log", "use the mobile app",
    "change the default date range", "add a calculated field", "pin a widget",
    "download last month's invoice", "join two tables", "reset my password",
)  # fmt: skip
QUESTION_FRAMES = (
    "How do I {t}?", "Quick question: how can I {t}?", "Is it possible to {t}?",
    "Where can I {t}?", "What's the best way to {t}?", "Can you tell me how to {t}?",
    "I'm new to Lumen, how do I {t}?", "Could you point me to docs on how to {t}?",
)  # fmt: skip
PRAISE_FEATURES = (
    "the new dashboard editor", "scheduled reports", "the mobile app", "the CSV importer",
    "your support team", "the API docs", "the new chart types", "SSO setup", "the audit log",
    "the latest release", "the onboarding", "the alerting", "drill-downs",
)  # fmt: skip
PRAISE_FRAMES = (
    "Just wanted to say {f} is great.", "Love {f}, thanks!", "Big thanks for {f}.",
    "{f} saved us hours this week.", "Great job on {f}!", "Really happy with {f}.",
    "Kudos to the team for {f}.", "{f} works really well for us, keep it up.",
)  # fmt: skip


def cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def fill(rng: random.Random, text: str, env: dict[str, str]) -> str:
    if "{" not in text:
        return text
    return (
        text.replace("{when}", rng.choice(WHEN))
        .replace("{n}", str(rng.choice((2, 3, 4, 5, 8, 10, 12, 15, 20, 30, 40, 50, 120))))
        .replace("{ver}", env.get("ver") or "the latest version")
        .replace("{browser}", env.get("browser") or "Chrome")
        .replace("{os}", env.get("os") or "Windows 11")
        .replace("{device}", env.get("device") or "my phone")
        .replace("{code}", rng.choice(CODES))
    )


def typos(rng: random.Random, text: str, rate: float = 0.03) -> str:
    """Swap or drop letters in ~``rate`` of the words (real people type fast)."""
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) > 3 and w.isalpha() and rng.random() < rate:
            j = rng.randrange(len(w) - 1)
            words[i] = (
                w[:j] + w[j + 1] + w[j] + w[j + 2 :] if rng.random() < 0.6 else (w[:j] + w[j + 1 :])
            )
    return " ".join(words)


def sloppy(text: str) -> str:
    """All lowercase, no punctuation."""
    return text.lower().replace(".", "").replace(",", "").replace("!", "").replace("?", "")


def non_native(rng: random.Random, text: str) -> str:
    text = text.replace(" doesn't ", " not ").replace(" don't ", " not ")
    text = text.replace("I can't", "I am not able to").replace(
        " the ", " " if rng.random() < 0.5 else " the "
    )
    text = text.replace(" is ", " is being ") if rng.random() < 0.3 else text
    return text + rng.choice((" Please kindly check.", " Kindly revert.", " Please to fix it.", ""))


def snippet(rng: random.Random, area: str, env: dict[str, str]) -> str:
    return fill(rng, rng.choice(SNIPPETS.get(area, SNIPPETS["default"])), env)


def compose_issue(rng: random.Random, issue: Issue, env: dict[str, str], register: str) -> str:
    """One issue block in the given register (terse|angry|polite|nonnative|dev|plain)."""
    r = rng.random
    sym = fill(rng, rng.choice(issue.symptoms), env)
    if register == "terse":
        parts = [cap(sym) + rng.choice((".", "", "!", " - any eta?", ". pls fix"))]
        if r() < 0.4:
            parts.append(cap(fill(rng, rng.choice(issue.contexts), env)) + ".")
        return " ".join(parts)
    if register == "polite":
        frame = rng.choice(POLITE_FRAMES)
    elif register == "angry":
        frame = rng.choice(ANGRY_FRAMES)
    else:
        frame = rng.choice(SYMPTOM_FRAMES)
    parts = [cap(frame.replace("{when}", rng.choice(WHEN)).replace("{s}", sym))]
    n_ctx = rng.choice((0, 1, 1, 2))
    pool = issue.contexts + AREA_CTX[issue.product_area]
    for ctx in rng.sample(pool, n_ctx):
        parts.append(cap(fill(rng, ctx, env)) + rng.choice((".", ".", ";", " -")))
    if r() < 0.55:
        imp = rng.choice(issue.impacts) if r() < 0.75 else rng.choice(GENERIC_IMPACTS)
        parts.append(cap(rng.choice(IMPACT_FRAMES).replace("{s}", fill(rng, imp, env))))
    if len(parts) > 2 and r() < 0.4:
        head, tail = parts[0], parts[1:]
        rng.shuffle(tail)
        parts = [head, *tail] if r() < 0.7 else [*tail, head]
    if register == "dev" or (issue.product_area == "api" and r() < 0.3):
        parts.append("\n" + snippet(rng, issue.product_area, env) + "\n")
    if r() < 0.6:
        asks = ANGRY_ASKS if register == "angry" else POLITE_ASKS if register == "polite" else ASKS
        parts.append(rng.choice(asks))
    text = " ".join(parts).replace(" \n", "\n").replace("\n ", "\n").strip()
    if text.endswith((" -", ";")):
        text = text.rstrip(" -;") + "."
    if register == "nonnative":
        text = non_native(rng, text)
    return text


def noise_text(rng: random.Random, kind: str) -> str:
    if kind == "question":
        t = rng.choice(QUESTION_FRAMES).replace("{t}", rng.choice(QUESTION_TASKS))
        extra = rng.choice(
            (
                "",
                "",
                " Thanks!",
                " I couldn't find it in the docs.",
                " Sorry if this is obvious.",
                " We're on the trial.",
            )
        )
        return t + extra
    t = cap(rng.choice(PRAISE_FRAMES).replace("{f}", rng.choice(PRAISE_FEATURES)))
    return t + rng.choice(("", "", " :)", " Great product.", " Our team loves it."))


def style(rng: random.Random, text: str, allow_typos: bool = True) -> str:
    """Random typos in ~25% of texts, sloppy lowercase in ~8%."""
    x = rng.random()
    if allow_typos and x < 0.25:
        text = typos(rng, text)
    elif x > 0.92:
        text = sloppy(text)
    return text
