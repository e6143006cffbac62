"""Bring-your-own-export ingest: a mapped CSV, a changed re-export and the real CFPB file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from feedback_lakehouse.config.mapping import ExportMapping, load_export_mapping

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CFPB = REPO.parent / "shared" / "data" / "cfpb"

HEADER = ["Ticket", "Opened", "Text", "Customer", "Via"]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)


@pytest.fixture(scope="module")
def exports_lakehouse(spark, own_settings, tmp_path_factory):
    """A lakehouse of its own (root and schema prefix): exports ingested here never reach the
    shared sample lakehouse, whose silver and gold the other modules check against bronze."""
    from feedback_lakehouse.lakehouse import open_lakehouse

    root = tmp_path_factory.mktemp("exports_lakehouse")
    return open_lakehouse(settings=own_settings(root, "exports_"))


def _mapping(folder: Path) -> ExportMapping:
    return ExportMapping.model_validate(
        {
            "source": "helpdesk",
            "format": "csv",
            "path": str(folder / "*.csv"),
            "record_id": "Ticket",
            "received_at": {"column": "Opened", "formats": ["%d.%m.%Y %H:%M"]},
            "body": ["Text"],
            "account_id": "Customer",
            "channel": "Via",
        }
    )


def test_export_then_changed_reexport(spark, exports_lakehouse, tmp_path) -> None:
    from feedback_lakehouse.bronze.ingest import run_ingest

    catalog, engine_settings = exports_lakehouse.catalog, exports_lakehouse.settings
    rows = [
        ["H-1", "03.08.2026 14:00", "Dashboard filters reset", "ACC-9", "email"],
        ["H-2", "03.08.2026 15:00", "", "ACC-9", "email"],
        ["H-3", "not a date", "Export is slow", "ACC-9", "web"],
        ["H-4", "04.08.2026 09:30", "SSO loop on login", "ACC-7", "web"],
    ]
    _write(tmp_path / "export-1.csv", rows)
    mapping = _mapping(tmp_path)
    first = run_ingest(spark, catalog, engine_settings, exports=[mapping])
    assert (first.rows_read, first.rows_written, first.rows_quarantined) == (4, 2, 2)
    raw = catalog.read("bronze.feedback_raw").filter(F.col("source") == "helpdesk")
    got = {r["source_record_id"]: (r["account_id"], r["channel"]) for r in raw.collect()}
    assert got == {"H-1": ("ACC-9", "email"), "H-4": ("ACC-7", "web")}
    bad = catalog.read("bronze.rejected").filter(F.col("source") == "helpdesk")
    assert {(r["source_line"], r["reason"]) for r in bad.collect()} == {
        (3, "empty_body"),
        (4, "unparseable_timestamp"),
    }

    # The help desk re-exports: H-4 edited, H-5 new, H-1 identical.
    rows[3][2] = "SSO loop on login, still happening after the fix"
    rows.append(["H-5", "05.08.2026 10:00", "Invoice shows wrong seat count", "ACC-7", "web"])
    _write(tmp_path / "export-1.csv", rows)
    second = run_ingest(spark, catalog, engine_settings, exports=[mapping])
    assert {k: second.details[k] for k in ("inserted", "updated", "unchanged")} == {
        "inserted": 1,
        "updated": 1,
        "unchanged": 1,
    }
    raw = catalog.read("bronze.feedback_raw").filter(F.col("source") == "helpdesk")
    assert raw.count() == 3
    edited = raw.filter(F.col("source_record_id") == "H-4").select("payload").first()["payload"]
    assert "still happening" in edited
    # the two bad rows are already quarantined for this file version: inserted once more each
    # because the file changed (new checksum), never lost
    assert catalog.read("bronze.rejected").filter(F.col("source") == "helpdesk").count() == 4


@pytest.mark.skipif(not CFPB.is_dir(), reason="shared/data/cfpb not present beside the repo")
def test_real_cfpb_export(spark, exports_lakehouse) -> None:
    from feedback_lakehouse.bronze.ingest import run_ingest

    catalog, engine_settings = exports_lakehouse.catalog, exports_lakehouse.settings
    mapping = load_export_mapping(REPO / "conf" / "exports" / "cfpb.yml")
    mapping = mapping.model_copy(update={"path": str(CFPB / "*.csv")})
    with next(CFPB.glob("*.csv")).open(encoding="utf-8", newline="") as fh:
        csv.field_size_limit(2**31 - 1)
        records = list(csv.DictReader(fh))
    with_text = sum(1 for r in records if r["Consumer complaint narrative"].strip())
    report = run_ingest(spark, catalog, engine_settings, exports=[mapping])
    assert report.balanced
    assert (report.rows_read, report.rows_written) == (len(records), with_text)
    reasons = report.details["rejected_by_reason"]
    assert reasons == {"empty_body": len(records) - with_text}


def test_a_fixed_mapping_reads_the_same_file_again_and_moves_its_rejects(
    spark, exports_lakehouse, tmp_path
) -> None:
    """The first mapping reads the wrong timestamp format: every row is quarantined. Once the
    mapping is fixed the unchanged file is read again (it was skipped for good before), its
    rows land and leave bronze.rejected: in exactly one of the two tables."""
    from feedback_lakehouse.bronze.ingest import run_ingest

    catalog, settings = exports_lakehouse.catalog, exports_lakehouse.settings
    folder = tmp_path / "desk"
    folder.mkdir()
    with (folder / "export.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerow(["F-1", "2026/08/03 14:00", "Search is slow", "ACC-1", "web"])
        w.writerow(["F-2", "2026/08/04 09:00", "Login loops", "ACC-2", "web"])
    wrong = _mapping(folder).model_copy(update={"source": "fixdesk"})
    first = run_ingest(spark, catalog, settings, exports=[wrong])
    assert (first.rows_read, first.rows_written) == (2, 0)
    unchanged = run_ingest(spark, catalog, settings, exports=[wrong])
    assert unchanged.rows_read == 0 and unchanged.details["files_skipped"] == 1
    fixed_ts = {"column": "Opened", "formats": ["%Y/%m/%d %H:%M"]}
    fixed = wrong.model_copy(update={"received_at": wrong.received_at.model_validate(fixed_ts)})
    again = run_ingest(spark, catalog, settings, exports=[fixed])
    assert (again.rows_read, again.rows_written, again.rows_quarantined) == (2, 2, 0)
    assert any("read 1 file(s) again" in m for m in again.messages)
    source = F.col("source") == "fixdesk"
    assert catalog.read("bronze.feedback_raw").filter(source).count() == 2
    assert catalog.read("bronze.rejected").filter(source).count() == 0
    forced = run_ingest(spark, catalog, settings, exports=[fixed], reprocess=True)
    assert forced.rows_read == 2 and forced.details["unchanged"] == 2  # idempotent


def test_a_mapping_naming_columns_the_file_lacks_stops_before_parsing(
    spark, exports_lakehouse, tmp_path
) -> None:
    from feedback_lakehouse.bronze.ingest import run_ingest
    from feedback_lakehouse.errors import ConfigError

    catalog, settings = exports_lakehouse.catalog, exports_lakehouse.settings
    (tmp_path / "semi.csv").write_text(
        "Ticket;Opened;Text;Customer;Via\nS-1;03.08.2026 14:00;Slow;ACC-1;web\n", encoding="utf-8"
    )
    mapping = _mapping(tmp_path).model_copy(update={"source": "semidesk"})
    with pytest.raises(ConfigError, match=r"semicolon-separated") as err:
        run_ingest(spark, catalog, settings, exports=[mapping])
    assert "semi.csv" in str(err.value) and "'Ticket'" in str(err.value)
    assert catalog.read("bronze.rejected").filter(F.col("source") == "semidesk").count() == 0
