"""Every conf file a run reads, loaded and checked together before any table is touched.

A scheduled job with a typo in a runbook used to ingest and clean a day's feedback before the
insights step tripped on it. ``check_conf`` reads the taxonomy, the labeled examples, the
runbooks and the export mappings, and the model endpoints' keys, and raises one
``ConfigError`` listing every problem with its file and key. ``conf_files`` is the one place
the steps get the taxonomy, examples and runbooks from (read once per change of the files)."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from feedback_lakehouse.config.settings import Settings
from feedback_lakehouse.errors import ConfigError
from feedback_lakehouse.insights.examples import Example, load_examples
from feedback_lakehouse.insights.knowledge import KnowledgeDoc, load_runbooks
from feedback_lakehouse.insights.taxonomy import Taxonomy, load_taxonomy


@dataclass(frozen=True, slots=True)
class ConfFiles:
    taxonomy_file: Path
    taxonomy: Taxonomy
    examples: list[Example]
    runbooks: list[KnowledgeDoc]


_cache: dict[tuple[object, ...], ConfFiles] = {}


def _stamp(settings: Settings) -> tuple[object, ...]:
    """The conf files' paths, sizes and times: a changed or added file reads everything anew."""
    s = settings.insights
    patterns = [s.taxonomy, *s.examples, s.runbooks]
    files = sorted({p for pat in patterns for p in glob.glob(str(settings.conf_path(pat)))})
    out: list[object] = [settings.conf_dir, *patterns]
    for f in files:
        st = Path(f).stat()
        out.append((f, st.st_size, st.st_mtime_ns))
    return tuple(out)


def conf_files(settings: Settings) -> ConfFiles:
    """Taxonomy, labeled examples and runbooks of these settings (ConfigError on a problem)."""
    key = _stamp(settings)
    if key not in _cache:
        s = settings.insights
        taxonomy_file = settings.conf_path(s.taxonomy)
        taxonomy = load_taxonomy(taxonomy_file)
        errors: list[str] = []
        examples: list[Example] = []
        runbooks: list[KnowledgeDoc] = []
        try:
            examples = load_examples([settings.conf_path(p) for p in s.examples], taxonomy)
        except ConfigError as exc:
            errors.append(str(exc))
        try:
            runbooks = load_runbooks(settings.conf_path(s.runbooks), set(taxonomy.product_areas))
        except ConfigError as exc:
            errors.append(str(exc))
        if errors:
            raise ConfigError("\n".join(errors))
        _cache.clear()
        _cache[key] = ConfFiles(taxonomy_file, taxonomy, examples, runbooks)
    return _cache[key]


def model_endpoints(settings: Settings) -> list[str]:
    """The settings keys whose chat endpoint this run will call."""
    out = []
    if settings.insights.backend == "openai":
        out.append("insights.openai")
    if settings.naming_backend == "openai":
        out.append("gold.naming")
    return out


def check_conf(settings: Settings) -> ConfFiles:
    """Every conf file of a run, checked at start-up; one ConfigError lists every problem.
    (Export mappings are checked as they are read: with the settings, or by ``--export``.)"""
    from feedback_lakehouse.llm.client import ChatClient

    errors: list[str] = []
    files: ConfFiles | None = None
    try:
        files = conf_files(settings)
    except ConfigError as exc:
        errors.append(str(exc))
    for purpose in model_endpoints(settings):
        try:
            ChatClient(settings.insights.openai, purpose=purpose)
        except ConfigError as exc:
            errors.append(str(exc))
    if settings.engine.kind == "local" and set(str(settings.root)) & set("[]*?"):
        errors.append(
            f"lakehouse.root: {settings.root} has [ ] * or ?, which the local engine reads as a "
            "file pattern (its tables would not be found again); choose a folder without them"
        )
    if errors:
        raise ConfigError("the conf folder has problems; fix them and run again:\n  "
                          + "\n  ".join(e.replace("\n", "\n  ") for e in errors))  # fmt: skip
    assert files is not None
    return files
