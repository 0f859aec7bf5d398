from verify.answer_cache import AnswerCache, claim_key


def test_least_recently_used_answer_is_dropped_first() -> None:
    cache: AnswerCache[str] = AnswerCache(2)
    cache.put(claim_key("a", 5), "A")
    cache.put(claim_key("b", 5), "B")
    assert cache.get(claim_key(" a ", 5)) == "A"  # spacing does not make a new claim
    cache.put(claim_key("c", 5), "C")
    assert cache.get(claim_key("b", 5)) is None
    assert (cache.get(claim_key("a", 5)), cache.get(claim_key("c", 5))) == ("A", "C")
    assert cache.get(claim_key("a", 3)) is None
    assert (cache.hits, cache.misses, len(cache)) == (3, 2, 2)


def test_size_zero_keeps_nothing() -> None:
    cache: AnswerCache[str] = AnswerCache(0)
    cache.put(claim_key("a", 5), "A")
    assert cache.get(claim_key("a", 5)) is None
    assert len(cache) == 0
