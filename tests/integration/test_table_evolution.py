"""A lakehouse written by an earlier version opens with the columns added since: rows written
by position must land in the right columns, and a table that differs otherwise is an error
that says what to do, never values shifted into the wrong column."""

from __future__ import annotations

import pytest

from feedback_lakehouse.tables import TableSpec

OLD = TableSpec("ops.evolve_probe", "test", "k STRING, v INT", ("k",))
NEW = TableSpec("ops.evolve_probe", "test", "k STRING, v INT, added STRING", ("k",))
OTHER = TableSpec("ops.evolve_probe", "test", "k STRING, added STRING, v INT", ("k",))


@pytest.fixture()
def settings(own_settings, tmp_path):
    return own_settings(tmp_path, f"evolve{tmp_path.name[-6:]}_")


def test_a_table_gains_the_columns_added_since_and_keeps_its_rows(spark, settings) -> None:
    from feedback_lakehouse.catalog import Catalog

    old = Catalog(spark, settings, [OLD])
    old.ensure_table(OLD.name)
    old.append(OLD.name, spark.createDataFrame([("a", 1)], "k STRING, v INT"))

    new = Catalog(spark, settings, [NEW])
    new.ensure_table(NEW.name)
    assert new.read(NEW.name).columns == ["k", "v", "added"]
    new.append(NEW.name, spark.createDataFrame([("b", 2, "x")], "k STRING, v INT, added STRING"))
    rows = {r["k"]: (r["v"], r["added"]) for r in new.read(NEW.name).collect()}
    assert rows == {"a": (1, None), "b": (2, "x")}


def test_a_table_whose_columns_differ_otherwise_is_refused_by_name(spark, settings) -> None:
    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.errors import TableError

    Catalog(spark, settings, [OLD]).ensure_table(OLD.name)
    with pytest.raises(TableError, match=r"ops\.evolve_probe .*rebuild it"):
        Catalog(spark, settings, [OTHER]).ensure_table(OTHER.name)


def test_a_working_table_of_another_version_is_made_again(spark, settings) -> None:
    """A run's working table holds nothing between runs: one whose columns differ (a column
    dropped since) is made again with this version's columns instead of refused."""
    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.tables import THEME_WORK

    old = TableSpec(THEME_WORK.name, "test",
                    "fragment_id STRING, feedback_id STRING, sub_theme STRING, vector ARRAY<FLOAT>",
                    ("fragment_id",))  # fmt: skip
    Catalog(spark, settings, [old]).ensure_table(old.name)
    new = Catalog(spark, settings, [THEME_WORK])
    new.ensure_table(THEME_WORK.name)
    assert new.read(THEME_WORK.name).columns == ["fragment_id", "feedback_id", "vector"]
    new.append(
        THEME_WORK.name,
        spark.createDataFrame(
            [("f", "m", [1.0])], "fragment_id STRING, feedback_id STRING, vector ARRAY<FLOAT>"
        ),
    )
    assert new.read(THEME_WORK.name).count() == 1
