"""Shared argument handling for the Databricks task entry points (kept to a few lines each)."""

from __future__ import annotations

import argparse
import json
import os
import sys


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default=os.environ.get("FEEDBACK_LAKEHOUSE_TARGET", "dev"))
    parser.add_argument("--conf", default=None)
    parser.add_argument("--git-commit", default="", help="bundle code version, for the run log")
    return parser.parse_args(argv if argv is not None else sys.argv[1:])


def session(args: argparse.Namespace):
    from feedback_lakehouse.catalog import Catalog
    from feedback_lakehouse.config.settings import load_settings
    from feedback_lakehouse.engine import get_spark

    settings = load_settings(args.target, args.conf)
    spark = get_spark(settings)
    catalog = Catalog(spark, settings)
    catalog.ensure()
    return spark, catalog, settings


def emit(report, args: argparse.Namespace | None = None) -> None:
    """Print the step report as one JSON line (the job's log), with code version and target."""
    record = report.as_dict()
    if args is not None:
        record.update(target=args.target, git_commit=args.git_commit)
    print(json.dumps(record, default=str))
    if not report.balanced:
        raise SystemExit(f"{report.step}: records unaccounted for")
