"""The knowledge base retrieval cites: runbooks / KB articles (``conf/runbooks/*.md``, each
with an id in its front matter), release notes, incidents and feature-flag changes from the
reference tables. Releases, incidents and flags also carry the time and segment the event
timeline matches fragments against."""

from __future__ import annotations

import glob
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from feedback_lakehouse.config.files import parse_yaml
from feedback_lakehouse.errors import ConfigError

_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_SECTION = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)
_DOC_ID = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Za-z0-9.]+)+$")
RUNBOOK_KINDS = ("runbook", "kb", "known_issue")


@dataclass(slots=True)
class KnowledgeDoc:
    doc_id: str
    kind: str  # runbook | release | incident | flag
    title: str
    text: str  # what retrieval embeds
    product_area: str | None = None
    source: str = ""  # file or table it came from
    start: datetime | None = None  # deploy / incident start / flag change (UTC, naive)
    end: datetime | None = None  # incident end
    segment: dict[str, str] = field(default_factory=dict)

    def snippet(self, chars: int = 300) -> str:
        flat = " ".join(self.text.split())
        return flat if len(flat) <= chars else flat[: chars - 1] + "…"


def _sections(body: str) -> dict[str, str]:
    parts = _SECTION.split(body)
    out = {"_intro": parts[0]}
    for name, text in zip(parts[1::2], parts[2::2], strict=False):
        out[name.strip().lower()] = text.strip()
    return out


def parse_runbook(path: Path, areas: set[str]) -> KnowledgeDoc:
    """One Markdown article with YAML front matter (id, title, kind, product_area, ...)."""
    raw = path.read_text(encoding="utf-8")
    m = _FRONT.match(raw)
    if not m:
        raise ConfigError(f"{path}: no front matter; start the file with '---', id: ..., '---'")
    meta = parse_yaml(m.group(1), f"{path}: front matter") or {}
    if not isinstance(meta, dict):
        raise ConfigError(f"{path}: front matter must be a mapping of keys (id, title, ...)")
    for key in ("id", "title", "product_area"):
        if not meta.get(key):
            raise ConfigError(f"{path}: front matter key {key!r} is missing")
    doc_id, area = str(meta["id"]), str(meta["product_area"])
    if not _DOC_ID.match(doc_id):
        raise ConfigError(f"{path}: id {doc_id!r} is not an id like KB-AUTH-002")
    if area not in areas:
        raise ConfigError(
            f"{path}: product_area {area!r} is not in the taxonomy ({', '.join(sorted(areas))})"
        )
    kind = str(meta.get("kind", "kb"))
    if kind not in RUNBOOK_KINDS:
        raise ConfigError(f"{path}: kind {kind!r} must be one of {', '.join(RUNBOOK_KINDS)}")
    body = raw[m.end() :]
    sec = _sections(body)
    tags = " ".join(str(t) for t in meta.get("tags") or [])
    # Retrieval matches customer words, which describe symptoms, not fixes: embed the title,
    # tags, symptoms and cause; the resolution steps stay out of the vector.
    text = "\n".join(
        x for x in (str(meta["title"]), tags, sec.get("symptoms", ""), sec.get("cause", "")) if x
    )
    return KnowledgeDoc(doc_id, "runbook", str(meta["title"]), text, area, str(path))


def load_runbooks(pattern: str | Path, areas: set[str]) -> list[KnowledgeDoc]:
    paths = sorted(Path(p) for p in glob.glob(str(pattern)))
    """Every runbook under ``pattern``; every file's problem is reported at once."""
    docs, errors = [], []
    for p in paths:
        try:
            docs.append(parse_runbook(p, areas))
        except ConfigError as exc:
            errors.append(str(exc))
    seen: dict[str, str] = {}
    for d in docs:
        if d.doc_id in seen:
            errors.append(f"{d.source}: id {d.doc_id} is also used by {seen[d.doc_id]}")
        seen[d.doc_id] = d.source
    if errors:
        raise ConfigError("\n".join(errors))
    return docs


def _segment(text: str | None) -> dict[str, str]:
    """``tier=enterprise;region=EU`` -> dict; ``percent=25`` style rollouts carry no segment."""
    out: dict[str, str] = {}
    for part in re.split(r"[;,&]", text or ""):
        if "=" in part:
            k, v = part.split("=", 1)
            if k.strip() and k.strip() != "percent":
                out[k.strip().lower()] = v.strip()
    return out


def release_docs(rows: list[dict[str, Any]], component_areas: dict[str, str]) -> list[KnowledgeDoc]:
    """One document per release note line: a release ships several unrelated changes, and a
    fragment is explained by one of them, not by the release as a whole."""
    docs: list[KnowledgeDoc] = []
    for r in rows:
        comp = str(r.get("component") or "")
        seg = {"component": comp, "product_version": str(r.get("version") or "")}
        if comp in ("ios", "android"):
            seg["platform"] = comp
        lines = [ln.strip(" -*\t") for ln in str(r.get("notes") or "").splitlines()]
        for i, line in enumerate(x for x in lines if x):
            docs.append(
                KnowledgeDoc(
                    r["release_id"], "release", f"Release {r['version']} ({comp}): {line}", line,
                    component_areas.get(comp), f"bronze.releases#{i}", r.get("deployed_at"),
                    None, seg,
                )
            )  # fmt: skip
    return docs


def incident_docs(
    rows: list[dict[str, Any]], component_areas: dict[str, str]
) -> list[KnowledgeDoc]:
    return [
        KnowledgeDoc(
            r["incident_id"],
            "incident",
            f"Incident {r['incident_id']}: {r['summary']}",
            str(r.get("summary") or ""),
            component_areas.get(str(r.get("service") or "")),
            "bronze.incidents",
            r.get("started_at"),
            r.get("ended_at"),
            {"service": str(r.get("service") or "")},
        )
        for r in rows
    ]


def flag_docs(rows: list[dict[str, Any]], component_areas: dict[str, str]) -> list[KnowledgeDoc]:
    docs = []
    for r in rows:
        if str(r.get("state") or "").lower() not in ("on", "enabled", "true", "rollout"):
            continue
        desc = str(r.get("description") or r["flag"])
        docs.append(
            KnowledgeDoc(
                f"FLAG-{r['flag']}",
                "flag",
                f"Flag {r['flag']} turned on: {desc}",
                desc,
                component_areas.get(str(r["flag"])),
                "bronze.feature_flags",
                r.get("changed_at"),
                None,
                _segment(r.get("segment")),
            )
        )
    return docs


def doc_from_json(d: dict[str, Any]) -> KnowledgeDoc:
    for key in ("start", "end"):
        if d.get(key):
            d[key] = datetime.fromisoformat(d[key])
    return KnowledgeDoc(**d)


def doc_to_json(d: KnowledgeDoc) -> dict[str, Any]:
    out = asdict(d)
    for key in ("start", "end"):
        if out[key] is not None:
            out[key] = out[key].isoformat()
    return out
