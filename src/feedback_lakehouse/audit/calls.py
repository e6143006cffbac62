"""The run's audit sink: every model call a step makes lands as a row of
``ops.insight_calls`` and, for the first ``insights.trace_calls`` of a run, as an MLflow trace
with its real start and end; the MLflow run carries the run's id, step, target, code version
and settings digest, so a trace can be tied to the code and configuration that made it.

Calls made on executors come back as :class:`CallRecord` JSON in a DataFrame and are landed
from there (:meth:`Audit.land_calls`); calls made on the driver come as records
(:meth:`Audit.record_calls`). Both end in the same rows and traces."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.audit.tracking import Tracker, prepare_tracking, tracked_run
from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.llm.calls import CallRecord

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from feedback_lakehouse.catalog import Catalog

CALL_FIELDS = (
    "call_id STRING, backend STRING, model STRING, prompt_version STRING, "
    "keys ARRAY<STRING>, started_ns BIGINT, ended_ns BIGINT, status STRING, "
    "attempts INT, tokens_in BIGINT, tokens_out BIGINT, error STRING"
)
"""The columns of a :class:`CallRecord` that land in the table (request and response go to
the trace only: they hold customer text)."""


class Audit:
    """One step run's recorder of model calls."""

    def __init__(
        self, catalog: Catalog, settings: Settings, *, run_id: str, step: str,
        code_version: str, settings_digest: str,
    ) -> None:  # fmt: skip
        self.catalog, self.settings = catalog, settings
        self.run_id, self.step = run_id, step
        self.code_version, self.settings_digest = code_version, settings_digest

    def identity(self) -> dict[str, str]:
        """What every MLflow run of this step run is tagged with."""
        return {
            "run_id": self.run_id, "step": self.step, "target": self.settings.target,
            "code_version": self.code_version, "settings_digest": self.settings_digest,
        }  # fmt: skip

    def prepare(self) -> None:
        """Open the tracking store in the background while the step does other work."""
        prepare_tracking(self.settings)

    @contextmanager
    def tracked(self, purpose: str = "") -> Iterator[Tracker]:
        """An MLflow run for this step run (a no-op tracker when tracking is off)."""
        name = f"{self.run_id}-{purpose}" if purpose else self.run_id
        with tracked_run(self.settings, name) as tracker:
            tracker.params(self.identity())
            yield tracker

    def land_calls(self, calls: DataFrame) -> dict[str, int]:
        """Call rows (the columns of ``CALL_FIELDS``) -> ``ops.insight_calls``; returns the
        run's call, token and item totals."""
        from pyspark.sql import functions as F

        c = calls
        rows = c.select(
            F.lit(self.run_id).alias("run_id"), "call_id", "backend", "model",
            "prompt_version", F.size("keys").alias("fragments"),
            F.timestamp_seconds(F.col("started_ns") / 1e9).alias("started_at"),
            ((F.col("ended_ns") - F.col("started_ns")) / 1e6).alias("latency_ms"),
            "status", "attempts", "tokens_in", "tokens_out", "error",
        )  # fmt: skip
        self.catalog.append("ops.insight_calls", rows)
        tot = rows.agg(
            F.count(F.lit(1)).alias("calls"),
            F.coalesce(F.sum("tokens_in"), F.lit(0)).alias("tokens_in"),
            F.coalesce(F.sum("tokens_out"), F.lit(0)).alias("tokens_out"),
            F.coalesce(F.sum("fragments"), F.lit(0)).alias("backend_fragments"),
        ).first()
        names = ("calls", "tokens_in", "tokens_out", "backend_fragments")
        return {k: int(tot[k]) for k in names}

    def land_call_json(self, payloads: DataFrame) -> dict[str, int]:
        """Like :meth:`land_calls`, from a ``payload`` column of CallRecord JSON."""
        from pyspark.sql import functions as F

        parsed = payloads.select(F.from_json("payload", CALL_FIELDS).alias("c"))
        return self.land_calls(parsed.select("c.*"))

    def trace(
        self, tracker: Tracker, calls: Iterable[CallRecord], operation: str, unit: str
    ) -> int:
        """The first ``insights.trace_calls`` calls as traces named ``<backend>.<operation>``;
        ``unit`` names what a call's keys are (fragments, themes). Returns traces queued."""
        if tracker.mlflow is None:
            return 0
        n = 0
        for c in calls:
            if n >= self.settings.insights.trace_calls:
                break
            tracker.trace(
                f"{c.backend}.{operation}",
                inputs={unit: len(c.keys), "keys": c.keys[:50], "request": c.request},
                outputs={"response": c.response, "status": c.status},
                attributes=_attributes(c) | {"run_id": self.run_id},
                start_ns=c.started_ns, end_ns=c.ended_ns, error=c.error,
            )  # fmt: skip
            n += 1
        return n

    def trace_json(self, tracker: Tracker, payloads: DataFrame, operation: str, unit: str) -> int:
        """Like :meth:`trace`, from a ``payload`` column of CallRecord JSON (a bounded
        collect: at most ``insights.trace_calls`` rows, so a huge first run cannot flood the
        store)."""
        limit = self.settings.insights.trace_calls
        if tracker.mlflow is None or limit == 0:
            return 0
        first = payloads.select("payload").limit(limit).collect()
        records = [CallRecord.model_validate_json(r["payload"]) for r in first]
        return self.trace(tracker, records, operation, unit)

    def record_calls(
        self, tracker: Tracker, calls: list[CallRecord], operation: str, unit: str
    ) -> dict[str, int]:
        """Driver-side calls: rows and traces together."""
        rows = [c.model_dump(include=_LANDED) for c in calls]
        frame = self.catalog.spark.createDataFrame(
            [tuple(r[k] for k in _LANDED_ORDER) for r in rows], CALL_FIELDS
        )
        totals = self.land_calls(frame)
        self.trace(tracker, calls, operation, unit)
        return totals


_LANDED_ORDER = tuple(f.split()[0] for f in CALL_FIELDS.split(", "))
_LANDED = set(_LANDED_ORDER)


def _attributes(c: CallRecord) -> dict[str, Any]:
    return {
        "backend": c.backend, "model": c.model, "prompt_version": c.prompt_version,
        "attempts": c.attempts, "tokens_in": c.tokens_in, "tokens_out": c.tokens_out,
    }  # fmt: skip
