"""Language detection (index/language.py): the script first, then the detector."""

import pytest

from index.language import detect_language, dominant_script, guess_language

MIN_PROBABILITY = 0.8  # the setting's default (FACTDESK_LANGUAGE_MIN_PROBABILITY)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Путин посетил Харбин.", "ru"),  # the examples: both came back "en"
        ("普京访问了哈尔滨。", "zh"),
        ("Путін відвідав Харбін.", "uk"),
        ("プーチンはハルビンを訪問した。", "ja"),  # Han with kana
        ("푸틴이 하얼빈을 방문했다.", "ko"),
        ("بوتين زار هاربين.", "ar"),
        ("पुतिन ने हार्बिन का दौरा किया।", "hi"),
        ("Ο Πούτιν επισκέφθηκε το Χαρμπίν.", "el"),  # a script no candidate writes
    ],
)
def test_a_claim_in_a_non_latin_script_is_never_english(text: str, language: str) -> None:
    assert detect_language(text, "en", MIN_PROBABILITY) == language


def test_a_script_one_language_writes_is_no_guess_a_short_cyrillic_claim_is() -> None:
    assert not guess_language("普京访问了哈尔滨。", "en", MIN_PROBABILITY).guessed
    # Russian or Ukrainian: the detector is not sure of three words, but it is not English.
    short = guess_language("Путин посетил Харбин.", "en", MIN_PROBABILITY)
    assert (short.code, short.guessed) == ("ru", True)
    long = guess_language(
        "Россия и Китай договорились о строительстве газопровода.", "en", MIN_PROBABILITY
    )
    assert (long.code, long.guessed) == ("ru", False)


def test_a_short_latin_claim_falls_back_to_the_default_and_says_it_guessed() -> None:
    for text in ("Xi met Putin.", "Putin besuchte Harbin."):
        guess = guess_language(text, "en", MIN_PROBABILITY)
        assert (guess.code, guess.guessed) == ("en", True)
    sure = guess_language(
        "Putin und Xi unterzeichneten in Peking eine gemeinsame Erklärung über die Partnerschaft.",
        "en",
        MIN_PROBABILITY,
    )
    assert (sure.code, sure.guessed) == ("de", False)
    english = guess_language(
        "Putin and Xi signed a joint statement on the partnership in Beijing on 16 May.",
        "en",
        MIN_PROBABILITY,
    )
    assert (english.code, english.guessed) == ("en", False)


def test_a_latin_text_is_never_given_a_language_of_another_script() -> None:
    # Transliterated Russian is still Latin script: one of the Latin-script candidates.
    found = detect_language("Putin posetil Harbin vchera vecherom s delegatsiei.", "en", 0.0)
    assert found not in {"ru", "uk", "zh", "ar", "ja", "ko", "fa", "hi"}


def test_the_dominant_script_counts_letters_only() -> None:
    assert dominant_script("2024: Путин, Си — 16.05") == "CYRILLIC"
    assert dominant_script("12345 !?") is None
    assert dominant_script("Gazprom (Газпром) signed") == "LATIN"
