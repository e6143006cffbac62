"""The openai backend through the whole step, against a local OpenAI-compatible server:
batched calls, a failed batch kept for review and retried next run, the key never stored,
and switching backends reuses each backend's cache."""

from __future__ import annotations

import os

import pytest
from pyspark.sql import functions as F

from fake_openai import FakeOpenAI, Step

pytestmark = pytest.mark.integration

SECRET = "sk-test-never-stored-0123456789"


def _openai(settings, base_url: str):
    oa = settings.insights.openai.model_copy(
        update={"base_url": base_url, "model": "fake-model", "api_key_env": "FL_TEST_OPENAI_KEY",
                "batch_size": 16, "concurrency": 1, "backoff_s": 0.01, "timeout_s": 5.0}
    )  # fmt: skip
    ins = settings.insights.model_copy(update={"backend": "openai", "openai": oa})
    return settings.model_copy(update={"insights": ins})


@pytest.fixture(scope="module")
def server():
    fake = FakeOpenAI().start()
    os.environ["FL_TEST_OPENAI_KEY"] = SECRET
    yield fake
    fake.stop()
    os.environ.pop("FL_TEST_OPENAI_KEY", None)


def test_openai_step_end_to_end(spark, catalog, engine_settings, insights_run, server) -> None:
    from feedback_lakehouse.insights.step import run_insights

    settings = _openai(engine_settings, server.base_url)
    fragments = catalog.read("silver.fragments").count()
    server.script(Step(status=429, headers={"Retry-After": "0"}), Step(content="not json"),
                  Step(content="still not json"))  # fmt: skip
    first = run_insights(spark, catalog, settings)
    d = first.details
    assert first.rows_read == fragments and first.balanced
    assert d["calls"] == len(server.seen) - 1  # the 429 attempt is part of its call
    assert d["calls"] <= -(-d["backend_fragments"] // 16) + 2  # batches of 16 + one repair
    assert d["tokens_in"] > 0 and d["failed"] >= 16
    ins = catalog.read("silver.insights")
    assert ins.filter(F.col("backend") == "openai").count() == fragments
    failed = ins.filter(F.col("error").isNotNull())
    assert failed.count() == d["failed"]
    assert failed.filter(~F.col("needs_review")).count() == 0
    for table in ("silver.insights", "ops.insight_calls", "silver.insight_cache"):
        text = " ".join(str(r) for r in catalog.read(table).collect())
        assert SECRET not in text, f"the API key reached {table}"

    retry = run_insights(spark, catalog, settings)  # only the failed fragments go again
    assert retry.rows_read == d["failed"] and 0 < retry.details["calls"] <= 2
    assert catalog.read("silver.insights").filter(F.col("error").isNotNull()).count() == 0

    again = run_insights(spark, catalog, settings)
    assert again.rows_read == 0 and again.details["calls"] == 0


def test_switching_back_reuses_the_offline_cache(spark, catalog, engine_settings) -> None:
    from feedback_lakehouse.insights.step import run_insights

    back = run_insights(spark, catalog, engine_settings)
    assert back.rows_read == catalog.read("silver.fragments").count()
    assert back.details["calls"] == 0  # every text is in the offline cache
    assert catalog.read("silver.insights").filter(F.col("backend") != "offline").count() == 0
