from typing import Any

from factdesk.cli.verify import _stance


def test_a_citation_without_a_stance_is_shown_as_stating_nothing() -> None:
    heading: dict[str, Any] = {"stance": None, "stance_probabilities": {}, "decisive": False}
    assert _stance(heading) == "no stance: states nothing"


def test_the_decisive_citation_is_marked() -> None:
    probabilities = {"SUPPORTS": 0.1, "REFUTES": 0.8, "NEUTRAL": 0.1}
    citation = {"stance": "REFUTES", "stance_probabilities": probabilities, "decisive": True}
    assert _stance(citation) == "REFUTES 0.80, decisive"
    assert _stance({**citation, "decisive": False}) == "REFUTES 0.80"
