"""A new user's first bring-your-own export: mistakes stop at once naming what was looked for
and what was found, before any record is parsed or quarantined one by one."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from feedback_lakehouse.bronze.exports import check_columns, command_line_exports, mapped_columns
from feedback_lakehouse.config.settings import ExportMapping
from feedback_lakehouse.errors import ConfigError


def _mapping(fmt: str = "csv", **over: object) -> ExportMapping:
    data = {
        "source": "desk", "format": fmt, "path": "desk/*." + fmt, "record_id": "Id",
        "received_at": {"column": "Created"}, "body": ["Body"], "subject": "Subject",
    }  # fmt: skip
    return ExportMapping.model_validate(data | over)


def test_mapped_columns_lists_every_column_once() -> None:
    m = _mapping(required=["Id", "Account"], account_id="Account")
    assert mapped_columns(m) == ["Id", "Created", "Body", "Account", "Subject"]


def test_a_misspelled_column_is_named_with_the_header_found(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("Id,Created,Message,Subject\n1,2026-08-01,hi,s\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'Body'.*4 column\(s\): 'Id', 'Created', 'Message'"):
        check_columns(f, _mapping())
    f.write_text("Id,Created,Body,Subject\n", encoding="utf-8")
    check_columns(f, _mapping())  # all there: no error


def test_a_semicolon_file_is_named_as_such_even_gzipped(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_bytes(gzip.compress(b"Id;Created;Body;Subject\n1;2026-08-01;hi;s\n"))
    with pytest.raises(ConfigError, match="semicolon-separated"):
        check_columns(f, _mapping())


def test_jsonl_columns_are_read_from_the_first_records(tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text('{"Id": 1, "Created": "2026-08-01", "body": "hi"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'Body', 'Subject'.*case-sensitive"):
        check_columns(f, _mapping("jsonl"))


def test_path_without_export_or_pointing_nowhere_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs the mapping"):
        command_line_exports([], str(tmp_path), tmp_path)
    with pytest.raises(ConfigError, match="no such folder"):
        command_line_exports(["m.yml"], str(tmp_path / "missing"), tmp_path)


def test_a_mapping_that_finds_no_file_names_the_pattern(tmp_path: Path) -> None:
    mapping = tmp_path / "desk.yml"
    mapping.write_text(
        "source: desk\nformat: csv\npath: 'desk/*.csv'\nrecord_id: Id\n"
        "received_at: {column: Created}\nbody: [Body]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"desk.yml: path 'desk/\*.csv' matches no file"):
        command_line_exports([str(mapping)], None, tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "one.csv").write_text("Id,Created,Body\n", encoding="utf-8")
    [found] = command_line_exports([str(mapping)], str(tmp_path / "elsewhere"), tmp_path)
    assert found.path.endswith("elsewhere/*.csv")
