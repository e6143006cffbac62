"""The taxonomy as data: labels, sensitive classes and risk cues from ``conf/taxonomy.yml``.
A bad file fails at start-up naming the file and key."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from feedback_lakehouse.config.files import load_model


class Sensitive(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: list[str] = []
    product_areas: list[str] = []
    sub_theme_terms: list[str] = []


class RiskCues(BaseModel):
    model_config = ConfigDict(extra="forbid")
    churn: list[str] = []
    renewal: list[str] = []
    escalation: list[str] = []
    competitors: list[str] = []


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    categories: dict[str, str] = Field(min_length=1)
    product_areas: dict[str, str] = Field(min_length=1)
    feedback_types: dict[str, str] = Field(min_length=1)
    severities: list[str] = Field(min_length=1)
    sensitive: Sensitive = Sensitive()
    risk: RiskCues = RiskCues()
    features: list[str] = []

    def check(self, field: str, value: str) -> str | None:
        """None when ``value`` is a label of ``field``, else a message naming the choices."""
        choices = {
            "category": self.categories,
            "product_area": self.product_areas,
            "feedback_type": self.feedback_types,
            "severity": self.severities,
        }[field]
        if value in choices:
            return None
        return f"{field} {value!r} is not in the taxonomy (choose one of {', '.join(choices)})"

    def is_sensitive(self, category: str, product_area: str, sub_theme: str) -> bool:
        s = self.sensitive
        text = sub_theme.lower()
        return (
            category in s.categories
            or product_area in s.product_areas
            or any(term in text for term in s.sub_theme_terms)
        )


def load_taxonomy(path: str | Path) -> Taxonomy:
    return load_model(path, Taxonomy, "taxonomy file (set insights.taxonomy)")
