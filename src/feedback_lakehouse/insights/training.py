"""Train (or reuse) the offline model and write the knowledge files executors read.

The model folder is named after a hash of everything it learned from (examples, human labels,
runbooks), so an unchanged configuration reuses the stored model and its cached answers, and
a changed one gets a new model version — and with it a fresh result cache."""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from feedback_lakehouse.config.check import conf_files
from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.insights.examples import Example
from feedback_lakehouse.insights.knowledge import (
    KnowledgeDoc,
    flag_docs,
    incident_docs,
    release_docs,
)
from feedback_lakehouse.insights.offline_model import ALGORITHM, OfflineModel
from feedback_lakehouse.insights.taxonomy import Taxonomy

if TYPE_CHECKING:
    from feedback_lakehouse.catalog import Catalog

log = logging.getLogger(__name__)
_ahead: dict[Path, tuple[subprocess.Popen[bytes], Any]] = {}
"""Model roots with a training started ahead (``train_ahead``, with its stderr file), not yet
waited for."""


def train_ahead(settings: Settings, human: list[Example]) -> None:
    """Start training the model in a child process, so it learns while ingest and silver run
    (it needs only the conf folder and the human labels; about 8 s of one core, which ingest
    leaves idle). ``train_model`` waits for it first and then finds the model stored."""
    root = model_root(settings)
    if root in _ahead:
        return
    folder = _sources(settings, human)[0]  # a bad conf file fails here, before any step
    if (folder / "model.joblib").is_file():
        return  # stored already: nothing to learn
    # stderr to a file, not a pipe, so a chatty child never blocks; closed once waited for
    err = tempfile.TemporaryFile()  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "feedback_lakehouse.insights.training"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err,
    )  # fmt: skip
    assert proc.stdin is not None
    proc.stdin.write(pickle.dumps((settings, human)))
    proc.stdin.close()
    _ahead[root] = (proc, err)


def wait_for_training_ahead(settings: Settings) -> None:
    """Wait for a training started ahead for this model root, if any. A failed one is only
    logged: ``train_model`` then trains in this process and raises the error itself."""
    started = _ahead.pop(model_root(settings), None)
    if started is None:
        return
    proc, err = started
    with err:
        if proc.wait():
            err.seek(0)
            tail = err.read().decode(errors="replace")[-500:]
            log.warning("training the model ahead failed (exit %s): %s", proc.returncode, tail)


def model_root(settings: Settings) -> Path:
    p = Path(settings.insights.model_dir).expanduser()
    return p if p.is_absolute() else settings.root / p


def _fingerprint(examples: list[Example], runbooks: list[KnowledgeDoc], taxonomy: Taxonomy) -> str:
    h = hashlib.sha256(ALGORITHM.encode() + taxonomy.model_dump_json().encode())
    for e in examples:
        h.update(f"{e.text}\x1f{e.category}\x1f{e.product_area}\x1f{e.feedback_type}".encode())
        h.update(f"\x1f{e.severity}\x1f{e.sub_theme}\x1e".encode())
    for d in runbooks:
        h.update(f"{d.doc_id}\x1f{d.title}\x1f{d.product_area}\x1f{d.text}\x1e".encode())
    return h.hexdigest()[:12]


def _sources(
    settings: Settings, human: list[Example] | None
) -> tuple[Path, list[Example], list[KnowledgeDoc], Path]:
    """What the model learns from, and the folder its version names (0.2 s: files only)."""
    conf = conf_files(settings)
    examples = conf.examples + list(human or [])
    version = "offline-" + _fingerprint(examples, conf.runbooks, conf.taxonomy)
    return model_root(settings) / version, examples, conf.runbooks, conf.taxonomy_file


def train_model(
    settings: Settings, human: list[Example] | None = None
) -> tuple[OfflineModel, Path]:
    """The model for this configuration, trained on first use and stored under model_dir."""
    wait_for_training_ahead(settings)
    folder, examples, runbooks, taxonomy_file = _sources(settings, human)
    version = folder.name
    if (folder / "model.joblib").is_file():
        if not (folder / "taxonomy.yml").is_file():
            shutil.copyfile(taxonomy_file, folder / "taxonomy.yml")
        return OfflineModel.load(folder), folder
    model = OfflineModel().fit(examples, runbooks)
    model.version = version
    tmp = folder.with_name(folder.name + ".tmp")
    model.save(tmp)
    # executors read the taxonomy from the model folder: on a cluster it sits on a Volume
    # every node can read, unlike the driver's conf folder
    shutil.copyfile(taxonomy_file, tmp / "taxonomy.yml")
    tmp.rename(folder)  # readers never see a half-written model
    return model, folder


def human_labels(catalog: Catalog) -> list[Example]:
    """Human-confirmed labels (``silver.insight_labels``) join the training examples."""
    rows = catalog.read("silver.insight_labels").collect()  # small by nature: people label
    return [
        Example(
            r["text"],
            r["category"],
            r["product_area"],
            r["feedback_type"],
            r["severity"],
            r["sub_theme"],
            "human",
        )
        for r in rows
        if r["text"]
    ]


def event_documents(
    catalog: Catalog, settings: Settings, model: OfflineModel
) -> list[KnowledgeDoc]:
    """Release note lines, incidents and flag changes from the reference tables, each with a
    product area: from ``insights.component_areas``, else read from its text by the model."""
    areas = settings.insights.component_areas

    def rows(name: str) -> list[dict[str, Any]]:
        return [r.asDict() for r in catalog.read(name).collect()]  # reference data: small

    docs = (
        release_docs(rows("bronze.releases"), areas)
        + incident_docs(rows("bronze.incidents"), areas)
        + flag_docs(rows("bronze.feature_flags"), areas)
    )
    unknown = [d for d in docs if d.product_area is None]
    if unknown:
        for d, p in zip(unknown, model.predict([d.text for d in unknown]), strict=True):
            if p.probs["product_area"] >= 0.5:
                d.product_area = p.labels["product_area"]
    return docs


def write_events(docs: list[KnowledgeDoc], folder: Path, model: OfflineModel) -> Path:
    """The event documents (JSON) and their FAISS index (``.faiss`` beside it), named by
    content: executors load both; an unchanged timeline is written once."""
    import faiss

    from feedback_lakehouse.insights.knowledge import doc_to_json

    payload = json.dumps([doc_to_json(d) for d in docs], sort_keys=True)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:12]
    path = folder / f"events-{digest}.json"
    index_path = path.with_suffix(".faiss")
    if not index_path.is_file():
        index = faiss.IndexFlatIP(model.embedder.svd.n_components)  # type: ignore[union-attr]
        if docs:
            index.add(model.embedder.embed([d.text for d in docs]))
        faiss.write_index(index, str(index_path.with_suffix(".faiss.tmp")))
        index_path.with_suffix(".faiss.tmp").rename(index_path)
    if not path.is_file():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(payload, encoding="utf-8")
        tmp.rename(path)
    return path


if __name__ == "__main__":  # the child of ``train_ahead``: our own parent's data, trusted
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _settings, _human = pickle.load(sys.stdin.buffer)
    train_model(_settings, _human)
