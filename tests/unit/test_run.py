"""The run object every step opens: identity, clock, and a report that gets its duration
however the step is left."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from feedback_lakehouse.config.settings import load_settings
from feedback_lakehouse.run import (
    CODE_VERSION_ENV,
    as_step,
    code_version,
    settings_digest,
    step_run,
)

CONF = Path(__file__).resolve().parents[2] / "conf"


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings("local", CONF, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})


def test_a_step_function_returns_its_runs_report(settings) -> None:
    seen = {}

    @as_step("demo")
    def run_demo(run, rows: int = 0) -> None:
        seen["run"] = run
        run.report.rows_read = run.report.rows_written = rows
        time.sleep(0.01)

    report = run_demo(None, None, settings, rows=3)
    run = seen["run"]
    assert report is run.report and report.step == "demo" and report.rows_read == 3
    assert report.duration_s > 0
    assert run.run_id.startswith(f"demo-{run.now:%Y%m%dT%H%M%S}-")
    assert run.audit.identity() == {
        "run_id": run.run_id, "step": "demo", "target": "local",
        "code_version": run.code_version, "settings_digest": settings_digest(settings),
    }  # fmt: skip


def test_a_failed_step_still_has_its_duration(settings) -> None:
    with pytest.raises(RuntimeError), step_run("demo", None, settings) as run:
        time.sleep(0.01)
        raise RuntimeError("boom")
    assert run.report.duration_s > 0


def test_each_run_has_its_own_id_and_a_given_clock(settings) -> None:
    at = datetime(2030, 1, 1, 12)
    with step_run("demo", None, settings, now=at) as a, step_run("demo", None, settings) as b:
        pass
    assert a.now == at and a.run_id != b.run_id


def test_code_version_comes_from_the_bundle_when_given(monkeypatch) -> None:
    monkeypatch.setenv(CODE_VERSION_ENV, "abc1234")
    assert code_version() == "abc1234"
    monkeypatch.delenv(CODE_VERSION_ENV)
    assert code_version()  # the checkout's commit or the package version


def test_the_settings_digest_follows_the_settings(settings, tmp_path: Path) -> None:
    same = load_settings("local", CONF, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})
    other = load_settings("local", CONF, environ={
        "FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path), "FEEDBACK_LAKEHOUSE__GOLD__SPIKE_ALPHA": "0.01"
    })  # fmt: skip
    assert settings_digest(settings) == settings_digest(same)
    assert settings_digest(settings) != settings_digest(other)
