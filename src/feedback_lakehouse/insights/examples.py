"""Labeled examples the offline model learns from: ``conf/insights/examples/*.yml`` (written
to be varied, like real tickets) plus human-confirmed labels from ``silver.insight_labels``."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from feedback_lakehouse.config.files import load_model
from feedback_lakehouse.errors import ConfigError
from feedback_lakehouse.insights.taxonomy import Taxonomy

LABELS = ("category", "product_area", "feedback_type", "severity")


class _SubTheme(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sub_theme: str = Field(min_length=1, max_length=80)
    category: str
    product_area: str
    feedback_type: str
    severity: str
    examples: list[str] = Field(min_length=1)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sub_themes: list[_SubTheme]


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    category: str
    product_area: str
    feedback_type: str
    severity: str
    sub_theme: str
    source: str  # file or "human"


def load_examples(patterns: list[str | Path], taxonomy: Taxonomy) -> list[Example]:
    """Every example of every file; every problem of every file (a bad file, a label outside
    the taxonomy) is reported at once, naming file and key."""
    out: list[Example] = []
    paths = sorted({Path(p) for pat in patterns for p in glob.glob(str(pat))})
    if not paths:
        raise ConfigError(
            f"no labeled examples found at {', '.join(map(str, patterns))}; "
            "set insights.examples to your example files"
        )
    errors: list[str] = []
    for path in paths:
        try:
            data = load_model(path, _File, "examples file")
        except ConfigError as exc:
            errors.append(str(exc))
            continue
        for i, st in enumerate(data.sub_themes):
            for field in LABELS:
                problem = taxonomy.check(field, getattr(st, field))
                if problem:
                    errors.append(f"{path}: sub_themes.{i}.{field} ({st.sub_theme}): {problem}")
            out.extend(
                Example(
                    t.strip(),
                    st.category,
                    st.product_area,
                    st.feedback_type,
                    st.severity,
                    st.sub_theme,
                    str(path),
                )
                for t in st.examples
                if t and t.strip()
            )
    if errors:
        raise ConfigError("\n".join(errors))
    return out
