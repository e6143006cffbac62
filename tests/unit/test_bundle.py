"""The Databricks bundle is valid against the bundle schema (there is no network here to run
`databricks bundle validate`): databricks.yml with every resources/*.yml merged, each target
applied, every variable used declared, and every job runs one at a time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO.parent / "shared" / "databricks" / "bundle_config_schema.json"


def _bundle() -> dict:
    root = yaml.safe_load((REPO / "databricks.yml").read_text(encoding="utf-8"))
    for path in sorted((REPO / "resources").glob("*.yml")):
        for kind, items in yaml.safe_load(path.read_text(encoding="utf-8"))["resources"].items():
            root.setdefault("resources", {}).setdefault(kind, {}).update(items)
    return root


@pytest.mark.skipif(not SCHEMA.is_file(), reason="shared/databricks not present beside the repo")
def test_the_bundle_matches_the_schema_for_every_target() -> None:
    import jsonschema

    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    bundle = _bundle()
    for target, overlay in bundle["targets"].items():
        merged = {**bundle, **{k: v for k, v in overlay.items() if k in ("resources",)}}
        errors = [f"{list(e.path)}: {e.message[:200]}" for e in validator.iter_errors(merged)]
        assert errors == [], target


def test_every_variable_used_is_declared_and_jobs_run_one_at_a_time() -> None:
    bundle = _bundle()
    text = (REPO / "databricks.yml").read_text() + "".join(
        p.read_text() for p in (REPO / "resources").glob("*.yml")
    )
    assert set(re.findall(r"\$\{var\.(\w+)\}", text)) <= set(bundle["variables"])
    jobs = bundle["resources"]["jobs"]
    assert jobs and all(job.get("max_concurrent_runs") == 1 for job in jobs.values())
    for job in jobs.values():
        for task in job["tasks"]:
            script = (REPO / "resources" / task["spark_python_task"]["python_file"]).resolve()
            assert script.is_file(), script
