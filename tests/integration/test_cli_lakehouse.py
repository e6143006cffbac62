"""``feedback-lakehouse`` in-process on the suite's lakehouse (the session's engine, after the
pipeline fixtures ran): SQL answers, errors and limits, the table listing, read-only SQL, step
reports and evaluation exit codes, as a new user meets them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from feedback_lakehouse import cli
from feedback_lakehouse.tables import WORKING_TABLES
from feedback_lakehouse.views import VIEWS

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(engine_settings, gold_run, monkeypatch: pytest.MonkeyPatch, cli_call) -> Run:
    """``cli.main`` on the suite's lakehouse root; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE_ROOT", str(engine_settings.root))
    monkeypatch.delenv("FEEDBACK_LAKEHOUSE_TARGET", raising=False)
    return cli_call


def _json(out: str) -> Any:
    return json.loads(out)


# -- 3. DESCRIBE and SHOW ------------------------------------------------------------------------
def test_describe_lists_columns_and_types(run: Run) -> None:
    code, out, err = run("sql", "DESCRIBE gold.themes", "--format", "json")
    assert code == 0, err
    rows = {r["col_name"]: r for r in _json(out)}
    assert rows["theme_id"] == {"col_name": "theme_id", "data_type": "string", "comment": "key"}
    assert rows["fragment_count"]["data_type"] == "bigint"
    assert rows["key_phrases"]["data_type"] == "array<string>"


def test_describe_a_view_and_show_columns(run: Run) -> None:
    code, out, _ = run("sql", "DESCRIBE TABLE gold.v_top_themes", "--format", "json")
    assert code == 0 and "ent_accounts_affected" in {r["col_name"] for r in _json(out)}
    code, out, _ = run("sql", "SHOW COLUMNS IN silver.feedback", "--format", "json")
    assert code == 0 and {"col_name": "feedback_id"} in _json(out)


def test_show_tables_in_a_layer_lists_tables_and_views(run: Run) -> None:
    code, out, err = run("sql", "SHOW TABLES IN gold", "--format", "json")
    assert code == 0, err
    kinds = {r["tableName"]: r["kind"] for r in _json(out)}
    assert kinds["themes"] == "table" and kinds["fct_voc_themes"] == "table"
    assert {name.split(".")[1] for name in VIEWS} <= {n for n, k in kinds.items() if k == "view"}
    code, out, _ = run("sql", "SHOW TABLES IN gold")
    assert code == 0 and "v_top_themes" in out


# -- 4. readable SQL errors ----------------------------------------------------------------------
def test_a_wrong_column_is_named(run: Run) -> None:
    code, out, err = run("sql", "SELECT arr FROM gold.themes")
    assert code == cli.EXIT_USAGE and out == ""
    assert "column or table not found: arr" in err
    assert "ObjectName" not in err and "Identifier" not in err


def test_a_wrong_table_is_named_with_its_layer(run: Run) -> None:
    code, _, err = run("sql", "SELECT * FROM gold.nope")
    assert code == cli.EXIT_USAGE
    assert "table or view not found: gold.nope" in err
    assert len(err.strip().splitlines()) == 1


# -- 5. the row limit says when it cut -----------------------------------------------------------
def test_a_cut_result_says_so(run: Run, catalog) -> None:
    code, out, err = run("sql", "SELECT feedback_id FROM silver.feedback", "--limit", "5",
                         "--format", "json")  # fmt: skip
    assert code == 0 and len(_json(out)) == 5
    assert "showing the first 5 rows; use --limit N (0 for all)" in err


def test_limit_0_shows_everything_and_an_uncut_result_says_nothing(run: Run, catalog) -> None:
    total = catalog.read("silver.feedback").count()
    assert total > 1000  # the default limit would cut it
    code, out, err = run("sql", "SELECT feedback_id FROM silver.feedback", "--limit", "0",
                         "--format", "json")  # fmt: skip
    assert code == 0 and len(_json(out)) == total and "showing" not in err
    code, out, err = run("sql", "SELECT feedback_id FROM silver.feedback LIMIT 5", "--limit", "5",
                         "--format", "json")  # fmt: skip
    assert code == 0 and len(_json(out)) == 5 and "showing" not in err


# -- 6. tables: the user's tables and the views --------------------------------------------------
def test_tables_lists_views_and_hides_working_tables(run: Run, catalog) -> None:
    code, out, err = run("tables", "--format", "json")
    assert code == 0, err
    entries = {e["name"]: e for e in _json(out)}
    for view in VIEWS:
        assert entries[view]["kind"] == "view" and entries[view]["description"]
    assert not set(entries) & WORKING_TABLES
    assert entries["ops.quality_results"]["kind"] == "table"
    assert entries["gold.themes"]["rows"] == catalog.read("gold.themes").count()
    assert "--all" in err
    code, out, _ = run("tables", "--all", "--format", "json")
    assert code == 0 and {e["name"] for e in _json(out)} >= WORKING_TABLES


def test_tables_as_a_table(run: Run) -> None:
    code, out, _ = run("tables")
    assert code == 0 and "gold.v_top_themes" in out and "ops.theme_work" not in out


# -- 7. read-only unless --write -----------------------------------------------------------------
def test_delete_is_refused_and_changes_nothing(run: Run, catalog) -> None:
    before = catalog.read("gold.themes").count()
    assert before > 0
    code, out, err = run("sql", "DELETE FROM gold.themes")
    assert code == cli.EXIT_USAGE and out == ""
    assert "--write" in err and "DELETE" in err
    assert catalog.read("gold.themes").count() == before


def test_write_allows_changes(run: Run, spark, tmp_path: Path) -> None:
    where = str(tmp_path / "cli_scratch")
    assert run("sql", f"CREATE TABLE cli_scratch (x INT) USING delta LOCATION '{where}'",
               "--write")[0] == 0  # fmt: skip
    try:
        assert run("sql", "INSERT INTO cli_scratch VALUES (1), (2)", "--write")[0] == 0
        assert run("sql", "DELETE FROM cli_scratch WHERE x = 1")[0] == cli.EXIT_USAGE
        assert run("sql", "DELETE FROM cli_scratch WHERE x = 1", "--write")[0] == 0
        code, out, _ = run("sql", "SELECT x FROM cli_scratch", "--format", "json")
        assert code == 0 and _json(out) == [{"x": 2}]
    finally:
        spark.sql("DROP TABLE IF EXISTS cli_scratch")


# -- 1 and 2. a step's report ------------------------------------------------------------------
def test_a_step_report_is_json_on_stdout(run: Run) -> None:
    code, out, err = run("ingest", "--format", "json")  # nothing new has landed: quick
    assert code == 0, err
    (report,) = _json(out)
    assert report["step"] == "ingest" and report["balanced"] is True


def test_a_step_report_is_readable(run: Run) -> None:
    code, out, _ = run("ingest")
    assert code == 0
    assert "ingest" in out and "quarantined" in out
    assert "{'" not in out


# -- 9. evaluate -------------------------------------------------------------------------------
def test_evaluate_without_ground_truth_exits_1(run: Run, tmp_path: Path) -> None:
    code, out, err = run("evaluate", "--truth", str(tmp_path))
    assert code == cli.EXIT_DATA
    assert set(_json(out)) == {"silver", "insights", "gold"}
    for section in ("silver", "insights", "gold"):
        assert f"evaluate: {section} not measured: no ground truth" in err


def test_evaluate_on_the_sample_exits_0(run: Run) -> None:
    code, out, err = run("evaluate")
    assert code == 0, err
    assert _json(out)["silver"]["messages"] > 0
