"""The licence-clean recipes hold only sources whose licences allow commercial use."""

import pytest

from evaluation.card import NON_COMMERCIAL
from training.recipe import RECIPES, commercial_only

CLEAN = ("commercial-base", "commercial-news")


@pytest.mark.parametrize("name", CLEAN)
def test_a_commercial_recipe_reads_only_commercial_sources(name: str) -> None:
    recipe = RECIPES[name]
    assert recipe.sources
    for source in (*recipe.sources, *recipe.crossing_sources):
        assert source.commercial, source.name
        licence = source.licence.lower()
        assert not any(marker in licence for marker in NON_COMMERCIAL), source.name
        for unclear in ("not stated", "unstated", "research"):
            assert unclear not in licence, source.name


def test_every_marked_source_states_a_licence_and_the_unmarked_are_left_out() -> None:
    base = RECIPES["base"].sources
    kept = commercial_only(base)
    left_out = {s.name for s in base} - {s.name for s in kept}
    # The non-commercial, unstated, research-only and mixed third-party-text sets.
    assert {"scifact_train", "lingnli_train", "rte_train", "check_covid_train", "wice_dev"} <= (
        left_out
    )
    assert {"snli_dev", "mnli_dev_matched", "fever_nli_dev", "fool_me_twice_dev"} <= {
        s.name for s in kept
    }
    assert RECIPES["commercial-news"].needs_init
