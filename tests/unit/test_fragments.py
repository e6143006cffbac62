"""Fragment splitter and fingerprint: hand-written cases plus a ground-truth check on a
generated sample (only the test reads ground truth; the splitter never does)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from feedback_lakehouse.bronze.readers import read_csv, read_jsonl
from feedback_lakehouse.silver.extract import customer_text
from feedback_lakehouse.silver.fragments import (
    fingerprint,
    fragment_count_accuracy,
    split_fragments,
)
from feedback_lakehouse.synth.ground_truth import read_messages

_SOURCES = {
    "tickets": ("zendesk_tickets", read_jsonl, "id"),
    "chats": ("intercom_chats", read_jsonl, "id"),
    "reviews": ("app_reviews", read_csv, "review_id"),
    "surveys": ("surveys", read_csv, "response_id"),
    "calls": ("calls", read_jsonl, "call_id"),
}
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|bonjour|hallo|guten tag|hola|estimado|sehr geehrte|こんにちは)"
    r"\b[^\n.!?]{0,40}?(?:[,!:]\s*|\n|$)",
    re.IGNORECASE,
)
_SIGNOFF = re.compile(
    r"^\s*(?:thanks|thank you|thx|cheers|best|regards|best regards|kind regards|merci"
    r"|cordialement|viele grüße|beste grüße|mit freundlichen grüßen|saludos|un saludo|gracias"
    r"|atentamente|よろしくお願いします|よろしくお願いいたします|--|sent from my)\b[^\n]{0,25}$",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED = re.compile(r"^(?:>.*|On .+ wrote:)\s*$", re.MULTILINE)
_DISCLAIMER = re.compile(r"^This e-?mail.*$", re.MULTILINE | re.DOTALL)


def crude_clean(text: str) -> str:
    """Stand-in for the pipeline cleaner: greeting, sign-off onwards, quotes, disclaimer."""
    text = _DISCLAIMER.sub("", _QUOTED.sub("", text))
    m = _SIGNOFF.search(text)
    if m and m.start() > 0:
        text = text[: m.start()]
    return _GREETING.sub("", text, count=1).strip()


def load_sample(out: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(source, cleaned customer text, ground truth) for every readable, valid message."""
    truth = {(g["source"], g["source_record_id"]): g for g in read_messages(out)}
    rows = []
    for source, (adapter, reader, id_field) in _SOURCES.items():
        for path in sorted((out / source).glob("*")):
            for rec in reader(path, 1 << 20):
                if rec.error or rec.obj is None or id_field not in rec.obj:
                    continue
                g = truth.get((source, str(rec.obj[id_field])))
                if g is not None and not g.get("malformed"):
                    rows.append((source, crude_clean(customer_text(adapter, rec.obj)), g))
    return rows


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, dict[str, Any]]]:
    from feedback_lakehouse.synth.generator import generate

    out = tmp_path_factory.mktemp("frag_sample")
    generate(out, tickets=1500, seed=11)
    return load_sample(out)


def _texts(text: str) -> list[str]:
    return [f.text for f in split_fragments(text)]


def test_empty_and_blank() -> None:
    assert split_fragments("") == []
    assert split_fragments("  \n\n ") == []


def test_offsets_point_into_the_input() -> None:
    text = "Login fails with SSO.\n\nAlso, the invoice shows the wrong VAT number."
    frags = split_fragments(text)
    assert [f.cue for f in frags] == ["start", "also"]
    for f in frags:
        assert text[f.start : f.end] == f.text


def test_single_problem_with_impact_and_ask_paragraphs_is_one_fragment() -> None:
    text = (
        "Our dashboards take 40 seconds to load since the last release.\n\n"
        "This blocks the whole sales team every morning.\n\n"
        "Any ETA?"
    )
    assert len(split_fragments(text)) == 1


def test_single_problem_with_stack_trace_is_one_fragment() -> None:
    text = (
        "The export job fails every night.\n"
        "Traceback (most recent call last):\n"
        ' File "export.py", line 8, in run\n'
        "lumen.errors.ApiError: 502 Server Error\n"
        "Please advise."
    )
    assert len(split_fragments(text)) == 1


def test_multi_issue_english_cues() -> None:
    text = (
        "Sign-in via SAML errors out for everyone. We're on 2026.7.2. Any update? "
        "Separately, the invoice was paid two times. Another thing: charts are blank in Safari."
    )
    frags = split_fragments(text)
    assert [f.cue for f in frags] == ["start", "separately", "separately"]
    assert frags[1].text.startswith("Separately, the invoice")


def test_numbered_list() -> None:
    text = "1) The importer breaks non-ascii text.\n2) Page breaks split rows in half."
    frags = split_fragments(text)
    assert [f.cue for f in frags] == ["numbered_list", "numbered_list"]


def test_cue_followed_by_an_ask_stays_attached() -> None:
    assert len(split_fragments("Charts don't render in Safari. Also, any ETA?")) == 1


def test_paragraph_with_new_problem_splits() -> None:
    text = "Every chart is slow to load.\n\nThe invoice doesn't show our VAT ID."
    assert [f.cue for f in split_fragments(text)] == ["start", "paragraph"]


def test_review_title_belongs_to_body() -> None:
    assert len(split_fragments("Broken\nOur SAML login is broken. Please fix it.")) == 1


def test_french_and_japanese() -> None:
    fr = "L'export PDF coupe les tableaux larges. Autre chose : la facture a été payée deux fois."
    assert len(split_fragments(fr)) == 2
    ja = "二段階認証を突破できません。別件ですが、請求書が二重に発行されています。"
    assert len(split_fragments(ja)) == 2
    assert len(split_fragments("二段階認証を突破できません。既知の問題でしょうか。")) == 1


def test_noise_is_one_fragment() -> None:
    assert len(split_fragments("Love the new dashboard editor, thanks! Great product.")) == 1
    assert len(split_fragments("How do I add a filter to a dashboard?")) == 1


def test_two_megabyte_text() -> None:
    text = ("Charts are blank in Safari. We tried clearing the cache.\n" * 40_000)[:2_000_000]
    frags = split_fragments(text)
    assert [f.text for f in frags] == [text[f.start : f.end] for f in frags]
    assert frags[0].start == 0 and frags[0].cue == "start"


def test_fingerprint_normalises_and_is_stable() -> None:
    a = fingerprint("Login  FAILS for [EMAIL]!")
    assert a == fingerprint("login fails, for [EMAIL]")
    assert a != fingerprint("login fails for")
    assert a == hashlib.sha1(b"login fails for email").hexdigest()


def test_fragment_count_accuracy_helper() -> None:
    acc = fragment_count_accuracy([(1, 0), (1, 1), (2, 1), (2, 2), (1, 3)])
    assert acc["single_n"] == 3 and acc["single_accuracy"] == pytest.approx(2 / 3)
    assert acc["multi_n"] == 2 and acc["multi_accuracy"] == 0.5


def test_ground_truth_fragment_counts(sample: list[tuple[str, str, dict[str, Any]]]) -> None:
    pairs = [(len(split_fragments(text)), len(g["fragments"])) for _, text, g in sample]
    acc = fragment_count_accuracy(pairs)
    assert acc["multi_n"] > 100
    assert acc["multi_accuracy"] >= 0.85, acc
    assert acc["single_accuracy"] >= 0.95, acc


def test_bullets_and_the_content_a_colon_announces_stay_with_their_problem() -> None:
    text = (
        "The CSV import reads our dates as month first.\n"
        "- Result: 14/02 and later become empty cells\n"
        "- Result: 03/02 turns into 2 March\n\n"
        "Error shown in the upload preview:\n\n"
        "Invalid date value, the column could not be parsed."
    )
    assert len(split_fragments(text)) == 1


def _cues(text: str, language: str = "en") -> list[str]:
    return [f.cue for f in split_fragments(text, language)]


def test_a_paragraph_that_goes_on_about_the_same_problem_stays_with_it() -> None:
    text = (
        "The nightly warehouse sync stopped loading the orders table on Monday.\n\n"
        "Sync logs show the orders table timing out after ten minutes, the other tables load."
    )
    assert _cues(text) == ["start"]
    other = (
        "The nightly warehouse sync stopped loading the orders table on Monday.\n\n"
        "Our invoice lists forty editor seats but we only bought twelve, please fix billing."
    )
    assert _cues(other) == ["start", "paragraph"]


def test_numbered_steps_under_a_label_are_one_problem() -> None:
    text = (
        "The date range filter is ignored on the revenue dashboard.\n"
        "Steps to reproduce:\n1. Open the revenue dashboard\n2. Pick a custom range\n"
        "3. The chart still shows every month"
    )
    assert _cues(text) == ["start"]


def test_items_of_a_list_announced_as_several_things_are_topics() -> None:
    bullets = (
        "Two things from our finance team:\n- The PDF invoice has no purchase order field.\n"
        "- The Excel export turns account codes into dates."
    )
    assert _cues(bullets) == ["start", "list_item"]
    numbered = (
        "We found two problems:\n\n1. The PDF invoice has no purchase order field.\n\n"
        "2. The Excel export turns account codes into dates."
    )
    assert len(split_fragments(numbered, "en")) == 2
    plain = "These schedules fail:\n- Daily sales\n- Weekly churn\n- Monthly revenue"
    assert _cues(plain) == ["start"]  # a list of what is affected is one problem


def test_an_item_number_opens_its_sentence_and_ordinal_cues_split() -> None:
    frags = split_fragments(
        "The mobile app logs us out every hour. 2. The invoices lack our VAT number.", "en"
    )
    assert [f.text for f in frags] == [
        "The mobile app logs us out every hour.",
        "2. The invoices lack our VAT number.",
    ]
    assert _cues("Alerts fire twice for every event.\n\nSecond thing - exports to Excel "
                 "drop leading zeros.") == ["start", "separately"]  # fmt: skip
    assert _cues("Il report PDF arriva vuoto.\n\nLa seconda riguarda le fatture: manca la "
                 "partita IVA.", "it") == ["start", "separately"]  # fmt: skip
