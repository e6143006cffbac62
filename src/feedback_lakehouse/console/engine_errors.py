"""An error from the Spark engine read as one line a user can act on ("column or table not
found: arr"), instead of the client library's wording (``ObjectName([Identifier("arr")])``)
or a Python worker's whole traceback."""

from __future__ import annotations

import re

_MISSING_ATTRIBUTE = re.compile(r"attribute ObjectName\(\[(.*?)\]\) is missing from the schema")

_IDENTIFIER = re.compile(r'Identifier\("((?:[^"\\]|\\.)*)"\)')

_SPARK_MISSING_COLUMN = re.compile(
    r"\[UNRESOLVED_COLUMN[\w.]*\].*? with name (\S+) cannot be resolved\.\s*(.*)", re.S
)

_MISSING_TABLE = re.compile(
    r"Table or view not found: (\S+)|The table or view (\S+) cannot be found", re.I
)

_MISSING_FUNCTION = re.compile(
    r"unknown function: (\S+)|\[UNRESOLVED_ROUTINE\] Cannot resolve (?:routine|function) (\S+)"
)

_SYNTAX = re.compile(r"invalid argument: found (.+?)(?: at \d+:\d+)? expected (.+)", re.S)

_PYTHON_ERROR = re.compile(r"^([\w.]*?)(\w+(?:Error|Exception|Interrupt)): (.*)$")


def from_engine(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("pyspark", "grpc"))


def _qualified(name: str, query: str) -> str:
    """``nope`` -> ``gold.nope`` when the query names it with a layer."""
    name = name.replace("`", "").rstrip(".")
    if "." in name:
        return name
    m = re.search(rf"\b(bronze|silver|gold|ops)\.`?{re.escape(name)}\b", query)
    return f"{m.group(1)}.{name}" if m else name


def _worker_error(message: str) -> str | None:
    """The exception a Python worker raised (the last ``Name: message`` line of its
    traceback), without the package path of our own errors."""
    for line in reversed(message.strip().splitlines()):
        if m := _PYTHON_ERROR.match(line.strip()):
            module, name, text = m.groups()
            return text if module.startswith("feedback_lakehouse") else f"{name}: {text}"
    return None


def explain_engine_error(exc: BaseException, query: str = "") -> tuple[str, str | None]:
    """A one-line message for an error from the Spark engine, and the engine's own words
    when they add something (None otherwise)."""
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else repr(exc)
    if type(exc).__name__ == "PythonException" and (inner := _worker_error(text)):
        return f"in a Python worker: {inner}", None
    if m := _MISSING_ATTRIBUTE.search(text):
        return f"column or table not found: {'.'.join(_IDENTIFIER.findall(m.group(1)))}", None
    if m := _SPARK_MISSING_COLUMN.search(text):
        hint = m.group(2).strip().splitlines()[0] if m.group(2).strip() else None
        return f"column or table not found: {m.group(1).replace('`', '')}", hint
    if m := _MISSING_TABLE.search(text):
        name = _qualified(m.group(1) or m.group(2), query)
        return f"table or view not found: {name} (`feedback-lakehouse tables` lists them)", None
    if m := _MISSING_FUNCTION.search(text):
        return f"function not found: {(m.group(1) or m.group(2)).replace('`', '')}", None
    if m := _SYNTAX.search(text):
        return f"SQL syntax error at {m.group(1)}: expected {m.group(2).strip()}", None
    return first, None
