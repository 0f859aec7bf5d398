import pytest

from verify.topic import names, topic_match


def test_names_are_the_capitalised_words_but_not_function_words_or_months() -> None:
    assert names("The joint statement praised NATO in May.") == ("nato",)
    assert names("Putin's visit to China's Harbin") == ("putin", "china", "harbin")


def test_a_place_the_evidence_never_names_blocks_support() -> None:
    match = topic_match(
        "Xi Jinping visited Moscow in May 2024.",
        "Putin visited his Chinese counterpart Xi Jinping in Beijing.",
    )
    assert match.missing_names == ("moscow",)
    assert not match.can_support
    assert match.can_refute  # about Xi's visits: it may say he went elsewhere


def test_another_fact_of_the_same_story_bears_on_neither_side() -> None:
    match = topic_match(
        "Putin visited a car factory in Harbin.",
        "On May 17, he traveled to Harbin to participate in the 8th China-Russia Expo.",
    )
    assert match.shared_predicate_words == ()
    assert not match.can_support
    assert not match.can_refute


def test_evidence_about_someone_else_cannot_refute() -> None:
    match = topic_match(
        "Norway's sovereign wealth fund invests oil revenue abroad.",
        "China's purchasing of Russian oil provides Russia with income to fund its war.",
    )
    assert match.missing_names == ("norway",)
    assert not match.can_refute


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        # nationality words may come from the text around the evidence
        ("Putin held talks with Chinese Premier Li Qiang.", "Putin's talks with Premier Li Qiang."),
        # a claim of names and one word: the names say what it is about
        (
            "Hoo Tiang Boon works at Nanyang Technological University.",
            "Hoo Tiang Boon, a researcher at Singapore's Nanyang Technological University.",
        ),
        # "Russia" is "Russian", "China" is "Chinese"
        ("Russia buys gas from China.", "Russian firms buy Chinese gas."),
    ],
)
def test_restated_claims_can_be_supported(claim: str, evidence: str) -> None:
    assert topic_match(claim, evidence, context="a text about China").can_support


def test_nonsense_shares_nothing() -> None:
    match = topic_match("qwkej asdlk zxcvb", "Putin visited Xi Jinping in Beijing.")
    assert (match.can_support, match.can_refute) == (False, False)
    assert match.describe() == "the evidence says nothing of what the claim says happened"
