"""What the `sql` command reads in a statement before the engine sees it: whether it changes
anything (`sql` is read-only unless asked), and the DESCRIBE / SHOW statements it answers
from the catalog's declarations on logical names (the embedded engine parses no
``DESCRIBE <name>``, describes a table registered from a folder as column-less, and lists
only the current schema's tables)."""

from __future__ import annotations

import fnmatch
import re
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.tables import LAYERS

if TYPE_CHECKING:
    from feedback_lakehouse.catalog import Catalog

_NAME = r"((?:`?\w+`?\.)?`?\w+`?)"

_DESCRIBE = re.compile(
    rf"^\s*(DESC|DESCRIBE)(?:\s+(?:TABLE|EXTENDED|FORMATTED))*\s+{_NAME}\s*;?\s*$", re.I
)

_SHOW_COLUMNS = re.compile(rf"^\s*SHOW\s+(COLUMNS)\s+(?:IN|FROM)\s+{_NAME}\s*;?\s*$", re.I)

_SHOW_TABLES = re.compile(
    r"^\s*SHOW\s+(TABLES|VIEWS)(?:\s+(?:IN|FROM)\s+`?(\w+)`?)?(?:\s+(?:LIKE\s+)?'([^']*)')?"
    r"\s*;?\s*$",
    re.I,
)

READ_VERBS = frozenset({"SELECT", "WITH", "SHOW", "DESCRIBE", "DESC", "EXPLAIN", "VALUES", "TABLE",
                        "FROM"})  # fmt: skip

_INERT = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`", re.S)

WRITE_WORDS = re.compile(  # words only a statement that changes something has (CTE -> INSERT)
    r"\b(INSERT|UPDATE|DELETE|MERGE|DROP|CREATE|ALTER|TRUNCATE|OVERWRITE|REFRESH|CACHE)\b", re.I
)


def _like(pattern: str | None, name: str) -> bool:
    """Spark's SHOW ... LIKE: ``*`` any characters, ``|`` between alternatives."""
    if not pattern:
        return True
    return any(fnmatch.fnmatch(name.lower(), p.strip().lower()) for p in pattern.split("|"))


def writing_verb(query: str) -> str | None:
    """The verb that makes ``query`` change something (any statement not a SELECT, WITH,
    SHOW, DESCRIBE or EXPLAIN, or one holding INSERT, DELETE...), or None: read-only."""
    bare = _INERT.sub(" ", query)
    for statement in bare.split(";"):
        words = re.findall(r"[A-Za-z_]+", statement)
        if not words:
            continue
        verb = words[0].upper()
        if verb not in READ_VERBS:
            return verb
        if verb not in {"SHOW", "DESCRIBE", "DESC", "EXPLAIN"} and (
            m := WRITE_WORDS.search(statement)
        ):
            return m.group(1).upper()
    return None


def answer(catalog: Catalog, query: str) -> tuple[list[str], list[list[Any]]] | None:
    """Columns and rows for DESCRIBE, SHOW COLUMNS, SHOW TABLES and SHOW VIEWS on logical
    names, from the declarations (Sail parses no ``DESCRIBE <name>``, describes a table
    registered from a folder as column-less, and SHOW TABLES lists only the current
    schema); None for any other statement, which the engine answers."""
    if m := _DESCRIBE.match(query) or _SHOW_COLUMNS.match(query):
        name = m.group(2).replace("`", "").lower()
        if "." not in name or name.split(".", 1)[0] not in LAYERS:
            return None
        described = catalog.describe(name)
        if m.re is _SHOW_COLUMNS:
            return ["col_name"], [[c] for c, _, _ in described]
        return ["col_name", "data_type", "comment"], [list(d) for d in described]
    if m := _SHOW_TABLES.match(query):
        return _show_tables(catalog, m.group(1).upper(), m.group(2), m.group(3))
    return None


def _show_tables(
    catalog: Catalog, what: str, layer: str | None, like: str | None
) -> tuple[list[str], list[list[Any]]] | None:
    if layer and layer.lower() not in LAYERS:
        return None  # not one of ours: the engine's own answer
    rows = []
    for name, kind in catalog.declared():
        db, short = name.split(".", 1)
        if (layer and db != layer.lower()) or not _like(like, short):
            continue
        if what == "TABLES":
            rows.append([db, short, kind])
        elif kind == "view":
            rows.append([db, short])
    columns = ["database", "tableName", "kind"] if what == "TABLES" else ["database", "viewName"]
    return columns, rows
