"""``feedback-lakehouse``: the same step functions the Databricks jobs call, from a shell.

Step reports and query results go to stdout (readable tables, or one JSON document with
``--format json``); progress, notices and errors go to stderr. The exit code says what
happened (``EPILOG``). Rendering, Ctrl-C and engine-error wording: ``console/``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from feedback_lakehouse import interrupt
from feedback_lakehouse.config.settings import Settings, load_settings
from feedback_lakehouse.console.ctrl_c import ctrl_c_stops_at_step_boundary
from feedback_lakehouse.console.engine_errors import explain_engine_error, from_engine
from feedback_lakehouse.console.progress import RichProgress
from feedback_lakehouse.console.render import plain, print_reports, print_rows
from feedback_lakehouse.console.statements import WRITE_WORDS, answer, writing_verb
from feedback_lakehouse.errors import FeedbackLakehouseError, QualityError
from feedback_lakehouse.invariants import InvariantError
from feedback_lakehouse.lease import writer_lease
from feedback_lakehouse.step_report import StepReport, failed_checks, problems
from feedback_lakehouse.tables import WORKING_TABLES

console = Console(stderr=True)
out = Console()

EXIT_OK = 0
EXIT_DATA = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

EPILOG = """\
exit codes:
  0    done
  1    data problem: a step's records do not add up (read != written + quarantined),
       a quality gate stopped a step (quality.fail_on_error), or `evaluate` could
       not measure a section. A failed check without the gate is a warning
  2    usage, configuration or engine error (the message says what to fix)
  130  interrupted (Ctrl-C); `feedback-lakehouse run` goes on where it stopped"""

STEP_COMMANDS = ("ingest", "silver", "insights", "gold", "run", "maintain")


class UsageError(FeedbackLakehouseError):
    """The command line asks for something this command does not do as given."""


def _say(message: str, style: str | None = None) -> None:
    """One notice on stderr, never read as rich markup and never hard-wrapped."""
    console.print(Text(message, style=style or ""), soft_wrap=True)


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(target=args.target, conf_dir=args.conf)


def _session(settings: Settings) -> Any:
    from feedback_lakehouse.lakehouse import open_lakehouse

    with console.status(f"starting the {settings.engine.kind} engine"):
        lh = open_lakehouse(settings=settings)
    return lh.spark, lh.catalog


def finish(reports: Sequence[StepReport], fmt: str) -> int:
    """Print the reports on stdout; name each data problem and each failed quality check on
    stderr; the exit code (a failed check stops a run only under quality.fail_on_error)."""
    print_reports(out, reports, fmt)
    for r in reports:
        for check in failed_checks(r.details.get("quality")):
            _say(f"quality check failed in {r.step}: {check}", "yellow")
    found = [f"{r.step}: {p}" for r in reports for p in problems(r)]
    for problem in found:
        _say(f"data problem in {problem}", "red")
    return EXIT_DATA if found else EXIT_OK


def _stopped_line(command: str | None) -> str:
    if command in STEP_COMMANDS:
        return f"stopped; run `feedback-lakehouse {command}` again to go on"
    return "stopped"


# -- commands ----------------------------------------------------------------------------------
def cmd_generate(args: argparse.Namespace) -> int:
    from feedback_lakehouse.synth.generator import generate

    settings = _settings(args)
    out_dir = Path(args.out) if args.out else settings.landing_dir
    if not args.force and any(p.is_file() for p in out_dir.glob("*/*")):
        _say(f"generate: {out_dir} already holds export files; generating would replace them "
             "and a later ingest would overwrite their records. Use --out <empty folder>, or "
             "--force to replace them", "red")  # fmt: skip
        return EXIT_USAGE
    tickets = args.tickets or settings.sample.tickets
    seed = settings.sample.seed if args.seed is None else args.seed
    with RichProgress(console) as progress:
        progress.stage(f"generate {tickets:,} messages into {out_dir}", total=tickets)
        summary = generate(
            out_dir, tickets=tickets, seed=seed, days=args.days or settings.sample.days,
            progress=progress.update,
        )  # fmt: skip
        progress.done()
    rate = summary.messages / max(summary.elapsed_s, 1e-9)
    _say(f"generated {summary.messages:,} messages in {summary.elapsed_s:.1f}s ({rate:,.0f}/s) "
         f"into {out_dir}\n  per source: {_counts(summary.counts)}\n  planted malformed: "
         f"{_counts(summary.malformed_by_reason)}\n  duplicates: {summary.duplicates:,}\n"
         f"  ground truth (for tests and evaluation only): {out_dir / 'ground_truth'}")  # fmt: skip
    return EXIT_OK


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {n:,}" for name, n in counts.items()) or "none"


def _exports(args: argparse.Namespace, settings: Settings) -> list[Any]:
    from feedback_lakehouse.bronze.exports import command_line_exports

    return command_line_exports(args.export or [], args.path, settings.landing_dir)


def _run_step(
    args: argparse.Namespace, step: Callable[..., StepReport], settings: Settings | None = None,
    **kwargs: Any,
) -> int:  # fmt: skip
    settings = settings or _settings(args)
    spark, catalog = _session(settings)
    with ctrl_c_stops_at_step_boundary(), RichProgress(console) as progress:
        report = step(spark, catalog, settings, progress=progress, **kwargs)
    return finish([report], args.format)


def cmd_ingest(args: argparse.Namespace) -> int:
    from feedback_lakehouse.bronze.ingest import run_ingest

    settings = _settings(args)
    exports = _exports(args, settings)
    return _run_step(args, run_ingest, settings, exports=exports, reprocess=args.reprocess)


def cmd_silver(args: argparse.Namespace) -> int:
    from feedback_lakehouse.silver.step import run_silver

    return _run_step(args, run_silver)


def cmd_insights(args: argparse.Namespace) -> int:
    from feedback_lakehouse.insights.step import run_insights

    return _run_step(args, run_insights)


def cmd_gold(args: argparse.Namespace) -> int:
    from feedback_lakehouse.gold.step import run_gold

    return _run_step(args, run_gold)


def cmd_maintain(args: argparse.Namespace) -> int:
    from feedback_lakehouse.maintenance import run_maintain

    return _run_step(args, run_maintain)


def _generate_sample(settings: Settings, progress: RichProgress) -> None:
    """The sample data set, when nothing has landed on the embedded engine yet."""
    from feedback_lakehouse.synth.generator import generate

    sample = settings.sample
    _say(f"no exports in {settings.landing_dir}: generating the sample data set")
    progress.stage(f"generate {sample.tickets:,} sample messages", total=sample.tickets)
    generate(settings.landing_dir, tickets=sample.tickets, seed=sample.seed, days=sample.days,
             progress=progress.update)  # fmt: skip
    progress.done()


def cmd_run(args: argparse.Namespace) -> int:
    from feedback_lakehouse.pipeline import run_pipeline, wants_sample

    settings = _settings(args)
    spark, catalog = _session(settings)
    with ctrl_c_stops_at_step_boundary(), RichProgress(console) as progress:
        if wants_sample(settings, catalog):
            with writer_lease(settings, "generate the sample"):  # two runs: one generates
                if wants_sample(settings, catalog):
                    _generate_sample(settings, progress)
        reports = run_pipeline(spark, catalog, settings, progress=progress)
    return finish(reports, args.format)


# -- evaluate ----------------------------------------------------------------------------------
def _section(measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """One evaluation section; a failure becomes its ``error`` so the others still run."""
    try:
        return measure()
    except FeedbackLakehouseError as exc:
        return {"error": str(exc)}
    except Exception as exc:  # a measurement tool: report every section it could not measure
        if from_engine(exc):
            return {"error": explain_engine_error(exc)[0]}
        return {"error": f"{type(exc).__name__}: {exc}"}


def cmd_evaluate(args: argparse.Namespace) -> int:
    from feedback_lakehouse.config.check import conf_files
    from feedback_lakehouse.evaluate.tables import (
        evaluate_gold,
        evaluate_insights,
        evaluate_silver,
        section_errors,
    )

    settings = _settings(args)
    _, catalog = _session(settings)
    landing = Path(args.truth) if args.truth else settings.landing_dir
    examples = [e.text for e in conf_files(settings).examples]
    result = {
        "silver": _section(lambda: evaluate_silver(catalog, landing)),
        "insights": _section(lambda: evaluate_insights(catalog, landing, examples)),
        "gold": _section(lambda: evaluate_gold(catalog, landing)),
    }
    sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
    errors = section_errors(result)
    for name, error in errors.items():
        _say(f"evaluate: {name} not measured: {error}", "red")
    if errors and not (landing / "ground_truth").is_dir():
        _say(
            "evaluate measures the sample data set against its ground truth: generate it with "
            "`feedback-lakehouse generate` (or `run` on an empty landing folder), or pass "
            "--truth DIR",
            "yellow",
        )
    return EXIT_DATA if errors else EXIT_OK


# -- sql and tables ----------------------------------------------------------------------------
def refusal(verb: str) -> str:
    """Why ``sql`` did not run a statement, and how to run it."""
    what = f"{verb} changes data" if WRITE_WORDS.fullmatch(verb) else f"{verb} is not one of them"
    return (
        "`sql` is read-only: it runs SELECT, WITH, SHOW, DESCRIBE and EXPLAIN, and "
        f"{what}. To run a statement that changes something, add --write"
    )


def run_query(catalog: Any, query: str, fetch: int | None) -> tuple[list[str], list[list[Any]]]:
    """Columns and at most ``fetch`` rows (None: all); DESCRIBE and SHOW on logical names are
    answered by the catalog."""
    if (known := answer(catalog, query)) is not None:
        columns, rows = known
        return columns, rows if fetch is None else rows[:fetch]
    df = catalog.sql(query)
    result = (df if fetch is None else df.limit(fetch)).collect()
    return list(df.columns), [[plain(v) for v in row] for row in result]


def cmd_sql(args: argparse.Namespace) -> int:
    if not args.write and (verb := writing_verb(args.query)):
        raise UsageError(refusal(verb))
    _, catalog = _session(_settings(args))
    limit = args.limit
    columns, rows = run_query(catalog, args.query, limit + 1 if limit else None)
    if limit and len(rows) > limit:  # one row more than shown was fetched to know
        rows = rows[:limit]
        _say(f"showing the first {limit:,} rows; use --limit N (0 for all)", "yellow")
    print_rows(out, columns, rows, args.format)
    return EXIT_OK


def cmd_tables(args: argparse.Namespace) -> int:
    _, catalog = _session(_settings(args))
    entries = catalog.listing(include_working=args.all)
    if args.format == "json":
        sys.stdout.write(json.dumps(entries, indent=2) + "\n")
    else:
        # physical names only where they differ from the logical ones (Unity Catalog)
        physical = catalog.databricks
        table = Table("name", "kind", *(["physical"] if physical else []), "rows", "description")
        table.columns[-2].justify = "right"
        for e in entries:
            extra = [catalog.view_name(e["name"])] if physical else []
            rows = "" if e["rows"] is None else f"{e['rows']:,}"
            table.add_row(e["name"], e["kind"], *extra, rows, Text(e["description"] or ""))
        out.print(table)
    if not args.all:
        _say(f"{len(WORKING_TABLES)} working tables of runs in progress not shown (--all)", "dim")
    return EXIT_OK


def _report_engine_error(exc: BaseException, query: str) -> None:
    headline, original = explain_engine_error(exc, query)
    _say(f"error from the Spark engine: {headline}", "red")
    if original:
        _say(f"  {original}")


# -- command line ------------------------------------------------------------------------------
def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return value


def _add_format(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    # SUPPRESS: a subcommand's --format overrides the global one only when given
    p.add_argument("--format", choices=["table", "json"], default=argparse.SUPPRESS,
                   help="table (default) or json: one JSON document on stdout")  # fmt: skip
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedback-lakehouse",
        description="Customer-feedback lakehouse jobs.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--target", help="settings overlay: local (default), dev, prod")
    parser.add_argument("--conf", help="conf folder (default: ./conf)")
    parser.add_argument(
        "--format", choices=["table", "json"], default="table",
        help="how reports and results print on stdout (default: table)",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="write realistic sample exports + ground truth")
    p.add_argument("--out", help="output folder (default: the landing folder)")
    p.add_argument("--tickets", type=int, help="number of feedback messages")
    p.add_argument("--seed", type=int)
    p.add_argument("--days", type=int, help="days of history")
    p.add_argument("--force", action="store_true", help="replace export files already there")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("ingest", help="load new export files into bronze")
    p.add_argument("--export", action="append", help="bring-your-own-export mapping (yml)")
    p.add_argument("--path", help="folder holding the export files (overrides the mapping)")
    p.add_argument(
        "--reprocess",
        action="store_true",
        help="read files already ingested again (a changed mapping does so itself)",
    )
    _add_format(p)
    p.set_defaults(func=cmd_ingest)

    for name, about, func in (
        ("silver", "clean, redact, deduplicate and split new bronze records", cmd_silver),
        ("insights", "classify fragments, extract evidence, rank root causes", cmd_insights),
        ("gold", "themes, the VoC fact table and the dashboard views", cmd_gold),
        ("maintain", "compact small files and clean up old ones (weekly)", cmd_maintain),
        ("run", "the main job: every step in order", cmd_run),
    ):
        _add_format(sub.add_parser(name, help=about)).set_defaults(func=func)

    p = sub.add_parser("evaluate", help="measure the tables against the sample's ground truth")
    p.add_argument("--truth", help="folder holding ground_truth/ (default: the landing folder)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("sql", help="run Spark SQL with logical table names (read-only)")
    p.add_argument("query")
    _add_format(p)
    p.add_argument("--limit", type=_non_negative, default=1000,
                   help="rows shown at most (default 1000; 0 for all)")  # fmt: skip
    p.add_argument(
        "--write", action="store_true",
        help="allow statements that change data (INSERT, DELETE, DROP, ...)",
    )  # fmt: skip
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("tables", help="list tables (with row counts) and dashboard views")
    p.add_argument("--all", action="store_true", help="also the working tables of runs")
    _add_format(p)
    p.set_defaults(func=cmd_tables)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except interrupt.StopRequested as stop:
        finish(stop.reports, args.format)  # what finished, and any data problem in it
        _say(str(stop), "yellow")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _say(_stopped_line(args.command), "yellow")
        return EXIT_INTERRUPTED
    except QualityError as exc:
        finish(exc.reports, args.format)
        why = "" if isinstance(exc, InvariantError) else (
            "a quality gate failed (quality.fail_on_error is set): ")  # fmt: skip
        _say(f"data problem in {args.command}: {why}{exc}", "red")
        return EXIT_DATA
    except FeedbackLakehouseError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE
    except Exception as exc:
        # Engine errors (bad SQL, missing column) are the user's to fix: show the message, not
        # a client-library traceback.
        if from_engine(exc):
            _report_engine_error(exc, getattr(args, "query", ""))
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    sys.exit(main())
