"""The per-bucket walk that links each message to the earliest one it repeats."""

from __future__ import annotations

from typing import Any

import pytest

from feedback_lakehouse.silver.duplicate_links import DedupRules, add_band_keys, find_links
from feedback_lakehouse.silver.minhash import exact_hash, signatures

pytestmark = pytest.mark.unit

DAY = 86400
RULES = DedupRules(window_s=7 * DAY)
ISSUE = "The CSV export of the monthly revenue report fails with error 500 since Monday."
EDITED = ISSUE + " Any update on this?"
OTHER = "Single sign-on with Okta loops back to the login page for every user in our team."
LONG_REVIEW = (
    "The app crashes every time I open the camera tab on my phone after the latest update, "
    "and it loses the draft I was writing, so I have to start again from the beginning."
)


def msg(fid: str, text: str, day: float, account: str | None = "ACC-1", *, new: bool = True,
        root: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "feedback_id": fid, "bucket": account or "", "at": day * DAY, "account_id": account,
        "text_chars": len(text), "exact_hash": exact_hash(text),
        "minhash": [int(v) for v in signatures([text])[0]], "is_new": new, "root": root,
    }  # fmt: skip


def links(rows: list[dict[str, Any]], rules: DedupRules = RULES) -> dict[str, tuple[str, str]]:
    rows = sorted(rows, key=lambda r: (r["bucket"], r["at"], r["feedback_id"]))
    found = find_links(add_band_keys(rows, rules), rules)
    return {r["feedback_id"]: (r["duplicate_of"], r["duplicate_kind"]) for r in found}


def test_exact_and_near_copies_link_to_the_earliest() -> None:
    got = links([msg("a", ISSUE, 0), msg("b", ISSUE, 1), msg("c", EDITED, 2), msg("d", OTHER, 3)])
    assert got == {"b": ("a", "exact"), "c": ("a", "near")}


def test_other_accounts_and_old_messages_never_match() -> None:
    rows = [msg("a", ISSUE, 0), msg("b", ISSUE, 1, "ACC-2"), msg("c", ISSUE, 9, "ACC-2")]
    assert links(rows) == {}  # b is another account; c is 8 days after b


def test_chains_resolve_to_the_first_message() -> None:
    rows = [msg("a", ISSUE, 0), msg("b", EDITED, 5), msg("c", EDITED, 10)]
    # c is 10 days after a, but repeats b, which repeats a
    assert links(rows) == {"b": ("a", "near"), "c": ("a", "exact")}


def test_messages_already_in_silver_are_originals_not_relinked() -> None:
    rows = [msg("old", ISSUE, 0, new=False, root="older"), msg("x", OTHER, 0.5, new=False),
            msg("new", EDITED, 1)]  # fmt: skip
    assert links(rows) == {"new": ("older", "near")}


def test_anonymous_messages_need_long_near_identical_text() -> None:
    short = "app crashes"
    rows = [msg("r1", short, 0, None), msg("r2", short + "!", 1, None),
            msg("r3", LONG_REVIEW, 0, None), msg("r4", LONG_REVIEW + " pls", 1, None),
            msg("r5", short + " again", 2, None)]  # fmt: skip
    got = links(rows)
    assert got["r2"] == ("r1", "exact")  # the same words: an exact copy whatever its length
    assert got["r4"] == ("r3", "near")
    assert "r5" not in got  # near, but too short to tell one reviewer from another
    strict = DedupRules(window_s=7 * DAY, anonymous_min_chars=200)
    assert "r4" not in links(rows, strict)


def test_empty_text_has_no_signature_and_no_link() -> None:
    empty = msg("e", "", 1) | {"minhash": None, "exact_hash": None}
    assert links([msg("a", ISSUE, 0), empty]) == {}
