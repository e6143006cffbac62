"""Language of each message, with a confidence, by the lingua detector.

The detector is restricted to the languages configured (``silver.languages``): fewer
candidates make short support messages far more accurate and the detector faster. Only the
first ``SAMPLE_CHARS`` characters are read; a message does not change language half-way often
enough to pay for reading 20,000 characters."""

from __future__ import annotations

from functools import lru_cache

SAMPLE_CHARS = 400
LONG_TEXT = 120
"""From this length lingua's low-accuracy mode (trigrams only) is about as accurate and much
faster; shorter texts get the full model."""
UNKNOWN = "und"


@lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...], low_accuracy: bool = False):  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    isos = [getattr(IsoCode639_1, code.upper()) for code in codes]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*isos)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def detect_languages(texts: list[str], codes: tuple[str, ...]) -> list[tuple[str, float]]:
    """(ISO 639-1 code, confidence 0..1) per text; ``und`` with 0 for text with no letters."""
    samples = [t[:SAMPLE_CHARS] for t in texts]
    todo = [i for i, t in enumerate(samples) if any(ch.isalpha() for ch in t)]
    out: list[tuple[str, float]] = [(UNKNOWN, 0.0)] * len(texts)
    if not todo:
        return out
    for low_accuracy in (False, True):
        group = [i for i in todo if (len(samples[i]) >= LONG_TEXT) == low_accuracy]
        if not group:
            continue
        detector = _detector(codes, low_accuracy)
        values = detector.compute_language_confidence_values_in_parallel(
            [samples[i] for i in group]
        )
        for i, ranked in zip(group, values, strict=True):
            if ranked and ranked[0].value > 0:
                out[i] = (ranked[0].language.iso_code_639_1.name.lower(), float(ranked[0].value))
    return out
