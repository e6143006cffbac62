"""Gold's pure logic: theme assignment and births, merges, names and the pattern rule."""

from __future__ import annotations

import numpy as np
import pytest

from feedback_lakehouse.config.settings import GoldSettings
from feedback_lakehouse.gold.patterns import Base, pattern_type
from feedback_lakehouse.gold.themes.clustering import (
    ClusterSettings,
    assign,
    finest_cut,
    merges,
    new_clusters,
    normalise,
    running_mean,
)
from feedback_lakehouse.gold.themes.naming import (
    ThemeSample,
    key_phrases,
    name_theme,
    said_by_members,
)

RNG = np.random.default_rng(3)


def blob(center: np.ndarray, n: int, spread: float = 0.05) -> np.ndarray:
    return normalise(center + RNG.normal(0, spread, (n, len(center))))


def test_assign_is_nearest_above_threshold_else_unassigned() -> None:
    cents = normalise(np.eye(3, 8, dtype=np.float32))
    vecs = np.vstack([blob(cents[0], 5), blob(cents[2], 5), normalise(np.ones((1, 8)))])
    best, sims = assign(vecs.astype(np.float32), cents, 0.8)
    assert list(best[:5]) == [0] * 5 and list(best[5:10]) == [2] * 5
    assert best[10] == -1 and sims[10] < 0.8
    empty, _ = assign(vecs, np.zeros((0, 8), np.float32), 0.8)
    assert (empty == -1).all()


def test_new_clusters_never_mix_dense_groups_and_place_nearly_every_vector() -> None:
    a, b = normalise(RNG.normal(size=16)), normalise(RNG.normal(size=16))
    # 120 and 90 vectors: enough for the UMAP reduction (below REDUCE_MIN Ward reads them raw)
    for n_a, n_b in ((120, 90), (30, 25)):
        vecs = np.vstack([blob(a, n_a), blob(b, n_b)]).astype(np.float32)
        clusters = new_clusters(vecs, ClusterSettings.of(min_cluster_size=8))
        assert clusters, (n_a, n_b)
        for c in clusters:  # each theme is one group's, and big enough to be a theme
            assert len(c) >= 8 and (c < n_a).all() != (c >= n_a).all()
        placed = sum(len(c) for c in clusters)
        assert placed >= 0.99 * len(vecs)
    assert new_clusters(vecs[:5], ClusterSettings.of(min_cluster_size=8)) == []


def test_finest_cut_is_as_fine_as_the_small_cluster_share_allows() -> None:
    # four tight pairs of groups far apart: the finest cut keeps the 8 groups of 10 apart,
    # a minimum size of 11 forces the pairs together, one above the whole set leaves it all out
    centers = RNG.normal(size=(4, 2)) * 100
    points = np.vstack([c + off + RNG.normal(0, 0.1, (10, 2))
                        for c in centers for off in ((0, 0), (3, 0))])  # fmt: skip
    for size, groups in ((10, 8), (11, 4)):
        labels = finest_cut(points, size)
        assert len(set(labels.tolist()) - {-1}) == groups and (labels >= 0).all()
    assert (finest_cut(points, 81) == -1).all()


def test_the_smaller_of_two_near_identical_themes_merges_into_the_bigger() -> None:
    a = normalise(RNG.normal(size=8))
    cents = np.vstack([a, normalise(a + 0.01), normalise(RNG.normal(size=8))])
    assert merges(cents, np.array([10, 50, 5]), 0.93) == [(0, 1)]
    assert merges(cents[[0, 2]], np.array([10, 5]), 0.93) == []


def test_running_mean_moves_toward_new_members_and_stays_unit() -> None:
    c = normalise(np.array([1.0, 0.0]))
    moved = running_mean(c, 3, normalise(np.array([0.0, 1.0])), 1)
    assert np.isclose(np.linalg.norm(moved), 1.0)
    assert 0 < moved[1] < moved[0]  # one new member among four moves it a quarter of the way


def sample(texts, subs, sev="medium") -> ThemeSample:
    return ThemeSample("t", texts, subs, [sev] * len(texts), ["bug"] * len(texts),
                       ["mobile"] * len(texts), len(texts), 3)  # fmt: skip


def test_names_come_from_the_dominant_sub_theme_or_key_phrases() -> None:
    crash = sample(
        [
            "The app crashes on launch.",
            "App crashes at launch on my iPhone!",
            "Crashes on launch since the update",
        ],
        ["ios app crash on launch"] * 3,
    )
    billing = sample(["Invoice shows VAT wrong", "VAT id missing on the invoice"],
                     ["vat id missing", "other"], sev="high")  # fmt: skip
    phrases = key_phrases([crash, billing])
    assert any("launch" in p or "crash" in p for p in phrases[0])
    assert any("vat" in p or "invoice" in p for p in phrases[1])
    named = name_theme(crash, phrases[0])
    assert named.label == "ios app crash on launch"
    assert "3 fragments from 3 accounts" in named.summary and named.variations
    mixed = name_theme(sample(["a b", "c d"], ["x", "y"]), ["sso login", "saml"])
    assert mixed.label == "x" or mixed.label == "sso login / saml"


@pytest.mark.parametrize(
    ("ent", "accounts", "per_account", "base", "expected"),
    [(5, 6, 1.0, Base(100, 20), "enterprise_pattern"),
     # enterprise accounts at about their share of the base: not a pattern of theirs
     (6, 25, 1.0, Base(100, 30), "broad_pattern"),
     (4, 20, 1.0, Base(100, 20), "broad_pattern"),
     # 25 accounts of 1,000 that wrote is not broad
     (0, 25, 1.0, Base(1000, 200), "low_signal"),
     (0, 3, 3.0, Base(100, 20), "recurring_pain"), (1, 3, 2.9, Base(100, 20), "low_signal"),
     # a base of mostly enterprise accounts: a theme of only enterprise ones still is one
     (12, 12, 1.0, Base(200, 140), "enterprise_pattern")],
)  # fmt: skip
def test_pattern_type_rule(ent, accounts, per_account, base, expected) -> None:
    assert pattern_type(ent, accounts, per_account, GoldSettings(), base) == expected


def test_a_sub_theme_the_members_do_not_say_is_not_their_name() -> None:
    # the classifier put these under a sub-theme of its own domain; they are about a refund
    texts = ["Where is my refund for the cancelled order?", "Refund still not received",
             "I was promised a refund two weeks ago", "refund pending for ages"]  # fmt: skip
    refunds = sample(texts, ["scheduled report delivery failure"] * 4)
    other = sample(["The export button is greyed out", "Cannot export to PDF"], ["x", "x"])
    phrases = key_phrases([refunds, other])
    named = name_theme(refunds, phrases[0])
    assert "refund" in named.label and "report" not in named.label
    assert said_by_members("scheduled report delivery failure", texts) == 0.0
    assert said_by_members("refund received late", texts) == pytest.approx(2 / 3)  # not "late"


def test_member_words_count_in_any_script_and_placeholders_are_not_words() -> None:
    assert said_by_members("connexion échoue", ["la connexion échoue", "connexion échoue"]) == 1.0
    # "[EMAIL]" is a redacted address, not the word "email"
    assert said_by_members("email bounces", ["[EMAIL] bounces", "mail to [EMAIL] bounces"]) == 0.5


def test_a_phrase_label_adds_only_phrases_that_bring_a_new_word() -> None:
    from feedback_lakehouse.gold.themes.naming import phrase_label

    assert (
        phrase_label(["disposable cards", "cards disposable", "limit"])
        == "disposable cards / limit"
    )
    assert phrase_label(["refund", "refund request", "item"]) == "refund request / item"
    assert phrase_label(["late fee"]) == "late fee"
    assert phrase_label([]) == "unlabelled"
