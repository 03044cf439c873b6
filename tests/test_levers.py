"""Each lever moves the outcomes the ODD (docs/model.md, 7.13) says it moves, against no_policy,
on common seeds: a one-sided paired t-test over replicates at the 5% level.

Reduced size (1:40 scale: 5,000 tailors, 60 months) on the vector engine, 32 replicates (issue 14:
twice the 16 Mesa replicates these runs replaced, at a tenth of their cost; the engines are the
same model, tests/test_equivalence.py); smaller clusters found too few firms for a lever's effect
to stand out of the noise. The values of each lever's own channel are checked in
tests/test_lever_channels.py. The outcomes tested per lever are the
ones its mechanism acts on directly; effects on everything else are reported by `python -m sim
levers`, not asserted here.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy import stats

import sim
from tests.conftest import small

REPLICATES = 32
SIZE = {"population.tailors": 5000, "population.local_workers": 1000, "run.months": 60}
PARK = ("hq", "core", "base_fabric", "base_trims", "base_logistics")


@cache
def outcomes(arm: str) -> dict[str, np.ndarray]:
    """Per-replicate outcomes of one arm (cached: no_policy is shared by every test)."""
    scenario = small(arm, **SIZE)
    rows = []
    for rep in range(REPLICATES):
        ts = sim.run(scenario, engine="vector", seed=1000 + rep).timeseries
        final = ts.iloc[-1]
        window = ts[(ts["month"] >= 1) & (ts["month"] <= 60)]  # the levers' delivery window
        rows.append(
            {
                "births_returnee": ts["births_returnee"].sum(),
                "births": ts[["births_returnee", "births_outside"]].sum().sum(),
                "firms": final["firms"],
                "margin_in_window": window["margin"].mean(),
                "employment": final["employment"],
                "park_share": sum(final[f"firms_zone_{z}"] for z in PARK) / max(final["firms"], 1),
                "cost_total": final["cost_total"],
            }
        )
    return {k: np.array([r[k] for r in rows], dtype=float) for k in rows[0]}


EXPECTED = {
    "financing": ("births_returnee", "firms"),
    # start-up relief raises margins while it lasts, and higher margins draw entrants. Its effect
    # on the number of firms at the horizon is not asserted: +7.5 (p = 0.0002) with 32 vector
    # replicates while every active lever also drew returns and investors by its publicity alone
    # (docs/model.md 7.11), +2.7 (p = 0.06) once that option is off by default: the extra births
    # bring extra young-firm deaths, and what is left at the horizon is small against the noise
    "burden": ("margin_in_window", "births"),
    "plants": ("births_returnee", "park_share"),
    # the package on the same fund as each lever alone, a third per lever (scenarios/combined.yaml).
    # Its effect on employment at month 60 is not asserted: +617 jobs (p < 1e-6) with each lever's
    # whole budget (three times the money) and the publicity option on; +118 (95% CI -74 to +311,
    # p = 0.12) on equal money, at this size no more detectable than any single lever's
    "combined": ("firms", "births_returnee"),
}


@pytest.mark.slow
@pytest.mark.parametrize("arm", sorted(EXPECTED))
def test_lever_moves_its_outcomes_up(arm):
    base, lever = outcomes("no_policy"), outcomes(arm)
    for key in EXPECTED[arm]:
        diff = lever[key] - base[key]
        test = stats.ttest_rel(lever[key], base[key], alternative="greater")
        se = diff.std(ddof=1) / np.sqrt(diff.size)
        msg = (
            f"{arm} should raise {key}: paired difference {diff.mean():+.4g} "
            f"(95% CI {diff.mean() - 1.96 * se:+.4g} to {diff.mean() + 1.96 * se:+.4g}; "
            f"no_policy mean {base[key].mean():.4g}), p={test.pvalue:.3g}"
        )
        print(msg)
        assert test.pvalue < 0.05, msg
    assert (lever["cost_total"] > 0).all() and (base["cost_total"] == 0).all()
