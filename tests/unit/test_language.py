"""Language detection: fastText decides confident, long-enough texts, lingua the rest; only
configured languages come back, and text without letters is 'und'."""

from __future__ import annotations

import pytest

from feedback_lakehouse.silver import language
from feedback_lakehouse.silver.language import detect_languages, fasttext_guess

CODES = ("en", "fr", "de", "es", "ja")
SAMPLES = {
    "en": "The export to CSV keeps failing since the last update, please help us.",
    "fr": "L'export en CSV échoue depuis la dernière mise à jour, merci de nous aider.",
    "de": "Der CSV-Export schlägt seit dem letzten Update fehl, bitte helfen Sie uns.",
    "es": "La exportación a CSV falla desde la última actualización, por favor ayúdennos.",
    "ja": "前回のアップデート以降、CSVのエクスポートが失敗し続けています。",
}


def test_each_language() -> None:
    got = detect_languages(list(SAMPLES.values()), CODES)
    assert [code for code, _ in got] == list(SAMPLES)
    assert all(0.5 < conf <= 1.0 for _, conf in got)


def test_fasttext_answers_only_configured_languages() -> None:
    italian = "L'esportazione in CSV non funziona più dopo l'ultimo aggiornamento, aiutateci."
    guess = fasttext_guess(italian, CODES)
    assert guess is None or guess[0] in CODES
    assert fasttext_guess(italian, (*CODES, "it"))[0] == "it"


def test_short_or_unsure_text_goes_to_lingua(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[list[str]] = []
    real = language._lingua

    def spy(samples: list[str], codes: tuple[str, ...]) -> list[tuple[str, float]]:
        asked.append(samples)
        return real(samples, codes)

    monkeypatch.setattr(language, "_lingua", spy)
    got = detect_languages(["Merci beaucoup", SAMPLES["de"]], CODES)
    assert asked == [["Merci beaucoup"]]  # the long German text never reached lingua
    assert got[0][0] == "fr" and got[1][0] == "de"


def test_without_fasttext_lingua_decides_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(language, "_fasttext", lambda: None)
    got = detect_languages(list(SAMPLES.values()), CODES)
    assert [code for code, _ in got] == list(SAMPLES)


@pytest.mark.parametrize("text", ["", "   ", "12345 67", "🙂🙂🙂", "--- ### ---"])
def test_no_letters_is_unknown(text: str) -> None:
    assert detect_languages([text], CODES) == [("und", 0.0)]


def test_mixed_scripts_and_a_long_body() -> None:
    mixed = "ログインできません — login fails on Safari ログインできません ログインできません"
    long_body = SAMPLES["en"] * 30_000  # 2 MB: only the first SAMPLE_CHARS are read
    got = detect_languages([mixed, long_body], CODES)
    assert got[0][0] == "ja" and got[1][0] == "en"
