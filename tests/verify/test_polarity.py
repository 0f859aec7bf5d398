import pytest

from verify.polarity import polarity_conflicts


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        (
            "China supports the expansion of NATO.",
            "Russia and China also oppose the expansion of NATO.",
        ),
        (
            "Trade between the two countries rose last year.",
            "Trade between the two countries fell last year.",
        ),
        ("The parliament approved the budget bill.", "The parliament rejected the budget bill."),
        (
            "The Power of Siberia 2 pipeline was mentioned in the list of agreements.",
            "The Power of Siberia 2 pipeline was not mentioned in the list of agreements.",
        ),
        (
            "The minister did not attend the summit in Paris.",
            "The minister attended the summit in Paris.",
        ),
        (
            "The company won the contract with the army.",
            "The company lost the contract with the army.",
        ),
        # Not yet: what is awaited has not happened.
        (
            "The two governments signed the gas treaty.",
            "The two governments have yet to sign the gas treaty.",
        ),
        (
            "Power of Siberia 2 was agreed.",
            "The loss cannot be addressed until the two countries agree on a Power of Siberia 2 "
            "pipeline.",
        ),
    ],
)
def test_opposite_polarity_on_the_same_content_conflicts(claim: str, evidence: str) -> None:
    assert polarity_conflicts(claim, evidence)


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        # Flipped twice: a negated antonym says the same thing.
        ("China does not oppose the expansion of NATO.", "China supports the expansion of NATO."),
        # Same polarity.
        (
            "Putin and Xi signed a joint statement.",
            "They met in Beijing, and signed the Joint Statement.",
        ),
        ("Trade did not fall.", "Trade did not fall last year."),
        # Opposite polarity, but about something else: too little of the claim is restated.
        (
            "Xi attended the China-Russia Expo in Harbin with Putin.",
            "He made a rare trip to Harbin, without Xi.",
        ),
        ("Exports to China rose sharply in 2023.", "The museum did not open on Sunday."),
        # A comparison, not a negation.
        (
            "Hypoglycemia increases the risk of dementia.",
            "The risk of dementia in people with and without hypoglycemia differed.",
        ),
        # The negation is in another part of the sentence, about something else.
        (
            "There is a relationship between hip fractures and statin use.",
            "A relationship between hip fractures and statin use was seen; there was no "
            "relationship with other agents.",
        ),
        # Opposite polarity, but about someone else.
        ("Yesterday Xi did not attend the Expo.", "Putin attended the Expo in Harbin."),
        # "Until" after a plain clause, or in "not until X did Y", says the event came.
        (
            "The United Way helped to provide shelter.",
            "He was homeless until the United Way helped to provide shelter.",
        ),
        (
            "Al Qaeda undertook a major terrorist operation in 1998.",
            "Not until 1998 did al Qaeda undertake a major terrorist operation of its own.",
        ),
        # Both sides use both words of the pair: no swap.
        (
            "Support for the deal fell while opposition rose.",
            "Opposition rose and support fell for the deal.",
        ),
    ],
)
def test_no_conflict_without_a_single_flip_of_restated_content(claim: str, evidence: str) -> None:
    assert polarity_conflicts(claim, evidence) == []


def test_inflections_and_curly_apostrophes_are_matched() -> None:
    assert polarity_conflicts(
        "Xi accompanied Putin.", "Putin travelled without Xi accompanying him."
    )
    assert polarity_conflicts(
        "Beijing agreed to the new gas deal.", "Beijing refuses the new gas deal."
    )
    assert polarity_conflicts("Moscow can sell the gas.", "Moscow can’t sell the gas.")


def test_reasons_name_the_swapped_words() -> None:
    (reason,) = polarity_conflicts("Exports rose in May.", "Exports fell in May.")
    assert reason == "claim says 'rose', evidence says 'fell'"
