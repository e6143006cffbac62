"""Every conf file is checked before a run touches a table: a broken taxonomy, example file,
runbook or export mapping fails at start-up, naming the file and the key at fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from feedback_lakehouse.config.check import check_conf
from feedback_lakehouse.config.settings import load_settings
from feedback_lakehouse.errors import ConfigError

CONF = Path(__file__).resolve().parents[2] / "conf"


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    out = tmp_path / "conf"
    shutil.copytree(CONF, out)
    return out


def _settings(conf: Path, root: Path, **env: str):
    environ = {"FEEDBACK_LAKEHOUSE_ROOT": str(root), **env}
    return load_settings("local", conf, environ=environ)


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path} no longer holds {old!r}: update the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_shipped_conf_passes(conf: Path, tmp_path: Path) -> None:
    files = check_conf(_settings(conf, tmp_path / "lh"))
    assert files.examples and files.runbooks and files.taxonomy.categories


def test_a_broken_taxonomy_names_file_and_key(conf: Path, tmp_path: Path) -> None:
    _replace(conf / "taxonomy.yml", "severities: [critical, high, medium, low]",
             "severities: critical")  # fmt: skip
    with pytest.raises(ConfigError) as err:
        check_conf(_settings(conf, tmp_path / "lh"))
    assert f"{conf / 'taxonomy.yml'}: severities:" in str(err.value)


def test_every_problem_of_every_file_is_listed_at_once(conf: Path, tmp_path: Path) -> None:
    _replace(conf / "insights/examples/general.yml", "category: usability", "category: usabilty")
    _replace(conf / "runbooks/KB-GEN-001.md", "product_area: dashboard\n", "")
    with pytest.raises(ConfigError) as err:
        check_conf(_settings(conf, tmp_path / "lh"))
    message = str(err.value)
    assert f"{conf / 'insights/examples/general.yml'}: sub_themes.0.category" in message
    assert "usabilty" in message
    assert f"{conf / 'runbooks/KB-GEN-001.md'}: front matter key 'product_area'" in message


def test_a_missing_endpoint_key_is_a_conf_problem(conf: Path, tmp_path: Path) -> None:
    env = {"FEEDBACK_LAKEHOUSE__INSIGHTS__BACKEND": "openai",
           "FEEDBACK_LAKEHOUSE__INSIGHTS__OPENAI__API_KEY_ENV": "FL_NO_SUCH_KEY"}  # fmt: skip
    settings = _settings(conf, tmp_path / "lh", **env)
    with pytest.raises(ConfigError, match="FL_NO_SUCH_KEY"):
        check_conf(settings)


def test_a_broken_export_mapping_names_file_and_key(conf: Path, tmp_path: Path) -> None:
    from feedback_lakehouse.config.mapping import load_export_mapping

    mapping = conf / "exports/cfpb.yml"
    _replace(mapping, "record_id:", "record_idd:")
    with pytest.raises(ConfigError) as err:
        load_export_mapping(mapping)
    assert f"{mapping}: record_idd: Extra inputs are not permitted" in str(err.value)


def test_run_fails_before_any_table_is_written(
    conf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """The CLI's main job with a broken example file: exit 2, the file named, and the
    lakehouse root holds no table (the engine never started)."""
    from feedback_lakehouse.cli import main

    root = tmp_path / "lh"
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE_ROOT", str(root))
    _replace(conf / "insights/examples/general.yml", "feedback_type: praise",
             "feedback_type: prase")  # fmt: skip
    assert main(["--conf", str(conf), "run"]) == 2
    assert "general.yml" in capsys.readouterr().err
    assert not root.exists() or not list(root.glob("*/*/_delta_log"))
