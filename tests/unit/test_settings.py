from __future__ import annotations

from pathlib import Path

import pytest

from feedback_lakehouse.config.settings import load_settings
from feedback_lakehouse.errors import ConfigError


def test_defaults_and_root_override(conf_dir: Path, tmp_path: Path) -> None:
    s = load_settings("local", conf_dir, environ={"FEEDBACK_LAKEHOUSE_ROOT": str(tmp_path)})
    assert s.engine.kind == "local"
    assert s.root == tmp_path.resolve()
    assert s.landing_dir == tmp_path.resolve() / "landing"
    assert set(s.ingest.sources) == {"tickets", "chats", "reviews", "surveys", "calls"}


def test_target_overlay_and_env_override(conf_dir: Path) -> None:
    s = load_settings(
        "prod", conf_dir, environ={"FEEDBACK_LAKEHOUSE__ENGINE__SHUFFLE_PARTITIONS": "16"}
    )
    assert (s.engine.kind, s.lakehouse.uc_catalog, s.quality.fail_on_error) == (
        "databricks", "prod", True,
    )  # fmt: skip
    assert s.engine.shuffle_partitions == 16


def _conf(tmp_path: Path, base: str, local: str = "") -> Path:
    (tmp_path / "base.yml").write_text(base)
    if local:
        (tmp_path / "local.yml").write_text(local)
    return tmp_path


def test_unknown_key_names_file_and_key(tmp_path: Path) -> None:
    conf = _conf(tmp_path, "engine:\n  kind: local\n", "engine:\n  knd: connect\n")
    with pytest.raises(ConfigError) as info:
        load_settings("local", conf, environ={})
    assert "local.yml" in str(info.value) and "engine.knd" in str(info.value)


def test_bad_value_names_file_and_key(tmp_path: Path) -> None:
    conf = _conf(tmp_path, "engine:\n  kind: spaceship\n")
    with pytest.raises(ConfigError) as info:
        load_settings("local", conf, environ={})
    assert "base.yml" in str(info.value) and "engine.kind" in str(info.value)


def test_env_error_is_attributed_to_environment(tmp_path: Path) -> None:
    conf = _conf(tmp_path, "engine:\n  kind: local\n")
    with pytest.raises(ConfigError) as info:
        load_settings(
            "local", conf, environ={"FEEDBACK_LAKEHOUSE__ENGINE__SHUFFLE_PARTITIONS": "x"}
        )
    assert "environment: engine.shuffle_partitions" in str(info.value)


def test_broken_yaml_and_unknown_target(tmp_path: Path) -> None:
    conf = _conf(tmp_path, "engine: [unclosed\n")
    with pytest.raises(ConfigError, match=r"base\.yml: not valid YAML"):
        load_settings("local", conf, environ={})
    with pytest.raises(ConfigError, match="unknown target"):
        load_settings("staging", conf, environ={})


def test_cli_reports_config_errors_without_traceback(tmp_path: Path, capsys) -> None:
    from feedback_lakehouse.cli import main

    conf = _conf(tmp_path, "engine:\n  kind: spaceship\n")
    assert main(["--conf", str(conf), "tables"]) == 2
    err = capsys.readouterr().err
    assert "engine.kind" in err and "Traceback" not in err
