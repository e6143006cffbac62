"""The knowledge base: shipped runbooks are valid and bad files fail naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedback_lakehouse.errors import ConfigError
from feedback_lakehouse.insights.knowledge import flag_docs, load_runbooks, release_docs
from feedback_lakehouse.insights.taxonomy import load_taxonomy

CONF = Path(__file__).resolve().parents[2] / "conf"
AREAS = {"auth", "ingest", "dashboard", "api", "mobile", "reporting", "admin", "billing"}


def test_shipped_runbooks_are_many_unique_and_embed_symptoms() -> None:
    docs = load_runbooks(CONF / "runbooks" / "*.md", AREAS)
    assert len(docs) >= 15
    assert len({d.doc_id for d in docs}) == len(docs)
    for d in docs:
        assert Path(d.source).stem == d.doc_id, "file name and id disagree"
        assert len(d.text.split()) > 40, f"{d.doc_id}: symptoms/cause sections missing"
        assert "## Resolution" not in d.text


def test_runbook_errors_name_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "KB-X-1.md"
    bad.write_text("---\nid: KB-X-1\ntitle: t\nproduct_area: kitchen\n---\nbody\n")
    with pytest.raises(ConfigError, match=r"KB-X-1\.md: product_area 'kitchen'"):
        load_runbooks(tmp_path / "*.md", AREAS)
    bad.write_text("no front matter")
    with pytest.raises(ConfigError, match=r"KB-X-1\.md: no front matter"):
        load_runbooks(tmp_path / "*.md", AREAS)
    bad.write_text("---\ntitle: t\nproduct_area: auth\n---\n")
    with pytest.raises(ConfigError, match="'id' is missing"):
        load_runbooks(tmp_path / "*.md", AREAS)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text("---\nid: KB-A-1\ntitle: t\nproduct_area: auth\n---\n")
    with pytest.raises(ConfigError, match="also used by"):
        load_runbooks(tmp_path / "*.md", AREAS)


def test_one_release_document_per_note_line() -> None:
    rows = [{"release_id": "REL-5.19.0-ios", "version": "5.19.0", "component": "ios",
             "deployed_at": None, "notes": "- Fixed crash\n- Faster sign-in\n\n"}]  # fmt: skip
    docs = release_docs(rows, {"ios": "mobile"})
    assert [d.text for d in docs] == ["Fixed crash", "Faster sign-in"]
    assert {d.doc_id for d in docs} == {"REL-5.19.0-ios"}
    assert docs[0].segment == {"component": "ios", "product_version": "5.19.0", "platform": "ios"}
    assert docs[0].product_area == "mobile"


def test_flags_carry_segments_and_skip_turned_off() -> None:
    rows = [
        {"flag": "a", "state": "on", "segment": "tier=enterprise;region=EU", "description": "x"},
        {"flag": "b", "state": "off", "segment": "", "description": "y"},
        {"flag": "c", "state": "on", "segment": "percent=25", "description": "z"},
    ]
    docs = flag_docs(rows, {})
    assert [d.doc_id for d in docs] == ["FLAG-a", "FLAG-c"]
    assert docs[0].segment == {"tier": "enterprise", "region": "EU"}
    assert docs[1].segment == {}


def test_shipped_taxonomy_loads_and_checks_labels() -> None:
    t = load_taxonomy(CONF / "taxonomy.yml")
    assert t.check("category", "bug") is None
    assert "not in the taxonomy" in (t.check("product_area", "kitchen") or "")
    assert t.is_sensitive("billing", "billing", "duplicate charge")
    assert t.is_sensitive("bug", "auth", "account takeover attempt")
    assert not t.is_sensitive("bug", "dashboard", "charts blank in safari")


def test_taxonomy_errors_name_the_file_and_key(tmp_path: Path) -> None:
    p = tmp_path / "taxonomy.yml"
    p.write_text(
        "categories: {}\nproduct_areas: {a: b}\nfeedback_types: {x: y}\nseverities: [low]\n"
    )
    with pytest.raises(ConfigError, match=r"taxonomy\.yml: categories"):
        load_taxonomy(p)
