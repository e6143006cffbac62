"""The one front door: settings -> conf files checked -> engine session -> catalog with
every table and view declared. The CLI, the Databricks jobs, the benchmarks, the tests and a
notebook all open a lakehouse here, so each sees the same tables the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from feedback_lakehouse.config.check import check_conf
from feedback_lakehouse.config.settings import Settings, load_settings
from feedback_lakehouse.lease import LeaseHeld, writer_lease
from feedback_lakehouse.run import new_run_id, now_utc

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from feedback_lakehouse.catalog import Catalog


@dataclass(frozen=True)
class Lakehouse:
    settings: Settings
    spark: SparkSession
    catalog: Catalog


def open_lakehouse(
    target: str | None = None,
    conf: str | Path | None = None,
    *,
    settings: Settings | None = None,
    environ: Mapping[str, str] | None = None,
) -> Lakehouse:
    """Open the lakehouse of ``target`` (default ``$FEEDBACK_LAKEHOUSE_TARGET`` or local).

    Every conf file (settings, taxonomy, labeled examples, runbooks, model endpoint keys) is
    checked before the engine starts, so a mistake fails naming its file and key before any
    table is touched. Pass ``settings`` to open a lakehouse for settings already loaded.
    While another run writes, a lakehouse whose tables all exist opens for reading."""
    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.engine import get_spark

    if settings is None:
        settings = load_settings(target, conf, dict(environ) if environ is not None else None)
    check_conf(settings)
    spark = get_spark(settings)
    catalog = Catalog(spark, settings)
    try:
        # ensure creates the tables that are missing
        with writer_lease(settings, new_run_id("open", now_utc()), catalog):
            catalog.ensure()
    except LeaseHeld:
        if catalog.missing():
            raise  # creating them would race the run that is writing
        catalog.ensure()  # every table exists: this only registers them with the engine
    return Lakehouse(settings, spark, catalog)
