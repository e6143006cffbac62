"""The insight metrics themselves: matching, macro-F1, root-cause hits and the leakage check."""

from __future__ import annotations

from feedback_lakehouse.evaluate.insights import insight_metrics, leakage, match_fragments


def planted(text, cat="bug", area="auth", doc=None):
    return {"text": text, "category": cat, "product_area": area, "root_cause_doc": doc}


def got(text, cat="bug", area="auth", docs=(), abstained=False):
    hyps = [{"doc_ids": [d]} for d in docs]
    return {"text": text, "category": cat, "product_area": area, "hypotheses": hyps,
            "abstained": abstained, "evidence": []}  # fmt: skip


def test_matching_by_position_or_by_shared_words() -> None:
    p = [planted("login fails"), planted("invoice wrong")]
    s = [got("invoice is wrong"), got("login fails today"), got("thanks")]
    pairs = match_fragments(p, s)
    assert [b["text"] for _, b in pairs] == ["login fails today", "invoice is wrong"]
    assert match_fragments(p, s[:2])[0][1]["text"] == "invoice is wrong"  # same count: position
    assert match_fragments([], s) == []


def test_metrics_count_hits_misses_and_abstentions() -> None:
    truth = {
        "a": {"language": "en", "duplicate_of": None,
              "fragments": [planted("x", doc="KB-1"), planted("y", cat="billing", area="billing")]},
        "b": {"language": "fr", "duplicate_of": None, "fragments": [planted("z", doc="KB-2")]},
        "c": {"language": "en", "duplicate_of": "a", "fragments": [planted("x", doc="KB-1")]},
    }  # fmt: skip
    frags = {
        "a": [got("x", docs=["KB-1"]), got("y", cat="bug", area="billing", abstained=True)],
        "b": [got("z", docs=["KB-9", "KB-8", "KB-2"])],
        "c": [got("x", cat="usability")],
    }
    m = insight_metrics(truth, frags, {})
    assert m["fragments_scored"] == 3  # the duplicate is not scored twice
    assert m["category"]["accuracy"] == round(2 / 3, 4)
    assert m["product_area"]["accuracy"] == 1.0
    assert m["root_cause"]["top1"] == 0.5 and m["root_cause"]["top3"] == 1.0
    assert m["root_cause"]["correct_abstention"] == 1.0
    assert m["category_accuracy_per_language"] == {"en": 0.5, "fr": 1.0}
    assert 0 < m["category"]["macro_f1"] < 1


def test_leakage_finds_copies_and_shared_ngrams() -> None:
    examples = ["the sso login fails every single morning", "charts are blank"]
    clean = leakage(examples, ["invoices show a wrong total amount this month"])
    assert clean["exact_copies_in_examples"] == 0 and clean["shared_5gram_share"] == 0.0
    copied = leakage(examples, ["The SSO login fails every single morning!"])
    assert copied["exact_copies_in_examples"] == 1 and copied["shared_5gram_share"] == 1.0
