"""The main job's order and its two ways of stopping early, with stand-in steps (no engine):
a stop asked for between steps, and a quality gate; either carries the finished reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_lakehouse import interrupt, pipeline
from feedback_lakehouse.config.settings import load_settings
from feedback_lakehouse.errors import QualityError
from feedback_lakehouse.step_report import StepReport

CONF = Path(__file__).resolve().parents[2] / "conf"


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings("local", CONF, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    ran: list[str] = []

    def step(name: str):
        def run(spark, catalog, settings, progress=None) -> StepReport:
            ran.append(name)
            if name == "silver":
                interrupt.request_stop()  # as a Ctrl-C during silver would
            return StepReport(name)

        return run

    names = ("ingest", "silver", "insights", "gold")
    monkeypatch.setattr(pipeline, "STEPS", tuple((n, step(n)) for n in names))
    for name in ("train_ahead", "wait_for_training_ahead"):
        monkeypatch.setattr(pipeline, name, lambda *a, **kw: None)
    monkeypatch.setattr(pipeline, "human_labels", lambda catalog: [])
    interrupt.reset()
    yield ran
    interrupt.reset()


def test_a_stop_asked_for_ends_the_run_at_the_next_step_boundary(
    steps: list[str], settings
) -> None:
    with pytest.raises(interrupt.StopRequested) as stop:
        pipeline.run_pipeline(None, None, settings)
    assert steps == ["ingest", "silver"]  # silver finished; insights never started
    assert [r.step for r in stop.value.reports] == ["ingest", "silver"]
    assert "Not run: insights, gold" in str(stop.value)


def test_a_quality_gate_keeps_the_finished_reports(
    steps: list[str], settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = dict(pipeline.STEPS)

    def failing(*args, **kwargs) -> StepReport:
        raise QualityError("silver: quality check failed")

    monkeypatch.setattr(pipeline, "STEPS", (("ingest", gate["ingest"]), ("silver", failing),
                                            ("insights", gate["insights"])))  # fmt: skip
    with pytest.raises(QualityError) as err:
        pipeline.run_pipeline(None, None, settings)
    assert [r.step for r in err.value.reports] == ["ingest"]
    assert steps == ["ingest"]
