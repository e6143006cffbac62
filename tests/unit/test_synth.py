"""Sample-data generator: determinism, variety, planted shares, PII, malformed records and
manifest consistency."""

from __future__ import annotations

import collections
import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedback_lakehouse.bronze import adapters
from feedback_lakehouse.bronze.readers import read_csv, read_jsonl
from feedback_lakehouse.errors import RecordError
from feedback_lakehouse.synth import ground_truth
from feedback_lakehouse.synth.generator import generate
from feedback_lakehouse.synth.issues import AREAS, CATEGORIES, build_catalog
from feedback_lakehouse.synth.people import luhn_ok

N = 3000
ADAPTERS = {
    "tickets": adapters.zendesk_ticket,
    "chats": adapters.intercom_chat,
    "reviews": adapters.app_review,
    "surveys": adapters.survey_response,
    "calls": adapters.call_transcript,
}
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, N, seed=11)
    return out


def truth(out: Path) -> list[dict]:
    return list(ground_truth.read_messages(out))


def records(out: Path) -> dict[tuple[str, int], tuple[str, object]]:
    """(file, line) -> (source, RawRecord) for every record in every part file."""
    found = {}
    for src in ADAPTERS:
        for p in sorted((out / src).glob("*")):
            reader = read_csv if p.suffix == ".csv" else read_jsonl
            for rec in reader(p, 1024 * 1024):
                found[(p.relative_to(out).as_posix(), rec.line)] = (src, rec)
    return found


def customer_text(src: str, obj: dict) -> str:
    if src == "tickets":
        return "\n".join(c["body"] for c in obj["comments"] if c["author_role"] == "end-user")
    if src == "chats":
        parts = [obj["source"]["body"]] + [
            p["body"] or ""
            for p in obj["conversation_parts"]["conversation_parts"]
            if p["author"]["type"] == "user"
        ]
        return "\n".join(
            html.unescape(_TAG.sub("", p.replace("<br>", "\n").replace("</p><p>", "\n\n")))
            for p in parts
        )
    if src == "reviews":
        return f"{obj['title']}\n{obj['body']}"
    if src == "surveys":
        return obj["comment"]
    return "\n".join(t["text"] for t in obj["turns"] if t["speaker"] == "customer")


def all_bytes(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_catalog_shape() -> None:
    issues = build_catalog()
    assert 38 <= len(issues) <= 42
    assert {i.category for i in issues} == set(CATEGORIES)
    for area in AREAS:
        assert sum(i.product_area == area for i in issues) >= 3
    for i in issues:
        assert len(i.symptoms) >= 6, i.issue_id
        assert len(i.contexts) >= 2, i.issue_id
    assert sum(i.cause is not None for i in issues) == 8


def test_deterministic(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, 1200, seed=5)
    generate(b, 1200, seed=5)
    generate(c, 1200, seed=6)
    assert all_bytes(a) == all_bytes(b)
    assert (
        all_bytes(a)["tickets/tickets-00000.jsonl"] != all_bytes(c)["tickets/tickets-00000.jsonl"]
    )


def test_part_files_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ground_truth, "PART_SIZE", 300)
    generate(tmp_path, 1500, seed=3)
    assert (tmp_path / "tickets" / "tickets-00001.jsonl").exists()
    assert (tmp_path / "ground_truth" / "messages-00004.jsonl").exists()
    found = records(tmp_path)
    rows = truth(tmp_path)
    assert len(rows) == 1500 == len(found)
    assert all((r["file"], r["line"]) in found for r in rows)


def test_manifest_counts_match_files(data: Path) -> None:
    manifest = json.loads((data / "ground_truth" / "manifest.json").read_text())
    rows = truth(data)
    found = records(data)
    assert sum(manifest["counts"].values()) == N == len(rows) == len(found)
    by_source = collections.Counter(src for src, _ in found.values())
    assert dict(by_source) == manifest["counts"]
    bad = collections.Counter(r["malformed"] for r in rows if r["malformed"])
    assert dict(bad) == manifest["malformed"]
    assert manifest["malformed"].get("record_too_large") == 1
    assert 0.005 < sum(bad.values()) / N < 0.02
    for f in manifest["files"]:
        assert (data / f).exists()


def test_malformed_records_are_where_and_what_ground_truth_says(data: Path) -> None:
    found = records(data)
    for row in truth(data):
        src, rec = found[(row["file"], row["line"])]
        reason = rec.error.reason.value if rec.error else None
        if reason is None:
            try:
                ADAPTERS[src](rec.obj)
            except RecordError as exc:
                reason = exc.reason.value
        assert reason == row["malformed"], row
    for row in truth(data):
        if row["malformed"] in ("invalid_json", "invalid_utf8") and row["file"].endswith("jsonl"):
            raw = (data / row["file"]).read_bytes().split(b"\n")[row["line"] - 1]
            if row["malformed"] == "invalid_utf8":
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")
            else:
                with pytest.raises(ValueError):
                    json.loads(raw)


def test_pii_recorded_values_appear_in_text(data: Path) -> None:
    found = records(data)
    rows = truth(data)
    n_pii = 0
    for row in rows:
        if row["malformed"]:
            continue
        src, rec = found[(row["file"], row["line"])]
        text = customer_text(src, rec.obj)
        for item in row["pii"]:
            n_pii += 1
            assert item["value"] in text, (item, text)
            if item["type"] == "CARD":
                assert luhn_ok(item["value"])
        for frag in row["fragments"]:
            assert frag["text"] in text
    share = sum(bool(r["pii"]) for r in rows) / len(rows)
    assert 0.3 < share < 0.5
    types = {p["type"] for r in rows for p in r["pii"]}
    assert types == {"EMAIL", "PHONE", "NAME", "ORDER_ID", "CARD", "IP", "ADDRESS"}
    assert any("\n" in p["value"] for r in rows for p in r["pii"])


def test_shares(data: Path) -> None:
    rows = truth(data)
    langs = collections.Counter(r["language"] for r in rows)
    assert 0.05 < 1 - langs["en"] / N < 0.17
    assert all(langs[x] > 0 for x in ("fr", "de", "es", "ja"))
    multi = sum(len(r["issues"]) > 1 for r in rows) / N
    assert 0.08 < multi < 0.17
    kinds = collections.Counter(r["dup_kind"] for r in rows if r["dup_kind"])
    assert set(kinds) == {"exact", "near", "cross_channel"}
    assert 0.03 < sum(kinds.values()) / N < 0.09
    keys = {f"{r['source']}:{r['source_record_id']}" for r in rows}
    assert all(r["duplicate_of"] in keys for r in rows if r["duplicate_of"])
    noise = collections.Counter(r["noise"] for r in rows)
    assert 0.05 < noise["question"] / N < 0.11 and 0.03 < noise["praise"] / N < 0.08
    lo, hi = datetime(2026, 7, 3, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC)
    for r in rows:
        assert lo <= datetime.fromisoformat(r["received_at"]) < hi


def test_variety_of_a_common_issue(data: Path) -> None:
    rows = [r for r in truth(data) if r["language"] == "en" and not r["dup_kind"]]
    counts = collections.Counter(f["issue_id"] for r in rows for f in r["fragments"])
    issue = counts.most_common(1)[0][0]
    texts = [f["text"] for r in rows for f in r["fragments"] if f["issue_id"] == issue]
    assert len(set(texts)) >= 50
    sentences = collections.Counter(
        s
        for t in texts
        for s in {x.strip().lower() for x in re.split(r"[.!?\n]+", t) if len(x.strip()) > 10}
    )
    assert sentences.most_common(1)[0][1] <= 0.3 * len(texts)


def test_release_cause_has_no_messages_before_deploy(data: Path) -> None:
    causes = {c["issue_id"]: c for c in ground_truth.read_causes(data)}
    assert len(causes) == 8
    for iid, cause in causes.items():
        if cause["type"] not in ("release", "flag"):
            continue
        when = [r["received_at"] for r in truth(data) if iid in r["issues"]]
        assert when and min(when) >= cause["spike_window"]["start"], iid
