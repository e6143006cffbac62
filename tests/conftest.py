"""Shared fixtures. One embedded engine per test session (starting Sail per test would make
the suite slow); each integration module gets its own lakehouse root under tmp."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "conf"
TESTS = Path(__file__).resolve().parent
# a test's folder under tests/ decides its marker, so no file can forget it
FOLDER_MARKERS = {"unit": "unit", "integration": "integration"}

os.environ.setdefault("RUST_LOG", "error")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        try:
            folder = item.path.resolve().relative_to(TESTS).parts[0]
        except ValueError:
            continue
        marker = FOLDER_MARKERS.get(folder)
        if marker and item.get_closest_marker(marker) is None:
            item.add_marker(marker)


@pytest.fixture(scope="session")
def conf_dir() -> Path:
    return CONF


@pytest.fixture(scope="session")
def engine_settings(tmp_path_factory: pytest.TempPathFactory):
    from feedback_lakehouse.config.settings import load_settings

    root = tmp_path_factory.mktemp("lakehouse")
    return load_settings("local", CONF, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(root)})


@pytest.fixture(scope="session")
def spark(engine_settings) -> Iterator[object]:
    from feedback_lakehouse.engine import get_spark

    session = get_spark(engine_settings)
    yield session
