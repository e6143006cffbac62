"""Finding export files and identifying a file version (path + checksum)."""

from __future__ import annotations

import glob
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from feedback_lakehouse.progress import Progress

if TYPE_CHECKING:
    from feedback_lakehouse.catalog import Catalog


def ingested_versions(catalog: Catalog) -> set[tuple[str, str]]:
    """(path, sha256) of every file version already ingested. The manifest has one row per
    file version, small enough to bring to the driver."""
    rows = catalog.read("bronze.ingest_files").select("path", "sha256").collect()
    return {(r.path, r.sha256) for r in rows}


def find_files(base: Path, pattern: str) -> list[Path]:
    """Files matching a glob relative to ``base`` (or absolute), sorted for determinism.
    ``base`` is a folder, not a pattern: brackets in its name match themselves."""
    full = pattern if Path(pattern).is_absolute() else str(Path(glob.escape(str(base))) / pattern)
    return sorted(Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file())


def file_sha256(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            digest.update(chunk)
            if progress:
                progress.advance(len(chunk))
    return digest.hexdigest()


def display_path(path: Path, landing: Path) -> str:
    """Path as stored in bronze: relative to the landing folder when inside it."""
    try:
        return path.resolve().relative_to(landing.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())
