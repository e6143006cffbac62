from __future__ import annotations

from pathlib import Path

from feedback_lakehouse.bronze.readers import read_csv, read_jsonl
from feedback_lakehouse.bronze.reasons import RejectReason


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_jsonl_positions_and_faults(tmp_path: Path) -> None:
    lines = [
        b'{"id": 1}',
        b"",  # blank lines are not records
        b'{"id": 2, "body": "trunc',
        b'{"id": 3, "body": "bad \xff byte"}',
        b"[1, 2]",
        b'{"id": 4, "body": "' + b"x" * 200 + b'"}',
    ]
    f = _write(tmp_path / "a.jsonl", b"\n".join(lines) + b"\n")
    recs = list(read_jsonl(f, max_record_bytes=100))
    assert [r.line for r in recs] == [1, 3, 4, 5, 6]
    assert recs[0].obj == {"id": 1} and recs[0].offset == 0
    assert recs[1].offset == len(lines[0]) + 1 + 1
    reasons = [r.error.reason if r.error else None for r in recs]
    assert reasons == [
        None,
        RejectReason.INVALID_JSON,
        RejectReason.INVALID_UTF8,
        RejectReason.INVALID_JSON,
        RejectReason.RECORD_TOO_LARGE,
    ]
    # the raw text of an invalid-UTF-8 record is kept, the bad byte made visible
    assert "\\xff" in recs[2].raw_text


def test_jsonl_crlf_line_endings(tmp_path: Path) -> None:
    f = _write(tmp_path / "b.jsonl", b'{"id": 1}\r\n{"id": 2}\r\n')
    assert [r.obj for r in read_jsonl(f, 1000)] == [{"id": 1}, {"id": 2}]


def test_csv_multiline_fields_keep_start_line(tmp_path: Path) -> None:
    data = b'id,title,body\n1,"a","first line\nsecond, with comma"\n2,b,c\n3,too,many,cols\n'
    recs = list(read_csv(_write(tmp_path / "r.csv", data), 1000))
    assert [r.line for r in recs] == [2, 4, 5]
    assert recs[0].obj == {"id": "1", "title": "a", "body": "first line\nsecond, with comma"}
    assert recs[2].error is not None and recs[2].error.reason == RejectReason.INVALID_CSV
    assert recs[2].raw_text == "3,too,many,cols"


def test_csv_invalid_utf8_rejects_only_that_row(tmp_path: Path) -> None:
    data = b"id,body\n1,ok\n2,bad \xfe\xff\n3,fine\n"
    recs = list(read_csv(_write(tmp_path / "u.csv", data), 1000))
    assert [r.obj["id"] if r.obj else None for r in recs] == ["1", None, "3"]
    assert recs[1].error.reason == RejectReason.INVALID_UTF8
    assert recs[1].line == 3


def test_csv_bom_and_empty_file(tmp_path: Path) -> None:
    recs = list(read_csv(_write(tmp_path / "bom.csv", b"\xef\xbb\xbfid,x\n1,2\n"), 1000))
    assert recs[0].obj == {"id": "1", "x": "2"}
    assert list(read_csv(_write(tmp_path / "empty.csv", b""), 1000)) == []


def test_jsonl_with_a_byte_order_mark_reads_its_first_record(tmp_path: Path) -> None:
    f = _write(tmp_path / "bom.jsonl", b'\xef\xbb\xbf{"id": 1}\n{"id": 2}\n')
    recs = list(read_jsonl(f, max_record_bytes=100))
    assert [r.obj for r in recs] == [{"id": 1}, {"id": 2}]
    assert recs[1].offset == len(b'\xef\xbb\xbf{"id": 1}\n')  # offsets stay the file's


def test_gzip_exports_are_read_record_by_record(tmp_path: Path) -> None:
    import gzip

    f = _write(tmp_path / "t.jsonl.gz", gzip.compress(b"".join(
        b'{"id": %d}\n' % i for i in range(20))))  # fmt: skip
    assert [r.obj["id"] for r in read_jsonl(f, max_record_bytes=100)] == list(range(20))
    c = _write(tmp_path / "r.csv.gz", gzip.compress(b"id,body\n1,a\n2,b\n"))
    assert [r.obj for r in read_csv(c, max_record_bytes=100)] == [
        {"id": "1", "body": "a"}, {"id": "2", "body": "b"},
    ]  # fmt: skip


def test_a_huge_reject_keeps_a_bounded_excerpt(tmp_path: Path) -> None:
    from feedback_lakehouse.bronze.readers import EXCERPT_BYTES

    big = b'{"id": 9, "body": "' + b"x" * (3 * EXCERPT_BYTES) + b'"}'
    f = _write(tmp_path / "big.jsonl", big + b"\n")
    (rec,) = read_jsonl(f, max_record_bytes=1000)
    assert rec.error is not None and rec.error.reason == RejectReason.RECORD_TOO_LARGE
    assert rec.raw_bytes == len(big)  # the size as read
    assert len(rec.raw_text.encode()) < EXCERPT_BYTES + 200
    assert "sha256 " in rec.raw_text and f"{len(big):,} bytes" in rec.raw_text
    c = _write(tmp_path / "big.csv", b"id,body\n9," + b"y" * (3 * EXCERPT_BYTES) + b"\n")
    (row,) = read_csv(c, max_record_bytes=1000)
    assert row.error.reason == RejectReason.RECORD_TOO_LARGE
    assert len(row.raw_text.encode()) < EXCERPT_BYTES + 200


def test_a_damaged_gzip_keeps_what_came_before(tmp_path: Path) -> None:
    import gzip

    data = gzip.compress(
        b"".join(b'{"id": %d, "body": "%s"}\n' % (i, b"x" * 50) for i in range(200))
    )
    f = _write(tmp_path / "cut.jsonl", data[: len(data) // 2])  # truncated in transfer
    recs = list(read_jsonl(f, max_record_bytes=1000))
    assert recs[-1].error is not None and recs[-1].error.reason == RejectReason.DAMAGED_FILE
    kept = [r.obj["id"] for r in recs[:-1]]
    assert kept == list(range(len(kept))) and 0 < len(kept) < 200


def test_csv_unclosed_quote_quarantines_its_line_and_reads_the_swallowed_rows(
    tmp_path: Path,
) -> None:
    # the quote opened on line 3 closes on line 4 by chance, so the row has the header's
    # width: the swallowed line 4 reads as a record of its own and gives it away
    data = (
        b"id,when,text,stars\n"
        b'a1,2026-01-01,"fine",5\n'
        b'a2,2026-01-02,"stopped after I pressed ""save,3\n'
        b'a3,2026-01-03,"slow app",2\n'
        b'a4,2026-01-04,"it says ""done"" but nothing",1\n'
    )
    recs = list(read_csv(_write(tmp_path / "q.csv", data), 1000))
    assert [r.obj["id"] if r.obj else None for r in recs] == ["a1", None, "a3", "a4"]
    assert [r.line for r in recs] == [2, 3, 4, 5]
    bad = recs[1]
    assert bad.error is not None and bad.error.reason == RejectReason.INVALID_CSV
    assert "opened on line 3" in bad.error.detail and "line 3 quarantined" in bad.error.detail
    assert bad.raw_text.startswith("a2,") and "a3" not in bad.raw_text


def test_csv_quote_left_open_to_the_end_of_the_file_loses_no_row(tmp_path: Path) -> None:
    data = b'id,text\nb1,"never closed\nb2,second\nb3,third\n'
    recs = list(read_csv(_write(tmp_path / "eof.csv", data), 1000))
    assert [r.obj["id"] if r.obj else None for r in recs] == [None, "b2", "b3"]
    assert recs[0].error is not None and recs[0].error.reason == RejectReason.INVALID_CSV


def test_csv_multiline_prose_with_commas_is_not_taken_for_swallowed_rows(
    tmp_path: Path,
) -> None:
    data = b'id,text\nc1,"Hello,\nthe export fails, again\nThanks"\nc2,ok\n'
    recs = list(read_csv(_write(tmp_path / "prose.csv", data), 1000))
    assert [r.obj["id"] for r in recs if r.obj] == ["c1", "c2"]
    assert recs[0].obj["text"] == "Hello,\nthe export fails, again\nThanks"
