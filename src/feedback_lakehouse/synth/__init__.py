"""Deterministic sample-data generator: customer feedback from five sources for the fictional
product Lumen, with reference data and a ground truth to score the pipeline against
(``synth.generator.generate``). Used by the CLI's ``generate`` and ``run``, tests and
benchmarks; never by a production step."""
