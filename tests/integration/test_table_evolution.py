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
