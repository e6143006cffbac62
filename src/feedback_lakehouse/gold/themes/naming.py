"""Names and summaries for themes, offline: class-based TF-IDF key phrases (each theme's
fragments as one document, weighed against every other theme) and a summary paragraph built
from a sample of its fragments — the shared issue, how customers put it, how severe it looks."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from feedback_lakehouse.text.stems import stem

_PLACEHOLDER = re.compile(r"\[[A-Z_]{2,12}\]")
SEVERITY_ORDER = ("critical", "high", "medium", "low")


@dataclass(slots=True)
class ThemeSample:
    theme_id: str
    texts: list[str]  # a sample of its fragments' redacted texts (15-200)
    sub_themes: list[str]
    severities: list[str]
    categories: list[str]
    areas: list[str]
    fragment_count: int
    account_count: int


@dataclass(slots=True)
class ThemeName:
    label: str
    key_phrases: list[str]
    summary: str
    variations: list[str]
    severity: str
    category: str
    product_area: str


def key_phrases(samples: list[ThemeSample], top: int = 6) -> list[list[str]]:
    """c-TF-IDF: term frequency within a theme x log(1 + average terms per theme / the term's
    frequency across all themes), over words and word pairs, stop words removed."""
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [" ".join(_PLACEHOLDER.sub(" ", t) for t in s.texts) for s in samples]
    if not any(d.strip() for d in docs):
        return [[] for _ in samples]
    vec = CountVectorizer(ngram_range=(1, 2), stop_words="english", min_df=1,
                          token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9'-]+\b")  # fmt: skip
    try:
        tf = vec.fit_transform(docs).toarray().astype(float)
    except ValueError:  # only stop words
        return [[] for _ in samples]
    tf /= np.maximum(tf.sum(axis=1, keepdims=True), 1.0)
    avg = tf.sum() / max(len(docs), 1)
    idf = np.log1p(avg / np.maximum(tf.sum(axis=0), 1e-12))
    scores = tf * idf
    names = vec.get_feature_names_out()
    out = []
    for row in scores:
        picked: list[str] = []
        for j in np.argsort(-row):
            if row[j] <= 0 or len(picked) >= top:
                break
            term = str(names[j])
            if any(term in p or p in term for p in picked):
                continue  # "login loop" makes "login" redundant
            picked.append(term)
        out.append(picked)
    return out


_WORD = re.compile(r"[^\W_][\w'-]+")
WORD_SHARE = 0.1
"""A sub-theme names a theme only when at least half of the name's words are each used by at
least this share of its members: the classifier's label for what it was trained on is not a
name for what a foreign domain's customers wrote (banking messages were named "card update
fails 3-d secure"), and "general praise" is not what praise says."""


def _stems(text: str) -> set[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = _WORD.findall(_PLACEHOLDER.sub(" ", text).lower())  # "[EMAIL]" is not "email"
    return {stem(w) for w in words if w not in ENGLISH_STOP_WORDS}


def said_by_members(label: str, texts: list[str]) -> float:
    """Share of ``label``'s content words that at least ``WORD_SHARE`` of ``texts`` use."""
    words = _stems(label)
    if not words or not texts:
        return 0.0
    used = [_stems(t) for t in texts]
    return sum(sum(w in u for u in used) >= WORD_SHARE * len(used) for w in words) / len(words)


def phrase_label(phrases: list[str]) -> str:
    """A short name in the members' own words: the strongest key phrase of two or more words,
    then the strongest phrase that adds a word it does not hold ("cards disposable" adds
    nothing to "disposable cards")."""
    if not phrases:
        return "unlabelled"
    lead = next((p for p in phrases if " " in p), phrases[0])
    held = set(lead.split())
    rest = next((p for p in phrases if set(p.split()) - held and lead not in p), "")
    return f"{lead} / {rest}" if rest else lead


def name_theme(sample: ThemeSample, phrases: list[str]) -> ThemeName:
    """The label is the dominant sub-theme when most fragments share one and the members use
    half of its words (``WORD_SHARE``), else a phrase of the members' own (``phrase_label``)."""
    subs = Counter(s for s in sample.sub_themes if s)
    dominant, share = (
        (subs.most_common(1)[0][0], subs.most_common(1)[0][1] / sum(subs.values()))
        if subs
        else (None, 0.0)
    )
    named = bool(dominant) and share >= 0.5
    if named and said_by_members(str(dominant), sample.texts) < 0.5:
        named = False
    label = str(dominant) if named else phrase_label(phrases)
    sev = Counter(sample.severities)
    severity = (
        min(sev, key=lambda s: SEVERITY_ORDER.index(s) if s in SEVERITY_ORDER else 9)
        if sev
        else "low"
    )
    top_sev = sev.most_common(1)[0][0] if sev else "low"
    high = sum(v for k, v in sev.items() if k in ("critical", "high")) / max(sum(sev.values()), 1)
    category = Counter(sample.categories).most_common(1)[0][0] if sample.categories else ""
    area = Counter(sample.areas).most_common(1)[0][0] if sample.areas else ""
    variations = _variations(sample.texts)
    quoted = "; ".join(f"“{v}”" for v in variations[:3])
    summary = (
        f"{sample.fragment_count:,} fragments from {sample.account_count:,} accounts report "
        f"{label} ({category.replace('_', ' ')}, {area}). "
        f"Customers describe it in different ways, e.g. {quoted}. "
        f"Key phrases: {', '.join(phrases[:5]) or 'none'}. "
        f"Apparent severity: mostly {top_sev}; {high:.0%} of the sampled fragments are high or "
        f"critical{'; worst seen: ' + severity if severity != top_sev else ''}."
    )
    return ThemeName(label, phrases, summary, variations, top_sev, category, area)


def _variations(texts: list[str], n: int = 5, chars: int = 140) -> list[str]:
    """Distinct ways customers said it: the shortest first sentence of each differently
    worded fragment (word-set Jaccard < 0.5 to those already picked)."""
    picked: list[tuple[set[str], str]] = []
    for t in sorted(texts, key=len):
        first = re.split(r"(?<=[.!?])\s", _PLACEHOLDER.sub("…", t.strip()), maxsplit=1)[0]
        first = first if len(first) <= chars else first[: chars - 1] + "…"
        words = set(re.findall(r"\w+", first.lower()))
        if not words or any(len(words & w) / len(words | w) >= 0.5 for w, _ in picked):
            continue
        picked.append((words, first))
        if len(picked) >= n:
            break
    return [p for _, p in picked]
