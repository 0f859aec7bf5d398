from pathlib import Path

import pytest

from index.corpus import Document
from index.store import IndexSpec, LoadedIndex, build_index, load_index
from tests.conftest import FakeStanceModel
from tests.fakes import HashingEmbedder
from verify.labels import Stance
from verify.pipeline import Verifier, VerifierConfig, previous_sentences
from verify.verdict import Verdict, VerdictRule

DOCS = [
    Document(
        "gas",
        "Leaders met in Beijing. The Power of Siberia 2 pipeline was not mentioned. "
        "Gas prices stayed high.",
        title="Gas",
        publisher="Desk",
    ),
    Document("trade", "Trade reached a record. Leaders signed a statement in Beijing."),
]


def indexed(tmp_path: Path, window: int, stride: int) -> tuple[HashingEmbedder, LoadedIndex]:
    embedder = HashingEmbedder()
    spec = IndexSpec(embedding_model=embedder.name, passage_window=window, passage_stride=stride)
    build_index(DOCS, embedder, spec, tmp_path / "idx")
    index = load_index(
        tmp_path / "idx", embedding_model=embedder.name, dimension=embedder.dimension
    )
    return embedder, index


@pytest.fixture
def verifier(tmp_path: Path) -> tuple[Verifier, FakeStanceModel]:
    embedder, index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    config = VerifierConfig(default_top_k=3, rule=VerdictRule(min_relevance=0.0))
    return Verifier(embedder, index, stance, config), stance


def test_cites_the_decisive_sentence_with_its_exact_span(
    verifier: tuple[Verifier, FakeStanceModel],
) -> None:
    engine, stance = verifier
    result = engine.verify("Power of Siberia 2 pipeline was agreed.")
    assert result.verdict is Verdict.REFUTED
    first = result.citations[0]
    assert first.text == "The Power of Siberia 2 pipeline was not mentioned."
    assert DOCS[0].text[first.start : first.end] == first.text
    assert (first.title, first.publisher, first.stance) == ("Gas", "Desk", Stance.REFUTES)
    # The three windows hold 6 sentence slots but 5 distinct sentences: each judged once.
    assert len(result.citations) == 3
    assert stance.calls[-1] == 5


def test_top_k_and_nothing_relevant(verifier: tuple[Verifier, FakeStanceModel]) -> None:
    engine, _ = verifier
    result = engine.verify("Completely unrelated words here.", top_k=1)
    assert len(result.citations) == 1
    assert result.verdict is Verdict.NOT_ENOUGH_INFO
    assert result.took_ms >= 0


def test_only_the_most_relevant_sentences_reach_the_stance_model(tmp_path: Path) -> None:
    embedder, index = indexed(tmp_path, window=3, stride=3)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    config = VerifierConfig(max_judged_sentences=1, rule=VerdictRule(min_relevance=0.0))
    result = Verifier(embedder, index, stance, config).verify("Power of Siberia 2 pipeline")
    # one sentence overall, plus one for the other passage so that it can be cited
    assert stance.calls == [2]
    assert result.citations[0].text == "The Power of Siberia 2 pipeline was not mentioned."
    assert result.verdict is Verdict.REFUTED


def test_repeated_claims_are_answered_from_the_cache(tmp_path: Path) -> None:
    embedder, index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    config = VerifierConfig(default_top_k=3, rule=VerdictRule(min_relevance=0.0))
    cached = Verifier(
        embedder,
        index,
        stance,
        VerifierConfig(default_top_k=3, rule=config.rule, answer_cache_size=2),
    )
    first = cached.verify("Power of Siberia 2 pipeline was agreed.")
    again = cached.verify("  Power of Siberia 2   pipeline was agreed. ")
    assert len(stance.calls) == 1  # the second answer needed no model
    assert (again.verdict, again.citations) == (first.verdict, first.citations)
    assert again.claim == "  Power of Siberia 2   pipeline was agreed. "
    assert cached.verify("Power of Siberia 2 pipeline was agreed.", top_k=1).citations != (
        first.citations
    )  # another top_k is another question
    assert len(stance.calls) == 2 and cached.cache.hits == 1

    uncached = Verifier(embedder, index, stance, config)
    uncached.verify("Trade reached a record.")
    uncached.verify("Trade reached a record.")
    assert len(stance.calls) == 4 and len(uncached.cache) == 0


def test_no_retrieved_passage_is_not_enough_info(tmp_path: Path) -> None:
    from index.retrieval import Bm25Retriever

    embedder, index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({})
    verifier = Verifier(embedder, index, stance, VerifierConfig(), Bm25Retriever(index))
    result = verifier.verify("Zebras?")  # no word of it is in the corpus
    assert (result.verdict, result.citations, stance.calls) == (Verdict.NOT_ENOUGH_INFO, (), [])


def test_verify_many_answers_as_one_at_a_time_with_one_model_pass(tmp_path: Path) -> None:
    embedder, index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    config = VerifierConfig(default_top_k=3, rule=VerdictRule(min_relevance=0.0))
    verifier = Verifier(embedder, index, stance, config)
    requests: list[tuple[str, int | None]] = [
        ("Power of Siberia 2 pipeline was agreed.", None),
        ("Trade reached a record.", 1),
        ("Power of Siberia 2 pipeline was agreed.", 2),
    ]
    alone = [verifier.verify(claim, top_k) for claim, top_k in requests]
    calls = len(stance.calls)
    together = verifier.verify_many(requests)
    assert len(stance.calls) == calls + 1  # one stance pass for the three claims
    for one, batched in zip(alone, together, strict=True):
        assert (batched.claim, batched.verdict, batched.confidence, batched.citations) == (
            one.claim, one.verdict, one.confidence, one.citations
        )  # fmt: skip
    assert len({v.took_ms for v in together}) == 1  # the batch's time, shared


def test_headings_and_questions_are_cited_last_and_never_decide(tmp_path: Path) -> None:
    docs = [
        Document("q", "Was the Power of Siberia 2 pipeline agreed?\nPower of Siberia 2 Pipeline"),
        Document("s", "The Power of Siberia 2 pipeline was agreed last week."),
    ]
    embedder = HashingEmbedder()
    spec = IndexSpec(embedding_model=embedder.name, passage_window=2, passage_stride=2)
    build_index(docs, embedder, spec, tmp_path / "idx")
    index = load_index(tmp_path / "idx", embedding_model=embedder.name, dimension=256)
    # The fake would call the question a refutation: only a statement may decide.
    stance = FakeStanceModel(
        {"evidence:agreed?": Stance.REFUTES, "evidence:agreed last": Stance.SUPPORTS}
    )
    config = VerifierConfig(
        default_top_k=2, max_judged_sentences=1, rule=VerdictRule(min_relevance=0.0)
    )
    result = Verifier(embedder, index, stance, config).verify("Power of Siberia 2 was agreed.")
    assert result.verdict is Verdict.SUPPORTED
    assert [e.document_id for e in result.evidence] == ["s"]
    assert {c.document_id for c in result.citations} == {"q", "s"}


def test_one_way_contradiction_is_rejudged_in_reverse_on_the_evidence_only(
    tmp_path: Path,
) -> None:
    embedder, index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    rule = VerdictRule(refute_threshold=0.85, min_relevance=0.0)
    claim = "Power of Siberia 2 pipeline was agreed."
    one_way = Verifier(embedder, index, stance, VerifierConfig(default_top_k=3, rule=rule))
    assert one_way.verify(claim).verdict is Verdict.REFUTED
    both = Verifier(
        embedder, index, stance, VerifierConfig(default_top_k=3, rule=rule, both_directions=True)
    )
    result = both.verify(claim)
    # Forward 0.9, reverse 0.05: REFUTES (0.9 + 0.05) / 2, renormalised, is under 0.85.
    assert result.verdict is Verdict.NOT_ENOUGH_INFO
    refuting = result.citations[0]
    assert refuting.stance_probabilities["REFUTES"] == pytest.approx(0.475 / 0.575, abs=1e-4)
    # 5 distinct sentences judged forward; in reverse only the 3 passages' evidence, at most.
    assert stance.calls[-2] == 5
    assert stance.calls[-1] <= 3
    assert both.stance_identity["contradiction"] == "both directions"
    assert "contradiction" not in one_way.stance_identity


def test_number_checks_run_on_the_evidence(tmp_path: Path) -> None:
    docs = [Document("t", "Trade reached a record 240 billion dollars last year.")]
    embedder = HashingEmbedder()
    spec = IndexSpec(embedding_model=embedder.name, passage_window=1, passage_stride=1)
    build_index(docs, embedder, spec, tmp_path / "idx")
    index = load_index(tmp_path / "idx", embedding_model=embedder.name, dimension=256)
    stance = FakeStanceModel({"evidence:record": Stance.SUPPORTS})
    claim = "Trade reached a record 140 billion dollars last year."
    rule = VerdictRule(min_relevance=0.0)
    plain = Verifier(embedder, index, stance, VerifierConfig(rule=rule)).verify(claim)
    assert plain.verdict is Verdict.SUPPORTED
    checked = Verifier(embedder, index, stance, VerifierConfig(rule=rule, checks=True))
    assert checked.verify(claim).verdict is Verdict.REFUTED
    assert checked.stance_identity["checks"] == "numbers,dates,polarity"


def test_a_pronoun_sentence_is_judged_and_cited_with_the_sentence_before(tmp_path: Path) -> None:
    text = "Putin and Xi met in Beijing on Thursday. They signed the Joint Statement. Gas rose."
    embedder = HashingEmbedder()
    spec = IndexSpec(embedding_model=embedder.name, passage_window=1, passage_stride=1)
    build_index([Document("visit", text)], embedder, spec, tmp_path / "idx")
    index = load_index(tmp_path / "idx", embedding_model=embedder.name, dimension=256)
    # Supports only when the model reads who "they" are.
    stance = FakeStanceModel({"evidence:Thursday. They signed": Stance.SUPPORTS})
    claim = "Putin and Xi signed the Joint Statement."
    rule = VerdictRule(min_relevance=0.0)

    def verifier(context: bool) -> Verifier:
        config = VerifierConfig(default_top_k=1, rule=rule, sentence_context=context)
        return Verifier(embedder, index, stance, config)

    alone, with_context = verifier(False).verify(claim), verifier(True).verify(claim)
    assert "context" not in verifier(False).stance_identity
    assert verifier(True).stance_identity["context"] == "sentence before a pronoun"
    assert alone.verdict is Verdict.NOT_ENOUGH_INFO
    assert alone.citations[0].text == "They signed the Joint Statement."
    assert with_context.verdict is Verdict.SUPPORTED
    cited = with_context.citations[0]
    assert cited.text == text[cited.start : cited.end]
    assert cited.text == "Putin and Xi met in Beijing on Thursday. They signed the Joint Statement."


def test_previous_sentences_follow_document_order() -> None:
    rows = {("a", 30, 40): 0, ("b", 0, 9): 1, ("a", 0, 12): 2, ("a", 13, 29): 3}
    assert previous_sentences(rows) == {("a", 13, 29): ("a", 0, 12), ("a", 30, 40): ("a", 13, 29)}


def test_a_sentence_two_windows_share_is_cited_once(tmp_path: Path) -> None:
    text = (
        "Gas prices rose sharply in Europe. The pipeline was not mentioned. "
        "Gas prices fell sharply in Asia."
    )
    embedder = HashingEmbedder()
    spec = IndexSpec(embedding_model=embedder.name, passage_window=2, passage_stride=1)
    build_index([Document("gas", text)], embedder, spec, tmp_path / "idx")
    index = load_index(tmp_path / "idx", embedding_model=embedder.name, dimension=256)
    stance = FakeStanceModel({"evidence:not mentioned": Stance.REFUTES})
    config = VerifierConfig(default_top_k=2, rule=VerdictRule(min_relevance=0.0))
    result = Verifier(embedder, index, stance, config).verify("Gas prices and the pipeline.")
    texts = [c.text for c in result.citations]
    # Both windows hold the decisive sentence: the first cites it, the second its next best.
    assert texts[0] == "The pipeline was not mentioned."
    assert len(texts) == 2 and len(set(texts)) == 2
    assert result.verdict is Verdict.REFUTED
