"""Insights: each issue fragment becomes a classified, evidence-backed, explained record."""
