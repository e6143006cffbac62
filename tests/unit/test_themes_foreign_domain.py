"""Themes emerge from the text in a domain nothing shipped covers: messages to a public library
(invented here), clustered as gold births themes and named as gold names them offline. The
shipped taxonomy knows software products; none of its sub-theme names may appear."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.metrics import adjusted_rand_score

from feedback_lakehouse.gold.themes.clustering import ClusterSettings, new_clusters
from feedback_lakehouse.gold.themes.embedder import embed, semantic
from feedback_lakehouse.gold.themes.naming import ThemeSample, key_phrases, name_theme

RENEW = [
    "Can I renew my loan online? The novel is due tomorrow and I have not finished it.",
    "How do I extend the borrowing period for two books I took out last week?",
    "I'd like to renew the cookbook I borrowed, is that possible without coming in?",
    "Is there a way to keep my books for another three weeks?",
    "Please extend my loan on the history book, I still need it for my thesis.",
    "The renew button for my borrowed books does nothing, can you renew them for me?",
    "My loans run out on Friday, can they be renewed once more?",
    "Could you extend the due date of the audiobook CDs I have at home?",
]
CARD = [
    "I lost my library card on the bus, how do I get a new one?",
    "My membership card was stolen with my wallet. Can you block it and issue a replacement?",
    "I can't find my library card anywhere, do I need to pay for a new card?",
    "Someone may be using my lost card to borrow books, please cancel it.",
    "How much does a replacement library card cost? Mine went missing.",
    "Lost my reader card yesterday, can I still borrow with my ID until the new one comes?",
    "My son lost his children's library card, what do we do?",
    "I need a new library card, the old one is lost.",
]
HOURS = [
    "What are your opening hours on Sunday?",
    "Is the central branch open on public holidays?",
    "When does the library close on Saturdays?",
    "Are you open late on Thursdays? I work until six.",
    "What time does the reading room open in the morning?",
    "Will the library be open between Christmas and New Year?",
    "Opening times for the branch on Elm Street, please.",
    "Do you open earlier during exam season?",
]
TRUTH = [0] * len(RENEW) + [1] * len(CARD) + [2] * len(HOURS)


@pytest.fixture(scope="module")
def shipped_sub_themes() -> set[str]:
    folder = Path(__file__).resolve().parents[2] / "conf" / "insights" / "examples"
    names: set[str] = set()
    for path in folder.glob("*.yml"):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["sub_themes"]:
            names.add(entry["sub_theme"].lower())
    assert names, f"no shipped sub-themes found under {folder}"
    return names


def test_library_messages_form_their_own_themes_named_in_their_own_words(
    shipped_sub_themes: set[str],
) -> None:
    texts = RENEW + CARD + HOURS
    clusters = new_clusters(semantic(texts), ClusterSettings.of(min_cluster_size=3))
    labels = np.full(len(texts), -1)
    for k, rows in enumerate(clusters):
        labels[rows] = k
    assert (labels >= 0).mean() >= 0.9
    assert adjusted_rand_score(TRUTH, labels) >= 0.6, labels.tolist()
    # themes are named from what their members said, never from the shipped sub-themes
    # (the classifier, out of its domain, calls them all a shipped sub-theme)
    wrong = ["blank dashboard charts"]
    samples = [ThemeSample(f"t{k}", [texts[i] for i in rows], wrong * len(rows),
                           ["low"] * len(rows), ["question"] * len(rows), ["other"] * len(rows),
                           len(rows), len(rows))
               for k, rows in enumerate(clusters)]  # fmt: skip
    for sample, phrases in zip(samples, key_phrases(samples), strict=True):
        label = name_theme(sample, phrases).label.lower()
        assert label not in shipped_sub_themes, label
        words = set(" ".join(sample.texts).lower().replace("'", " ").split())
        assert any(w in words for w in label.split()), (label, sample.texts[:2])


def test_placement_vectors_put_a_new_message_with_its_own_kind() -> None:
    """A new library-card message sits nearer the card theme's centroid than the others'."""
    groups = [RENEW, CARD, HOURS]
    cents = np.stack([embed(g).mean(axis=0) for g in groups])
    cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    (new,) = embed(["Where can I get a replacement for a lost library card?"])
    assert int(np.argmax(cents @ new)) == 1
