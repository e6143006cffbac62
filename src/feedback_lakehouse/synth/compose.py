"""Builds one message: which issues, which account and language, its envelope (versions,
browser, platform following the planted segment), its text blocks and planted PII."""

from __future__ import annotations

import random
from collections import deque

from feedback_lakehouse.synth import i18n, people, phrasing, sources
from feedback_lakehouse.synth.issues import TRANSLATED, Issue
from feedback_lakehouse.synth.message import Message, plant_pii
from feedback_lakehouse.synth.population import Accounts, Mix
from feedback_lakehouse.synth.reference import Reference, version_at

REGISTERS = ("plain", "plain", "plain", "terse", "terse", "polite", "polite", "angry",
             "nonnative", "dev")  # fmt: skip
SHORT_REGISTERS = ("terse", "terse", "plain", "angry", "nonnative")
REVIEW_AREAS = ("mobile", "auth", "dashboard", "reporting")
NEAR_LEADS = ("Resending this as I got no reply:", "Following up on my earlier message -",
              "Sorry, sending again:", "Any update? Original message below.",
              "Still waiting on this one.")  # fmt: skip
PLAIN_SIGS = ("", "", "Sent from my iPhone", "-- \nThe Analytics Team", "Ops team")
PII_P = {"tickets": 0.55, "chats": 0.3, "reviews": 0.1, "surveys": 0.2, "calls": 0.3}
TRANSLATED_SET = frozenset(TRANSLATED)
LANGS = ("fr", "de", "es", "ja")
CHANNEL = ("email", "email", "web", "web", "api", "mobile")


class Composer:
    def __init__(
        self, rng: random.Random, mix: Mix, accounts: Accounts, ref: Reference, n_acc: int
    ) -> None:
        self.rng, self.mix, self.accounts, self.n_acc = rng, mix, accounts, n_acc
        self.web = ref.versions("web")
        self.mobile = {"ios": ref.versions("ios"), "android": ref.versions("android")}
        self.reservoir: deque[Message] = deque(maxlen=4000)

    # -- envelope ---------------------------------------------------------------------
    def envelope(self, msg: Message, issue: Issue | None) -> dict[str, str]:
        rng, ts = self.rng, msg.ts
        seg = issue.segment if issue is not None else {}
        mobile = msg.source == "reviews" or (issue is not None and issue.product_area == "mobile")
        env: dict[str, str] = {"region": msg.acc.region if msg.acc else ""}
        if mobile:
            plat = seg.get("platform") or ("ios" if rng.random() < 0.55 else "android")
            times, vers = self.mobile[plat]
            ver = version_at(times, vers, ts)
            if "product_version" in seg and rng.random() < 0.9:
                ver = seg["product_version"]
            env["platform"], env["ver"] = plat, ver
            if plat == "ios":
                env["os"] = rng.choice(("iOS 18", "iOS 18", "iOS 17"))
                env["device"] = rng.choice(("iPhone 15", "iPhone 14", "iPhone 15 Pro", "iPad Air"))
            else:
                env["os"] = rng.choice(("Android 15", "Android 14"))
                env["device"] = rng.choice(("Pixel 8", "Galaxy S24", "Pixel 7a", "Galaxy A54"))
            env["channel"] = "mobile"
        else:
            times, vers = self.web
            ver = version_at(times, vers, ts if rng.random() < 0.9 else ts - 7 * 86400)
            if "product_version" in seg and rng.random() < 0.9:
                ver = seg["product_version"]
            x = rng.random() if seg.get("browser") is None else 0.999
            acc = 0.0
            for name, share, versions in sources.BROWSERS:
                acc += share
                if x < acc or name == "Safari":
                    env["browser"] = f"{name} {rng.choice(versions)}"
                    break
            if env["browser"].startswith("Safari"):
                env["os"] = rng.choice(("macOS 14", "macOS 15"))
            else:
                env["os"] = rng.choice(sources.BROWSER_OS)
            env["ver"], env["device"] = ver, "desktop"
            env["channel"] = rng.choice(CHANNEL)
        return env

    # -- content ----------------------------------------------------------------------
    def block(self, issue: Issue, msg: Message, register: str) -> str:
        if msg.lang != "en":
            text = i18n.compose_issue_i18n(self.rng, issue.issue_id, msg.lang, msg.env)
        else:
            text = phrasing.style(
                self.rng, phrasing.compose_issue(self.rng, issue, msg.env, register)
            )
        if msg.source == "calls":
            text = sources.spoken(self.rng, text, msg.lang)
        return text

    def fresh(self, source: str, rid: str, ts: int, b: int) -> Message:
        rng = self.rng
        x = rng.random()
        noise = "question" if x < 0.08 else "praise" if x < 0.13 else None
        issues: list[Issue] = []
        if noise is None:
            issues.append(self.mix.draw(rng, b))
            if source == "reviews":
                for _ in range(3):
                    if issues[0].product_area in REVIEW_AREAS:
                        break
                    issues[0] = self.mix.draw(rng, b)
            if rng.random() < 0.138:
                for _ in range(2 if rng.random() < 0.12 else 1):
                    for _ in range(6):
                        other = self.mix.draw(rng, b)
                        if other not in issues:
                            issues.append(other)
                            break
        seg = issues[0].segment if issues else {}
        acc, account_id = None, None
        if source != "reviews":
            acc = self.accounts.pick(rng, seg)
            account_id = acc.account_id
            if source == "tickets" and rng.random() < 0.02:
                account_id = f"ACC-9{rng.randrange(10000):04d}"  # not in accounts.csv
            lang = acc.language if rng.random() < 0.7 else "en"
        else:
            lang = "en" if rng.random() < 0.88 else rng.choice(LANGS)
        if lang != "en" and any(i.issue_id not in TRANSLATED_SET for i in issues):
            for _ in range(4):
                issues = [self.mix.draw(rng, b) for _ in issues]
                if len({i.issue_id for i in issues}) == len(issues) and all(
                    i.issue_id in TRANSLATED_SET for i in issues
                ):
                    break
            else:
                lang = "en"
        msg = Message(source, rid, ts, acc, account_id, lang, issues, [], [], noise)
        msg.env = self.envelope(msg, issues[0] if issues else None)
        msg.name = people.person(rng, lang)
        msg.env["email"] = people.email_for(rng, msg.name)
        if noise is not None:
            text = (phrasing.noise_text(rng, noise) if lang == "en"
                    else i18n.noise_i18n(rng, noise, lang))  # fmt: skip
            msg.blocks = [sources.spoken(rng, text, lang) if source == "calls" else text]
        else:
            short = source in ("chats", "reviews", "surveys")
            register = rng.choice(SHORT_REGISTERS if short else REGISTERS)
            if issues[0].product_area == "api" and rng.random() < 0.3 and not short:
                register = "dev"
            for k, issue in enumerate(issues):
                msg.blocks.append(self.block(issue, msg, register))
                if k:
                    cues = phrasing.CUES if lang == "en" else i18n.CUES[lang]
                    msg.cues.append(rng.choice(cues))
        self.wrap(msg)
        if rng.random() < PII_P[source]:
            plant_pii(rng, msg, signature=source == "tickets" and rng.random() < 0.8,
                      allow_split=source in ("tickets", "reviews", "surveys"))  # fmt: skip
        return msg

    def wrap(self, msg: Message) -> None:
        """Greeting, sign-off and a PII-free signature for the message's source."""
        rng, lang, src = self.rng, msg.lang, msg.source
        msg.greeting = msg.signoff = msg.signature = ""
        if src == "tickets":
            msg.greeting = rng.choice(phrasing.GREETINGS if lang == "en" else i18n.GREETINGS[lang])
            msg.signoff = rng.choice(phrasing.SIGNOFFS if lang == "en" else i18n.SIGNOFFS[lang])
            msg.signature = rng.choice(PLAIN_SIGS)
        elif src == "chats" and rng.random() < 0.5:
            msg.greeting = (
                rng.choice(("hi", "hello", "hey", "Hi there"))
                if lang == "en"
                else (rng.choice(i18n.GREETINGS[lang]))
            )

    # -- duplicates ---------------------------------------------------------------------
    def remember(self, msg: Message) -> None:
        res = self.reservoir
        res.append(msg)
        while res and res[0].ts < msg.ts - 36 * 3600:
            res.popleft()

    def duplicate(self, source: str, rid: str, ts: int) -> Message | None:
        rng, res = self.rng, self.reservoir
        if not res:
            return None
        x = rng.random()
        kind = "exact" if x < 0.45 else "near" if x < 0.8 else "cross_channel"
        for _ in range(4):
            orig = res[rng.randrange(len(res))]
            if orig.ts > ts - 60 or orig.dup_of is not None:
                continue
            if kind == "cross_channel":
                ok = (
                    orig.source != source
                    and source in ("tickets", "chats")
                    and orig.source in ("tickets", "chats")
                    and orig.account_id is not None
                )
            else:
                ok = orig.source == source
            if ok:
                break
        else:
            return None
        msg = Message(
            source,
            rid,
            ts,
            orig.acc,
            orig.account_id,
            orig.lang,
            list(orig.issues),
            list(orig.blocks),
            list(orig.cues),
            orig.noise,
            orig.greeting,
            orig.signoff,
            orig.signature,
            list(orig.pii_lines),
            list(orig.pii),
            "",
            orig.name,
            dict(orig.env),
            f"{orig.source}:{orig.rid}",
            kind,
        )
        if kind == "near":
            y = rng.random()
            if y < 0.5 or msg.lang != "en" or source == "calls":
                msg.lead = rng.choice(NEAR_LEADS)
            if y >= 0.35 and msg.lang == "en" and source != "calls":
                msg.blocks[0] = phrasing.typos(rng, msg.blocks[0], 0.08) + " Any update?"
        elif kind == "cross_channel":
            sig, pii_lines = msg.signature, msg.pii_lines
            self.wrap(msg)
            if source == "tickets" and sig and "\n" in sig:
                msg.signature = sig
            elif sig and "\n" in sig:  # signature PII does not travel into a chat
                msg.pii = [p for p in msg.pii if any(p[1] in line for line in pii_lines)]
        return msg
