"""Step reports and query results on stdout: readable tables for a person, or one JSON
document (never wrapped or coloured) for a pipe."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from feedback_lakehouse.step_report import StepReport, failed_checks, problems


def detail_rows(details: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """``details`` as readable ``(key, value)`` rows for a terminal: nested dicts flattened to
    dotted keys, numbers with thousands separators, a list of quality results summarised as
    ``12/12 checks passed`` plus one row per failed check."""
    rows: list[tuple[str, str]] = []
    for key, value in details.items():
        name = f"{prefix}{key}"
        if key == "quality" and isinstance(value, list):
            failed = failed_checks(value)
            rows.append((name, f"{len(value) - len(failed)}/{len(value)} checks passed"))
            rows += [(f"{name} failed", line) for line in failed]
        elif isinstance(value, Mapping) and value:
            rows += detail_rows(value, f"{name}.")
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            rows += [(f"{name}[{i}]", _pairs(v)) for i, v in enumerate(value)]
        else:
            rows.append((name, _text(value)))
    return rows


def _pairs(value: Mapping[str, Any]) -> str:
    return ", ".join(f"{k} {_text(v)}" for k, v in value.items())


def _text(value: Any) -> str:
    """One value as text: ``—`` for none, ``yes``/``no``, ``1,234``, ``0.12``, lists joined."""
    if value is None or value == {} or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.2g}" if 0 < abs(value) < 0.001 else f"{round(value, 3):,}"
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, Mapping):
        return _pairs(value)
    return str(value)


def _summary_table(reports: Sequence[StepReport]) -> Table:
    table = Table("step", "read", "written", "quarantined", "seconds", "rows/s", "status")
    for col in table.columns[1:6]:
        col.justify = "right"
    for r in reports:
        failed = failed_checks(r.details.get("quality"))
        status = (
            "[red]data problem[/red]" if problems(r)
            else "[yellow]checks failed[/yellow]" if failed else "ok"
        )  # fmt: skip
        table.add_row(
            r.step, f"{r.rows_read:,}", f"{r.rows_written:,}", f"{r.rows_quarantined:,}",
            f"{r.duration_s:,.1f}", f"{r.rows_per_s:,.0f}", status,
        )  # fmt: skip
    return table


def _details_table(report: StepReport) -> Table | None:
    rows = detail_rows(report.details)
    if not rows:
        return None
    rows.sort(key=lambda row: row[0].startswith("seconds."))  # counts first, timings last
    table = Table("detail", "value", title=f"{report.step}: details", title_justify="left")
    for key, value in rows:
        table.add_row(Text(key), Text(value))
    return table


def print_reports(out: Console, reports: Sequence[StepReport], fmt: str) -> None:
    """One JSON document (a list of ``report.as_dict()``), or a summary table plus each
    step's details and messages."""
    if fmt == "json":
        doc = [r.as_dict() for r in reports]
        out.file.write(json.dumps(doc, default=str, ensure_ascii=False, indent=2) + "\n")
        return
    if not reports:
        return
    out.print(_summary_table(reports))
    for report in reports:
        if (details := _details_table(report)) is not None:
            out.print(details)
        for message in report.messages:
            out.print(Text(f"{report.step}: {message}", style="yellow"), soft_wrap=True)


def plain(value: Any) -> Any:
    """A query result value as plain Python (rows and structs as dicts)."""
    if hasattr(value, "asDict"):
        return {k: plain(v) for k, v in value.asDict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def print_rows(out: Console, columns: list[str], rows: list[list[Any]], fmt: str) -> None:
    """Query results as a table, or as plain JSON (never wrapped or coloured: pipe it)."""
    if fmt == "json":
        doc = [dict(zip(columns, row, strict=True)) for row in rows]
        out.file.write(json.dumps(doc, default=str, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*(Text(_cell(v)) for v in row))
    out.print(table)
