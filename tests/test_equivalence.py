"""The two engines are statistically the same model on baseline, no_policy and financing.

The checks and their tolerances are in tests/equivalence.py.
"""

from __future__ import annotations

import pytest

from tests.equivalence import engines_agree_at_the_horizon, engines_agree_over_time

SCENARIO_NAMES = ("baseline", "no_policy", "financing")


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_engines_agree_at_the_horizon(name):
    engines_agree_at_the_horizon(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_engines_agree_over_time(name):
    engines_agree_over_time(name)
