"""The integration suite shares one lakehouse: the sample data generated once, ingested once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SAMPLE_TICKETS = 2000
SAMPLE_SEED = 11


def load_ground_truth(landing: Path) -> list[dict[str, Any]]:
    from feedback_lakehouse.synth.ground_truth import read_messages

    return list(read_messages(landing))


@pytest.fixture(scope="session")
def own_settings(engine_settings) -> Callable[..., Any]:
    """``own_settings(root, prefix, **lakehouse)``: the suite's settings pointed at a test
    module's own lakehouse, with a schema prefix of its own (one embedded engine serves every
    lakehouse of the run)."""

    def pointed(root: Path, prefix: str, **lakehouse: Any) -> Any:
        update = {"root": str(root), "schema_prefix": prefix, **lakehouse}
        own = engine_settings.lakehouse.model_copy(update=update)
        return engine_settings.model_copy(update={"lakehouse": own})

    return pointed


@pytest.fixture(scope="session")
def lakehouse(spark, engine_settings):
    """The suite's lakehouse, opened through the same front door as the CLI and the jobs."""
    from feedback_lakehouse.lakehouse import open_lakehouse

    return open_lakehouse(settings=engine_settings)


@pytest.fixture(scope="session")
def catalog(lakehouse):
    return lakehouse.catalog


@pytest.fixture(scope="session")
def sample(engine_settings) -> Path:
    from feedback_lakehouse.synth.generator import generate

    landing = engine_settings.landing_dir
    generate(landing, tickets=SAMPLE_TICKETS, seed=SAMPLE_SEED, days=60)
    return landing


@pytest.fixture(scope="session")
def truth(sample: Path) -> list[dict[str, Any]]:
    return load_ground_truth(sample)


@pytest.fixture(scope="session")
def first_ingest(spark, catalog, engine_settings, sample):
    from feedback_lakehouse.bronze.ingest import run_ingest

    return run_ingest(spark, catalog, engine_settings)


@pytest.fixture(scope="session")
def silver_run(spark, catalog, engine_settings, first_ingest):
    from feedback_lakehouse.silver.step import run_silver

    return run_silver(spark, catalog, engine_settings)


@pytest.fixture(scope="session")
def insights_run(spark, catalog, engine_settings, silver_run):
    from feedback_lakehouse.insights.step import run_insights

    return run_insights(spark, catalog, engine_settings)


@pytest.fixture(scope="session")
def gold_run(spark, catalog, engine_settings, insights_run):
    from feedback_lakehouse.gold.step import run_gold

    return run_gold(spark, catalog, engine_settings)


@pytest.fixture
def cli_call(capsys):
    """``cli.main`` with the shipped conf, in-process; returns (exit code, stdout, stderr)."""
    from feedback_lakehouse import cli

    conf = Path(__file__).resolve().parents[2] / "conf"
    capsys.readouterr()

    def call(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["--conf", str(conf), *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return call
