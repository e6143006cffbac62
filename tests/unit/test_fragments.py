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


def test_lettered_items_and_an_also_with_a_dash_split() -> None:
    lettered = (
        "Three things from the warehouse team:\n\n(a) The stock report shows yesterday's "
        "numbers until noon.\n\n(b) Barcode scans on the tablet app fail for pallet labels."
    )
    assert _cues(lettered) == ["start", "numbered_list"]
    dashed = (
        "Our forecast chart draws the wrong axis since Tuesday.\n\n"
        "Also - the seat count on the invoice is wrong."
    )
    assert _cues(dashed) == ["start", "also"]


def test_an_announcement_or_context_before_the_first_item_opens_it() -> None:
    announced = (
        "We have two issues to report this week.\n\n"
        "First, nobody can open the quarterly planning board, it errors out.\n\n"
        "Second, the CSV export puts every value in one column."
    )
    assert _cues(announced) == ["start", "numbered_list"]
    context = (
        "Background: our ops team reviews the fleet board every shift.\n\n"
        "Issue 1: the map tiles fail to load on the big screen.\n\n"
        "Issue 2: invoices show the wrong billing contact."
    )
    frags = split_fragments(context, "en")
    assert [f.cue for f in frags] == ["start", "numbered_list"]
    assert frags[0].text.startswith("Background:")


def test_items_of_an_announced_list_may_stand_in_paragraphs_of_their_own() -> None:
    text = (
        "A couple of problems from our clinic:\n\n"
        "- The appointment dashboard never refreshes after 5pm.\n\n"
        "- Exported PDFs cut off the patient column."
    )
    assert _cues(text) == ["start", "list_item"]


def test_problem_words_inside_addresses_counts_and_longer_words_do_not_count() -> None:
    base = "The Excel export drops leading zeros in account codes.\n\n"
    for tail in (
        "Our callback is https://hooks.example.no/in, behind a proxy.",
        "We store 500 workbooks on the shared drive.",
        "The bookkeeper changed our page layout in June.",
    ):
        assert _cues(base + tail) == ["start"], tail


def test_an_additive_follow_up_question_is_no_new_topic() -> None:
    text = "The CSV importer rejects files over 10 MB. And why doesn't the message say which row?"
    assert _cues(text) == ["start"]
    assert _cues("The importer rejects big files. And the invoice is wrong.") == [
        "start",
        "topic_shift",
    ]


def test_japanese_mata_is_a_weak_cue() -> None:
    assert _cues("請求書のPDFがエラーになります。また、表示言語を日本語に変えたいです。", "ja") == [
        "start"
    ]
    assert _cues("請求書のPDFがエラーになります。また、ダッシュボードの表示が遅いです。", "ja") == [
        "start",
        "topic_shift",
    ]
    # a greeting is a lead-in by its length in characters, not in (space-separated) words
    text = (
        "お世話になっております。\n\n夜間の同期処理が毎回最初からやり直しになり、"
        "朝の売上レポートには前日分の数字が半分だけ入っています。また、グラフの表示が遅いです。"
    )
    assert _cues(text, "ja") == ["start", "topic_shift"]
    # runs of kana/kanji are clauses, not words: a repeated impact sentence ties nothing
    repeated = (
        "送信が失敗します。毎日時間を失っています。また、表示が遅いです。毎日時間を失っています。"
    )
    assert _cues(repeated, "ja") == ["start", "topic_shift"]


def test_cohesion_by_word_stem_and_by_a_demonstrative_reference() -> None:
    stem = (
        "The nightly sync skips the regional warehouses.\n\n"
        "We need a separate schedule for each region, please."
    )
    assert _cues(stem) == ["start"]
    reference = (
        "Webhook deliveries to our endpoint arrive twice.\n\n"
        "We drop repeats by hand, but these doubles flood our pager at night."
    )
    assert _cues(reference) == ["start"]
    dated = (
        "Webhook deliveries to our endpoint arrive twice.\n\n"
        "Our invoice from this month shows the wrong VAT number."
    )
    assert _cues(dated) == ["start", "paragraph"]


def test_a_new_problem_that_names_this_or_announces_itself_still_splits() -> None:
    this_error = (
        "The export fails on large files and times out.\n\n"
        "Login is broken: I get this error after the update."
    )
    assert _cues(this_error) == ["start", "paragraph"]
    stated = (
        "Two issues since the update: the CSV export is broken for large reports.\n\n"
        "The mobile app crashes on launch on Android 14."
    )
    assert _cues(stated) == ["start", "paragraph"]
    # a copyright line is not item (c) of a list
    assert _cues("The export fails on large files.\n(c) 2024 Acme Corp. All rights reserved.") == [
        "start"
    ]


def test_problem_words_inside_a_web_address_do_not_count() -> None:
    from feedback_lakehouse.silver.fragments import _has_problem

    assert not _has_problem("see https://help.example.com/kb/sync-failures")
    assert not _has_problem("write to ops@example-errors.com")
    assert _has_problem("the export fails on example.no")
    assert _has_problem("error. " + "a" * 5000)  # a long run is read once (possessive)
