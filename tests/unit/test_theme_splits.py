"""When a theme holds two issues (``clustering.split``) and when a model name is redone
(``theme_names.due``): pure logic, no Spark."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from feedback_lakehouse.config.settings import GoldSettings
from feedback_lakehouse.gold.themes.clustering import normalise, split
from feedback_lakehouse.gold.themes.model_names import PROMPT_VERSION
from feedback_lakehouse.gold.themes.names import due

DIMS = 32
SPLIT_AT = GoldSettings().split_similarity


def centers(similarity: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors with the given cosine similarity."""
    rng = np.random.default_rng(seed)
    a, r = normalise(rng.normal(size=DIMS)), rng.normal(size=DIMS)
    b = normalise(r - (r @ a) * a)
    return a, normalise(similarity * a + np.sqrt(1 - similarity**2) * b)


def blob(center: np.ndarray, n: int, seed: int, spread: float = 0.09) -> np.ndarray:
    """Members about 0.9 similar to their issue's centre (spread 0.09), as in generated
    themes; tighter with a smaller spread."""
    rng = np.random.default_rng(seed)
    return normalise(center + rng.normal(0, spread, (n, DIMS))).astype(np.float32)


def test_a_theme_holding_two_issues_splits_the_smaller_off() -> None:
    big, small = centers(0.1)  # two issues whose words barely overlap
    vectors = np.vstack([blob(big, 240, 1), blob(small, 80, 2)])
    got = split(vectors, 8, SPLIT_AT)
    assert got is not None
    assert got.keep @ big > 0.95 and got.split_off @ small > 0.95
    assert got.sizes[0] > got.sizes[1] >= 32  # each part is a tenth or more of the sample
    assert got.similarity < SPLIT_AT


@pytest.mark.parametrize(
    ("similarity", "minor", "why"),
    [
        (0.6, 0, "one issue"),
        (0.6, 12, "the second group is under a tenth of the sample"),
    ],
)
def test_no_split_without_two_sizeable_issues(similarity, minor, why) -> None:
    big, small = centers(similarity, seed=4)
    parts = [blob(big, 300, 5)] + ([blob(small, minor, 6)] if minor else [])
    assert split(np.vstack(parts), 8, SPLIT_AT) is None, why


def test_two_tight_groups_closer_than_the_threshold_stay_one_theme() -> None:
    """Dense enough to be two clusters, but 0.6 similar: two phrasings of one issue, as the
    theme space places them (a split here would cut one issue in two)."""
    big, small = centers(0.6, seed=4)
    vectors = np.vstack([blob(big, 300, 5, spread=0.03), blob(small, 120, 6, spread=0.03)])
    found = split(vectors, 8, 0.999)  # the clusters are there...
    assert found is not None and found.sizes == (300, 120)
    assert split(vectors, 8, SPLIT_AT) is None  # ...but not far enough apart


def test_too_small_a_sample_is_never_split() -> None:
    big, small = centers(0.3)
    assert split(np.vstack([blob(big, 7, 1), blob(small, 7, 2)]), 8, SPLIT_AT) is None


def test_split_threshold_must_sit_below_merge_threshold() -> None:
    with pytest.raises(ValidationError, match="split_similarity"):
        GoldSettings(split_similarity=0.95, merge_similarity=0.93)


def stored(source: str = "model:m", version: str = PROMPT_VERSION, count: int = 100) -> dict:
    return {"source": source, "prompt_version": version, "named_count": count}


@pytest.mark.parametrize(
    ("row", "count", "expected"),
    [
        (None, 10, True),  # never named
        (stored(source="offline"), 100, True),  # the model failed last time: try again
        (stored(source="model:other"), 100, True),  # another model
        (stored(version="themes-v0"), 100, True),  # another prompt
        (stored(), 149, False),  # grown 49%: the name stands
        (stored(), 150, True),  # grown 50%: named again
    ],
)
def test_model_names_are_redone_only_when_due(row, count, expected) -> None:
    assert due(row, count, "m", 0.5) is expected


def test_model_names_without_a_key_fail_before_gold_writes(monkeypatch) -> None:
    from feedback_lakehouse.config.settings import Settings
    from feedback_lakehouse.errors import ConfigError
    from feedback_lakehouse.gold.themes.names import check_naming

    monkeypatch.delenv("FL_NO_SUCH_KEY", raising=False)
    base = Settings()
    oa = base.insights.openai.model_copy(update={"api_key_env": "FL_NO_SUCH_KEY"})
    ins = base.insights.model_copy(update={"openai": oa})
    check_naming(base.model_copy(update={"insights": ins}))  # offline names: nothing to check
    asked = base.model_copy(update={"insights": ins, "gold": GoldSettings(naming="openai")})
    with pytest.raises(ConfigError, match=r"gold\.naming.*FL_NO_SUCH_KEY"):
        check_naming(asked)


def test_a_theme_is_looked_at_for_a_split_once_per_tenth_of_growth() -> None:
    from itertools import pairwise

    from feedback_lakehouse.gold.themes.splits import split_due

    assert split_due(0, 40, 0.1), "a new theme is looked at at once"
    assert not split_due(40, 40, 0.1), "nothing changed"
    assert not split_due(0, 0, 0.1)
    assert all(split_due(n, n, 0.0) for n in (1, 40)), "0: every run"
    # growing 1% a run, a theme is looked at about every tenth run, never two runs running
    count, looked = 1000, []
    for run in range(60):
        grown = round(count * 1.01)
        if split_due(count, grown, 0.1):
            looked.append(run)
        count = grown
    assert 5 <= len(looked) <= 7 and min(b - a for a, b in pairwise(looked)) >= 8
    assert split_due(1000, 1100, 0.1) or split_due(1100, 1210, 0.1)  # 10% never slips by
    assert split_due(1000, 1250, 0.1)
