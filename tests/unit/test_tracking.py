from __future__ import annotations

from pathlib import Path

import pytest

from feedback_lakehouse.audit.tracking import (
    prepare_tracking,
    traces_deferred,
    traces_flushed_at_end,
    tracked_run,
)
from feedback_lakehouse.config.settings import load_settings

CONF = Path(__file__).resolve().parents[2] / "conf"


def test_a_prepared_store_is_used_once_and_looked_up_again_after(tmp_path: Path) -> None:
    import mlflow

    settings = load_settings("local", CONF, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})
    prepare_tracking(settings)  # opens the new store in the background
    with tracked_run(settings, "first") as first:
        first.metrics({"n": 1})
    with tracked_run(settings, "second") as second:  # no prepared lookup left: a fresh one
        second.metrics({"n": 2})
    assert first.experiment_id == second.experiment_id
    runs = mlflow.search_runs([first.experiment_id], output_format="list")
    assert sorted(r.info.run_name for r in runs) == ["first", "second"]
    assert (tmp_path / "mlflow.db").is_file()


def test_a_store_that_cannot_open_fails_the_run_and_is_tried_again(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings = load_settings(
        "local", CONF,
        environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path),
                 "FEEDBACK_LAKEHOUSE__TRACKING__URI": f"sqlite:///{blocked}/mlflow.db"},
    )  # fmt: skip
    prepare_tracking(settings)
    for _ in range(2):  # the failure is raised, and not remembered
        with pytest.raises(OSError, match="a-file"), tracked_run(settings, "x"):
            pass


def test_inside_a_pipeline_traces_are_flushed_once_at_the_end(tmp_path: Path, monkeypatch) -> None:
    import mlflow

    settings = load_settings("local", CONF, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})
    flushed: list[str] = []
    monkeypatch.setattr(mlflow, "flush_trace_async_logging", lambda: flushed.append("flush"))
    with traces_flushed_at_end():
        # nested: still the outer one's to flush
        with traces_flushed_at_end(), tracked_run(settings, "step"):
            pass
        assert traces_deferred() and flushed == []
    assert not traces_deferred() and flushed == ["flush"]
    with tracked_run(settings, "alone"):  # a step run alone waits for its own traces
        pass
    assert flushed == ["flush", "flush"]
