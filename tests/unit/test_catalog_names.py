from __future__ import annotations

from pathlib import Path

import pytest

from feedback_lakehouse.catalog import Catalog
from feedback_lakehouse.config.settings import load_settings
from feedback_lakehouse.errors import TableError
from feedback_lakehouse.tables import ALL_TABLES, FEEDBACK_RAW


def test_every_table_declares_keys_that_are_columns() -> None:
    for spec in ALL_TABLES:
        assert set(spec.keys) <= set(spec.columns), spec.name
        assert len(spec.columns) == len(set(spec.columns)), spec.name
    assert FEEDBACK_RAW.columns[:2] == ["source", "source_record_id"]


def test_databricks_names_and_rewrite(conf_dir: Path) -> None:
    settings = load_settings("dev", conf_dir, environ={})
    catalog = Catalog(spark=None, settings=settings)  # names only: no session needed
    assert catalog.physical("bronze.feedback_raw") == "`dev`.`feedback_bronze`.`feedback_raw`"
    sql = "SELECT * FROM bronze.feedback_raw r JOIN bronze.accounts a USING (account_id)"
    assert catalog.rewrite(sql) == (
        "SELECT * FROM `dev`.`feedback_bronze`.`feedback_raw` r "
        "JOIN `dev`.`feedback_bronze`.`accounts` a USING (account_id)"
    )
    with pytest.raises(TableError, match=r"unknown table 'bronze\.nope'"):
        catalog.physical("bronze.nope")


def test_local_names_keep_logical_form(conf_dir: Path, tmp_path: Path) -> None:
    settings = load_settings("local", conf_dir, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})
    catalog = Catalog(spark=None, settings=settings)
    assert catalog.physical("bronze.rejected") == "`bronze`.`rejected`"
    assert catalog.location("bronze.rejected") == str(tmp_path.resolve() / "bronze" / "rejected")
