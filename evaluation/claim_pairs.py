"""Turn labelled claims (with evidence quotes) into stance pairs for ``factdesk stance eval``.

For each gold quote the premise is the whole corpus sentence that contains it, which is what
factdesk cites; the label is the claim's (SUPPORTED -> SUPPORTS, REFUTED -> REFUTES). Each
claim also gets one sentence of the corpus that shares no content word with it, as NEUTRAL.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from evaluation.claims import ClaimFileError, LabelledClaim, find_quote
from index.corpus import Document
from index.segment import opens_with_pronoun, split_sentences
from index.words import content_words

_VERDICT_TO_STANCE = {"SUPPORTED": "SUPPORTS", "REFUTED": "REFUTES"}


def claim_stance_pairs(
    claims: Sequence[LabelledClaim],
    documents: Sequence[Document],
    seed: int = 13,
    pronoun_context: bool = False,
) -> list[dict[str, str]]:
    """Each claim with its gold evidence sentence(s) and with an unrelated corpus sentence.

    With ``pronoun_context`` a gold sentence that opens with a pronoun comes with the sentence
    before it, as the service reads it (FACTDESK_STANCE_SENTENCE_CONTEXT).
    """
    by_id = {d.id: d for d in documents}
    spans = {d.id: split_sentences(d.text) for d in documents}
    # Each corpus sentence with its content words, computed once for all claims.
    sentences = [
        (text, content_words(text))
        for d in documents
        for text in (d.text[s.start : s.end] for s in spans[d.id])
    ]
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for claim in claims:
        stance = _VERDICT_TO_STANCE.get(claim.label, "")
        for document_id, quote in claim.evidence if stance else ():
            document = by_id.get(document_id)
            if document is None:
                raise ClaimFileError(f"claim {claim.id}: unknown document {document_id!r}")
            span = find_quote(document, quote)
            if span is None:
                raise ClaimFileError(f"claim {claim.id}: quote not found in {document_id!r}")
            sentences_of = spans[document_id]
            first = next(i for i, s in enumerate(sentences_of) if s.end > span[0])
            last = max(i for i, s in enumerate(sentences_of) if s.start < span[1])
            if pronoun_context and first > 0:
                opening = sentences_of[first]
                if opens_with_pronoun(document.text[opening.start : opening.end]):
                    first -= 1
            premise = document.text[sentences_of[first].start : sentences_of[last].end]
            rows.append(
                {"id": claim.id, "premise": premise, "hypothesis": claim.claim, "label": stance}
            )
        words = content_words(claim.claim)
        unrelated = [text for text, other in sentences if len(text) > 40 and not words & other]
        if unrelated:
            rows.append(
                {
                    "id": f"{claim.id}-unrelated",
                    "premise": rng.choice(unrelated),
                    "hypothesis": claim.claim,
                    "label": "NEUTRAL",
                }
            )
    return rows
