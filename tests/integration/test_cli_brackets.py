"""Customer text is data, never markup: an export in a folder named with brackets, holding
messages full of rich-markup-looking brackets, goes through ``ingest``, ``silver`` and ``sql``
in the terminal's table form, and every bracket comes out as written. A lakehouse root with
brackets is refused up front (the local engine reads its locations as patterns)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedback_lakehouse import cli

TEXTS = [
    "Upload to [/data/local/tmp/] fails with [bold]E42[/bold] since Monday.",
    "The export shows [red] and [link=https://example.invalid]here[/link] instead of names.",
    "Search returns [/] and [[double]] brackets, then stops.",
]


@pytest.fixture
def bracketed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_call):
    root = tmp_path / "lakehouse"
    folder = tmp_path / "drop [1]"
    folder.mkdir()
    rows = [{"id": f"B-{i}", "created": "2026-08-03T10:00:00Z", "text": t, "account": "ACC-1"}
            for i, t in enumerate(TEXTS)]  # fmt: skip
    (folder / "export.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    mapping = tmp_path / "brackets.yml"
    mapping.write_text(
        "source: brackets\nformat: jsonl\npath: '*.jsonl'\nrecord_id: id\n"
        "received_at: {column: created}\nbody: [text]\naccount_id: account\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE_ROOT", str(root))
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE__LAKEHOUSE__SCHEMA_PREFIX", "brackets_")
    monkeypatch.delenv("FEEDBACK_LAKEHOUSE_TARGET", raising=False)
    return cli_call, mapping, folder


def test_text_full_of_brackets_goes_through_the_cli_as_written(spark, bracketed) -> None:
    call, mapping, folder = bracketed
    code, out, err = call("ingest", "--export", str(mapping), "--path", str(folder))
    assert code == 0, err
    code, out, err = call("silver")
    assert code == 0, err
    assert "MarkupError" not in err
    code, out, err = call("sql", "SELECT text_redacted FROM silver.feedback ORDER BY feedback_id")
    assert code == 0, err
    flat = " ".join(out.split())  # the table may wrap long cells
    for piece in ("[/data/local/tmp/]", "[bold]E42[/bold]", "[red]", "[link=", "[/]", "[[double]]"):
        assert piece in flat, piece


def test_a_lakehouse_root_with_pattern_characters_is_refused_naming_it(
    bracketed, monkeypatch, tmp_path
) -> None:
    call, _, _ = bracketed
    monkeypatch.setenv("FEEDBACK_LAKEHOUSE_ROOT", str(tmp_path / "lake[house]"))
    code, _, err = call("tables")
    assert code == cli.EXIT_USAGE
    assert "lakehouse.root" in err and "lake[house]" in err
