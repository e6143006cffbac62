"""The command line as a new user meets it, without an engine: reports readable on stdout or
as one JSON document, exit codes that tell a data problem from a usage error and from an
interruption, Ctrl-C, read-only SQL, readable engine errors and evaluation failures."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pyspark.errors.exceptions.connect import (
    AnalysisException,
    IllegalArgumentException,
    PythonException,
)

from feedback_lakehouse import cli, interrupt
from feedback_lakehouse.catalog import Catalog
from feedback_lakehouse.config.settings import OpenAISettings, load_settings
from feedback_lakehouse.console import ctrl_c, engine_errors
from feedback_lakehouse.console.render import detail_rows
from feedback_lakehouse.console.statements import answer, writing_verb
from feedback_lakehouse.errors import ConfigError, QualityError, TableError
from feedback_lakehouse.llm.client import ChatClient
from feedback_lakehouse.step_report import StepReport
from feedback_lakehouse.tables import ALL_TABLES, WORKING_TABLES
from feedback_lakehouse.views import VIEW_DESCRIPTIONS, VIEWS

CONF = Path(__file__).resolve().parents[2] / "conf"
QUALITY = [
    {"table": "silver.feedback", "check": "expect_a", "column": "a", "success": True,
     "unexpected": 0},
    {"table": "silver.feedback", "check": "expect_not_null", "column": "text", "success": False,
     "unexpected": 3},
]  # fmt: skip


def _report(**kw: Any) -> StepReport:
    report = StepReport("silver", rows_read=10, rows_written=8, rows_quarantined=2,
                        duration_s=1.5)  # fmt: skip
    report.details = {"seconds": {"vectors": 0.12, "write": 1.0}, "per_source": {"tickets": 8}}
    for key, value in kw.items():
        setattr(report, key, value)
    return report


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Settings load from the shipped conf under a throwaway root; no engine starts."""
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE_ROOT", str(tmp_path / "lh"))
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE_CONF", str(CONF))
    monkeypatch.setattr(cli, "_session", lambda settings: (None, None))
    interrupt.reset()
    return tmp_path


def _step_returns(monkeypatch: pytest.MonkeyPatch, make: Any) -> None:
    import feedback_lakehouse.silver.step as silver_step

    monkeypatch.setattr(silver_step, "run_silver", lambda *a, **kw: make())


# -- 1. reports on stdout, readable or as JSON ---------------------------------------------------
def test_details_flatten_to_readable_rows() -> None:
    rows = dict(detail_rows({"seconds": {"vectors": 0.12}, "quality": QUALITY, "n": 12345,
                             "ok": True, "ids": ["a", "b"], "empty": {}}))  # fmt: skip
    assert rows["seconds.vectors"] == "0.12"
    assert rows["quality"] == "1/2 checks passed"
    assert rows["quality failed"] == "silver.feedback expect_not_null(text): 3 rows"
    assert rows["n"] == "12,345" and rows["ok"] == "yes" and rows["ids"] == "a, b"
    assert rows["empty"] == "—"


def test_a_step_prints_its_report_as_tables_on_stdout(env: Path, monkeypatch, capsys) -> None:
    _step_returns(monkeypatch, _report)
    assert cli.main(["silver"]) == 0
    captured = capsys.readouterr()
    assert "seconds.vectors" in captured.out and "0.12" in captured.out
    assert "per_source.tickets" in captured.out
    assert "{'" not in captured.out + captured.err  # no Python dict anywhere
    assert "seconds.vectors" not in captured.err


@pytest.mark.parametrize("argv", [["--format", "json", "silver"], ["silver", "--format", "json"]])
def test_format_json_prints_one_document(env: Path, monkeypatch, capsys, argv) -> None:
    _step_returns(monkeypatch, _report)
    assert cli.main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == [_report().as_dict()]


# -- 2. data problems exit 1, naming step and reason ---------------------------------------------
def test_an_unbalanced_report_exits_1_naming_step_and_reason(env, monkeypatch, capsys) -> None:
    _step_returns(monkeypatch, lambda: _report(rows_written=5))
    assert cli.main(["silver"]) == cli.EXIT_DATA
    err = capsys.readouterr().err
    assert "silver" in err and "3 records unaccounted for" in err


def test_a_failed_quality_check_without_the_gate_is_a_named_warning(
    env, monkeypatch, capsys
) -> None:
    """quality.fail_on_error is off: the check's failure is named on stderr, the exit is 0."""

    def make() -> StepReport:
        report = _report()
        report.details["quality"] = QUALITY
        return report

    _step_returns(monkeypatch, make)
    assert cli.main(["silver", "--format", "json"]) == cli.EXIT_OK
    captured = capsys.readouterr()
    assert json.loads(captured.out)[0]["step"] == "silver"  # stdout stays one JSON document
    assert "quality check failed in silver: silver.feedback expect_not_null(text): 3 rows" in (
        captured.err
    )


def test_a_quality_gate_error_exits_1(env, monkeypatch, capsys) -> None:
    def fail() -> StepReport:
        raise QualityError("quality check failed: silver.feedback expect_x(text)")

    _step_returns(monkeypatch, fail)
    assert cli.main(["silver"]) == cli.EXIT_DATA
    assert "silver" in capsys.readouterr().err


def test_tables_that_disagree_exit_1_naming_them(env, monkeypatch, capsys) -> None:
    from feedback_lakehouse.invariants import InvariantError

    def fail() -> StepReport:
        raise InvariantError("silver: tables disagree after the step:\n  silver.insights: 3")

    _step_returns(monkeypatch, fail)
    assert cli.main(["silver"]) == cli.EXIT_DATA
    err = capsys.readouterr().err
    assert "data problem in silver: silver: tables disagree" in err and "quality gate" not in err


def test_help_documents_the_exit_codes() -> None:
    text = cli.build_parser().format_help()
    for code in ("0 ", "1 ", "2 ", "130"):
        assert f"  {code}" in text


# -- 4 and 10. readable engine errors ------------------------------------------------------------
def test_a_missing_column_reads_as_one_line() -> None:
    exc = AnalysisException(
        'attribute ObjectName([Identifier("t"), Identifier("arr")]) is missing from the '
        "schema: cannot resolve attribute"
    )
    assert engine_errors.explain_engine_error(exc) == ("column or table not found: t.arr", None)


def test_a_missing_table_is_named_with_its_layer() -> None:
    exc = AnalysisException("Table not found: [TABLE_OR_VIEW_NOT_FOUND] Table or view not found: "
                            "nope")  # fmt: skip
    headline, original = engine_errors.explain_engine_error(exc, "SELECT * FROM gold.nope")
    assert headline.startswith("table or view not found: gold.nope")
    assert original is None


def test_spark_messages_keep_their_suggestion() -> None:
    exc = AnalysisException(
        "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with "
        "name `arr` cannot be resolved. Did you mean one of the following? [`label`]."
    )
    headline, original = engine_errors.explain_engine_error(exc)
    assert headline == "column or table not found: arr"
    assert original and "Did you mean" in original


def test_a_syntax_error_names_the_place() -> None:
    exc = IllegalArgumentException("invalid argument: found SELEC at 0:5 expected something "
                                   "else, ';', statement, or end of input")  # fmt: skip
    assert engine_errors.explain_engine_error(exc)[0].startswith(
        "SQL syntax error at SELEC: expected"
    )


WORKER_TRACE = (
    "\n  An exception was thrown from the Python worker. Please see the stack trace below.\n"
    "Traceback (most recent call last):\n"
    '  File "worker.py", line 1, in mapper\n'
    "    raise ConfigError(...)\n"
    "feedback_lakehouse.errors.ConfigError: insights.openai: environment variable "
    "FL_KEY is not set\n"
)


def test_a_python_worker_error_shows_the_error_not_the_wrapper(env, monkeypatch, capsys):
    def fail() -> StepReport:
        raise PythonException(WORKER_TRACE)

    _step_returns(monkeypatch, fail)
    assert cli.main(["silver"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "stack trace" not in err
    assert "insights.openai: environment variable FL_KEY is not set" in err
    assert len(err.strip().splitlines()) == 1


def test_the_missing_key_message_names_setting_and_variable() -> None:
    with pytest.raises(ConfigError) as err:
        ChatClient(OpenAISettings(api_key_env="FL_NO_SUCH_KEY"), environ={})
    message = str(err.value)
    assert "insights.openai.api_key_env" in message
    assert "export FL_NO_SUCH_KEY=" in message


def test_openai_without_a_key_fails_at_start_naming_the_key(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE_ROOT", str(tmp_path / "lh"))
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE__INSIGHTS__BACKEND", "openai")
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE__INSIGHTS__OPENAI__API_KEY_ENV", "FL_NO_SUCH_KEY")
    monkeypatch.delenv("FL_NO_SUCH_KEY", raising=False)

    def no_engine(settings: Any) -> Any:
        raise AssertionError("the engine must not start before the conf is checked")

    monkeypatch.setattr("feedback_lakehouse.engine.get_spark", no_engine)
    assert cli.main(["--conf", str(CONF), "insights"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "insights.openai.api_key_env" in err and "FL_NO_SUCH_KEY" in err
    assert "stack trace" not in err


# -- 7. read-only SQL ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM gold.themes",
        "  -- a comment\n  with t AS (SELECT 1) SELECT * FROM t",
        "SHOW TABLES IN gold",
        "DESCRIBE gold.themes",
        "EXPLAIN SELECT 1",
        "SELECT merged_into, updated_at FROM gold.themes WHERE label = 'delete me; drop'",
        "(SELECT 1) UNION (SELECT 2)",
    ],
)
def test_reading_statements_are_allowed(query: str) -> None:
    assert writing_verb(query) is None


@pytest.mark.parametrize(
    ("query", "verb"),
    [
        ("DELETE FROM gold.themes", "DELETE"),
        ("/* hi */ drop table gold.themes", "DROP"),
        ("WITH t AS (SELECT 1) INSERT INTO ops.x SELECT * FROM t", "INSERT"),
        ("SELECT 1; DELETE FROM gold.themes", "DELETE"),
        ("SET spark.sql.shuffle.partitions = 1", "SET"),
    ],
)
def test_writing_statements_are_named(query: str, verb: str) -> None:
    assert writing_verb(query) == verb


def test_sql_refuses_a_write_without_starting_the_engine(env, monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli, "_session", lambda s: pytest.fail("no engine for a refusal"))
    assert cli.main(["sql", "DELETE FROM gold.themes"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "--write" in err and "DELETE" in err


def test_a_refusal_says_what_runs_and_names_write() -> None:
    assert "DELETE changes data" in cli.refusal("DELETE")
    assert "SELEC is not one of them" in cli.refusal("SELEC")
    assert "--write" in cli.refusal("SELEC")


def test_a_negative_limit_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["sql", "SELECT 1", "--limit", "-1"])
    assert exit_.value.code == 2


# -- 3 and 6. answers from the catalog's declarations --------------------------------------------
class FakeSpark:
    """What ``Catalog.answer`` and ``Catalog.listing`` ask the engine: a table's schema and
    row count; remembers which tables were read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def table(self, name: str) -> Any:
        from pyspark.sql.types import LongType, StringType, StructField, StructType

        self.read.append(name.replace("`", ""))
        schema = StructType([StructField("theme_id", StringType()),
                             StructField("fragment_count", LongType())])  # fmt: skip
        return SimpleNamespace(schema=schema, count=lambda: 7)


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    settings = load_settings("local", CONF, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})
    return Catalog(FakeSpark(), settings)  # type: ignore[arg-type]


def test_describe_and_show_are_answered_from_the_catalog(catalog: Catalog) -> None:
    columns, rows = answer(catalog, "DESCRIBE gold.themes")  # type: ignore[misc]
    assert columns == ["col_name", "data_type", "comment"]
    assert rows == [["theme_id", "string", "key"], ["fragment_count", "bigint", None]]
    assert answer(catalog, "SHOW COLUMNS IN gold.themes") == (
        ["col_name"],
        [["theme_id"], ["fragment_count"]],
    )
    columns, rows = answer(catalog, "show tables in gold")  # type: ignore[misc]
    kinds = {r[1]: r[2] for r in rows}
    assert kinds["themes"] == "table" and kinds["v_top_themes"] == "view"
    assert {r[0] for r in rows} == {"gold"}
    _, rows = answer(catalog, "SHOW TABLES IN gold LIKE 'v_*'")  # type: ignore[misc]
    assert {r[1] for r in rows} == {n.split(".")[1] for n in VIEWS}
    assert answer(catalog, "SELECT 1") is None
    assert answer(catalog, "SHOW TABLES IN some_schema") is None
    with pytest.raises(TableError, match=r"table or view not found: gold\.nope"):
        answer(catalog, "DESCRIBE gold.nope")


def test_tables_hides_working_tables_and_lists_views(catalog: Catalog) -> None:
    entries = {e["name"]: e for e in catalog.listing(include_working=False)}
    assert not set(entries) & WORKING_TABLES
    assert "ops.quality_results" in entries and "ops.insight_calls" in entries
    for view in VIEWS:
        assert entries[view]["kind"] == "view" and entries[view]["rows"] is None
        assert entries[view]["description"] == VIEW_DESCRIPTIONS[view]
    assert entries["gold.themes"]["rows"] == 7
    assert not set(catalog.spark.read) & WORKING_TABLES  # hidden tables are not counted
    everything = {e["name"]: e for e in catalog.listing(include_working=True)}
    assert everything["ops.theme_work"]["kind"] == "working table"


def test_every_working_table_and_view_is_known() -> None:
    names = {t.name for t in ALL_TABLES}
    assert names >= WORKING_TABLES
    assert all(t.layer == "ops" for t in ALL_TABLES if t.name in WORKING_TABLES)
    assert set(VIEW_DESCRIPTIONS) == set(VIEWS)


# -- 8. Ctrl-C -----------------------------------------------------------------------------------
def test_first_ctrl_c_asks_to_stop_second_stops_now(monkeypatch, capsys) -> None:
    handlers: list[Any] = []
    monkeypatch.setattr(ctrl_c.signal, "signal", lambda sig, handler: handlers.append(handler))
    interrupt.reset()
    try:
        ctrl_c.on_sigint(signal.SIGINT, None)
        assert interrupt.stop_requested()
        assert ctrl_c.STOP_NOTICE in capsys.readouterr().err
        with pytest.raises(KeyboardInterrupt):
            ctrl_c.on_sigint(signal.SIGINT, None)
        assert handlers == [signal.SIG_DFL]  # a third Ctrl-C ends the process outright
    finally:
        interrupt.reset()


def test_the_handler_is_installed_for_the_block_only() -> None:
    before = signal.getsignal(signal.SIGINT)
    with ctrl_c.ctrl_c_stops_at_step_boundary():
        assert signal.getsignal(signal.SIGINT) is ctrl_c.on_sigint
    assert signal.getsignal(signal.SIGINT) is before


def test_a_stop_prints_finished_reports_and_exits_130(env, monkeypatch, capsys) -> None:
    def stop(args: Any) -> int:
        exc = interrupt.StopRequested("stopped as asked after: ingest")
        exc.reports = [_report()]
        raise exc

    monkeypatch.setattr(cli, "cmd_run", stop)
    assert cli.main(["run", "--format", "json"]) == cli.EXIT_INTERRUPTED
    captured = capsys.readouterr()
    assert json.loads(captured.out)[0]["step"] == "silver"
    assert "stopped as asked after: ingest" in captured.err


def test_a_second_ctrl_c_is_one_line_and_130(env, monkeypatch, capsys) -> None:
    def interrupted() -> StepReport:
        raise KeyboardInterrupt

    _step_returns(monkeypatch, interrupted)
    assert cli.main(["silver"]) == cli.EXIT_INTERRUPTED
    captured = capsys.readouterr()
    assert captured.err.strip() == "stopped; run `feedback-lakehouse silver` again to go on"
    assert "Traceback" not in captured.out + captured.err


# -- 9. evaluate ---------------------------------------------------------------------------------
def _evaluations(monkeypatch: pytest.MonkeyPatch, **results: Any) -> None:
    import feedback_lakehouse.evaluate.tables as tables

    for section in ("silver", "insights", "gold"):
        value = results.get(section, {"score": 1.0})

        def measure(*args: Any, _value: Any = value) -> Any:
            if isinstance(_value, Exception):
                raise _value
            return _value

        monkeypatch.setattr(tables, f"evaluate_{section}", measure)


def test_evaluate_exits_0_when_every_section_measured(env, monkeypatch, capsys) -> None:
    _evaluations(monkeypatch)
    assert cli.main(["evaluate"]) == 0
    assert json.loads(capsys.readouterr().out)["gold"] == {"score": 1.0}


def test_evaluate_exits_1_naming_sections_without_ground_truth(env, monkeypatch, capsys):
    missing = {"error": "no ground truth under /x/ground_truth"}
    _evaluations(monkeypatch, silver=missing, insights=missing, gold=missing)
    assert cli.main(["evaluate"]) == cli.EXIT_DATA
    captured = capsys.readouterr()
    assert json.loads(captured.out)["silver"] == missing  # the JSON still comes out
    for section in ("silver", "insights", "gold"):
        assert f"evaluate: {section} not measured" in captured.err
    assert "feedback-lakehouse generate" in captured.err


def test_evaluate_exits_1_when_one_section_or_part_fails(env, monkeypatch, capsys) -> None:
    _evaluations(monkeypatch, insights=RuntimeError("boom"),
                 gold={"themes": 3, "spikes": {"error": "causes.json not found"}})  # fmt: skip
    assert cli.main(["evaluate"]) == cli.EXIT_DATA
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["silver"] == {"score": 1.0}
    assert result["insights"] == {"error": "RuntimeError: boom"}
    assert "evaluate: insights not measured: RuntimeError: boom" in captured.err
    assert "evaluate: gold.spikes not measured: causes.json not found" in captured.err


# -- onboarding: no fictional data beside the user's own ------------------------------------------
class _Bronze:
    def __init__(self, rows: int) -> None:
        self.rows = rows

    def read(self, name: str) -> Any:
        assert name == "bronze.feedback_raw"
        return SimpleNamespace(limit=lambda n: SimpleNamespace(count=lambda: min(n, self.rows)))


def test_the_sample_is_generated_only_for_a_first_try_on_an_empty_lakehouse(env: Path) -> None:
    from feedback_lakehouse.pipeline import wants_sample

    settings = load_settings("local", CONF)
    assert wants_sample(settings, _Bronze(0))
    assert not wants_sample(settings, _Bronze(160))  # the user's own export is in bronze
    (settings.landing_dir / "tickets").mkdir(parents=True)
    (settings.landing_dir / "tickets" / "t.jsonl").write_text("{}\n", encoding="utf-8")
    assert not wants_sample(settings, _Bronze(0))


def test_generate_refuses_to_replace_export_files_already_there(env: Path, capsys) -> None:
    out = env / "landing"
    (out / "tickets").mkdir(parents=True)
    (out / "tickets" / "mine.jsonl").write_text("{}\n", encoding="utf-8")
    assert cli.main(["generate", "--out", str(out), "--tickets", "10"]) == cli.EXIT_USAGE
    assert "already holds export files" in capsys.readouterr().err
    assert (out / "tickets" / "mine.jsonl").read_text(encoding="utf-8") == "{}\n"


def test_ingest_path_without_an_export_is_a_usage_error(env: Path, capsys) -> None:
    assert cli.main(["ingest", "--path", str(env)]) == cli.EXIT_USAGE
    assert "add --export <mapping.yml>" in capsys.readouterr().err
