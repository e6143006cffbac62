"""Deterministic sample-data generator: customer feedback from five sources for the fictional
product Lumen, with reference data and a ground truth to score the pipeline against."""

from feedback_lakehouse.synth.generator import GenerationSummary, generate

__all__ = ["GenerationSummary", "generate"]
