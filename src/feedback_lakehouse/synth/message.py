"""The in-flight message: what the customer said (parts) and what ground truth records."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from feedback_lakehouse.synth import people
from feedback_lakehouse.synth.issues import Issue
from feedback_lakehouse.synth.reference import Account

PII_TEMPLATES = {
    "EMAIL": ("You can reach me at {v}.", "Please reply to {v} instead.",
              "Please cc my colleague at {v}.", "My email for updates: {v}"),
    "PHONE": ("Call me on {v} if that's easier.", "My direct line is {v}.",
              "Mobile: {v}"),
    "NAME": ("My colleague {v} saw the same thing.", "{v} from our finance team reported it"
             " first.", "Please loop in {v}, who owns our workspace."),
    "ORDER_ID": ("This is about {v}.", "Reference: {v}.", "See {v} for details."),
    "CARD": ("We paid with card {v}.", "The charge went to card {v}.",
             "Card used: {v}"),
    "IP": ("Our office IP is {v} if that helps.", "Requests come from {v}.",
           "The client IP in our logs is {v}."),
    "ADDRESS": ("Our billing address is {v}.", "Please send the corrected invoice to {v}.",
                "We're located at {v}."),
}  # fmt: skip
AREA_PII = {
    "billing": ("CARD", "ORDER_ID", "ADDRESS", "EMAIL", "CARD", "ORDER_ID"),
    "api": ("IP", "IP", "EMAIL", "NAME"),
    "ingest": ("IP", "EMAIL", "NAME"),
}
DEFAULT_PII = ("EMAIL", "PHONE", "NAME", "NAME", "IP", "ORDER_ID", "ADDRESS")


@dataclass(slots=True)
class Message:
    source: str
    rid: str
    ts: int
    acc: Account | None
    account_id: str | None
    lang: str
    issues: list[Issue]
    blocks: list[str]
    cues: list[str]
    noise: str | None = None
    greeting: str = ""
    signoff: str = ""
    signature: str = ""
    pii_lines: list[str] = field(default_factory=list)
    pii: list[tuple[str, str]] = field(default_factory=list)
    lead: str = ""  # resubmission line of a near duplicate
    name: str = ""
    env: dict[str, str] = field(default_factory=dict)
    dup_of: str | None = None
    dup_kind: str | None = None
    malformed: str | None = None

    def core(self) -> str:
        """Issue blocks joined with their topic-shift cues."""
        out = self.blocks[0] if self.blocks else ""
        if self.cues and self.cues[0] == "2)":
            out = "1) " + out
        for cue, block in zip(self.cues, self.blocks[1:], strict=False):
            if cue == "\n\n":
                out += "\n\n" + block
            else:
                out += ("\n" if cue == "2)" else " ") + cue + " " + block
        return out


def pii_value(rng: random.Random, kind: str, lang: str, split: bool = False) -> str:
    if kind == "EMAIL":
        return people.email_for(rng, people.person(rng, lang))
    if kind == "PHONE":
        return people.phone(rng, split)
    if kind == "NAME":
        return people.person(rng, lang)
    if kind == "ORDER_ID":
        return people.order_id(rng)
    if kind == "CARD":
        return people.card(rng)
    if kind == "IP":
        return people.ip(rng)
    value = people.address(rng)
    return value.replace(", ", ",\n", 1) if split else value


def plant_pii(rng: random.Random, msg: Message, signature: bool, allow_split: bool) -> None:
    """Signature (name, title, company, phone, e-mail) and/or inline PII sentences."""
    area = msg.issues[0].product_area if msg.issues else ""
    if signature:
        name = msg.name or people.person(rng, msg.lang)
        msg.name = name
        lines = [name]
        msg.pii.append(("NAME", name))
        if rng.random() < 0.7:
            lines.append(f"{rng.choice(people.TITLES)} | {people.company(rng)}")
        if rng.random() < 0.7:
            split = allow_split and rng.random() < 0.02
            ph = people.phone(rng, split)
            lines.append(rng.choice(("Tel: ", "Phone: ", "M: ", "")) + ph)
            msg.pii.append(("PHONE", ph))
        if rng.random() < 0.5:
            em = people.email_for(rng, name)
            lines.append(em)
            msg.pii.append(("EMAIL", em))
        if rng.random() < 0.15:
            lines.append("")
            lines.append(rng.choice(("", "CONFIDENTIALITY NOTICE: ")) + DISCLAIMER)
        msg.signature = "\n".join(lines)
    if not signature or rng.random() < 0.35:
        for _ in range(1 if rng.random() < 0.8 else 2):
            kind = rng.choice(AREA_PII.get(area, DEFAULT_PII))
            split = allow_split and kind in ("PHONE", "ADDRESS") and rng.random() < 0.03
            value = pii_value(rng, kind, msg.lang, split)
            msg.pii.append((kind, value))
            msg.pii_lines.append(rng.choice(PII_TEMPLATES[kind]).replace("{v}", value))


DISCLAIMER = (
    "This e-mail and any attachments are confidential and intended solely for the addressee."
    " If you have received it in error, please notify the sender and delete it."
)
