"""The model version: what the model learned from, so a cache never outlives its model."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_lakehouse.errors import ConfigError
from feedback_lakehouse.insights.examples import Example, load_examples
from feedback_lakehouse.insights.knowledge import load_runbooks
from feedback_lakehouse.insights.taxonomy import load_taxonomy
from feedback_lakehouse.insights.training import _fingerprint

CONF = Path(__file__).resolve().parents[2] / "conf"


def test_version_follows_examples_runbooks_and_taxonomy() -> None:
    tax = load_taxonomy(CONF / "taxonomy.yml")
    ex = load_examples([CONF / "insights/examples/*.yml"], tax)
    rb = load_runbooks(CONF / "runbooks/*.md", set(tax.product_areas))
    base = _fingerprint(ex, rb, tax)
    assert _fingerprint(list(ex), list(rb), tax) == base
    human = Example("csv export hangs", "bug", "reporting", "bug_report", "low", "x", "human")
    assert _fingerprint([*ex, human], rb, tax) != base
    assert _fingerprint(ex, rb[1:], tax) != base
    assert _fingerprint(ex, rb, tax.model_copy(update={"severities": ["low"]})) != base


def test_shipped_examples_cover_every_label_they_use() -> None:
    tax = load_taxonomy(CONF / "taxonomy.yml")
    ex = load_examples([CONF / "insights/examples/*.yml"], tax)
    assert len(ex) >= 1000
    assert {e.category for e in ex} == set(tax.categories)
    assert {e.product_area for e in ex} == set(tax.product_areas)
    langs_hint = [e for e in ex if any(ord(ch) > 0x3000 for ch in e.text)]
    assert langs_hint, "no Japanese examples"


def test_a_model_trained_ahead_is_found_not_trained_again(tmp_path: Path, monkeypatch) -> None:
    from feedback_lakehouse.config.settings import load_settings
    from feedback_lakehouse.insights import training
    from feedback_lakehouse.insights.offline_model import OfflineModel

    settings = load_settings("local", CONF, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})
    training.train_ahead(settings, [])  # a child process learns meanwhile

    def refuse(*_a, **_k):
        raise AssertionError("trained again in this process")

    monkeypatch.setattr(OfflineModel, "fit", refuse)
    model, folder = training.train_model(settings, [])  # waits for the child, then loads
    assert (folder / "model.joblib").is_file() and model.version == folder.name
    assert training._ahead == {}
    training.train_ahead(settings, [])  # stored already: no child, nothing to wait for
    assert training._ahead == {}


def test_a_bad_conf_fails_training_ahead_itself(tmp_path: Path) -> None:
    """A broken conf file fails in the parent, before any step, and starts no child."""
    from feedback_lakehouse.config.settings import load_settings
    from feedback_lakehouse.insights import training

    settings = load_settings(
        "local", CONF,
        environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path),
                 "FEEDBACK_LAKEHOUSE__INSIGHTS__TAXONOMY": "no-such-taxonomy.yml"},
    )  # fmt: skip
    with pytest.raises(ConfigError, match="no-such-taxonomy"):
        training.train_ahead(settings, [])
    assert training._ahead == {}
