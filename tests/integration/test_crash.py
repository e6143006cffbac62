"""Crash safety, tested the way it was broken: the main job killed (SIGKILL) right after a
chosen Delta commit and run again ends with every table equal, key by key, to a clean run's;
two runs started at once on one lakehouse leave the result of one. Each run is a child
process with its own embedded engine (a few seconds each on a small sample). The whole sweep
over every table, first and incremental runs: ``benchmarks/fault_sweep.py``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crash_harness import REPO, differences, environment, new_lakehouse, run_job, snapshot

pytestmark = pytest.mark.slow

HELD_BACK = "surveys"  # lands after a first run: the incremental case


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small generated landing folder, a clean run on it, and a clean incremental pair."""
    from feedback_lakehouse.synth.generator import generate

    work = tmp_path_factory.mktemp("crash")
    generate(work / "gen", tickets=400, seed=5, days=45)
    landing = work / "landing"
    shutil.copytree(work / "gen", landing, ignore=shutil.ignore_patterns("ground_truth"))
    early = work / "early"
    shutil.copytree(landing, early, ignore=shutil.ignore_patterns(HELD_BACK))
    models = work / "models"
    clean = new_lakehouse(work / "clean", landing)
    run_job(clean, models)
    incremental = new_lakehouse(work / "clean-incremental", early)
    run_job(incremental, models)
    shutil.copytree(landing / HELD_BACK, incremental / "landing" / HELD_BACK)
    run_job(incremental, models)
    return {"work": work, "landing": landing, "early": early, "models": models,
            "clean": clean, "clean-incremental": incremental}  # fmt: skip


@pytest.mark.parametrize(
    "kill_after",
    [
        "silver.feedback",  # messages written, fragments not: were lost for good
        "silver.insight_cache",  # answers written, text vectors not
        "gold.theme_members",  # members written, their themes not
        "gold.theme_lineage",  # births recorded, the themes not
        "gold.fct_voc_themes",  # facts written, spikes and operations tables not
    ],
)
def test_a_run_killed_after_a_commit_converges_on_rerun(sample, kill_after: str) -> None:
    root = new_lakehouse(sample["work"] / f"killed-{kill_after}", sample["landing"])
    assert run_job(root, sample["models"], kill_after=kill_after) == -9, "no such commit"
    assert run_job(root, sample["models"]) == 0
    assert differences(snapshot(sample["clean"]), snapshot(root)) == {}


def test_an_incremental_run_killed_between_members_and_themes_converges(sample) -> None:
    root = new_lakehouse(sample["work"] / "killed-incremental", sample["early"])
    assert run_job(root, sample["models"]) == 0
    shutil.copytree(sample["landing"] / HELD_BACK, root / "landing" / HELD_BACK)
    assert run_job(root, sample["models"], kill_after="gold.theme_members") == -9
    assert run_job(root, sample["models"]) == 0
    assert differences(snapshot(sample["clean-incremental"]), snapshot(root)) == {}


def test_two_runs_at_once_leave_the_result_of_one(sample) -> None:
    root = new_lakehouse(sample["work"] / "concurrent", sample["landing"])
    command = [sys.executable, "-m", "feedback_lakehouse.cli", "--format", "json", "run"]
    env = environment(root, sample["models"])
    runs = [subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE) for _ in range(2)]  # fmt: skip
    outcomes = sorted((p.wait(timeout=900), p.stderr.read().decode()) for p in runs)  # type: ignore[union-attr]
    (first, _), (second, refused) = outcomes
    assert (first, second) == (0, 2), outcomes
    assert "another run is writing this lakehouse: run " in refused
    assert differences(snapshot(sample["clean"]), snapshot(root)) == {}
