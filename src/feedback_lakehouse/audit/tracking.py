"""MLflow runs and traces for the steps that make decisions.

Locally the store is ``sqlite:///<root>/mlflow.db`` with artifacts under ``<root>/mlruns``;
on Databricks it is the workspace (``databricks``). Backend calls happen on executors; they
come back as call records and are traced here, on the driver, with their real start and end
times, so executors never need tracking credentials."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from feedback_lakehouse.config.settings import Settings

log = logging.getLogger(__name__)


def tracking_uri(settings: Settings) -> str:
    if settings.tracking.uri:
        return settings.tracking.uri
    if settings.engine.kind == "databricks":
        return "databricks"
    return f"sqlite:///{settings.root / 'mlflow.db'}"


class Tracker:
    """One MLflow run; every method is a no-op when tracking is off."""

    def __init__(self, mlflow: Any | None, run_id: str | None, experiment_id: str | None):
        self.mlflow, self.run_id, self.experiment_id = mlflow, run_id, experiment_id
        self._unflushed = True  # nothing known yet: the first flush waits

    def params(self, values: dict[str, Any]) -> None:
        if self.mlflow:
            self.mlflow.log_params({k: str(v)[:500] for k, v in values.items()})

    def metrics(self, values: dict[str, float]) -> None:
        if self.mlflow:
            self.mlflow.log_metrics({k: float(v) for k, v in values.items()})

    def trace(
        self,
        name: str,
        inputs: Any,
        outputs: Any,
        attributes: dict[str, Any],
        start_ns: int,
        end_ns: int,
        error: str | None = None,
    ) -> None:
        """One finished call as a trace with its real start and end."""
        if not self.mlflow:
            return
        span = self.mlflow.start_span_no_context(
            name=name, span_type="LLM", inputs=inputs,
            attributes={k: str(v) for k, v in attributes.items()},
            experiment_id=self.experiment_id, start_time_ns=start_ns,
        )  # fmt: skip
        span.set_outputs(outputs)
        if error:
            span.set_status("ERROR")
            span.set_attribute("error", error)
        span.end(end_time_ns=end_ns)
        self._unflushed = True

    def flush(self) -> None:
        """Trace logging is asynchronous; flush so the traces exist when the step returns.
        Once per batch of traces: MLflow's flush stops and restarts its consumer thread,
        which polls once a second, so a second flush with nothing queued costs up to 1 s."""
        if self.mlflow and self._unflushed:
            flush_traces()
            self._unflushed = False


_experiments: dict[tuple[str, str], Future[str]] = {}
_lock = threading.Lock()
_deferring = threading.local()


@contextmanager
def traces_flushed_at_end() -> Iterator[None]:
    """Inside, a run's traces are not waited for when the run ends: MLflow's background
    logger writes them while the next steps work (about 25 ms of CPU each: the 500 traces of
    a 1M run are 12 s), and whatever is left is flushed once, on the way out. ``run`` wraps
    its steps in it; a step run alone waits for its own traces."""
    outer = getattr(_deferring, "on", False)
    _deferring.on = True
    try:
        yield
    finally:
        _deferring.on = outer
        if not outer:
            flush_traces()


def traces_deferred() -> bool:
    """True inside ``traces_flushed_at_end``."""
    return bool(getattr(_deferring, "on", False))


def flush_traces() -> None:
    """Wait until every queued trace is written (a no-op when MLflow was never used)."""
    import sys

    mlflow = sys.modules.get("mlflow")
    if mlflow is not None and hasattr(mlflow, "flush_trace_async_logging"):
        mlflow.flush_trace_async_logging()


def _experiment_id(settings: Settings) -> str:
    """The experiment's id, created when missing. A new local store first builds its schema
    (about 5 s), so ``prepare_tracking`` starts this early, in the background."""
    import mlflow

    for noisy in ("mlflow", "alembic", "sqlalchemy"):  # after the import: mlflow sets INFO
        logging.getLogger(noisy).setLevel(logging.WARNING)
    uri = tracking_uri(settings)
    mlflow.set_tracking_uri(uri)
    name = settings.tracking.experiment
    exp = mlflow.get_experiment_by_name(name)
    if exp is not None:
        return str(exp.experiment_id)
    artifacts = (settings.root / "mlruns").as_uri() if uri.startswith("sqlite:") else None
    return str(mlflow.create_experiment(name, artifact_location=artifacts))


def prepare_tracking(settings: Settings) -> None:
    """Open the tracking store and find the experiment in a background thread, while the
    step does engine work; the next ``tracked_run`` waits for it (and raises what it
    raised)."""
    if not settings.tracking.enabled:
        return
    os.environ.setdefault("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "true")  # before the import
    key = (tracking_uri(settings), settings.tracking.experiment)
    with _lock:
        if key not in _experiments:
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mlflow-prepare")
            _experiments[key] = pool.submit(_experiment_id, settings)
            pool.shutdown(wait=False)


@contextmanager
def tracked_run(settings: Settings, run_name: str) -> Iterator[Tracker]:
    if not settings.tracking.enabled:
        yield Tracker(None, None, None)
        return
    prepare_tracking(settings)
    import mlflow

    key = (tracking_uri(settings), settings.tracking.experiment)
    with _lock:  # used once: the next run looks the experiment up again (it may be gone)
        future = _experiments.pop(key)
    exp_id = future.result()  # raises what the lookup raised
    mlflow.set_tracking_uri(key[0])
    with mlflow.start_run(experiment_id=exp_id, run_name=run_name) as run:
        tracker = Tracker(mlflow, run.info.run_id, exp_id)
        try:
            yield tracker
        finally:
            if not traces_deferred():
                tracker.flush()
