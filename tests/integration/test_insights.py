"""Insights on the embedded engine: every fragment answered, targets met on the sample's
ground truth, and a second run makes zero backend calls."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F

from feedback_lakehouse.evaluate.tables import evaluate_insights

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def metrics(catalog, sample, insights_run, conf_dir):
    from feedback_lakehouse.insights.examples import load_examples
    from feedback_lakehouse.insights.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(conf_dir / "taxonomy.yml")
    examples = load_examples([conf_dir / "insights/examples/*.yml"], taxonomy)
    return evaluate_insights(catalog, sample, [e.text for e in examples])


def test_every_fragment_gets_exactly_one_insight(catalog, insights_run) -> None:
    fragments = catalog.read("silver.fragments")
    insights = catalog.read("silver.insights")
    assert insights.count() == fragments.count() == insights_run.rows_read
    assert insights.select("fragment_id").distinct().count() == insights.count()
    assert fragments.join(insights, "fragment_id", "left_anti").count() == 0
    assert insights_run.balanced


def test_every_insight_is_labelled_explained_or_escalated(catalog, insights_run) -> None:
    ins = catalog.read("silver.insights")
    assert ins.filter(F.col("category").isNull() & F.col("error").isNull()).count() == 0
    bad = ins.filter(
        (F.col("abstained") & F.col("escalation").isNull())
        | (~F.col("abstained") & (F.size("hypotheses") < 1))
    )
    assert bad.count() == 0
    cited = ins.filter(~F.col("abstained")).select(F.explode("hypotheses").alias("h"))
    assert cited.filter(F.size("h.doc_ids") < 1).count() == 0


def test_each_distinct_text_is_embedded_once_for_reuse(catalog, insights_run) -> None:
    """One vector per answer key (float32 bytes of the model's width), for later runs and
    gold's themes to read instead of embedding again. A key whose rows were split between
    chunks would be answered, and embedded, twice."""
    vectors = catalog.read("silver.text_vectors")
    keys = catalog.read("silver.insights").select("answer_key").distinct()
    assert vectors.count() == vectors.select("answer_key").distinct().count()
    assert keys.join(vectors, "answer_key", "left_anti").count() == 0
    assert vectors.select("model").distinct().count() == 1
    widths = {r[0] for r in vectors.select(F.length("vector")).distinct().collect()}
    assert len(widths) == 1 and next(iter(widths)) % 4 == 0 and next(iter(widths)) >= 8


def test_evidence_spans_point_into_the_redacted_text(catalog, insights_run) -> None:
    rows = (
        catalog.read("silver.insights")
        .join(catalog.read("silver.fragments").select("fragment_id", "text"), "fragment_id")
        .select("text", "evidence")
        .limit(500)
        .collect()
    )
    spans = 0
    for r in rows:
        for e in r["evidence"]:
            assert r["text"][e["start"] : e["end"]] == e["text"]
            spans += 1
    assert spans > 100


def test_classification_targets(metrics) -> None:
    assert metrics["category"]["accuracy"] >= 0.85, metrics["category"]
    assert metrics["product_area"]["accuracy"] >= 0.85, metrics["product_area"]


def test_root_cause_targets(metrics) -> None:
    rc = metrics["root_cause"]
    assert rc["top3"] >= 0.80, rc
    assert rc["correct_abstention"] >= 0.80, rc


def test_examples_do_not_leak_the_planted_phrasings(metrics) -> None:
    assert metrics["leakage"]["exact_copies_in_examples"] == 0
    assert metrics["leakage"]["shared_5gram_share"] < 0.05


def test_calls_are_batched_and_traced(engine_settings, insights_run) -> None:
    import mlflow

    from feedback_lakehouse.audit.tracking import tracking_uri

    d = insights_run.details
    assert 0 < d["calls"] <= d["backend_fragments"] <= insights_run.rows_read
    mlflow.set_tracking_uri(tracking_uri(engine_settings))
    exp = mlflow.get_experiment_by_name(engine_settings.tracking.experiment)
    traces = mlflow.search_traces(
        locations=[exp.experiment_id], run_id=d["mlflow_run_id"], return_type="list"
    )
    assert len(traces) == d["calls"]


def test_second_run_makes_zero_backend_calls(spark, catalog, engine_settings, insights_run):
    from feedback_lakehouse.insights.step import run_insights

    before = catalog.read("silver.insights").count()
    again = run_insights(spark, catalog, engine_settings)
    assert again.rows_read == 0 and again.details["calls"] == 0
    assert catalog.read("silver.insights").count() == before
