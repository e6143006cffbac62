"""SparkSession factory for the three engines.

``local`` starts Sail's Spark Connect server inside this process (no JVM) and connects to it;
``connect`` reaches any Spark Connect URL; ``databricks`` takes the job's active session.
Everything downstream uses only the Spark Connect API, so the same code runs on all three."""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.errors import EngineError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

_lock = threading.Lock()
_server: Any = None


def _sail_environment(settings: Settings) -> dict[str, str]:
    sail = settings.engine.sail
    env = {
        "SAIL_RUNTIME__MEMORY_POOL__TYPE": sail.memory_pool,
        "RUST_LOG": os.environ.get("RUST_LOG", sail.log_level),
    }
    if sail.memory_pool in ("fair", "greedy"):
        env[f"SAIL_RUNTIME__MEMORY_POOL__{sail.memory_pool.upper()}__MAX_SIZE"] = str(
            sail.memory_max_bytes
        )
    return env


def _local_url(settings: Settings) -> str:
    """Start (once per process) the embedded Sail server and return its sc:// URL."""
    global _server
    with _lock:
        if _server is None:
            try:
                from pysail.spark import SparkConnectServer
            except ImportError as exc:  # pragma: no cover - depends on the install
                raise EngineError(
                    "the local engine needs the 'local' extra: pip install -e '.[local]'"
                ) from exc
            os.environ.update(_sail_environment(settings))
            server = SparkConnectServer(ip="127.0.0.1", port=0)
            server.start(background=True)
            _server = server
            atexit.register(_stop_server)
        ip, port = _server.listening_address
    return f"sc://{ip}:{port}"


def _stop_server() -> None:
    global _server
    with _lock:
        if _server is not None:
            try:
                _server.stop()
            except Exception:  # pragma: no cover - best effort at exit
                log.debug("sail server stop failed", exc_info=True)
            _server = None


def get_spark(settings: Settings) -> SparkSession:
    """A SparkSession for the configured engine, with UTC session time zone."""
    kind = settings.engine.kind
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError(
            "pyspark is not installed; locally use pip install -e '.[local]', on Databricks "
            "the runtime provides it"
        ) from exc
    if kind == "databricks":
        spark = SparkSession.getActiveSession()
        if spark is None:
            raise EngineError(
                "engine.kind=databricks but no active Spark session: run inside a Databricks "
                "job or notebook, or use engine.kind=connect with a Databricks Connect URL"
            )
    else:
        if kind == "local":
            url = _local_url(settings)
        else:
            url = settings.engine.connect_url or ""
            if not url.startswith("sc://"):
                raise EngineError(
                    f"engine.kind=connect needs engine.connect_url='sc://host:port', got {url!r}"
                )
        spark = SparkSession.builder.remote(url).getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", settings.engine.session_timezone)
    if kind != "databricks":
        spark.conf.set("spark.sql.shuffle.partitions", str(settings.engine.shuffle_partitions))
    return spark
