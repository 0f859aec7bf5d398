from evaluation.claim_pairs import claim_stance_pairs
from evaluation.claims import LabelledClaim
from index.corpus import Document
from index.words import content_words

DOCS = [
    Document(
        "visit",
        "Putin and Xi met in Beijing on Thursday. They signed the Joint Statement. "
        "Gas prices stayed high through the spring.",
    ),
    Document("museum", "The museum reopened after a long renovation of its galleries."),
]
CLAIM = LabelledClaim(
    "c1", "Putin and Xi signed a joint statement.", "SUPPORTED", (("visit", "signed the Joint"),)
)


def test_gold_sentence_and_an_unrelated_sentence() -> None:
    gold, unrelated = claim_stance_pairs([CLAIM], DOCS)
    assert gold == {
        "id": "c1",
        "premise": "They signed the Joint Statement.",
        "hypothesis": CLAIM.claim,
        "label": "SUPPORTS",
    }
    assert unrelated["label"] == "NEUTRAL"
    assert unrelated["id"] == "c1-unrelated"
    assert not content_words(unrelated["premise"]) & content_words(CLAIM.claim)


def test_pronoun_sentence_comes_with_the_one_before_as_served() -> None:
    gold, _ = claim_stance_pairs([CLAIM], DOCS, pronoun_context=True)
    assert gold["premise"] == (
        "Putin and Xi met in Beijing on Thursday. They signed the Joint Statement."
    )
    first = LabelledClaim("c2", "Putin met Xi.", "SUPPORTED", (("visit", "Putin and Xi met"),))
    (opening, _) = claim_stance_pairs([first], DOCS, pronoun_context=True)
    assert opening["premise"] == "Putin and Xi met in Beijing on Thursday."
