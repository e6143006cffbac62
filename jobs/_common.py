"""Shared argument handling for the Databricks task entry points (kept to a few lines each)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from feedback_lakehouse.lakehouse import Lakehouse, open_lakehouse
from feedback_lakehouse.run import CODE_VERSION_ENV


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default=None, help="local, dev or prod (default: as the CLI)")
    parser.add_argument("--conf", default=None)
    parser.add_argument("--catalog", default=None, help="Unity Catalog catalog (bundle variable)")
    parser.add_argument("--git-commit", default="", help="bundle code version, for the run log")
    return parser.parse_args(argv if argv is not None else sys.argv[1:])


def session(args: argparse.Namespace) -> Lakehouse:
    """The lakehouse of the task's target; the bundle's commit becomes every run's code
    version, and its ``catalog`` variable the Unity Catalog catalog."""
    if args.git_commit:
        os.environ[CODE_VERSION_ENV] = args.git_commit
    environ = dict(os.environ)
    if args.catalog:
        environ["FEEDBACK_LAKEHOUSE__LAKEHOUSE__UC_CATALOG"] = args.catalog
    lh = open_lakehouse(args.target, args.conf, environ=environ)
    args.target = lh.settings.target  # the one resolved, for the run log
    return lh


def emit(report, args: argparse.Namespace | None = None) -> None:
    """Print the step report as one JSON line (the job's log), with code version and target;
    fail the task when records are unaccounted for (a failed quality gate raises before)."""
    record = report.as_dict()
    if args is not None:
        record.update(target=args.target, git_commit=args.git_commit)
    print(json.dumps(record, default=str))
    if not report.balanced:
        raise SystemExit(f"{report.step}: records unaccounted for")
