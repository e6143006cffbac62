"""Logical table names -> physical tables, and the few write patterns every step uses.

Locally Sail's catalog lives in memory only, so :meth:`Catalog.ensure` registers every table
as an external Delta table under the lakehouse root at each session start (idempotent); a
later process then sees everything an earlier one wrote. On Databricks the names map to
Unity Catalog ``catalog.schema.table`` managed tables. All SQL here runs on both."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_lakehouse import faults
from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.errors import TableError
from feedback_lakehouse.tables import ALL_TABLES, LAYERS, WORKING_TABLES, TableSpec
from feedback_lakehouse.views import VIEW_DESCRIPTIONS, VIEWS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _quote(ident: str) -> str:
    if not _IDENT.match(ident):
        raise TableError(f"invalid identifier {ident!r}")
    return f"`{ident}`"


def sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Catalog:
    """Resolves logical names for one target and creates/writes the tables."""

    def __init__(
        self, spark: SparkSession, settings: Settings, tables: Iterable[TableSpec] = ALL_TABLES
    ) -> None:
        self.spark = spark
        self.settings = settings
        self.specs = {t.name: t for t in tables}
        self.databricks = settings.engine.kind == "databricks"

    # -- names -------------------------------------------------------------------------------
    def spec(self, name: str) -> TableSpec:
        try:
            return self.specs[name]
        except KeyError:
            known = ", ".join(sorted(self.specs))
            raise TableError(f"unknown table {name!r}; known tables: {known}") from None

    def schema_name(self, layer: str) -> str:
        lh = self.settings.lakehouse
        schema = _quote(f"{lh.schema_prefix}{layer}")
        if self.databricks and lh.uc_catalog:
            return f"{_quote(lh.uc_catalog)}.{schema}"
        return schema

    def physical(self, name: str) -> str:
        spec = self.spec(name)
        return f"{self.schema_name(spec.layer)}.{_quote(spec.short_name)}"

    def location(self, name: str) -> str:
        spec = self.spec(name)
        return str(self.settings.root / spec.layer / spec.short_name)

    # -- create --------------------------------------------------------------------------------
    def ensure(self) -> None:
        """Create schemas and tables if missing, register existing Delta folders (local), and
        (re)declare the dashboard views."""
        for layer in LAYERS:
            self._ensure_schema(layer)
        for spec in self.specs.values():
            self._ensure_table(spec)
        if set(self.specs) >= {t.name for t in ALL_TABLES}:  # views need every table
            for name, query in VIEWS.items():
                target = self.view_name(name)
                self.spark.sql(f"CREATE OR REPLACE VIEW {target} AS {self.rewrite(query)}")

    def ensure_table(self, name: str) -> None:
        """Create one table (and its schema) if missing, before the others exist."""
        spec = self.spec(name)
        self._ensure_schema(spec.layer)
        self._ensure_table(spec)

    def _ensure_schema(self, layer: str) -> None:
        stmt = f"CREATE DATABASE IF NOT EXISTS {self.schema_name(layer)}"
        if not self.databricks:
            stmt += f" LOCATION {sql_string(str(self.settings.root / layer))}"
        self.spark.sql(stmt)

    def _ensure_table(self, spec: TableSpec) -> None:
        columns = f"({' '.join(spec.schema.split())}) "
        existed = not self.databricks and (Path(self.location(spec.name)) / "_delta_log").is_dir()
        if existed:
            # Registering an existing table: its log holds the schema. Re-declaring it
            # trips Sail on nested types (array element names differ), so don't.
            columns = ""
        stmt = f"CREATE TABLE IF NOT EXISTS {self.physical(spec.name)} {columns}USING delta"
        if not self.databricks:
            stmt += f" LOCATION {sql_string(self.location(spec.name))}"
        elif spec.serializable:
            stmt += " TBLPROPERTIES ('delta.isolationLevel' = 'Serializable')"
        self.spark.sql(stmt)
        if existed or self.databricks:
            self._add_new_columns(spec)

    def _recreate(self, spec: TableSpec) -> None:
        """A working table written by another version, made again with this version's
        columns."""
        self.spark.sql(f"DROP TABLE IF EXISTS {self.physical(spec.name)}")
        if not self.databricks:
            shutil.rmtree(self.location(spec.name), ignore_errors=True)
        self._ensure_table(spec)

    def _add_new_columns(self, spec: TableSpec) -> None:
        """A table written by an earlier version gains the columns added since (always at the
        end of its spec: rows are written by position). Anything else is an error that says
        what differs, never a silent shift of values into the wrong column."""
        have = self.spark.table(self.physical(spec.name)).columns
        if have == spec.columns:
            return
        if spec.name in WORKING_TABLES and have != spec.columns[: len(have)]:
            self._recreate(spec)  # emptied after every run: nothing to keep
            return
        if have != spec.columns[: len(have)]:
            raise TableError(
                f"{spec.name} at {self.location(spec.name)} has columns {have}, which are not "
                f"the start of this version's {spec.columns}: the table was written by another "
                "version; rebuild it (delete its folder and run again) or use a new lakehouse root"
            )
        added = [c for c in spec.ddl_columns() if c[0] not in have]
        ddl = ", ".join(f"{name} {kind}" for name, kind in added)
        if self.databricks:
            self.spark.sql(f"ALTER TABLE {self.physical(spec.name)} ADD COLUMNS ({ddl})")
            return
        # Sail has no ALTER TABLE ... ADD COLUMNS: an empty append that merges the schema
        empty = self.spark.createDataFrame([], " ".join(spec.schema.split()))
        empty.write.format("delta").mode("append").option("mergeSchema", "true").save(
            self.location(spec.name)
        )

    def missing(self) -> list[str]:
        """Tables whose Delta folder does not exist yet (locally; on Databricks the catalog
        decides, so none are reported)."""
        if self.databricks:
            return []
        return [n for n in self.specs if not (Path(self.location(n)) / "_delta_log").is_dir()]

    # -- read / write ----------------------------------------------------------------------------
    def read(self, name: str) -> DataFrame:
        return self.spark.table(self.physical(name))

    def _conform(self, df: DataFrame, spec: TableSpec) -> DataFrame:
        missing = [c for c in spec.columns if c not in df.columns]
        if missing:
            raise TableError(f"{spec.name}: data lacks columns {missing}")
        return df.select(*spec.columns)

    def append(self, name: str, df: DataFrame) -> None:
        spec = self.spec(name)
        self._conform(df, spec).write.insertInto(self.physical(name))
        faults.committed(name)

    def replace(self, name: str, df: DataFrame) -> None:
        """The table's whole content becomes ``df`` (one commit): for tables rebuilt whole."""
        spec = self.spec(name)
        self._conform(df, spec).write.insertInto(self.physical(name), overwrite=True)
        faults.committed(name)

    def insert_new(self, name: str, df: DataFrame) -> None:
        """Insert the rows whose key is not yet in the table (an insert-only MERGE done as a
        key-only anti-join + append, which reads far less than MERGE on Sail)."""
        spec = self.spec(name)
        existing = self.read(name).select(*spec.keys)
        self.append(name, df.join(existing, list(spec.keys), "left_anti"))

    def upsert(self, name: str, df: DataFrame, version_col: str) -> dict[str, int]:
        """MERGE semantics on the table's keys, cheap on every engine: rows with a new key are
        appended, rows whose ``version_col`` changed are MERGEd, identical rows change nothing.
        Returns how many rows were inserted, updated and unchanged.

        Sail's MERGE reads the whole target with every column (10k rows into a 1M-row table:
        6.7 s, 1.8 GB), while a join on the key and version columns plus an append reads a
        fraction; changed rows are rare. Appending first is safe: appended rows meet
        themselves with an equal version, so they never count as changed."""
        from pyspark.sql import functions as F

        spec = self.spec(name)
        existing = self.read(name).select(
            *[F.col(k).alias(f"_k_{k}") for k in spec.keys], F.col(version_col).alias("_v")
        )
        on = [df[k] == existing[f"_k_{k}"] for k in spec.keys]
        tagged = df.join(existing, on, "left")
        is_new = F.col(f"_k_{spec.keys[0]}").isNull()
        is_changed = ~is_new & ~F.col("_v").eqNullSafe(F.col(version_col))
        outcome = F.when(is_new, "inserted").when(is_changed, "updated").otherwise("unchanged")
        rows = tagged.groupBy(outcome.alias("outcome")).count().collect()
        counts = dict.fromkeys(("inserted", "updated", "unchanged"), 0)
        counts.update({r["outcome"]: int(r["count"]) for r in rows})
        if counts["inserted"]:
            self.append(name, tagged.filter(is_new))
        if counts["updated"]:
            self.merge(name, tagged.filter(is_changed))
        return counts

    def merge(
        self,
        name: str,
        df: DataFrame,
        update_when: str | None = None,
        update: bool = True,
    ) -> None:
        """Idempotent upsert on the table's keys. ``update_when`` is a SQL condition on
        ``t`` (target) and ``s`` (source) limiting updates, e.g. only changed payloads;
        ``update=False`` makes it insert-only. The source must be unique on the keys."""
        clauses = ""
        if update:
            cond = f" AND ({update_when})" if update_when else ""
            clauses += f"WHEN MATCHED{cond} THEN UPDATE SET * "
        self.merge_with(
            name, self._conform(df, self.spec(name)), clauses + "WHEN NOT MATCHED THEN INSERT *"
        )

    def delete_keys(self, name: str, keys: DataFrame) -> None:
        """Delete the rows whose keys ``keys`` holds (a MERGE: keys are data, never SQL)."""
        spec = self.spec(name)
        self.merge_with(name, keys.select(*spec.keys).distinct(), "WHEN MATCHED THEN DELETE")

    def merge_with(self, name: str, source: DataFrame, clauses: str) -> None:
        """``MERGE INTO`` the table ``t`` from ``source`` ``s`` on the table's keys, with the
        given WHEN clauses (conditions on ``t`` and ``s``); the one place a MERGE is run."""
        spec = self.spec(name)
        view = f"_src_{spec.short_name}_{uuid.uuid4().hex[:8]}"
        source.createOrReplaceTempView(view)
        on = " AND ".join(f"t.{_quote(k)} = s.{_quote(k)}" for k in spec.keys)
        try:
            self.spark.sql(f"MERGE INTO {self.physical(name)} AS t USING {view} AS s ON {on} "
                           + clauses)  # fmt: skip
        finally:
            self.spark.catalog.dropTempView(view)
        faults.committed(name)

    def merge_rows(self, name: str, rows: list[dict[str, Any]]) -> None:
        """MERGE a few driver-side rows (a theme list, a watermark) by the table's keys."""
        if not rows:
            return
        spec = self.spec(name)
        cols = spec.columns
        df = self.spark.createDataFrame(
            [tuple(r.get(c) for c in cols) for r in rows], " ".join(spec.schema.split())
        )
        self.merge(name, df)

    def vacuum(self, name: str, retention_hours: int = 168) -> None:
        """Delete data files no longer referenced by the table's recent versions. Sail does not
        parse VACUUM, so locally the ``deltalake`` package does it on the folder."""
        if self.databricks:
            # Databricks refuses retention under 7 days by default; its scheduled maintenance
            # (predictive optimisation) cleans up instead.
            if retention_hours >= 168:
                self.spark.sql(f"VACUUM {self.physical(name)} RETAIN {int(retention_hours)} HOURS")
            return
        from deltalake import DeltaTable

        DeltaTable(self.location(name)).vacuum(
            retention_hours=retention_hours, enforce_retention_duration=False, dry_run=False
        )

    # -- SQL with logical names ----------------------------------------------------------------
    def rewrite(self, query: str) -> str:
        """Replace logical names (``<layer>.<table or view>``) by physical ones (on the
        embedded engine they agree; on Databricks they gain catalog and schema prefix)."""
        pattern = re.compile(r"(?<![\w.`])(" + "|".join(LAYERS) + r")\.([A-Za-z_]\w*)(?![\w`])")
        return pattern.sub(lambda m: self.view_name(f"{m.group(1)}.{m.group(2)}"), query)

    def view_name(self, name: str) -> str:
        """The physical name of a logical ``<layer>.<name>`` (tables and views alike)."""
        layer, short = name.split(".", 1)
        return f"{self.schema_name(layer)}.{_quote(short)}"

    def sql(self, query: str) -> DataFrame:
        return self.spark.sql(self.rewrite(query))

    def row_counts(self, names: Iterable[str] | None = None) -> list[tuple[str, str, int]]:
        """(logical name, grain, rows) for every table, or for the tables in ``names``."""
        wanted = set(self.specs) if names is None else set(names)
        return [
            (spec.name, spec.grain, self.read(spec.name).count())
            for spec in self.specs.values()
            if spec.name in wanted
        ]

    # -- listing -------------------------------------------------------------------------------
    def declared(self) -> list[tuple[str, str]]:
        """(logical name, kind) of every table (kind ``table``, or ``working table`` for the
        working tables of a run in progress), then every view (``view``), as ``tables.py`` and
        ``views.py`` declare them: the engine's own listing differs per engine."""
        views = list(VIEWS) if set(self.specs) >= {t.name for t in ALL_TABLES} else []
        tables = [(n, "working table" if n in WORKING_TABLES else "table") for n in self.specs]
        return tables + [(name, "view") for name in views]

    def describe(self, name: str) -> list[tuple[str, str, str | None]]:
        """(column, type, ``key`` or None) of a logical table or view as the engine reads it:
        Sail's DESCRIBE answers no columns for a table registered from an existing folder."""
        if name not in dict(self.declared()):
            known = ", ".join(n for n, _ in self.declared())
            raise TableError(f"table or view not found: {name}; known: {known}")
        keys = set(self.specs[name].keys) if name in self.specs else set()
        fields = self.spark.table(self.view_name(name)).schema.fields
        return [(f.name, f.dataType.simpleString(), "key" if f.name in keys else None)
                for f in fields]  # fmt: skip

    def listing(self, include_working: bool = False) -> list[dict[str, Any]]:
        """Tables by layer with row count and grain, each layer's views after its tables with
        a description; the working tables only with ``include_working`` (not counted else)."""
        entries = [(n, k) for n, k in self.declared() if include_working or k != "working table"]
        entries.sort(key=lambda e: (LAYERS.index(e[0].split(".", 1)[0]), e[1] == "view"))
        counted = self.row_counts(n for n, k in entries if k != "view")
        about: dict[str, tuple[str, int | None]] = {n: (g, rows) for n, g, rows in counted}
        for name, kind in entries:
            if kind == "view":
                about[name] = (VIEW_DESCRIPTIONS.get(name, "dashboard view"), None)
        return [
            {"name": n, "kind": k, "rows": about[n][1], "description": about[n][0]}
            for n, k in entries
        ]
