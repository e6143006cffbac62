from __future__ import annotations

import json

import pyarrow as pa
import pytest

from feedback_lakehouse.silver.transform import (
    HANDLER,
    TransformConfig,
    _arrow_schema,
    transform_rows,
)
from feedback_lakehouse.workers import WorkerPool, grouped_chunks, map_batches

CFG = TransformConfig(adapters={"surveys": "surveys"}, languages=("en", "de"))


def _row(i: int, comment: str) -> dict[str, str]:
    payload = json.dumps({"comment": comment, "response_id": str(i)})
    return {"source": "surveys", "source_record_id": str(i), "payload": payload,
            "payload_hash": str(i)}  # fmt: skip


def test_pool_returns_what_in_process_work_returns_in_order() -> None:
    comments = [
        "Exports to CSV drop custom fields. Also, SSO logs us out hourly.",
        "Die App stürzt beim Start ab. Rufen Sie mich an: +49 30 1234567",
        "Dashboards are slow, mail me at ana@example.com",
        "",
        "Great product!",
    ]
    chunks = [[_row(i * 10 + k, c) for k, c in enumerate(comments)] for i in range(5)]
    schema = _arrow_schema()
    with WorkerPool(2, HANDLER, CFG.to_json(), schema) as pool:
        batches = list(pool.map(pa.RecordBatch.from_pylist(c) for c in chunks))
    assert all(b.schema == schema for b in batches)
    results = [b.to_pylist() for b in batches]
    expected = [  # as the schema holds them
        pa.RecordBatch.from_pylist(transform_rows(chunk, CFG), schema=schema).to_pylist()
        for chunk in chunks
    ]
    # lingua's confidences may differ in the last bits between processes
    for got_rows, want_rows in zip(results, expected, strict=True):
        for got, want in zip(got_rows, want_rows, strict=True):
            assert got.pop("language_confidence") == pytest.approx(
                want.pop("language_confidence"), abs=1e-9
            )
            assert got == want
    assert results[0][1]["language"] == "de" and "[PHONE]" in results[0][1]["text_redacted"]


def test_a_bad_record_is_reported_not_fatal() -> None:
    rows = [{"source": "surveys", "source_record_id": "x", "payload": "{not json",
             "payload_hash": "h"}]  # fmt: skip
    with WorkerPool(1, HANDLER, CFG.to_json(), _arrow_schema()) as pool:
        (result,) = list(pool.map(iter([pa.RecordBatch.from_pylist(rows)])))
    assert result.to_pylist()[0]["error"].startswith("JSONDecodeError")


def test_chunks_are_bounded_and_keep_every_row_in_order() -> None:
    """Big input batches are cut into chunks of at most rows_per_chunk (a slice ships only its
    own rows), with workers and without, and nothing is lost or reordered."""
    rows = [_row(i, f"Comment number {i}. Also, another problem {i}.") for i in range(23)]
    batches = [pa.RecordBatch.from_pylist(rows[:20]), pa.RecordBatch.from_pylist(rows[20:])]
    for workers in (1, 2):
        out = list(map_batches(iter(batches), HANDLER, CFG.to_json(), _arrow_schema(), 6,
                               workers))  # fmt: skip
        assert [b.num_rows for b in out] == [6, 6, 6, 2, 3]
        ids = [r["source_record_id"] for b in out for r in b.to_pylist()]
        assert ids == [str(i) for i in range(23)]


_ECHO = """
def factory(cfg_json):
    def handle(rows):
        if any(r["i"] == FAIL for r in rows):
            raise ValueError(f"chunk with row {FAIL} refused")
        return [{"i": r["i"], "blob": "x" * 200_000} for r in rows]
    return handle
"""


@pytest.mark.parametrize("fail_at", [None, 5])
def test_big_results_with_chunks_in_flight_arrive_in_order_and_errors_surface(
    tmp_path, monkeypatch, fail_at
) -> None:  # type: ignore[no-untyped-def]
    """Each chunk (300 KB) and result (400 KB) is bigger than a pipe's buffer and the parent
    sends a worker its next chunk while it writes a result: the workers' reader threads keep
    that from deadlocking. A chunk's error is
    raised in the parent with the chunks before it delivered, and the pool still closes."""
    (tmp_path / "echo_handler.py").write_text(f"FAIL = {fail_at!r}\n" + _ECHO)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    schema = pa.schema([("i", pa.int64()), ("blob", pa.string())])
    pad = "p" * 150_000  # inputs bigger than a pipe's buffer too
    chunks = (
        pa.RecordBatch.from_pylist([{"i": i, "pad": pad}, {"i": i + 100, "pad": pad}])
        for i in range(12)
    )
    got: list[int] = []
    pool = WorkerPool(2, "echo_handler:factory", "{}", schema)
    with pool:
        if fail_at is None:
            got = [b.column("i")[0].as_py() for b in pool.map(chunks)]
        else:
            with pytest.raises(ValueError, match="row 5 refused"):
                for b in pool.map(chunks):
                    got.append(b.column("i")[0].as_py())
    assert got == list(range(12 if fail_at is None else 5))
    assert all(proc.poll() is not None for proc in pool._procs)


def test_a_worker_whose_input_is_corrupt_exits_instead_of_waiting_forever() -> None:
    import subprocess
    import sys

    from feedback_lakehouse.workers import _HEADER, _send

    proc = subprocess.Popen(
        [sys.executable, "-m", "feedback_lakehouse.workers", HANDLER],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    _send(proc.stdin, (CFG.to_json(), _arrow_schema()))
    proc.stdin.write(_HEADER.pack(10) + b"not pickle")  # a chunk that cannot be read
    proc.stdin.flush()
    try:
        proc.wait(timeout=60)  # the parent sees the worker gone and reports it
    finally:
        proc.kill()
    assert proc.returncode == 1
    assert b"UnpicklingError" in proc.stderr.read()  # type: ignore[union-attr]


def test_grouped_chunks_never_split_a_key_even_across_input_batches() -> None:
    # runs of 1-7 equal keys, cut into input batches that end inside runs
    keys = [f"k{i:03d}" for i in range(120) for _ in range(1 + i % 7)]
    batches = [pa.record_batch({"key": keys[lo : lo + 37]}) for lo in range(0, len(keys), 37)]
    chunks = list(grouped_chunks(iter(batches), "key", 10))
    assert [k for c in chunks for k in c.column("key").to_pylist()] == keys  # all, in order
    owner: dict[str, int] = {}
    for n, chunk in enumerate(chunks):
        for key in chunk.column("key").to_pylist():
            assert owner.setdefault(key, n) == n, f"{key} split between chunks"
    assert all(c.num_rows >= 10 for c in chunks[:-1])  # bounded below, cut only at a change
    assert all(c.num_rows < 10 + 7 for c in chunks)


def test_grouped_chunks_refuse_unsorted_rows() -> None:
    with pytest.raises(ValueError, match="not sorted on 'key'"):
        list(grouped_chunks(iter([pa.record_batch({"key": ["b", "a", "c"]})]), "key", 2))
    across = [pa.record_batch({"key": ["a", "c"]}), pa.record_batch({"key": ["b", "d"]})]
    with pytest.raises(ValueError, match="across batches"):
        list(grouped_chunks(iter(across), "key", 5))


def test_an_empty_partition_loads_no_handler_and_starts_no_worker() -> None:
    """Engines hand out empty partitions (a window's, say); each worker would load its
    models for nothing."""
    missing = "no_such_package.handlers:factory"  # loading it would raise
    for workers in (1, 2):
        assert list(map_batches(iter([]), missing, "{}", _arrow_schema(), 6, workers)) == []
        empty = pa.RecordBatch.from_pylist([], schema=pa.schema([("source", pa.string())]))
        assert list(map_batches(iter([empty]), missing, "{}", _arrow_schema(), 6, workers)) == []
    with pytest.raises(ModuleNotFoundError):
        list(map_batches(iter([pa.RecordBatch.from_pylist([_row(1, "x")])]), missing, "{}",
                         _arrow_schema(), 6, 1))  # fmt: skip


_GC_PROBE = """
import gc

STATE = None


def factory(cfg_json):
    global STATE
    STATE = [{"k": i} for i in range(1000)]  # a model's worth of objects, built at load

    def handle(rows):
        return [{"threshold": gc.get_threshold()[0], "frozen": gc.get_freeze_count()}]
    return handle
"""


def test_a_worker_keeps_its_loaded_state_out_of_the_collectors_way(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from feedback_lakehouse.workers import GC_YOUNG_THRESHOLD

    (tmp_path / "gc_probe.py").write_text(_GC_PROBE)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    schema = pa.schema([("threshold", pa.int64()), ("frozen", pa.int64())])
    with WorkerPool(1, "gc_probe:factory", "{}", schema) as pool:
        (out,) = list(pool.map(iter([pa.RecordBatch.from_pylist([{"i": 1}])])))
    got = out.to_pylist()[0]
    assert got["threshold"] == GC_YOUNG_THRESHOLD
    assert got["frozen"] >= 1000  # the handler's state was frozen after it was built
