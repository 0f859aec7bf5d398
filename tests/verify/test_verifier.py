from pathlib import Path

import pytest

from index.corpus import Document
from index.store import LoadedIndex
from tests.fakes import FakeStanceModel, fake_index, fake_verifier
from verify.checks import POLARITY_PRECISION, QUANTITY_PRECISION
from verify.labels import Stance
from verify.verdict import Reason, Verdict
from verify.verifier import ClaimRequest, Verifier

# What the tests change of production's configuration. The hashing embedder's cosines are
# low and close together, so no evidence is ignored, or kept from refuting, for its
# relevance; tests of the model's own judgment turn the checks, the reverse direction and
# the pronoun context off.
ANY_RELEVANCE = {"min_relevance": 0.0, "refute_margin": 1.0}
# They also take the passages in FAISS order: re-ranking by best sentence (which also drops
# windows whose best sentence another already shows) is tested in tests/index.
MODEL_ALONE = {
    **ANY_RELEVANCE,
    "checks": False,
    "both_directions": False,
    "sentence_context": False,
    "rerank_depth": 0,
}

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


def indexed(tmp_path: Path, window: int, stride: int) -> LoadedIndex:
    return fake_index(DOCS, tmp_path / "idx", passage_window=window, passage_stride=stride)


@pytest.fixture
def verifier(tmp_path: Path) -> tuple[Verifier, FakeStanceModel]:
    index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    engine = fake_verifier(index, stance, default_top_k=3, max_judged_sentences=12, **MODEL_ALONE)
    return engine, stance


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
    index = indexed(tmp_path, window=3, stride=3)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    engine = fake_verifier(index, stance, max_judged_sentences=1, **MODEL_ALONE)
    result = engine.verify("Power of Siberia 2 pipeline")
    # one sentence overall, plus one for the other passage so that it can be cited
    assert stance.calls == [2]
    assert result.citations[0].text == "The Power of Siberia 2 pipeline was not mentioned."
    assert result.verdict is Verdict.REFUTED


def test_repeated_claims_are_answered_from_the_cache(tmp_path: Path) -> None:
    index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    settings = {"default_top_k": 3, **MODEL_ALONE}
    cached = fake_verifier(index, stance, answer_cache_size=2, **settings)
    first = cached.verify("Power of Siberia 2 pipeline was agreed.")
    again = cached.verify("  Power of Siberia 2   pipeline was agreed. ")
    assert len(stance.calls) == 1  # the second answer needed no model
    assert (again.verdict, again.citations) == (first.verdict, first.citations)
    assert again.claim == "  Power of Siberia 2   pipeline was agreed. "
    assert cached.verify("Power of Siberia 2 pipeline was agreed.", top_k=1).citations != (
        first.citations
    )  # another top_k is another question
    assert len(stance.calls) == 2
    assert cached.cache.hits == 1

    uncached = fake_verifier(index, stance, answer_cache_size=0, **settings)
    uncached.verify("Trade reached a record.")
    uncached.verify("Trade reached a record.")
    assert len(stance.calls) == 4
    assert len(uncached.cache) == 0


def test_no_retrieved_passage_is_not_enough_info(tmp_path: Path) -> None:
    index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({})
    verifier = fake_verifier(index, stance, mode="bm25")
    result = verifier.verify("Zebras gallop?")  # no word of it is in the corpus
    assert (result.verdict, result.citations, stance.calls) == (Verdict.NOT_ENOUGH_INFO, (), [])


def test_verify_many_answers_as_one_at_a_time_with_one_model_pass(tmp_path: Path) -> None:
    index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    verifier = fake_verifier(index, stance, default_top_k=3, answer_cache_size=0, **MODEL_ALONE)
    requests = [
        ClaimRequest("Power of Siberia 2 pipeline was agreed.", 3),
        ClaimRequest("Trade reached a record.", 1),
        ClaimRequest("Power of Siberia 2 pipeline was agreed.", 2),
    ]
    alone = [verifier.verify(request.claim, request.top_k) for request in requests]
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
    index = fake_index(docs, tmp_path / "idx", passage_window=2, passage_stride=2)
    # The fake would call the question a refutation: only a statement may decide.
    stance = FakeStanceModel(
        {"evidence:agreed?": Stance.REFUTES, "evidence:agreed last": Stance.SUPPORTS}
    )
    engine = fake_verifier(index, stance, default_top_k=2, max_judged_sentences=1, **MODEL_ALONE)
    result = engine.verify("Power of Siberia 2 was agreed.")
    assert result.verdict is Verdict.SUPPORTED
    assert [e.document_id for e in result.evidence] == ["s"]
    assert {c.document_id for c in result.citations} == {"q", "s"}


def test_one_way_contradiction_is_rejudged_in_reverse_on_the_evidence_only(
    tmp_path: Path,
) -> None:
    index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    settings = {
        **MODEL_ALONE,
        "default_top_k": 3,
        "max_judged_sentences": 12,
        "refute_threshold": 0.85,
    }
    claim = "Power of Siberia 2 pipeline was agreed."
    one_way = fake_verifier(index, stance, **settings)
    assert one_way.verify(claim).verdict is Verdict.REFUTED
    both = fake_verifier(index, stance, **{**settings, "both_directions": True})
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
    index = fake_index(docs, tmp_path / "idx", passage_window=1, passage_stride=1)
    stance = FakeStanceModel({"evidence:record": Stance.SUPPORTS})
    claim = "Trade reached a record 140 billion dollars last year."
    plain = fake_verifier(index, stance, **MODEL_ALONE).verify(claim)
    assert plain.verdict is Verdict.SUPPORTED
    checked = fake_verifier(index, stance, **{**MODEL_ALONE, "checks": True})
    refuted = checked.verify(claim)
    assert refuted.verdict is Verdict.REFUTED
    assert (refuted.reason.code, refuted.reason.check) == (Reason.REFUTED_BY_CHECK, "quantity")
    # Answered with the number check's measured precision, not the model's probability.
    assert refuted.confidence == QUANTITY_PRECISION
    assert checked.stance_identity["checks"] == "numbers,dates,polarity"


def test_a_pronoun_sentence_is_judged_and_cited_with_the_sentence_before(tmp_path: Path) -> None:
    text = "Putin and Xi met in Beijing on Thursday. They signed the Joint Statement. Gas rose."
    index = fake_index(
        [Document("visit", text)], tmp_path / "idx", passage_window=1, passage_stride=1
    )
    # Supports only when the model reads who "they" are.
    stance = FakeStanceModel({"evidence:Thursday. They signed": Stance.SUPPORTS})
    claim = "Putin and Xi signed the Joint Statement."

    def verifier(context: bool) -> Verifier:
        settings = {**MODEL_ALONE, "default_top_k": 1, "sentence_context": context}
        return fake_verifier(index, stance, **settings)

    alone, with_context = verifier(False).verify(claim), verifier(True).verify(claim)
    assert "context" not in verifier(False).stance_identity
    assert verifier(True).stance_identity["context"] == "sentence before a pronoun"
    assert alone.verdict is Verdict.NOT_ENOUGH_INFO
    assert alone.citations[0].text == "They signed the Joint Statement."
    assert with_context.verdict is Verdict.SUPPORTED
    cited = with_context.citations[0]
    assert cited.text == text[cited.start : cited.end]
    assert cited.text == "Putin and Xi met in Beijing on Thursday. They signed the Joint Statement."


def test_a_sentence_two_windows_share_is_cited_once(tmp_path: Path) -> None:
    text = (
        "Gas prices rose sharply in Europe. The pipeline was not mentioned. "
        "Gas prices fell sharply in Asia."
    )
    index = fake_index(
        [Document("gas", text)], tmp_path / "idx", passage_window=2, passage_stride=1
    )
    stance = FakeStanceModel({"evidence:not mentioned": Stance.REFUTES})
    engine = fake_verifier(index, stance, default_top_k=2, **MODEL_ALONE)
    result = engine.verify("The gas pipeline was mentioned.")
    texts = [c.text for c in result.citations]
    # Both windows hold the decisive sentence: the first cites it, the second its next best.
    assert texts[0] == "The pipeline was not mentioned."
    assert len(texts) == 2
    assert len(set(texts)) == 2
    assert result.verdict is Verdict.REFUTED


def test_production_defaults_refute_through_the_checks_and_both_directions(
    tmp_path: Path,
) -> None:
    """The configuration production runs, unchanged but for the fake embedder's relevance."""
    index = indexed(tmp_path, window=2, stride=1)
    stance = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES})
    engine = fake_verifier(index, stance, **ANY_RELEVANCE)
    assert set(engine.stance_identity) >= {"checks", "contradiction", "context"}
    result = engine.verify("The Power of Siberia 2 pipeline was mentioned.")
    # The fake's one-way REFUTES is halved by the reverse direction, but the polarity check
    # ("was not mentioned" against "was mentioned") raises it to its measured precision.
    assert result.verdict is Verdict.REFUTED
    assert result.citations[0].text == "The Power of Siberia 2 pipeline was not mentioned."
    # The shipped calibration maps the model's refutations; a check's keeps its precision.
    assert engine.judges[0].calibration(Verdict.REFUTED, POLARITY_PRECISION) < 0.7
    assert result.reason.code is Reason.REFUTED_BY_CHECK
    assert result.confidence == POLARITY_PRECISION


def test_claims_go_to_the_judge_that_reads_their_language(tmp_path: Path) -> None:
    from factdesk.wiring import build_verifier, make_judge, verdict_rule
    from tests.fakes import HashingEmbedder, fake_settings
    from verify.verifier import Judge

    english = FakeStanceModel({"evidence:was not mentioned": Stance.REFUTES}, name="english")
    # The multilingual judge supports whatever it reads: which judge answered shows.
    other = FakeStanceModel({}, default=Stance.SUPPORTS, name="multilingual")
    settings = fake_settings(default_top_k=3, **MODEL_ALONE)
    judge = Judge(other, ("ru", "de"), verdict_rule(settings), topic_gate=False)
    index = indexed(tmp_path, 2, 1)
    judges = [make_judge(settings, english), judge]
    engine = build_verifier(settings, HashingEmbedder(), index, judges)
    said = engine.verify_many(
        [
            ClaimRequest("Power of Siberia 2 pipeline was agreed.", 3),
            ClaimRequest("Трубопровод «Сила Сибири 2» был согласован во время визита.", 3),
            ClaimRequest("Leaders signed a statement in Beijing.", 3, "de"),
            ClaimRequest("パイプラインは合意された。", 3),
        ]
    )
    assert [a.judge for a in said] == ["english", "multilingual", "multilingual", None]
    assert said[0].verdict is Verdict.REFUTED
    assert said[1].language == "ru"
    # No topic gate across languages: the Russian claim is judged on the English evidence.
    assert said[1].verdict is Verdict.SUPPORTED
    assert said[2].language == "de"
    assert said[3].reason.code.value == "language_not_supported"
    assert "read en, ru, de only" in said[3].reason.detail
    assert english.calls
    assert other.calls
    assert "judge:ru,de" in engine.stance_identity


@pytest.mark.parametrize("both_directions", [True, False])
def test_a_judge_may_be_spared_the_reversed_pass(tmp_path: Path, both_directions: bool) -> None:
    from factdesk.wiring import build_verifier, make_judge, verdict_rule
    from tests.fakes import HashingEmbedder, fake_settings
    from verify.verifier import Judge

    english = FakeStanceModel({}, name="english")
    other = FakeStanceModel({}, default=Stance.REFUTES, name="multilingual")
    settings = fake_settings(default_top_k=3, **ANY_RELEVANCE)  # both_directions on
    judge = Judge(
        other, ("ru",), verdict_rule(settings), topic_gate=False, both_directions=both_directions
    )
    judges = [make_judge(settings, english), judge]
    engine = build_verifier(settings, HashingEmbedder(), indexed(tmp_path, 2, 1), judges)
    said = engine.verify("Трубопровод «Сила Сибири 2» был согласован во время визита.")
    assert said.judge == "multilingual"
    # The forward pass, then the reversed one only where the judge takes it.
    assert len(other.calls) == (2 if both_directions else 1)
    assert not english.calls
    assert said.verdict is Verdict.REFUTED  # the fake refutes either way round
    # The audit's identity of the judge says what it went without.
    described = engine.stance_identity["judge:ru"]
    assert described.startswith("multilingual (0); without topic gate")
    assert ("reversed pass" in described) is (not both_directions)
