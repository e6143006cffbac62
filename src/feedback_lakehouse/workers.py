"""A small pool of worker processes for Python row work on the embedded engine.

Sail runs Python UDFs inside its own process, under one interpreter lock, so the text work
of silver and the insights chain use one core however many tasks run. These workers are
plain child interpreters (``python -m feedback_lakehouse.workers``) fed over pipes: unlike
``multiprocessing`` they never re-import the caller's main script. Two chunks are in flight
per worker, so a worker finds its next chunk waiting when it finishes one (with one, a worker
that finished first sat idle until the parent had taken the older result and sent it more).
A thread in each worker reads its input as it arrives, so the parent writing a chunk and
the worker writing a result can never block each other.

A worker is told a handler, ``"package.module:factory"``; ``factory(cfg_json)`` builds the
expensive state once (a model, an index) and returns the function applied to each chunk of
rows. Chunks travel as Arrow IPC both ways and become rows inside the worker, so the parent
(the engine's own process, under its interpreter lock) only copies buffers instead of
building and pickling a dict per row. End to end that measured within this machine's noise
(the whole job at 100k, twice each: 144 and 157 s before, 149 and 139 s after)."""

from __future__ import annotations

import importlib
import itertools
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import IO, Any

Rows = list[dict[str, Any]]

_HEADER = struct.Struct("<Q")
IN_FLIGHT = 2
"""Chunks sent to a worker and not yet returned."""


def _send(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    return pickle.loads(stream.read(size))  # our own child process: trusted data


def _to_ipc(batch: Any) -> bytes:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)  # a slice writes only its own rows
    return sink.getvalue().to_pybytes()


def _from_ipc(data: bytes) -> Any:
    import pyarrow as pa

    return pa.ipc.open_stream(data).read_next_batch()


def apply(handle: Callable[[Rows], Rows], batch: Any, schema: Any) -> Any:
    """One chunk: Arrow rows -> ``handle`` -> an Arrow batch of ``schema``."""
    import pyarrow as pa

    return pa.RecordBatch.from_pylist(handle(batch.to_pylist()), schema=schema)


class WorkerPool:
    """``map`` sends Arrow batches to ``n`` workers and yields their results (batches of
    ``schema``) in order."""

    def __init__(self, n: int, handler: str, cfg_json: str, schema: Any) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.handler = handler
        self._procs = [
            subprocess.Popen(
                [sys.executable, "-m", "feedback_lakehouse.workers", handler],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
            for _ in range(n)
        ]
        for proc in self._procs:
            _send(proc.stdin, (cfg_json, schema))  # type: ignore[arg-type]

    def map(self, chunks: Iterator[Any]) -> Iterator[Any]:
        sent: deque[subprocess.Popen[bytes]] = deque()  # one entry per chunk, oldest first
        free = [proc for _ in range(IN_FLIGHT) for proc in self._procs]  # a slot per chunk
        for chunk in chunks:
            if not free:
                proc = sent.popleft()
                yield self._result(proc)
                free.append(proc)
            proc = free.pop(0)
            _send(proc.stdin, _to_ipc(chunk))  # type: ignore[arg-type]
            sent.append(proc)
        while sent:
            yield self._result(sent.popleft())

    def _result(self, proc: subprocess.Popen[bytes]) -> Any:
        try:
            result = _receive(proc.stdout)  # type: ignore[arg-type]
        except EOFError:
            raise RuntimeError(
                f"worker process {proc.pid} ({self.handler}) died (exit code {proc.poll()}); "
                "set silver.local_workers / insights.local_workers to 1 to work in-process"
            ) from None
        if isinstance(result, BaseException):
            raise result
        return _from_ipc(result)

    def close(self) -> None:
        for proc in self._procs:
            for pipe in (proc.stdin, proc.stdout):  # unread results (after an error) too
                if pipe:
                    pipe.close()
        for proc in self._procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def map_batches(
    batches: Iterator[Any],
    handler: str,
    cfg_json: str,
    schema: Any,
    rows_per_chunk: int,
    workers: int = 1,
    group_by: str | None = None,
) -> Iterator[Any]:
    """``mapInArrow`` body: Arrow batches -> chunks of ``rows_per_chunk`` rows -> ``handler``
    -> Arrow batches of ``schema``; in this process, or with ``workers`` > 1 in a pool of worker
    processes (the embedded engine; on a cluster each executor already runs its own Python
    workers). With ``group_by`` (input sorted on that column) a run of equal values is never
    split between chunks: a chunk ends at the first change of value after ``rows_per_chunk``
    rows."""
    chunks: Iterator[Any] = (
        grouped_chunks(batches, group_by, rows_per_chunk)
        if group_by
        else (b.slice(lo, rows_per_chunk) for b in batches
              for lo in range(0, b.num_rows, rows_per_chunk))
    )  # fmt: skip
    first = next(chunks, None)
    if first is None:  # an empty partition starts nothing (workers load models: seconds)
        return
    chunks = itertools.chain([first], chunks)
    if workers <= 1:
        handle = load_handler(handler, cfg_json)
        for chunk in chunks:
            yield apply(handle, chunk, schema)
        return
    with WorkerPool(workers, handler, cfg_json, schema) as pool:
        yield from pool.map(chunks)


def grouped_chunks(batches: Iterator[Any], column: str, size: int) -> Iterator[Any]:
    """Chunks of at least ``size`` rows (the last one may be smaller) that end where the
    sorted ``column`` changes value, across input batches: a batch's last run is held back
    until the next batch shows whether it goes on."""
    import pyarrow as pa
    import pyarrow.compute as pc

    held = None
    for batch in batches:
        values = batch.column(column)
        if len(values) > 1 and not pc.all(pc.less_equal(values[:-1], values[1:])).as_py():
            raise ValueError(
                f"rows are not sorted on {column!r}: their groups would be split between "
                "chunks (the engine dropped the sort; report this with its version)"
            )
        if held is not None:
            last = held.column(column)[-1].as_py()
            if len(values) and last is not None and values[0].as_py() < last:
                raise ValueError(f"rows are not sorted on {column!r} across batches")
            batch = pa.concat_batches([held, batch])
        lo = 0
        while (cut := _run_end(batch.column(column), lo + size)) is not None:
            yield batch.slice(lo, cut - lo)
            lo = cut
        held = batch.slice(lo) if lo < batch.num_rows else None
    if held is not None:
        yield held


def _run_end(values: Any, at: int) -> int | None:
    """The first index from ``at`` whose value differs from the one before it (a chunk may end
    there), or None when the batch ends first."""
    import pyarrow.compute as pc

    if at >= len(values):
        return None
    changed = pc.fill_null(
        pc.not_equal(values.slice(at), values.slice(at - 1, len(values) - at)), True
    )
    found = pc.index(changed, True).as_py()
    return None if found < 0 else at + found


def auto_workers(configured: int, n_rows: int, threshold: int = 20_000) -> int:
    """Worker processes for a batch on the embedded engine: ``configured`` when set, else all
    cores for a big batch and none for a small one, where starting workers (each loads its
    state: ~1.5-2 s) costs more than it saves."""
    if configured:
        return configured
    return (os.cpu_count() or 1) if n_rows >= threshold else 1


def load_handler(spec: str, cfg_json: str) -> Callable[[Rows], Rows]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)(cfg_json)


GC_YOUNG_THRESHOLD = 50_000
"""Allocations between young collections in a worker (Python's default is 700)."""


def _settle_garbage_collector() -> None:
    """The handler's state (a model, its vocabularies, an index: millions of objects) moves
    out of the collector's sight, and young collections run less often. Chunks make and drop
    hundreds of thousands of short-lived objects that reference counting frees, and the
    collector kept walking the model: 65 us a fragment of the insights chain's 390 (17% of
    it), 6 us after (30k fragments, one core)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)


def _serve(spec: str) -> None:
    """Worker loop: config first, then chunks until the parent closes stdin."""
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # nothing a library prints may corrupt the result stream
    cfg_json, schema = _receive(inp)
    handle = load_handler(spec, cfg_json)
    _settle_garbage_collector()
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    broken: list[BaseException] = []

    def read() -> None:  # keeps the pipe drained: the parent never waits to send
        try:
            while True:
                inbox.put(_receive(inp))
        except EOFError:
            pass
        except BaseException as exc:  # an unreadable chunk ends the worker, with its error
            broken.append(exc)
        finally:
            inbox.put(None)

    threading.Thread(target=read, daemon=True).start()
    while (data := inbox.get()) is not None:
        result: Any
        try:
            result = _to_ipc(apply(handle, _from_ipc(data), schema))
        except Exception as exc:  # reported to the parent, which raises it
            result = exc
        try:
            _send(out, result)
        except BrokenPipeError:  # the parent stopped reading: it is raising an error
            return
    if broken:  # exit code 1 and the traceback on stderr; the parent reports the worker dead
        raise RuntimeError("a chunk sent to this worker could not be read") from broken[0]


if __name__ == "__main__":
    # Ctrl-C in the terminal is the parent's to handle: it stops at a safe point, then closes
    # this worker's stdin (a worker that took the signal too would die mid-chunk, traceback
    # and all)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _serve(sys.argv[1])
