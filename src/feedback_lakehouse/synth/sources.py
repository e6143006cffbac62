"""Per-source record writers: the same message rendered as a Zendesk-like ticket, an
Intercom-like chat, an app-store review, a survey response or a call transcript."""

from __future__ import annotations

import html
import random
from typing import Any

from feedback_lakehouse.synth import i18n
from feedback_lakehouse.synth.clock import iso_offset, iso_z, mail_date, space_utc
from feedback_lakehouse.synth.message import Message

AGENTS = ("Marta", "Jonas", "Priya", "Luis", "Aiko", "Ben", "Chloé", "Sam")
AGENT_REPLIES = (
    "Thanks for reaching out. I'm sorry about the trouble - I've passed this to our"
    " engineering team and will update you as soon as I hear back.",
    "Thank you for the report. Could you send us a screenshot and the time it last happened?",
    "We are aware of this and a fix is being rolled out. Thanks for your patience.",
    "I tried to reproduce this on our side. Could you confirm which workspace is affected?",
    "Thanks - this has been fixed on our side. Could you check again and let us know?",
)  # fmt: skip
FOLLOW_UPS = ("Any update on this?", "Still happening for us, unfortunately.",
              "Thanks, that worked!", "Here is the screenshot you asked for.",
              "We still see it this morning.", "Ok, thanks for the quick answer.")  # fmt: skip
CHATTER = ("hello?", "anyone there?", "thx", "ok", "one sec", "yes that's right",
           "thanks!", "sure", "it's the same for my colleague")  # fmt: skip
OFFSETS = (60, 120, -300, -420, 330, 540, 600, -240)
BROWSER_OS = ("Windows 11", "macOS 14", "macOS 15", "Ubuntu 24.04")


def customer_body(msg: Message) -> str:
    """Greeting, resubmission lead, issue text, PII lines, sign-off and signature."""
    parts = []
    if msg.greeting:
        parts.append(msg.greeting)
    if msg.lead:
        parts.append(msg.lead)
    parts.append(msg.core())
    if msg.pii_lines:
        parts.append(" ".join(msg.pii_lines))
    tail = "\n".join(x for x in (msg.signoff, msg.signature) if x)
    if tail:
        parts.append(tail)
    return "\n\n".join(parts)


def _cut(text: str, size: int = 60) -> str:
    line = text.split("\n")[0]
    return line if len(line) <= size else line[:size].rsplit(" ", 1)[0] + "..."


def _gaps(rng: random.Random, start: int, end: int, n: int) -> list[int]:
    out, t = [], start
    for _ in range(n):
        t = min(end - 1, t + rng.randrange(300, 20 * 3600))
        out.append(max(t, start))
    return out


def ticket(rng: random.Random, msg: Message, rid: int, end: int, body: str) -> dict[str, Any]:
    ts = msg.ts
    n_extra = rng.choice((1, 1, 2, 2, 3, 4))
    times = _gaps(rng, ts, end, n_extra + 1)
    agent = rng.choice(AGENTS)
    agent_id = 90000 + AGENTS.index(agent)
    req_id = 300000 + rng.randrange(10**6)
    comments = [
        {
            "id": rid * 10,
            "author_role": "end-user",
            "author_id": req_id,
            "created_at": iso_z(ts),
            "public": True,
            "body": body,
        }
    ]
    prev = body
    for k in range(n_extra):
        if k % 2 == 0:
            text = f"Hi,\n\n{rng.choice(AGENT_REPLIES)}\n\nBest, {agent}\nLumen Support"
            comments.append(
                {
                    "id": rid * 10 + k + 1,
                    "author_role": "agent",
                    "author_id": agent_id,
                    "created_at": iso_z(times[k]),
                    "public": rng.random() < 0.9,
                    "body": text,
                }
            )
        else:
            quoted = "\n".join("> " + line for line in prev.split("\n")[:6])
            text = (
                f"{rng.choice(FOLLOW_UPS)}\n\nOn {mail_date(times[k - 1])}, Lumen Support"
                f" <support@lumen.example> wrote:\n{quoted}"
            )
            comments.append(
                {
                    "id": rid * 10 + k + 1,
                    "author_role": "end-user",
                    "author_id": req_id,
                    "created_at": iso_z(times[k]),
                    "public": True,
                    "body": text,
                }
            )
        prev = text
    status = rng.choice(("new", "open", "open", "pending", "solved", "solved", "closed"))
    solved = iso_z(times[-1]) if status in ("solved", "closed") else None
    env = msg.env
    issue = msg.issues[0] if msg.issues else None
    if issue is not None:
        subject = rng.choice(
            (
                issue.title,
                _cut(msg.blocks[0]),
                f"Problem with {issue.product_area}",
                f"{issue.title} - urgent",
            )
        )
    else:
        subject = rng.choice(("Question", "Quick question", "Feedback", "Thanks!", "Hello"))
    created = iso_offset(ts, rng.choice(OFFSETS)) if rng.random() < 0.15 else iso_z(ts)
    sev = issue.severity if issue else "low"
    prio = {"critical": "urgent", "high": "high", "medium": "normal", "low": "low"}[sev]
    tags = [t.product_area for t in msg.issues] + ([msg.noise] if msg.noise else [])
    return {
        "id": rid,
        "url": f"https://lumenary.zendesk.example/api/v2/tickets/{rid}.json",
        "created_at": created,
        "updated_at": iso_z(times[-1]),
        "solved_at": solved,
        "subject": subject,
        "status": status,
        "priority": prio if rng.random() < 0.85 else None,
        "type": "question" if msg.noise else rng.choice(("problem", "incident", "task")),
        "via": {"channel": env.get("channel", "email")},
        "requester": {"id": req_id, "name": msg.name, "email": env.get("email", "")},
        "organization_id": msg.account_id,
        "tags": tags,
        "custom_fields": {
            "product_version": env.get("ver"), "browser": env.get("browser"),
            "os": env.get("os"), "device": env.get("device"), "region": env.get("region"),
        },
        "comments": comments,
    }  # fmt: skip


def to_html(text: str) -> str:
    paras = [p for p in text.split("\n\n") if p.strip()] or [""]
    return "".join(
        "<p>" + html.escape(p, quote=False).replace("\n", "<br>") + "</p>" for p in paras
    )


def chat(rng: random.Random, msg: Message, rid: str, end: int) -> dict[str, Any]:
    ts = msg.ts
    first = (msg.greeting + " " if msg.greeting else "") + (msg.lead + " " if msg.lead else "")
    first += msg.blocks[0] if msg.blocks else ""
    user_turns = []
    for cue, block in zip(msg.cues, msg.blocks[1:], strict=False):
        user_turns.append(block if cue == "\n\n" else f"{cue} {block}")
    if msg.pii_lines:
        user_turns.append(" ".join(msg.pii_lines))
    if rng.random() < 0.6:
        user_turns.insert(rng.randrange(len(user_turns) + 1), rng.choice(CHATTER))
    times = _gaps(rng, ts, end, 2 * len(user_turns) + 2)
    admin = rng.choice(AGENTS)
    admin_id = str(5_000_000 + AGENTS.index(admin))
    user_id = f"6543{rng.randrange(10**8):08d}"
    parts: list[dict[str, Any]] = [
        {"type": "conversation_part", "id": f"{rid}01", "part_type": "assignment",
         "body": None, "created_at": times[0],
         "author": {"type": "bot", "id": "1", "name": "Operator"}},
    ]  # fmt: skip
    k = 1
    for turn in user_turns:
        parts.append(
            {
                "type": "conversation_part",
                "id": f"{rid}{k + 1:02d}",
                "part_type": "comment",
                "body": to_html(rng.choice(AGENT_REPLIES)),
                "created_at": times[k],
                "author": {"type": "admin", "id": admin_id, "name": admin},
            }
        )
        parts.append(
            {
                "type": "conversation_part",
                "id": f"{rid}{k + 2:02d}",
                "part_type": "comment",
                "body": to_html(turn),
                "created_at": times[k + 1],
                "author": {"type": "user", "id": user_id, "name": msg.name},
            }
        )
        k += 2
    state = rng.choice(("open", "closed", "closed", "snoozed"))
    closed = times[-1] if state == "closed" else None
    if closed is not None:
        parts.append(
            {
                "type": "conversation_part",
                "id": f"{rid}{k + 1:02d}",
                "part_type": "close",
                "body": None,
                "created_at": closed,
                "author": {"type": "admin", "id": admin_id, "name": admin},
            }
        )
    env = msg.env
    return {
        "type": "conversation", "id": rid, "created_at": ts, "updated_at": times[-1],
        "state": state,
        "source": {"type": "conversation", "delivered_as": "customer_initiated",
                   "body": to_html(first),
                   "author": {"type": "user", "id": user_id, "name": msg.name,
                              "email": env.get("email", "")}},
        "custom_attributes": {"account_id": msg.account_id, "app_version": env.get("ver"),
                              "browser": env.get("browser"), "os": env.get("os"),
                              "plan": msg.acc.plan if msg.acc else "Starter"},
        "conversation_parts": {"type": "conversation_part.list", "conversation_parts": parts,
                               "total_count": len(parts)},
        "statistics": {"first_admin_reply_at": times[1] if len(parts) > 1 else None,
                       "last_close_at": closed},
    }  # fmt: skip


REVIEW_HEADER = ["review_id", "store", "submitted_at", "rating", "title", "body", "app_version",
                 "device", "os", "locale", "reviewer"]  # fmt: skip
SURVEY_HEADER = ["response_id", "survey", "submitted_at", "score", "comment", "account_id",
                 "respondent_email", "locale"]  # fmt: skip
LOCALES = {"en": "en_US", "fr": "fr_FR", "de": "de_DE", "es": "es_ES", "ja": "ja_JP"}
NICKS = ("dataguy", "analyst_k", "sunny", "mgr2026", "jt", "travelling_sales", "numbers",
         "opsqueen", "bi_nerd", "coffee")  # fmt: skip


def review(rng: random.Random, msg: Message, rid: str) -> list[str]:
    env = msg.env
    rating = 5 if msg.noise == "praise" else rng.choice((1, 1, 2, 2, 3)) if msg.issues else 4
    body = msg.core() + ("\n" + " ".join(msg.pii_lines) if msg.pii_lines else "")
    title = (
        msg.issues[0].title
        if msg.issues and rng.random() < 0.5
        else rng.choice(
            ("Frustrating", "Needs work", "Great app", "Used to be good", "", "Broken", "Meh")
        )
    )
    store = "app_store" if env.get("platform") == "ios" else "google_play"
    return [
        rid,
        store,
        iso_z(msg.ts),
        str(rating),
        title,
        body,
        env.get("ver") or "",
        env.get("device") or "",
        env.get("os") or "",
        LOCALES[msg.lang],
        rng.choice(NICKS) + str(rng.randrange(100)),
    ]


def survey(rng: random.Random, msg: Message, rid: str) -> list[str]:
    nps = rng.random() < 0.6
    good = msg.noise == "praise"
    score = (
        (rng.randint(9, 10) if good else rng.randint(0, 6))
        if nps
        else (5 if good else rng.randint(1, 3))
    )
    comment = msg.core() + (" " + " ".join(msg.pii_lines) if msg.pii_lines else "")
    return [
        rid,
        "nps" if nps else "csat",
        space_utc(msg.ts),
        str(score),
        comment,
        msg.account_id or "",
        msg.env.get("email", ""),
        LOCALES[msg.lang],
    ]


SPOKEN_EN = ("um, ", "yeah so ", "so basically ", "uh, ", "okay so ", "right, so ")


def spoken(rng: random.Random, text: str, lang: str) -> str:
    """Turn written text into a spoken-style customer turn."""
    text = text.replace("\n", " ")
    if lang == "en":
        words = text.split(" ")
        if len(words) > 6 and rng.random() < 0.5:
            i = rng.randrange(1, len(words) - 3)
            words.insert(i, words[i - 1] + ",")  # a repetition
        if len(words) > 8 and rng.random() < 0.5:
            words.insert(rng.randrange(2, len(words) - 2), rng.choice(("uh,", "like,", "um,")))
        return rng.choice(SPOKEN_EN) + " ".join(words)
    return rng.choice(i18n.SPOKEN[lang]) + text


def call(rng: random.Random, msg: Message, rid: str) -> dict[str, Any]:
    agent = f"AG-{rng.randrange(1, 40)}"
    turns: list[dict[str, Any]] = []
    t = 0.0

    def add(speaker: str, text: str) -> None:
        nonlocal t
        turns.append({"speaker": speaker, "start_s": round(t, 1), "text": text})
        t += 2.0 + len(text) / 14.0 + rng.random() * 3

    add("agent", "Thank you for calling Lumen support, how can I help?")
    if rng.random() < 0.5:
        add("customer", rng.choice(("hi, yes", "hello, hi", "yeah hi")))
    for i, block in enumerate(msg.blocks):
        cue = msg.cues[i - 1] if i else ""
        add("customer", block if not cue or cue == "\n\n" else f"{cue} {block}")
        add(
            "agent",
            rng.choice(
                (
                    "Okay, I see.",
                    "Got it, let me check that.",
                    "Can you tell me when it started?",
                    "Understood.",
                )
            ),
        )
        if i == 0 and rng.random() < 0.5:
            add("customer", rng.choice(("yeah", "mhm, since last week i think", "right")))
    if msg.pii_lines:
        add("customer", " ".join(msg.pii_lines))
    add("agent", "I've logged this for our team, you'll get an e-mail with the case number.")
    add("customer", rng.choice(("okay thanks", "great, thank you", "thanks, bye")))
    return {"call_id": rid, "started_at": iso_z(msg.ts), "duration_s": int(t) + 5,
            "account_id": msg.account_id, "agent_id": agent, "language": msg.lang,
            "turns": turns}  # fmt: skip


BROWSERS = (
    ("Chrome", 0.5, ("128", "129", "130")),
    ("Edge", 0.15, ("128", "129")),
    ("Firefox", 0.12, ("130", "131")),
    ("Safari", 0.23, ("17.6", "18.0", "18.1")),
)
