"""Bring-your-own exports as a new user points at them: the mapping files given on the command
line, the folder that overrides where they read, and a look at each file's header before a
single record is parsed.

A misspelled column or a semicolon-separated file used to quarantine every row one by one
(each "missing required field"), and a ``--path`` pointing nowhere read 0 records and passed
every check. Both now stop at once naming what was looked for and what was found."""

from __future__ import annotations

import csv
import glob
import io
from collections.abc import Sequence
from pathlib import Path

import orjson

from feedback_lakehouse.bronze.files import find_files
from feedback_lakehouse.bronze.readers import open_export
from feedback_lakehouse.config.mapping import ExportMapping, load_export_mapping
from feedback_lakehouse.errors import ConfigError

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_JSONL_PROBE = 50
"""JSON-lines records read to see which columns an export has."""


def mapped_columns(mapping: ExportMapping) -> list[str]:
    """Every column the mapping reads, in the order a person wrote them."""
    cols = [mapping.record_id, mapping.received_at.column, *mapping.body, *mapping.required]
    optional = (mapping.subject, mapping.account_id, mapping.requester, mapping.channel,
                mapping.locale, mapping.product_version, mapping.device, mapping.os,
                mapping.browser, mapping.region, mapping.priority, mapping.status, mapping.score,
                mapping.resolved_at.column if mapping.resolved_at else None)  # fmt: skip
    cols += [c for c in optional if c]
    return list(dict.fromkeys(cols))


def command_line_exports(
    mapping_files: Sequence[str], folder: str | None, landing: Path
) -> list[ExportMapping]:
    """The mappings named on the command line, reading from ``folder`` when given; each must
    find at least one file, or the command stops naming the pattern it looked for."""
    if folder and not mapping_files:
        raise ConfigError(
            f"--path {folder}: says where an export's files are, so it needs the mapping that "
            "reads them: add --export <mapping.yml> (see conf/exports/)"
        )
    if folder and not Path(folder).is_dir():
        raise ConfigError(f"--path {folder}: no such folder; give the folder holding the export")
    out = []
    for file in mapping_files:
        mapping = load_export_mapping(file)
        if folder:
            # the folder is a folder, not a pattern: brackets in its name match themselves
            pattern = str(Path(glob.escape(str(Path(folder).resolve()))) / Path(mapping.path).name)
            mapping = mapping.model_copy(update={"path": pattern})
        if not find_files(landing, mapping.path):
            where = mapping.path if Path(mapping.path).is_absolute() else landing / mapping.path
            raise ConfigError(
                f"{file}: path {mapping.path!r} matches no file (looked for {where}); put the "
                "export there or pass --path <folder>"
            )
        out.append(mapping)
    return out


def _csv_header(path: Path) -> tuple[list[str], str]:
    with open_export(path) as fh:
        first = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="replace").readline()
    counts = {d: first.count(d) for d in _DELIMITERS}
    seen = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    return (next(csv.reader([first]), []), seen)


def _jsonl_columns(path: Path) -> set[str]:
    keys: set[str] = set()
    with open_export(path) as fh:
        for n, line in enumerate(fh):
            if n >= _JSONL_PROBE:
                break
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                keys |= set(obj)
    return keys


def check_columns(path: Path, mapping: ExportMapping) -> None:
    """Stop before parsing when the file lacks columns the mapping reads, naming them, the
    columns found and (CSV) the delimiter seen."""
    wanted = mapped_columns(mapping)
    if mapping.format == "csv":
        header, delimiter = _csv_header(path)
        missing = [c for c in wanted if c not in header]
        if not missing:
            return
        found = ", ".join(repr(h) for h in header[:12]) + (" ..." if len(header) > 12 else "")
        hint = (
            f" The header line is {_DELIMITERS[delimiter]}-separated: exports must be "
            "comma-separated (RFC 4180); save it again with commas."
            if delimiter != ","
            else " Fix the column names in the mapping (they are case-sensitive)."
        )
        raise ConfigError(
            f"{path}: the mapping for source {mapping.source!r} reads column(s) "
            f"{', '.join(map(repr, missing))} that the header does not have; the header has "
            f"{len(header)} column(s): {found}.{hint}"
        )
    present = _jsonl_columns(path)
    missing = [c for c in wanted if c not in present]
    if present and missing:
        raise ConfigError(
            f"{path}: the mapping for source {mapping.source!r} reads column(s) "
            f"{', '.join(map(repr, missing))} that none of its first {_JSONL_PROBE} records "
            f"has; they have: {', '.join(sorted(map(repr, present))[:15])}. Fix the mapping's "
            "column names (they are case-sensitive)."
        )
