"""The opening entry's claims: every number it quotes, against a reference."""

import numpy as np
import pytest
from dice import roll

ENTRY = "posts/entries/@@slug@@.md"


def test_rolls_are_fair_die_faces():
    rolls = roll(60_000, seed=1)
    assert rolls.min() == 1 and rolls.max() == 6
    # each face about a sixth of the time: 5 standard deviations of a binomial count
    counts = np.bincount(rolls, minlength=7)[1:]
    assert counts == pytest.approx(np.full(6, 10_000), abs=5 * np.sqrt(60_000 * (1 / 6) * (5 / 6)))


def test_quoted_mean_is_within_three_standard_errors_of_3_5(entry_runs):
    dice = entry_runs(ENTRY)["dice"]
    assert dice.values["n"] == 10_000
    rolls = roll(dice.values["n"])
    assert dice.values["mean"] == pytest.approx(rolls.mean(), rel=1e-12)  # the same rolls
    assert abs(dice.values["z"]) < 3
    assert dice.values["mean"] == pytest.approx(3.5, abs=3 * np.sqrt(35 / 12 / 10_000))
