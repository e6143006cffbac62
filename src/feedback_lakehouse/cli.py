"""``feedback-lakehouse``: the same step functions the Databricks jobs call, from a shell."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from feedback_lakehouse.config.settings import Settings, load_export_mapping, load_settings
from feedback_lakehouse.console_progress import RichProgress
from feedback_lakehouse.errors import FeedbackLakehouseError
from feedback_lakehouse.step_report import StepReport

console = Console(stderr=True)
out = Console()


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(target=args.target, conf_dir=args.conf)


def _session(settings: Settings) -> Any:
    from feedback_lakehouse.lakehouse import open_lakehouse

    with console.status(f"starting the {settings.engine.kind} engine"):
        lh = open_lakehouse(settings=settings)
    return lh.spark, lh.catalog


def _print_report(report: StepReport) -> None:
    console.print(f"[bold]{report.summary()}[/bold]")
    for key, value in report.details.items():
        if key == "quality":
            failed = [q for q in value if not q["success"]]
            console.print(f"  quality: {len(value) - len(failed)}/{len(value)} checks passed")
        else:
            console.print(f"  {key}: {value}")
    for msg in report.messages:
        console.print(f"  [yellow]{msg}[/yellow]")
    if not report.balanced:
        console.print("[red]  read != written + quarantined: records unaccounted for[/red]")


def cmd_generate(args: argparse.Namespace) -> int:
    from feedback_lakehouse.synth.generator import generate

    settings = _settings(args)
    out_dir = Path(args.out) if args.out else settings.landing_dir
    tickets = args.tickets or settings.sample.tickets
    seed = settings.sample.seed if args.seed is None else args.seed
    with RichProgress(console) as progress:
        progress.stage(f"generate {tickets:,} messages into {out_dir}", total=tickets)
        summary = generate(
            out_dir, tickets=tickets, seed=seed, days=args.days or settings.sample.days,
            progress=progress.update,
        )  # fmt: skip
        progress.done()
    console.print(
        f"[bold]generated[/bold] {summary.messages:,} messages in {summary.elapsed_s:.1f}s "
        f"({summary.messages / max(summary.elapsed_s, 1e-9):,.0f}/s) into {out_dir}"
    )
    console.print(f"  per source: {summary.counts}")
    console.print(f"  planted malformed: {summary.malformed_by_reason}")
    console.print(f"  duplicates: {summary.duplicates:,}")
    console.print(f"  ground truth (for tests and evaluation only): {out_dir / 'ground_truth'}")
    return 0


def _exports(args: argparse.Namespace) -> list[Any]:
    exports = []
    for path in args.export or []:
        mapping = load_export_mapping(path)
        if args.path:
            pattern = str(Path(args.path).resolve() / Path(mapping.path).name)
            mapping = mapping.model_copy(update={"path": pattern})
        exports.append(mapping)
    return exports


def cmd_ingest(args: argparse.Namespace) -> int:
    from feedback_lakehouse.bronze.ingest import run_ingest

    settings = _settings(args)
    exports = _exports(args)
    spark, catalog = _session(settings)
    with RichProgress(console) as progress:
        report = run_ingest(spark, catalog, settings, exports=exports, progress=progress)
    _print_report(report)
    return 0


def _run_step(args: argparse.Namespace, step: Callable[..., StepReport]) -> int:
    settings = _settings(args)
    spark, catalog = _session(settings)
    with RichProgress(console) as progress:
        report = step(spark, catalog, settings, progress=progress)
    _print_report(report)
    return 0


def cmd_silver(args: argparse.Namespace) -> int:
    from feedback_lakehouse.silver.step import run_silver

    return _run_step(args, run_silver)


def cmd_insights(args: argparse.Namespace) -> int:
    from feedback_lakehouse.insights.step import run_insights

    return _run_step(args, run_insights)


def cmd_gold(args: argparse.Namespace) -> int:
    from feedback_lakehouse.gold.step import run_gold

    return _run_step(args, run_gold)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from feedback_lakehouse.evaluate.tables import evaluate_silver

    settings = _settings(args)
    _, catalog = _session(settings)
    landing = Path(args.truth) if args.truth else settings.landing_dir
    from feedback_lakehouse.evaluate.tables import evaluate_gold, evaluate_insights
    from feedback_lakehouse.insights.examples import load_examples
    from feedback_lakehouse.insights.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(settings.conf_path(settings.insights.taxonomy))
    examples = load_examples([settings.conf_path(p) for p in settings.insights.examples], taxonomy)
    result = {
        "silver": evaluate_silver(catalog, landing),
        "insights": evaluate_insights(catalog, landing, [e.text for e in examples]),
        "gold": evaluate_gold(catalog, landing),
    }
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    return 0


def _generate_sample(settings: Settings, progress: RichProgress) -> None:
    """The sample data set, when nothing has landed on the embedded engine yet."""
    from feedback_lakehouse.synth.generator import generate

    sample = settings.sample
    console.print(f"no exports in {settings.landing_dir}: generating the sample data set")
    progress.stage(f"generate {sample.tickets:,} sample messages", total=sample.tickets)
    generate(settings.landing_dir, tickets=sample.tickets, seed=sample.seed, days=sample.days,
             progress=progress.update)  # fmt: skip
    progress.done()


def cmd_run(args: argparse.Namespace) -> int:
    from feedback_lakehouse.pipeline import landing_is_empty, run_pipeline

    settings = _settings(args)
    spark, catalog = _session(settings)
    with RichProgress(console) as progress:
        if settings.engine.kind == "local" and landing_is_empty(settings):
            _generate_sample(settings, progress)
        reports = run_pipeline(spark, catalog, settings, progress=progress)
    for report in reports:
        _print_report(report)
    return 0


def cmd_sql(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _, catalog = _session(settings)
    df = catalog.sql(args.query)
    rows = [r.asDict(recursive=True) for r in df.limit(args.limit).collect()]
    if args.format == "json":
        # plain JSON on stdout, never wrapped or coloured, so it can be piped
        sys.stdout.write(json.dumps(rows, default=str, ensure_ascii=False, indent=2) + "\n")
    else:
        table = Table(*df.columns)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        out.print(table)
    return 0


def cmd_tables(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _, catalog = _session(settings)
    # physical names only where they differ from the logical ones (Unity Catalog)
    show_physical = catalog.databricks
    table = Table("table", *(["physical"] if show_physical else []), "rows", "grain")
    for name, grain, rows in catalog.row_counts():
        physical = [catalog.physical(name)] if show_physical else []
        table.add_row(name, *physical, f"{rows:,}", grain)
    out.print(table)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feedback-lakehouse", description="Customer-feedback lakehouse jobs."
    )
    parser.add_argument("--target", help="settings overlay: local (default), dev, prod")
    parser.add_argument("--conf", help="conf folder (default: ./conf)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("generate", help="write realistic sample exports + ground truth")
    p.add_argument("--out", help="output folder (default: the landing folder)")
    p.add_argument("--tickets", type=int, help="number of feedback messages")
    p.add_argument("--seed", type=int)
    p.add_argument("--days", type=int, help="days of history")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("ingest", help="load new export files into bronze")
    p.add_argument("--export", action="append", help="bring-your-own-export mapping (yml)")
    p.add_argument("--path", help="folder holding the export files (overrides the mapping)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("silver", help="clean, redact, deduplicate and split new bronze records")
    p.set_defaults(func=cmd_silver)

    p = sub.add_parser("insights", help="classify fragments, extract evidence, rank root causes")
    p.set_defaults(func=cmd_insights)

    p = sub.add_parser("gold", help="themes, the VoC fact table and the dashboard views")
    p.set_defaults(func=cmd_gold)

    p = sub.add_parser("evaluate", help="measure the tables against the sample's ground truth")
    p.add_argument("--truth", help="folder holding ground_truth/ (default: the landing folder)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("run", help="the main job: every step in order")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sql", help="run Spark SQL with logical table names")
    p.add_argument("query")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--limit", type=int, default=1000)
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser("tables", help="list tables with row counts")
    p.set_defaults(func=cmd_tables)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except FeedbackLakehouseError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    except Exception as exc:
        # Engine errors (bad SQL, missing column) are the user's to fix: show the message, not
        # a client-library traceback.
        if type(exc).__module__.startswith("pyspark"):
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            console.print(f"[red]error from the Spark engine:[/red] {message}")
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
