import pytest

from verify.claim_text import NotAClaimError, check_claim, word_count


@pytest.mark.parametrize(
    "text",
    ["😀😀😀", "1234 5678", "?!", "  ", "a b c", "Putin", "$$$ 100%", "—", "中"],
)
def test_text_without_two_words_is_not_a_claim(text: str) -> None:
    with pytest.raises(NotAClaimError) as raised:
        check_claim(text)
    assert raised.value.status == 422
    assert raised.value.field == "body.claim"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Power of Siberia 2 was agreed.", 5),
        ("Путин посетил Пекин.", 3),
        ("普京访问了北京", 3),  # seven characters written without spaces: about three words
        ("Sanctions work", 2),
    ],
)
def test_words_are_counted_in_any_script(text: str, words: int) -> None:
    assert word_count(text) == words
    assert check_claim(f"  {text} ") == text
