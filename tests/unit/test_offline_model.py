"""The offline model on a small hand-made taxonomy: it learns, explains and round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_lakehouse.insights.examples import Example
from feedback_lakehouse.insights.knowledge import KnowledgeDoc
from feedback_lakehouse.insights.offline_model import OfflineModel

LOGIN = [
    "cannot log in with single sign-on",
    "sso login page shows an error",
    "the login fails every morning",
    "sign in with okta is broken",
    "my password is rejected at login",
    "login keeps failing for our team",
    "sso redirect loops back to the login form",
    "we get an error when signing in",
]
INVOICE = [
    "the invoice total is wrong",
    "we were charged twice this month",
    "please resend the invoice pdf",
    "billing shows the wrong amount",
    "the card was charged two times",
    "invoice is missing our address",
    "why did the charge go up",
    "refund the extra charge on the invoice",
]
CHART = [
    "the chart is blank",
    "charts do not render in the dashboard",
    "the dashboard chart shows nothing",
    "bar chart legend overlaps the bars",
    "line chart is empty after refresh",
    "widgets on the dashboard are blank",
    "the pie chart never loads",
    "dashboard charts look broken",
]


def examples() -> list[Example]:
    out = []
    for texts, cat, area, sub in (
        (LOGIN, "bug", "auth", "sso login failure"),
        (INVOICE, "billing", "billing", "wrong invoice amount"),
        (CHART, "bug", "dashboard", "blank dashboard charts"),
    ):
        out += [Example(t, cat, area, "bug_report", "medium", sub, "test") for t in texts]
    return out


DOCS = [
    KnowledgeDoc(
        "KB-1", "runbook", "SSO login errors", "single sign-on login fails with an error", "auth"
    ),
    KnowledgeDoc(
        "KB-2",
        "runbook",
        "Duplicate charges",
        "card charged twice duplicate invoice charge",
        "billing",
    ),
]


@pytest.fixture(scope="module")
def model() -> OfflineModel:
    return OfflineModel(dims=16).fit(examples(), DOCS)


def test_learns_unseen_phrasings(model: OfflineModel) -> None:
    preds = model.predict(
        [
            "login with sso gives an error again",
            "you charged our card twice",
            "blank chart on my dashboard",
        ]
    )
    assert [p.labels["product_area"] for p in preds] == ["auth", "billing", "dashboard"]
    assert [p.labels["sub_theme"] for p in preds][1] == "wrong invoice amount"
    for p in preds:
        assert 0.0 < p.probs["category"] <= 1.0
        assert p.labels["feedback_type"] == "bug_report"  # a fixed field is still answered


def test_phrases_explain_the_decision(model: OfflineModel) -> None:
    (p,) = model.predict(["our card was charged twice for one invoice"])
    assert p.phrases, "no phrase evidence"
    assert any(w in " ".join(p.phrases) for w in ("charged", "twice", "invoice", "card"))


def test_retrieval_ranks_the_matching_runbook_first(model: OfflineModel) -> None:
    sims = model.similarities(["sso login fails with an error", "charged twice on the card"])
    assert sims.shape == (2, 2)
    assert sims[0].argmax() == 0 and sims[1].argmax() == 1
    assert ((sims >= 0) & (sims <= 1)).all()


def test_placeholders_do_not_drive_predictions(model: OfflineModel) -> None:
    a, b = model.predict(["[EMAIL] charged twice", "[NAME] [PHONE] charged twice"])
    assert a.labels == b.labels


def test_save_and_load_round_trip(model: OfflineModel, tmp_path: Path) -> None:
    model.version = "offline-test"
    model.save(tmp_path / "m")
    again = OfflineModel.load(tmp_path / "m")
    text = ["sso login broken", "invoice charged twice"]
    assert [p.labels for p in again.predict(text)] == [p.labels for p in model.predict(text)]
    assert (again.similarities(text) == model.similarities(text)).all()
    assert again.version == "offline-test"


def test_a_process_loads_a_stored_model_once_until_it_is_replaced(
    model: OfflineModel, tmp_path: Path
) -> None:
    """Loads share the trained parts but not the per-batch memo; a model saved again in the
    same folder is read again, not served from memory."""
    import joblib

    model.version = "offline-a"
    model.save(tmp_path / "m")
    one, two = OfflineModel.load(tmp_path / "m"), OfflineModel.load(tmp_path / "m")
    assert one is not two and one.embedder is two.embedder and one.index is two.index
    one.predict(["sso login broken"])
    assert one._batch is not None and two._batch is None
    stored = joblib.load(tmp_path / "m" / "model.joblib")
    stored.version = "offline-b"
    joblib.dump(stored, tmp_path / "m" / "model.joblib")
    again = OfflineModel.load(tmp_path / "m")
    assert again.version == "offline-b" and again.embedder is not one.embedder


def test_stored_vectors_stand_in_for_embedding(model: OfflineModel) -> None:
    """A vector kept from the first pass gives the same theme vectors as embedding again; a
    missing or wrong-width one is embedded (never a zero vector)."""
    import base64

    import numpy as np

    from feedback_lakehouse.insights.vectors import encode, own_vectors

    texts = ["sso login page shows an error", "the pie chart never loads", "refund please"]
    subs = ["sso login failure", "blank dashboard charts", None]
    direct = model.theme_vectors(texts, subs)
    stored = [base64.b64decode(encode(v)) for v in model.vectors(texts)]
    model.vectors(["something else"])  # a new batch: the remembered one is gone
    reused = model.theme_vectors(texts, subs, own=own_vectors(model, texts, stored))
    assert np.allclose(direct, reused, atol=1e-6)
    damaged = [stored[0], None, stored[2][:-4]]
    recovered = own_vectors(model, texts, damaged)
    assert np.allclose(recovered, model.vectors(texts), atol=1e-6)
    assert np.all(np.linalg.norm(recovered, axis=1) > 0.99)


def test_embedding_is_the_svd_projection_and_its_cache_is_not_stored(
    model: OfflineModel, tmp_path: Path
) -> None:
    import pickle

    import numpy as np

    emb = model.embedder
    texts = ["sso login broken on the mobile app", "invoice charged twice", ""]
    x = emb.sparse(texts)
    reference = emb.svd.transform(x).astype(np.float32)  # what sklearn computes
    norms = np.linalg.norm(reference, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    # the product runs in float32: within float32 rounding of sklearn's float64 result
    assert np.allclose(emb.embed(texts), reference / norms, rtol=0, atol=2e-6)
    assert emb.embed(texts).dtype == np.float32
    assert emb._proj is not None  # built on first use...
    again = pickle.loads(pickle.dumps(emb))
    assert getattr(again, "_proj", None) is None  # ...and never pickled with the model
    assert np.array_equal(again.embed(texts), emb.embed(texts))


def test_training_twice_gives_the_same_model() -> None:
    """Two lakehouses trained on the same examples answer alike (liblinear shuffles)."""
    import numpy as np

    a = OfflineModel(dims=16).fit(examples(), DOCS)
    b = OfflineModel(dims=16).fit(examples(), DOCS)
    assert np.array_equal(a.sub_theme.coef_, b.sub_theme.coef_)
